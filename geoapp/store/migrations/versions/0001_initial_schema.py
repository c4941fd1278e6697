"""Initial schema: territory, zones, points, hazards and their append-only history.

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

import geoapp.store.dialect
from geoapp.store.dialect import JSON, append_only_ddl

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        # needs a superuser the first time; a no-op once an administrator has created it
        op.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    op.create_table(
        "town",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    op.create_table(
        "village",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("town_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("code", sa.String(length=50), nullable=True),
        sa.ForeignKeyConstraint(["town_id"], ["town.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("town_id", "name"),
    )
    op.create_table(
        "cell",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=50), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("village_id", sa.Integer(), nullable=False),
        sa.Column("geom", geoapp.store.dialect.Geometry("MULTIPOLYGON"), nullable=False),
        sa.Column("members", JSON, nullable=False),
        sa.Column("supervising_unit", sa.String(length=200), nullable=True),
        sa.Column("supervisor", sa.String(length=100), nullable=True),
        sa.Column("risk_level", sa.String(length=10), nullable=False),
        sa.ForeignKeyConstraint(["village_id"], ["village.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code"),
    )
    op.create_table(
        "zone",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=50), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("park_score", sa.Double(), nullable=True),
        sa.Column("geom", geoapp.store.dialect.Geometry("MULTIPOLYGON"), nullable=False),
        sa.Column("risk_level", sa.String(length=10), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code"),
    )
    op.create_table(
        "point",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("layer", sa.String(length=40), nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("geom", geoapp.store.dialect.Geometry("POINT"), nullable=False),
        sa.Column("attrs", JSON, nullable=False),
        sa.Column("industry", sa.String(length=8), nullable=True),
        sa.Column("source_crs", sa.String(length=40), nullable=False),
        sa.Column("cell_code", sa.String(length=50), nullable=True),
        sa.Column("zone_codes", JSON, nullable=False),
        sa.Column("outside", sa.Boolean(), nullable=False),
        sa.Column("nearest_cell_code", sa.String(length=50), nullable=True),
        sa.Column("distance_m", sa.Double(), nullable=True),
        sa.Column("inherent_level", sa.String(length=10), nullable=False),
        sa.Column("risk_level", sa.String(length=10), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("layer", "key"),
    )
    op.create_index("ix_point_cell_code", "point", ["cell_code"])
    op.create_index("ix_point_industry", "point", ["industry"])
    op.create_index("ix_point_layer", "point", ["layer"])
    op.create_table(
        "hazard",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=60), nullable=False),
        sa.Column("point_id", sa.Integer(), nullable=False),
        sa.Column("level", sa.String(length=10), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("found_on", sa.Date(), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=False),
        sa.Column("responsible_unit", sa.String(length=200), nullable=True),
        sa.Column("responsible_person", sa.String(length=100), nullable=True),
        sa.Column("listed", sa.Boolean(), nullable=False),
        sa.Column("state", sa.String(length=24), nullable=False),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["point_id"], ["point.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code"),
    )
    op.create_index("ix_hazard_point_id", "hazard", ["point_id"])
    op.create_index("ix_hazard_state", "hazard", ["state"])
    op.create_table(
        "hazard_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("hazard_id", sa.Integer(), nullable=False),
        sa.Column("at", geoapp.store.dialect.UTCDateTime(), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("from_state", sa.String(length=24), nullable=True),
        sa.Column("to_state", sa.String(length=24), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["hazard_id"], ["hazard.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_hazard_event_hazard_id", "hazard_event", ["hazard_id"])
    for ddl in append_only_ddl("hazard_event", dialect):
        op.execute(ddl)


def downgrade() -> None:
    for table in ("hazard_event", "hazard", "point", "zone", "cell", "village", "town"):
        op.drop_table(table)
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS hazard_event_append_only()")
