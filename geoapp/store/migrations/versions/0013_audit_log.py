"""The audit log: log-ins, imports, exports, account changes, rule files loaded. Append-only.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

import geoapp.store.dialect
from geoapp.store.dialect import JSON, append_only_ddl

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    if "audit_log" in sa.inspect(bind).get_table_names():
        return  # made by create_all (tests, tools): already at this revision's schema
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", geoapp.store.dialect.UTCDateTime(), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("action", sa.String(length=30), nullable=False),
        sa.Column("target", sa.String(length=255), nullable=False),
        sa.Column("detail", JSON, nullable=False),
        sa.Column("ip", sa.String(length=45), nullable=True),
        sa.Column("via", sa.String(length=8), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_audit_log_at", "audit_log", ["at"])
    op.create_index("ix_audit_log_actor", "audit_log", ["actor"])
    op.create_index("ix_audit_log_action", "audit_log", ["action"])
    for ddl in append_only_ddl("audit_log", bind.dialect.name):
        op.execute(ddl)


def downgrade() -> None:
    for name in ("action", "actor", "at"):
        op.drop_index(f"ix_audit_log_{name}", table_name="audit_log")
    op.drop_table("audit_log")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS audit_log_append_only()")
