"""The account's reminders: ``/inbox`` (grouped by kind), ``/api/inbox``, the top bar's count.

Thin views over geoapp.store.reads.inbox (one query) and the rules of
geoapp.domain.reminders. Each item links to its hazard on the cell page
(``/cells/<code>#hazard-<id>`` opens the hazard's row there).

The count in the top bar is asked for by every page, so it is kept per
process for each account, keyed on the data's fingerprint (one cheap query,
geoapp.store.fingerprint) and today: any hazard step, edit or import shows in
the next page's count; on the embedded database an entry also expires
after ``MAP_CACHE_SECONDS`` (for changes made outside geoapp, which PostgreSQL
counts into the fingerprint: geoapp.store.outside). Only a logged-in account whose role has
reminders gets a count; a failing read leaves the count out, not the page.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict

import sqlalchemy as sa
from flask import Blueprint, Flask, current_app, g, jsonify, redirect, render_template, url_for
from flask_babel import gettext as _

from geoapp.domain import reminders
from geoapp.store import departments
from geoapp.store.fingerprint import data_fingerprint
from geoapp.store.reads import inbox as inbox_read
from geoapp.web import auth, clock, db

bp = Blueprint("inbox", __name__)


def _rules():
    return current_app.extensions["geoapp.rules"]


def _items(user) -> tuple[list[reminders.Reminder], list[dict], str]:
    rules = _rules()
    today = clock.today(rules.risk.hazards.timezone)
    found = inbox_read.inbox(db.session(), rules, user, today, auth.read_scope().cells)
    items = []
    for r in found:
        item = reminders.record(r, rules.risk.hazards.timezone)
        item["label"] = _(reminders.KIND_LABELS[r.kind])
        item["event_label"] = _(reminders.EVENT_LABELS[r.kind]) if r.at else None
        item["days_left"] = (r.due - today).days
        item["url"] = (url_for("cells.cell_page", code=item["cell_code"],
                               _anchor=item["anchor"]) if item["cell_code"] else None)
        items.append(item)
    return found, items, today.isoformat()


@bp.get("/api/inbox")
def api_inbox():
    """The logged-in account's reminders (401 without a session)."""
    auth.actor_name()
    found, items, today = _items(auth.current_user)
    return jsonify(today=today, count=len(items), counts=reminders.counts(found), items=items)


@bp.get("/inbox")
def page():
    """The reminders grouped by kind, for a phone first."""
    user = auth.current_user
    if not getattr(user, "is_authenticated", False):
        return redirect(url_for("auth.login", next=url_for("inbox.page")))
    _found, items, today = _items(user)
    groups = [{"kind": kind, "label": _(reminders.KIND_LABELS[kind]),
               "items": [it for it in items if it["kind"] == kind]}
              for kind in reminders.KINDS]
    return render_template(
        "inbox/inbox.html", today=today, count=len(items),
        groups=[grp for grp in groups if grp["items"]],
        kinds=[_(reminders.KIND_LABELS[k]) for k in reminders.ROLE_KINDS.get(user.role, ())],
        has_email=bool(user.email))


class CountCache:
    """The last counts per account and data fingerprint (at most ``size``, oldest dropped)."""

    def __init__(self, max_age: float, size: int = 512):
        self.max_age, self.size = max_age, size
        self._lock = threading.Lock()
        self._entries: OrderedDict[tuple, tuple[float, int]] = OrderedDict()

    def get(self, key: tuple, compute) -> int:
        now = time.monotonic()
        with self._lock:
            found = self._entries.get(key)
            if found is not None and now - found[0] <= self.max_age:
                return found[1]
        value = compute()  # outside the lock: another account's page need not wait
        with self._lock:
            self._entries[key] = (now, value)
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)
        return value


def count() -> int | None:
    """The top bar's count for the logged-in account; None: no badge (no account, a role
    without reminders, or the read failed)."""
    user = auth.current_user
    if not getattr(user, "is_authenticated", False) or not reminders.ROLE_KINDS.get(user.role):
        return None
    if departments.is_department(user):  # its page is /department; the inbox is not its
        return None
    if "inbox_count" not in g:
        try:
            rules = _rules()
            session = db.session()
            today = clock.today(rules.risk.hazards.timezone)
            key = (user.id, user.username, user.role, tuple(user.cell_codes), today,
                   auth.read_scope().key(), data_fingerprint(session))
            g.inbox_count = current_app.extensions["geoapp.inboxcount"].get(
                key, lambda: len(inbox_read.inbox(session, rules, user, today,
                                                  auth.read_scope().cells)))
        except sa.exc.SQLAlchemyError:
            db.session().rollback()  # an error page must still show: without the count
            g.inbox_count = None
    return g.inbox_count


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.extensions["geoapp.inboxcount"] = CountCache(
        max_age=db.cache_seconds(app))
    app.context_processor(lambda: {"inbox_count": count})
