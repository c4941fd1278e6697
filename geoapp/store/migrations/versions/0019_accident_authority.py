"""An accident's own 主管部门 (``authority``): its department when no enterprise is linked.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    columns = {c["name"] for c in sa.inspect(op.get_bind()).get_columns("accident")}
    if "authority" in columns:
        return
    op.add_column("accident", sa.Column("authority", sa.String(length=40), nullable=False,
                                        server_default=""))


def downgrade() -> None:
    # a plain DROP COLUMN (SQLite ≥ 3.35 too), as 0017 does
    op.execute("ALTER TABLE accident DROP COLUMN authority")
