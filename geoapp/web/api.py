"""The territory as JSON: /api/cells, /api/zones, /api/summary (RFC 7946 GeoJSON, WGS84).

Thin views over geoapp.store.reads.pages; the hazards' routes are geoapp.web.hazards.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, jsonify
from flask_babel import get_locale
from flask_babel import gettext as _

from geoapp.store.reads import level_reasons, pages
from geoapp.web import auth, clock, db

bp = Blueprint("api", __name__, url_prefix="/api")


def rules():
    return current_app.extensions["geoapp.rules"]


def _today():
    return clock.today(rules().risk.hazards.timezone)


def say() -> level_reasons.Say:
    """定级依据's texts in the request's language (the map's point popup uses it too)."""
    return level_reasons.Say(rules(), str(get_locale() or "zh") == "en", _)


@bp.get("/cells")
def cells():
    """All grid cells with level, point counts and hazard figures."""
    return jsonify(pages.cells_collection(db.session(), rules(), _today(),
                                          auth.read_scope().cells))


@bp.get("/cells/<code>")
def cell(code: str):
    """One cell with its points, hazards and history.

    Each hazard's ``my_actions``: the steps the logged-in account may take on
    it (geoapp.domain.duties), what the cell page offers as buttons. ``level_reasons``
    (定级依据): why the cell has its level, each with the ids of the points it names;
    every point has its own.
    """
    detail = pages.cell_detail(db.session(), rules(), code, _today(), say())
    if detail is None:
        abort(404, description=f"no cell with code {code!r}")
    auth.require_in_scope(code)
    for h in detail["hazard_list"]:
        h["my_actions"] = auth.steps_allowed(h, code)
    for h in detail["outside_hazard_list"]:  # at points outside every cell
        h["my_actions"] = auth.steps_allowed(h, None)
    return jsonify(detail)


@bp.get("/zones")
def zones():
    """All functional zones with kind and level (whole for every account: zones are the
    planning frame every role reads, not an area's rows)."""
    return jsonify(pages.zones_collection(db.session(), rules()))


@bp.get("/summary")
def summary():
    """Headline figures of the account's scope (the whole territory for most)."""
    return jsonify(pages.summary(db.session(), rules(), _today(), auth.read_scope().cells))
