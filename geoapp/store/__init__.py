"""The only place that speaks SQLAlchemy: the database handle, the backend
differences, models, migrations, the hazard commands, assignment upkeep, the
importer, accounts, the demo loader and one read side per purpose (``reads``).
"""
