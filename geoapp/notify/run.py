"""One run of ``geoapp notify``: queue every account's new reminders, then mail the unsent.

1. Queue: the open hazards are read once (geoapp.store.reads.inbox), each
   active account with an email address gets its inbox
   (geoapp.domain.reminders), and each reminder not queued for it before is
   added to the outbox, all in one transaction.
2. Send: per account, its unsent rows (queued, or failed on an earlier run)
   are locked, mailed as one message and marked sent in the same transaction;
   a refusal or an unreachable server marks them failed with the answer, and
   the next run tries them again. Nothing is deleted, so nothing is lost.

The one case a reminder could be mailed twice is the process dying after the
server accepted a message and before the transaction marking it sent
committed; the Message-ID names the rows, so a mail system can tell the copy.
Accounts without an address have the inbox only: nothing is queued for them.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

import sqlalchemy as sa

from geoapp.domain import reminders
from geoapp.domain.layers import Rules
from geoapp.notify import mail
from geoapp.store import departments, outbox, scopes
from geoapp.store.database import Database
from geoapp.store.models import User
from geoapp.store.reads import inbox

log = logging.getLogger("geoapp.notify")


@dataclass
class Summary:
    queued: int = 0  # reminders new to the outbox this run
    messages: int = 0  # messages the server accepted
    sent: int = 0  # reminders in them
    failed: int = 0  # reminders whose message failed (kept for the next run)
    errors: list[str] = field(default_factory=list)  # "username: the server's answer"
    without_email: int = 0  # active accounts with reminders but no address


def queue_all(database: Database, rules: Rules, today: dt.date, now: dt.datetime,
              summary: Summary) -> None:
    spec, tz = inbox.spec(rules), rules.risk.hazards.timezone
    with database.transaction() as s:
        facts = inbox.hazard_facts(s)
        for user in s.scalars(sa.select(User).where(User.active).order_by(User.id)):
            if departments.is_department(user):
                continue  # a department's account has no inbox: its page is /department
            scoped = scopes.scope_of(s, user).cells  # a town's leader: the town's hazards
            mine = facts if scoped is None else reminders.within(facts, scoped)
            items = reminders.inbox(mine, inbox.account(user), today, spec, tz,
                                    rules.tables["hazard"].steps)
            if not items:
                continue
            if not user.email:
                summary.without_email += 1
                continue
            summary.queued += outbox.queue(s, user.id, items, now, tz)


def send_all(database: Database, server: mail.Server, today: dt.date, now: dt.datetime,
             base_url: str | None, summary: Summary) -> None:
    with database.sessions() as s:
        user_ids = outbox.accounts_with_unsent(s)
    for user_id in user_ids:
        with database.transaction() as s:
            rows = outbox.unsent(s, user_id)  # locked: an overlapping run waits, then skips
            user = s.get(User, user_id)
            if not rows or user is None:
                continue
            if not user.email or not user.active:
                continue  # kept queued: sent if the account gets an address (again)
            ids = [r.id for r in rows]
            msg = mail.compose(server, user.email, user.display_name or user.username,
                               [r.item for r in rows], today, base_url,
                               f"geoapp-outbox-{user_id}-{ids[0]}-{ids[-1]}-{len(ids)}")
            try:
                mail.send(server, msg)
            except mail.SendFailed as exc:
                outbox.mark_failed(rows, str(exc))
                summary.failed += len(rows)
                summary.errors.append(f"{user.username}: {exc}")
                log.warning("reminders to %s not sent (kept for the next run): %s",
                            user.username, exc)
                continue
            outbox.mark_sent(rows, now)
            summary.messages += 1
            summary.sent += len(rows)
            log.info("%d reminders sent to %s", len(rows), user.username)


def run(database: Database, rules: Rules, today: dt.date, server: mail.Server | None,
        base_url: str | None = None, now: dt.datetime | None = None) -> Summary:
    """Queue, then send through ``server`` (None: queue only)."""
    now = now or dt.datetime.now(dt.UTC)
    summary = Summary()
    queue_all(database, rules, today, now, summary)
    if server is not None:
        send_all(database, server, today, now, base_url, summary)
    return summary
