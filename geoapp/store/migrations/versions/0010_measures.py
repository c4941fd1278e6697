"""Supervisory measures (督办措施): the append-only ``measure`` table.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

import geoapp.store.dialect
from geoapp.store.dialect import append_only_ddl

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    if "measure" in sa.inspect(bind).get_table_names():
        return  # made by create_all (tests, tools): already at this revision's schema
    op.create_table(
        "measure",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("taken_on", sa.Date(), nullable=False),
        sa.Column("unit", sa.String(length=200), nullable=False),
        sa.Column("recipient", sa.String(length=200), nullable=False),
        sa.Column("referred_to", sa.String(length=200), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("point_id", sa.Integer(), nullable=True),
        sa.Column("hazard_id", sa.Integer(), nullable=True),
        sa.Column("hazard_event_id", sa.Integer(), nullable=True),
        sa.Column("recorded_by", sa.String(length=64), nullable=False),
        sa.Column("recorded_at", geoapp.store.dialect.UTCDateTime(), nullable=False),
        sa.Column("attachment_name", sa.String(length=255), nullable=True),
        sa.Column("attachment_type", sa.String(length=40), nullable=True),
        sa.Column("attachment_size", sa.Integer(), nullable=True),
        sa.Column("attachment_sha256", sa.String(length=64), nullable=True),
        sa.Column("attachment", sa.LargeBinary(), nullable=True),
        sa.CheckConstraint("(point_id IS NULL) <> (hazard_id IS NULL)",
                           name="ck_measure_one_target"),
        sa.ForeignKeyConstraint(["point_id"], ["point.id"]),
        sa.ForeignKeyConstraint(["hazard_id"], ["hazard.id"]),
        sa.ForeignKeyConstraint(["hazard_event_id"], ["hazard_event.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_measure_kind", "measure", ["kind"])
    op.create_index("ix_measure_taken_on", "measure", ["taken_on"])
    op.create_index("ix_measure_point_id", "measure", ["point_id"])
    op.create_index("ix_measure_hazard_id", "measure", ["hazard_id"])
    for ddl in append_only_ddl("measure", bind.dialect.name):
        op.execute(ddl)


def downgrade() -> None:
    op.drop_table("measure")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS measure_append_only()")
