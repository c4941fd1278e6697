"""The audit log on the web: what the site records, and the admins' page to read and export it.

``log(action, …)`` is how a view records an act (the logged-in user, or the
name tried at a failed log-in, and the client's address); log-ins and
log-outs are recorded by geoapp.web.auth, the bulletin's download by
geoapp.web.reports. Once per process, the first request records the rule
files in force when they differ from the last ones recorded (a deployment
that changed ``layers/`` shows in the log; an unchanged restart does not).

/admin/audit (page), /api/audit (its JSON twin) and /admin/audit.xlsx are for
admins only; the export is itself recorded.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from zoneinfo import ZoneInfo

from flask import Blueprint, Flask, Response, current_app, jsonify, render_template, request
from flask_babel import gettext as _
from flask_login import current_user
from openpyxl import Workbook

from geoapp.domain import audit as rules
from geoapp.store import audit as store
from geoapp.web import auth, db, params, token_auth

bp = Blueprint("audit", __name__)
PAGE = 100
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def init_app(app: Flask) -> None:
    # the rule files as loaded by create_app; recorded on the first request when new
    state = {"digest": rules.folder_digest(Path(app.config["LAYERS_DIR"])), "done": False}
    app.extensions["geoapp.audit"] = state
    app.before_request(_record_rules_once)
    app.register_blueprint(bp)


def _record_rules_once() -> None:
    state = current_app.extensions["geoapp.audit"]
    if state["done"]:
        return
    state["done"] = True
    session = db.session()
    digest = state["digest"]
    if store.last_rules_digest(session) != digest["sha256"]:
        store.record(session, "rules_loaded", "system", ip=None,
                     target=current_app.config["LAYERS_DIR"], detail=digest)
        session.commit()


def record_in(session, action: str, target: str = "", detail: dict | None = None) -> None:
    """Record an act of the current request's user in ``session``: it commits with the change."""
    name = current_user.username if current_user.is_authenticated else "anonymous"
    store.record(session, action, name, target=target, detail=detail, ip=request.remote_addr,
                 via="token" if token_auth.via_token() else "web")  # a download by access token


def log(action: str, *, target: str = "", detail: dict | None = None) -> None:
    """Record an act of the current request (committed at once: the act itself is done)."""
    session = db.session()
    record_in(session, action, target, detail)
    session.commit()


def _tz() -> str:
    return current_app.extensions["geoapp.rules"].risk.hazards.timezone


def _filters() -> dict:
    """The page's filters from the query: action, actor, target, from, to (local days)."""
    action = params.choice("action", rules.ACTIONS, "action: unknown action")
    out = {"action": action, "actor": (request.args.get("actor") or "").strip()[:100] or None,
           "target": (request.args.get("target") or "").strip()[:255] or None}
    out.update(params.day_range(ZoneInfo(_tz())))
    return out


def _rows(filters: dict, limit: int | None, offset: int) -> tuple[int, list[dict]]:
    total, rows = store.entries(db.session(), filters, limit=limit, offset=offset)
    zone = ZoneInfo(_tz())
    for r in rows:
        r["at"] = r["at"].astimezone(zone).isoformat(timespec="seconds")
        r["label"] = _(rules.ACTIONS[r["action"]]) if r["action"] in rules.ACTIONS else r["action"]
    return total, rows


@bp.get("/admin/audit")
def page():
    """The audit log, newest first, filtered, 100 to a page."""
    auth.require_role("admin")
    offset = params.whole_number("offset", "0", 0, 10**9, "offset: a whole number ≥ 0")
    total, rows = _rows(_filters(), PAGE, offset)
    args = {k: v for k, v in request.args.items() if k != "offset"}
    return render_template("audit/audit.html", rows=rows, total=total, offset=offset,
                           page=PAGE, args=args, actions=rules.ACTIONS)


@bp.get("/api/audit")
def api():
    """The audit log as JSON: {total, entries}; ``limit`` 1–1000 (100), ``offset``."""
    auth.require_role("admin")
    limit = params.whole_number("limit", str(PAGE), 1, 1000, "limit: 1–1000")
    offset = params.whole_number("offset", "0", 0, 10**9, "offset: a whole number ≥ 0")
    total, rows = _rows(_filters(), limit, offset)
    return jsonify({"total": total, "entries": rows})


@bp.get("/admin/audit.xlsx")
def export():
    """Every entry matching the filters as XLSX (the export is logged too)."""
    auth.require_role("admin")
    filters = _filters()
    _total, rows = _rows(filters, None, 0)
    book = Workbook()
    ws = book.active
    ws.title = "审计日志"
    ws.append(["时间", "操作人", "操作", "对象", "详情", "IP", "途径"])
    for r in rows:
        ws.append([r["at"], r["actor"], r["label"], r["target"],
                   json.dumps(r["detail"], ensure_ascii=False), r["ip"] or "", r["via"]])
    for column, width in zip("ABCDEFG", (26, 16, 12, 30, 60, 16, 6), strict=True):
        ws.column_dimensions[column].width = width
    buffer = io.BytesIO()
    book.save(buffer)
    log("export", target="audit_log", detail={"what": "audit_log", "rows": len(rows),
                                               "filters": dict(request.args)})
    response = Response(buffer.getvalue(), mimetype=XLSX)
    response.headers["Content-Disposition"] = 'attachment; filename="audit-log.xlsx"'
    return response
