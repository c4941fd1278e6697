"""Every channel in: enterprise accounts and self-checks, public reports (一键举报).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

import geoapp.store.dialect
from geoapp.store.dialect import append_only_ddl

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

NEW_ROLES = "role IN ('leader', 'grid', 'planner', 'admin', 'supervisor', 'enterprise')"
OLD_ROLES = "role IN ('leader', 'grid', 'planner', 'admin', 'supervisor')"
# rows that refer to app_user with ON DELETE CASCADE: SQLite's table copy would delete them
KEPT = {"user_cell": "user_id, cell_code",
        "outbox": "id, user_id, key, kind, hazard_id, item, state, attempts, last_error, "
                  "queued_at, sent_at"}


def _set_role_check(condition: str) -> None:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        op.drop_constraint("ck_app_user_role", "app_user", type_="check")
        op.create_check_constraint("ck_app_user_role", "app_user", condition)
        return
    # SQLite changes a CHECK only by copying the table (see 0007); the rows that
    # cascade from app_user are kept aside for the copy and put back after
    for table, columns in KEPT.items():
        op.execute(f"CREATE TEMP TABLE {table}_kept AS SELECT {columns} FROM {table}")
        op.execute(f"DELETE FROM {table}")
    with op.batch_alter_table("app_user", recreate="always") as batch:
        batch.drop_constraint("ck_app_user_role", type_="check")
        batch.create_check_constraint("ck_app_user_role", condition)
    for table, columns in KEPT.items():
        op.execute(f"INSERT INTO {table} ({columns}) SELECT {columns} FROM {table}_kept")
        op.execute(f"DROP TABLE {table}_kept")


def upgrade() -> None:
    bind = op.get_bind()
    if "public_report" in sa.inspect(bind).get_table_names():
        # made by create_all (tests, tools): already at this revision's schema, but 0007
        # (which has no such guard) has just narrowed the role check to its five roles
        _set_role_check(NEW_ROLES)
        return
    op.add_column("app_user", sa.Column("enterprise_uscc", sa.String(length=18), nullable=True))
    op.create_index("ix_app_user_enterprise_uscc", "app_user", ["enterprise_uscc"])
    _set_role_check(NEW_ROLES)
    # inspection is append-only by trigger; ADD COLUMN fires none and rewrites no row
    op.add_column("inspection", sa.Column("source", sa.String(length=12), nullable=False,
                                          server_default="inspection"))
    op.create_index("ix_inspection_source", "inspection", ["source"])
    op.create_table(
        "public_report",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("created_at", geoapp.store.dialect.UTCDateTime(), nullable=False),
        sa.Column("updated_at", geoapp.store.dialect.UTCDateTime(), nullable=False),
        sa.Column("lon", sa.Double(), nullable=False),
        sa.Column("lat", sa.Double(), nullable=False),
        sa.Column("cell_code", sa.String(length=50), nullable=True),
        sa.Column("outside", sa.Boolean(), nullable=False),
        sa.Column("nearest_m", sa.Double(), nullable=True),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=True),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("reply", sa.Text(), nullable=False),
        sa.Column("hazard_id", sa.Integer(), nullable=True),
        sa.Column("point_id", sa.Integer(), nullable=True),
        sa.Column("reward_amount", sa.Double(), nullable=True),
        sa.Column("reward_on", sa.Date(), nullable=True),
        sa.Column("reward_paid", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint("state IN ('received', 'checking', 'verified', 'rejected')",
                           name="ck_public_report_state"),
        sa.ForeignKeyConstraint(["hazard_id"], ["hazard.id"]),
        sa.ForeignKeyConstraint(["point_id"], ["point.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code"),
    )
    op.create_index("ix_public_report_cell_code", "public_report", ["cell_code"])
    op.create_index("ix_public_report_created_at", "public_report", ["created_at"])
    op.create_index("ix_public_report_state", "public_report", ["state"])
    op.create_table(
        "public_report_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("at", geoapp.store.dialect.UTCDateTime(), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("from_state", sa.String(length=10), nullable=True),
        sa.Column("to_state", sa.String(length=10), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("reply", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["report_id"], ["public_report.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_public_report_event_report_id", "public_report_event", ["report_id"])
    for ddl in append_only_ddl("public_report_event", bind.dialect.name):
        op.execute(ddl)
    # photo is append-only too; the new column is NULL on every existing row
    if bind.dialect.name == "sqlite":  # alembic adds the foreign key apart, which SQLite can't
        op.execute("ALTER TABLE photo ADD COLUMN public_report_id INTEGER "
                   "REFERENCES public_report (id)")
    else:
        op.add_column("photo", sa.Column("public_report_id", sa.Integer(),
                                         sa.ForeignKey("public_report.id"), nullable=True))
    op.create_index("ix_photo_public_report_id", "photo", ["public_report_id"])


def downgrade() -> None:
    bind = op.get_bind()
    if bind.execute(sa.text(
            "SELECT count(*) FROM app_user WHERE role = 'enterprise'")).scalar():
        raise RuntimeError("enterprise accounts exist: remove them before downgrading")
    if bind.execute(sa.text("SELECT count(*) FROM public_report")).scalar():
        raise RuntimeError("public reports exist: they would be lost by downgrading")
    op.drop_index("ix_photo_public_report_id", table_name="photo")
    op.drop_index("ix_inspection_source", table_name="inspection")
    op.drop_index("ix_app_user_enterprise_uscc", table_name="app_user")
    if bind.dialect.name != "sqlite":
        for table, column in (("photo", "public_report_id"), ("inspection", "source"),
                              ("app_user", "enterprise_uscc")):
            op.drop_column(table, column)
    else:
        # DROP COLUMN without a table copy (SQLite ≥ 3.35) keeps rows and triggers;
        # a column with a foreign key needs the copy, and the copy's triggers again
        op.execute("ALTER TABLE inspection DROP COLUMN source")
        op.execute("ALTER TABLE app_user DROP COLUMN enterprise_uscc")
        with op.batch_alter_table("photo", recreate="always") as batch:
            batch.drop_column("public_report_id")
        for ddl in append_only_ddl("photo", "sqlite"):
            op.execute(ddl)
    op.drop_table("public_report_event")
    if bind.dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS public_report_event_append_only()")
    op.drop_index("ix_public_report_state", table_name="public_report")
    op.drop_index("ix_public_report_created_at", table_name="public_report")
    op.drop_index("ix_public_report_cell_code", table_name="public_report")
    op.drop_table("public_report")
    _set_role_check(OLD_ROLES)
