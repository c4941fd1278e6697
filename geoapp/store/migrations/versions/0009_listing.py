"""挂牌督办 as a record: the listing table, filled from the old yes/no flag.

Every hazard with ``listed`` = true gets a listing whose date, level, unit,
deadline and lister are unknown (NULL): the old flag never recorded them, and
none is invented. ``hazard.listed`` stays, kept in step by the listing steps.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if "listing" not in sa.inspect(op.get_bind()).get_table_names():  # else made by create_all
        op.create_table(
            "listing",
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("hazard_id", sa.Integer(), nullable=False),
            sa.Column("level", sa.String(length=10), nullable=True),
            sa.Column("unit", sa.String(length=200), nullable=True),
            sa.Column("listed_on", sa.Date(), nullable=True),
            sa.Column("deadline", sa.Date(), nullable=True),
            sa.Column("listed_by", sa.String(length=100), nullable=True),
            sa.Column("listed_published_on", sa.Date(), nullable=True),
            sa.Column("delisted_on", sa.Date(), nullable=True),
            sa.Column("delisted_by", sa.String(length=100), nullable=True),
            sa.Column("delisted_published_on", sa.Date(), nullable=True),
            sa.ForeignKeyConstraint(["hazard_id"], ["hazard.id"]),
            sa.PrimaryKeyConstraint("id"),
            sa.UniqueConstraint("hazard_id"),
        )
    # the old flag becomes a record of unknown date (only where none exists yet)
    op.execute("INSERT INTO listing (hazard_id) SELECT id FROM hazard WHERE listed "
               "AND id NOT IN (SELECT hazard_id FROM listing) ORDER BY id")


def downgrade() -> None:
    # the flag on hazard stays, so nothing a figure reads is lost
    op.drop_table("listing")
