"""The accident register (生产安全事故): one row per accident, its place, figures and grade.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

import geoapp.store.dialect

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if "accident" in sa.inspect(op.get_bind()).get_table_names():
        return
    op.create_table(
        "accident",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=60), nullable=False),
        sa.Column("occurred_on", sa.Date(), nullable=False),
        sa.Column("occurred_time", sa.String(length=5), nullable=True),
        sa.Column("type", sa.String(length=2), nullable=False),
        sa.Column("deaths", sa.Integer(), nullable=False),
        sa.Column("serious_injuries", sa.Integer(), nullable=False),
        sa.Column("injuries", sa.Integer(), nullable=False),
        sa.Column("loss", sa.Double(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("grade", sa.String(length=20), nullable=False),
        sa.Column("address", sa.String(length=300), nullable=False),
        sa.Column("geom", geoapp.store.dialect.Geometry("POINT"), nullable=True),
        sa.Column("enterprise", sa.String(length=200), nullable=False),
        sa.Column("point_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("cell_code", sa.String(length=50), nullable=True),
        sa.Column("outside", sa.Boolean(), nullable=False),
        sa.Column("nearest_cell_code", sa.String(length=50), nullable=True),
        sa.Column("recorded_by", sa.String(length=100), nullable=False),
        sa.Column("updated_at", geoapp.store.dialect.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["point_id"], ["point.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code"),
    )
    op.create_index("ix_accident_occurred_on", "accident", ["occurred_on"])
    op.create_index("ix_accident_point_id", "accident", ["point_id"])
    op.create_index("ix_accident_cell_code", "accident", ["cell_code"])


def downgrade() -> None:
    op.drop_table("accident")
