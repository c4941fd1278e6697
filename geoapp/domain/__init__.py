"""Pure rules: no Flask, no SQLAlchemy. Coordinates, the spatial join, risk, layer
files, major hazard grading, identifiers, industries, the hazard workflow, periods and
a hazard's history, ranking, the admission check and its catalogues.
"""
