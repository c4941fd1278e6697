"""Alembic environment: the connection comes from geoapp.store.migrate (no alembic.ini)."""

from alembic import context

from geoapp.store import models  # noqa: F401  (registers the tables on Base.metadata)
from geoapp.store.migrations import env_options
from geoapp.store.models import Base

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",  # SQLite cannot ALTER most things
    **env_options(),
)
with context.begin_transaction():
    context.run_migrations()
