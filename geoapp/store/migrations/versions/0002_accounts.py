"""Accounts: users with a role, and the cells each grid member works.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

import geoapp.store.dialect

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A database made by create_all (stamped at the 0001 baseline by geoapp.store.migrate)
    # may already have these tables: then there is nothing to do.
    existing = set(sa.inspect(op.get_bind()).get_table_names())
    if "app_user" not in existing:
        op.create_table(
            "app_user",
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("username", sa.String(length=64), nullable=False),
            sa.Column("password_hash", sa.String(length=255), nullable=False),
            sa.Column("role", sa.String(length=10), nullable=False),
            sa.Column("display_name", sa.String(length=100), nullable=True),
            sa.Column("active", sa.Boolean(), nullable=False),
            sa.Column("created_at", geoapp.store.dialect.UTCDateTime(), nullable=False),
            sa.CheckConstraint("role IN ('leader', 'grid', 'planner', 'admin')",
                               name="ck_app_user_role"),
            sa.PrimaryKeyConstraint("id"),
            sa.UniqueConstraint("username"),
        )
    if "user_cell" not in existing:
        op.create_table(
            "user_cell",
            sa.Column("user_id", sa.Integer(), nullable=False),
            sa.Column("cell_code", sa.String(length=50), nullable=False),
            sa.ForeignKeyConstraint(["user_id"], ["app_user.id"], ondelete="CASCADE"),
            sa.PrimaryKeyConstraint("user_id", "cell_code"),
        )
        op.create_index("ix_user_cell_cell_code", "user_cell", ["cell_code"])


def downgrade() -> None:
    op.drop_table("user_cell")
    op.drop_table("app_user")
