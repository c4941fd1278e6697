"""Sessions that end: a per-account session generation (geoapp.store.models.User.get_id).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # a database made by create_all already has the column (see 0002)
    columns = {c["name"] for c in sa.inspect(op.get_bind()).get_columns("app_user")}
    if "session_generation" not in columns:
        with op.batch_alter_table("app_user") as batch:
            batch.add_column(sa.Column("session_generation", sa.Integer(), nullable=False,
                                       server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("app_user") as batch:
        batch.drop_column("session_generation")
