"""The outbox: reminders queued for mailing, one row per account and reminder key.

``geoapp notify`` (geoapp.notify) queues what each account's inbox shows,
then mails an account's unsent rows and marks them here. A key is queued once
(a unique constraint, inserted with ON CONFLICT DO NOTHING), so a reminder
the inbox shows on every run is mailed once; a failed send stays in the
outbox (state ``failed``, its error kept) and is sent on the next run.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy.orm import Session

from geoapp.domain import reminders
from geoapp.store import dialect
from geoapp.store.models import Outbox

UNSENT = ("queued", "failed")
# a server's answer can be long; the row keeps enough to say what went wrong
ERROR_CHARS = 1000


def queue(session: Session, user_id: int, items: Iterable[reminders.Reminder],
          now: dt.datetime, tz: str) -> int:
    """Queue the reminders not queued for this account before; returns how many were new."""
    rows = [{"user_id": user_id, "key": r.key, "kind": r.kind, "hazard_id": r.hazard.id,
             "item": reminders.record(r, tz), "state": "queued", "attempts": 0,
             "queued_at": now} for r in items]
    return dialect.insert_new(session, Outbox.__table__, rows, ["user_id", "key"])


def accounts_with_unsent(session: Session) -> list[int]:
    return list(session.scalars(sa.select(Outbox.user_id).where(Outbox.state.in_(UNSENT))
                                .distinct().order_by(Outbox.user_id)))


def unsent(session: Session, user_id: int) -> list[Outbox]:
    """The account's unsent rows, oldest first, locked until the caller's transaction ends.

    The lock (FOR UPDATE on PostgreSQL; the write lock a transaction takes on
    SQLite) makes a second ``geoapp notify`` running at the same time wait and
    then find them sent, so an overlap of cron runs mails nothing twice.
    """
    return list(session.scalars(
        sa.select(Outbox).where(Outbox.user_id == user_id, Outbox.state.in_(UNSENT))
        .order_by(Outbox.id).with_for_update()))


def mark_sent(rows: Iterable[Outbox], now: dt.datetime) -> None:
    for row in rows:
        row.state, row.sent_at, row.attempts = "sent", now, row.attempts + 1
        row.last_error = None


def mark_failed(rows: Iterable[Outbox], error: str) -> None:
    for row in rows:
        row.state, row.attempts, row.last_error = "failed", row.attempts + 1, error[:ERROR_CHARS]


def counts(session: Session) -> dict[str, int]:
    """Rows per state (for the command's summary)."""
    found = dict(session.execute(sa.select(Outbox.state, sa.func.count()).group_by(Outbox.state))
                 .all())
    return {state: found.get(state, 0) for state in ("queued", "failed", "sent")}
