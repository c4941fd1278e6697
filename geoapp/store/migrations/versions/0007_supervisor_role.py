"""The supervisor role (安监站 or sector-department staff who review hazards).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

NEW_ROLES = "role IN ('leader', 'grid', 'planner', 'admin', 'supervisor')"
OLD_ROLES = "role IN ('leader', 'grid', 'planner', 'admin')"


def _set_role_check(condition: str) -> None:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        op.drop_constraint("ck_app_user_role", "app_user", type_="check")
        op.create_check_constraint("ck_app_user_role", "app_user", condition)
        return
    # SQLite changes a CHECK only by copying the table; dropping the old
    # app_user would cascade-delete user_cell (ON DELETE CASCADE, foreign keys
    # on), so the cell links are kept aside for the copy and put back after.
    op.execute("CREATE TEMP TABLE user_cell_kept AS SELECT user_id, cell_code FROM user_cell")
    op.execute("DELETE FROM user_cell")
    with op.batch_alter_table("app_user", recreate="always") as batch:
        batch.drop_constraint("ck_app_user_role", type_="check")
        batch.create_check_constraint("ck_app_user_role", condition)
    op.execute("INSERT INTO user_cell (user_id, cell_code) "
               "SELECT user_id, cell_code FROM user_cell_kept")
    op.execute("DROP TABLE user_cell_kept")


def upgrade() -> None:
    _set_role_check(NEW_ROLES)


def downgrade() -> None:
    if op.get_bind().execute(
            sa.text("SELECT count(*) FROM app_user WHERE role = 'supervisor'")).scalar():
        raise RuntimeError("supervisor accounts exist: change or remove them before downgrading")
    _set_role_check(OLD_ROLES)
