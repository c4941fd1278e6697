"""An account's department (行业主管部门): a supervisor given one reads and acts on its sector
only (geoapp.store.departments, geoapp.web.department).

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    columns = {c["name"] for c in sa.inspect(op.get_bind()).get_columns("app_user")}
    if "department" not in columns:
        op.add_column("app_user", sa.Column("department", sa.String(length=40), nullable=True))


def downgrade() -> None:
    # a plain DROP COLUMN (SQLite ≥ 3.35 too): a batch copy of app_user would delete the
    # rows that cascade from it (user_cell, outbox)
    op.execute("ALTER TABLE app_user DROP COLUMN department")
