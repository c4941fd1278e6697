"""Inspections, photos, point history, edit changes on hazard events, client ids.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

import geoapp.store.dialect
from geoapp.store.dialect import JSON, append_only_ddl

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

NEW_TABLES = ("point_event", "inspection", "photo")


def upgrade() -> None:
    bind = op.get_bind()
    inspector = sa.inspect(bind)
    existing = set(inspector.get_table_names())
    if "point_event" in existing:
        return  # made by create_all (tests, tools): already at this revision's schema
    # plain ADD COLUMN and a unique index: SQLite's batch mode would copy and
    # drop the hazard table, which hazard_event's rows refer to
    op.add_column("point", sa.Column("last_visit_on", sa.Date(), nullable=True))
    op.add_column("hazard", sa.Column("client_id", sa.String(length=36), nullable=True))
    op.create_index("ix_hazard_client_id", "hazard", ["client_id"], unique=True)
    # hazard_event is append-only by trigger; adding a column rewrites no row on
    # PostgreSQL, and SQLite's ADD COLUMN fires no UPDATE trigger
    op.add_column("hazard_event", sa.Column("changes", JSON, nullable=True))
    op.create_table(
        "point_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("point_id", sa.Integer(), nullable=False),
        sa.Column("at", geoapp.store.dialect.UTCDateTime(), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("changes", JSON, nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["point_id"], ["point.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_point_event_point_id", "point_event", ["point_id"])
    op.create_table(
        "inspection",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("point_id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.String(length=36), nullable=True),
        sa.Column("inspected_at", geoapp.store.dialect.UTCDateTime(), nullable=False),
        sa.Column("inspector", sa.String(length=64), nullable=False),
        sa.Column("inspector_name", sa.String(length=100), nullable=False),
        sa.Column("lon", sa.Double(), nullable=True),
        sa.Column("lat", sa.Double(), nullable=True),
        sa.Column("accuracy_m", sa.Double(), nullable=True),
        sa.Column("distance_m", sa.Double(), nullable=True),
        sa.Column("checklist", JSON, nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["point_id"], ["point.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("client_id"),
    )
    op.create_index("ix_inspection_point_id", "inspection", ["point_id"])
    op.create_index("ix_inspection_inspected_at", "inspection", ["inspected_at"])
    op.create_table(
        "photo",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("inspection_id", sa.Integer(), nullable=True),
        sa.Column("hazard_id", sa.Integer(), nullable=True),
        sa.Column("hazard_event_id", sa.Integer(), nullable=True),
        sa.Column("uploaded_at", geoapp.store.dialect.UTCDateTime(), nullable=False),
        sa.Column("uploaded_by", sa.String(length=64), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("media_type", sa.String(length=20), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("taken_at", geoapp.store.dialect.UTCDateTime(), nullable=True),
        sa.Column("gps_lon", sa.Double(), nullable=True),
        sa.Column("gps_lat", sa.Double(), nullable=True),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("thumb", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["inspection_id"], ["inspection.id"]),
        sa.ForeignKeyConstraint(["hazard_id"], ["hazard.id"]),
        sa.ForeignKeyConstraint(["hazard_event_id"], ["hazard_event.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_photo_inspection_id", "photo", ["inspection_id"])
    op.create_index("ix_photo_hazard_id", "photo", ["hazard_id"])
    for table in NEW_TABLES:
        for ddl in append_only_ddl(table, bind.dialect.name):
            op.execute(ddl)


def downgrade() -> None:
    for table in reversed(NEW_TABLES):
        op.drop_table(table)
        if op.get_bind().dialect.name == "postgresql":
            op.execute(f"DROP FUNCTION IF EXISTS {table}_append_only()")
    op.drop_index("ix_hazard_client_id", "hazard")
    for table, column in (("hazard_event", "changes"), ("hazard", "client_id"),
                          ("point", "last_visit_on")):
        with op.batch_alter_table(table) as batch:
            batch.drop_column(column)
