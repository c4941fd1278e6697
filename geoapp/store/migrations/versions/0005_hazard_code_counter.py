"""Hazard code counters, one row per day (geoapp.store.models.HazardCodeCounter).

Seeded from the codes already stored, so the next code of a day follows the
highest one taken.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if "hazard_code_counter" in set(sa.inspect(op.get_bind()).get_table_names()):
        return  # made by create_all (tests, tools)
    table = op.create_table(
        "hazard_code_counter",
        sa.Column("day", sa.String(8), nullable=False),
        sa.Column("last", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day"),
    )
    highest: dict[str, int] = {}
    for (code,) in op.get_bind().execute(sa.text("SELECT code FROM hazard WHERE code LIKE 'YH%'")):
        day, sep, number = code[2:].partition("-")
        if sep and len(day) == 8 and day.isdigit() and number.isdigit():
            highest[day] = max(highest.get(day, 0), int(number))
    if highest:
        op.bulk_insert(table, [{"day": d, "last": n} for d, n in sorted(highest.items())])


def downgrade() -> None:
    op.drop_table("hazard_code_counter")
