"""The account's reminders: ``/inbox`` (grouped by kind), ``/api/inbox``, the top bar's count.

Thin views over geoapp.store.reads.inbox (one query) and the rules of
geoapp.domain.reminders. Each item links to its hazard on the cell page
(``/cells/<code>#hazard-<id>`` opens the hazard's row there). The count in the
top bar is computed once per page, only for a logged-in account whose role
has reminders; a failing read leaves the count out rather than the page.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, Flask, current_app, g, jsonify, redirect, render_template, url_for
from flask_babel import gettext as _

from geoapp.domain import reminders
from geoapp.store.reads import inbox as inbox_read
from geoapp.web import auth, clock, db

bp = Blueprint("inbox", __name__)


def _rules():
    return current_app.extensions["geoapp.rules"]


def _items(user) -> tuple[list[reminders.Reminder], list[dict], str]:
    rules = _rules()
    today = clock.today(rules.risk.hazards.timezone)
    found = inbox_read.inbox(db.session(), rules, user, today)
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


def count() -> int | None:
    """The top bar's count for the logged-in account; None: no badge (no account, a role
    without reminders, or the read failed)."""
    user = auth.current_user
    if not getattr(user, "is_authenticated", False) or not reminders.ROLE_KINDS.get(user.role):
        return None
    if "inbox_count" not in g:
        try:
            rules = _rules()
            g.inbox_count = len(inbox_read.inbox(
                db.session(), rules, user, clock.today(rules.risk.hazards.timezone)))
        except sa.exc.SQLAlchemyError:
            db.session().rollback()  # an error page must still show: without the count
            g.inbox_count = None
    return g.inbox_count


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.context_processor(lambda: {"inbox_count": count})
