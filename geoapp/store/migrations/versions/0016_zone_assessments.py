"""Zone assessments (zone_assessment): a functional zone's graded history, append-only;
the latest gives the zone its grade.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

import geoapp.store.dialect
from geoapp.store.dialect import append_only_ddl

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    if "zone_assessment" in sa.inspect(bind).get_table_names():
        return
    op.create_table(
        "zone_assessment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("zone_code", sa.String(length=50), nullable=False),
        sa.Column("assessed_on", sa.Date(), nullable=False),
        sa.Column("score", sa.Double(), nullable=True),
        sa.Column("grade", sa.String(length=1), nullable=False),
        sa.Column("body", sa.String(length=200), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("recorded_by", sa.String(length=100), nullable=False),
        sa.Column("recorded_at", geoapp.store.dialect.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_zone_assessment_zone_code", "zone_assessment", ["zone_code"])
    for ddl in append_only_ddl("zone_assessment", bind.dialect.name):
        op.execute(ddl)


def downgrade() -> None:
    op.drop_index("ix_zone_assessment_zone_code", table_name="zone_assessment")
    op.drop_table("zone_assessment")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS zone_assessment_append_only()")
