"""The admission register: every check stored (admission_check, its cells) with a sheet
number from a per-year counter (admission_counter). Checks are append-only.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

import geoapp.store.dialect
from geoapp.store.dialect import JSON, append_only_ddl

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    tables = sa.inspect(bind).get_table_names()
    if "admission_check" not in tables:
        op.create_table(
            "admission_check",
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("number", sa.String(length=20), nullable=False),
            sa.Column("checked_at", geoapp.store.dialect.UTCDateTime(), nullable=False),
            sa.Column("actor", sa.String(length=100), nullable=True),
            sa.Column("geom", geoapp.store.dialect.Geometry("GEOMETRY"), nullable=False),
            sa.Column("site_input", JSON, nullable=False),
            sa.Column("crs", sa.String(length=10), nullable=False),
            sa.Column("industry_code", sa.String(length=8), nullable=False),
            sa.Column("industry_name", sa.String(length=200), nullable=False),
            sa.Column("verdict", sa.String(length=12), nullable=False),
            sa.Column("reasons", JSON, nullable=False),
            sa.Column("zone_codes", JSON, nullable=False),
            sa.Column("catalogue_sha256", sa.String(length=64), nullable=False),
            sa.Column("catalogues", JSON, nullable=False),
            sa.Column("result", JSON, nullable=False),
            sa.PrimaryKeyConstraint("id"),
            sa.UniqueConstraint("number"),
        )
        op.create_index("ix_admission_check_checked_at", "admission_check", ["checked_at"])
        op.create_index("ix_admission_check_actor", "admission_check", ["actor"])
        op.create_index("ix_admission_check_industry_code", "admission_check",
                        ["industry_code"])
        op.create_index("ix_admission_check_verdict", "admission_check", ["verdict"])
        for ddl in append_only_ddl("admission_check", bind.dialect.name):
            op.execute(ddl)
    if "admission_check_cell" not in tables:
        op.create_table(
            "admission_check_cell",
            sa.Column("check_id", sa.Integer(), nullable=False),
            sa.Column("cell_code", sa.String(length=50), nullable=False),
            sa.ForeignKeyConstraint(["check_id"], ["admission_check.id"], ondelete="CASCADE"),
            sa.PrimaryKeyConstraint("check_id", "cell_code"),
        )
        op.create_index("ix_admission_check_cell_cell_code", "admission_check_cell",
                        ["cell_code"])
    if "admission_counter" not in tables:
        op.create_table(
            "admission_counter",
            sa.Column("year", sa.String(length=4), nullable=False),
            sa.Column("last", sa.Integer(), nullable=False),
            sa.PrimaryKeyConstraint("year"),
        )


def downgrade() -> None:
    op.drop_table("admission_counter")
    op.drop_index("ix_admission_check_cell_cell_code", table_name="admission_check_cell")
    op.drop_table("admission_check_cell")
    op.drop_table("admission_check")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS admission_check_append_only()")
