"""Reminders by mail: an account's email address and the outbox of queued reminders.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

import geoapp.store.dialect
from geoapp.store.dialect import JSON

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if "outbox" in sa.inspect(op.get_bind()).get_table_names():
        return  # made by create_all (tests, tools): already at this revision's schema
    # a plain ADD COLUMN: SQLite's batch mode would copy app_user, and dropping the
    # old one would cascade to user_cell (see 0007)
    op.add_column("app_user", sa.Column("email", sa.String(length=254), nullable=True))
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=120), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("hazard_id", sa.Integer(), nullable=False),
        sa.Column("item", JSON, nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("queued_at", geoapp.store.dialect.UTCDateTime(), nullable=False),
        sa.Column("sent_at", geoapp.store.dialect.UTCDateTime(), nullable=True),
        sa.CheckConstraint("state IN ('queued', 'sent', 'failed')", name="ck_outbox_state"),
        sa.ForeignKeyConstraint(["user_id"], ["app_user.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("user_id", "key", name="uq_outbox_user_key"),
    )
    op.create_index("ix_outbox_state", "outbox", ["state"])


def downgrade() -> None:
    op.drop_index("ix_outbox_state", table_name="outbox")
    op.drop_table("outbox")
    if op.get_bind().dialect.name == "sqlite":
        # DROP COLUMN without a table copy (SQLite ≥ 3.35): user_cell stays
        op.execute("ALTER TABLE app_user DROP COLUMN email")
    else:
        op.drop_column("app_user", "email")
