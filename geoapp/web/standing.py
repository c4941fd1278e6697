"""红黑榜 over the web: /standing (the two lists with the reason for each entry),
GET /api/standing (its JSON twin) and /standing.xlsx (the export).

Parameters: ``town`` and ``village`` (names, as the territory spells them) narrow the
lists within the account's area scope; ``date`` (YYYY-MM-DD) evaluates the rules as
things stood that day (default: today). Read by every staff role (not enterprise
accounts), each within its area scope. The rules are layers/standing.toml; without
that file the pages answer 404.
"""

from __future__ import annotations

import io

from flask import Blueprint, Response, abort, current_app, jsonify, render_template, request
from flask_babel import gettext as _

from geoapp.domain import standing as rules
from geoapp.domain import values
from geoapp.reports import standing as standing_xlsx
from geoapp.store.reads import standing_data
from geoapp.web import audit, auth, clock, db, i18n
from geoapp.web.errors import ApiError, is_api

bp = Blueprint("standing", __name__)

READERS = ("leader", "supervisor", "admin", "grid", "planner")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _spec() -> rules.StandingFile:
    spec = current_app.extensions["geoapp.rules"].standing
    if spec is None:
        abort(404)
    return spec


def _day():
    today = clock.today(current_app.extensions["geoapp.rules"].risk.hazards.timezone)
    text = request.args.get("date")
    if not text:
        return today
    try:
        day = values.iso_date(text)
    except ValueError as exc:
        if is_api():
            raise ApiError(400, "bad_date", _("日期应为 YYYY-MM-DD")) from exc
        abort(400, description=_("日期应为 YYYY-MM-DD"))
    return min(day, today)


def _data() -> dict:
    auth.require_role(*READERS)
    spec = _spec()
    cells = auth.read_scope().cells
    town = request.args.get("town") or None
    village = request.args.get("village") or None
    data = standing_data.lists(db.session(), spec, _day(), cells, town, village)
    areas = standing_data.areas(db.session(), cells)
    return {**data, "town": town, "village": village, "areas": areas}


@bp.get("/api/standing")
def api():
    """{red, black, enterprises, as_of, town, village, areas}: each entry with its reasons."""
    return jsonify(_data())


@bp.get("/standing")
def page():
    """The two lists, black first, with each entry's reasons and the filter by town/village."""
    spec = _spec()
    data = _data()
    return render_template("standing/page.html", data=data, spec=spec, english=i18n.english(),
                           list_labels={k: _(v) for k, v in rules.LIST_LABELS.items()})


@bp.get("/standing.xlsx")
def xlsx():
    """The lists as a workbook (the same parameters as the page)."""
    data = _data()
    buffer = io.BytesIO()
    place = data["village"] or data["town"] or ""
    standing_xlsx.workbook(data, buffer, data["as_of"], place)
    audit.log("export", target=f"standing-{data['as_of']}.xlsx",
              detail={"what": "standing", "red": len(data["red"]), "black": len(data["black"])})
    response = Response(buffer.getvalue(), mimetype=XLSX)
    name = f"standing-{data['as_of']}.xlsx"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response
