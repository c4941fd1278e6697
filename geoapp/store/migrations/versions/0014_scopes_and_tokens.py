"""Area scopes (user_area), personal access tokens (access_token), an account's phone.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

import geoapp.store.dialect

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    inspector = sa.inspect(op.get_bind())
    tables = inspector.get_table_names()
    if "phone" not in {c["name"] for c in inspector.get_columns("app_user")}:
        op.add_column("app_user", sa.Column("phone", sa.String(length=20), nullable=True))
    if "user_area" not in tables:
        op.create_table(
            "user_area",
            sa.Column("user_id", sa.Integer(), nullable=False),
            sa.Column("kind", sa.String(length=8), nullable=False),
            sa.Column("code", sa.String(length=100), nullable=False),
            sa.CheckConstraint("kind IN ('town', 'village', 'cell', 'zone')",
                               name="ck_user_area_kind"),
            sa.ForeignKeyConstraint(["user_id"], ["app_user.id"], ondelete="CASCADE"),
            sa.PrimaryKeyConstraint("user_id", "kind", "code"),
        )
    if "access_token" not in tables:
        op.create_table(
            "access_token",
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("user_id", sa.Integer(), nullable=False),
            sa.Column("name", sa.String(length=100), nullable=False),
            sa.Column("prefix", sa.String(length=12), nullable=False),
            sa.Column("token_hash", sa.String(length=64), nullable=False),
            sa.Column("created_at", geoapp.store.dialect.UTCDateTime(), nullable=False),
            sa.Column("last_used_at", geoapp.store.dialect.UTCDateTime(), nullable=True),
            sa.Column("revoked_at", geoapp.store.dialect.UTCDateTime(), nullable=True),
            sa.ForeignKeyConstraint(["user_id"], ["app_user.id"], ondelete="CASCADE"),
            sa.PrimaryKeyConstraint("id"),
            sa.UniqueConstraint("token_hash"),
        )
        op.create_index("ix_access_token_user_id", "access_token", ["user_id"])


def downgrade() -> None:
    op.drop_index("ix_access_token_user_id", table_name="access_token")
    op.drop_table("access_token")
    op.drop_table("user_area")
    # a plain DROP COLUMN (SQLite ≥ 3.35 too): a batch copy of app_user would delete the
    # rows that cascade from it (user_cell, outbox)
    op.execute("ALTER TABLE app_user DROP COLUMN phone")
