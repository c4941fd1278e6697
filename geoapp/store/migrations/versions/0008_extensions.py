"""Extensions (延期): the extension table and the hazard's original deadline.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

import geoapp.store.dialect

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

PENDING = "state = 'requested'"


def upgrade() -> None:
    if "extension" in sa.inspect(op.get_bind()).get_table_names():
        return  # made by create_all (tests, tools): already at this revision's schema
    # a plain ADD COLUMN: SQLite's batch mode would copy and drop the hazard table,
    # which hazard_event's rows refer to. Old hazards were never extended: NULL.
    op.add_column("hazard", sa.Column("original_deadline", sa.Date(), nullable=True))
    op.create_table(
        "extension",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("hazard_id", sa.Integer(), nullable=False),
        sa.Column("requested_at", geoapp.store.dialect.UTCDateTime(), nullable=False),
        sa.Column("requested_by", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("old_deadline", sa.Date(), nullable=False),
        sa.Column("until", sa.Date(), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("decided_at", geoapp.store.dialect.UTCDateTime(), nullable=True),
        sa.Column("decided_by", sa.String(length=64), nullable=True),
        sa.Column("decision_note", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint("state IN ('requested', 'approved', 'refused')",
                           name="ck_extension_state"),
        sa.ForeignKeyConstraint(["hazard_id"], ["hazard.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_extension_hazard_id", "extension", ["hazard_id"])
    # one request waits for its decision per hazard at a time
    op.create_index("ux_extension_pending", "extension", ["hazard_id"], unique=True,
                    sqlite_where=sa.text(PENDING), postgresql_where=sa.text(PENDING))


def downgrade() -> None:
    op.drop_index("ux_extension_pending", table_name="extension")
    op.drop_index("ix_extension_hazard_id", table_name="extension")
    op.drop_table("extension")
    op.drop_column("hazard", "original_deadline")
