"""The territory as JSON: /api/cells, /api/zones, /api/summary (RFC 7946 GeoJSON, WGS84).

Thin views over geoapp.store.reads.pages; the hazards' routes are geoapp.web.hazards.
"""

from __future__ import annotations

import functools

from flask import Blueprint, abort, current_app, jsonify
from flask_babel import get_locale
from flask_babel import gettext as _

from geoapp.store.reads import level_reasons, pages
from geoapp.web import auth, clock, db, kept, prepared

bp = Blueprint("api", __name__, url_prefix="/api")


@bp.record_once
def _configure(state) -> None:
    kept.init_app(state.app)  # the cell's answers (and the map's point popups) between writes


def rules():
    return current_app.extensions["geoapp.rules"]


def _today():
    return clock.today(rules().risk.hazards.timezone)


def say() -> level_reasons.Say:
    """定级依据's texts in the request's language (the map's point popup uses it too).

    Each template is translated once per answer: a cell's hundred points ask for the same
    few, and Flask-Babel's lookup through the request context cost a fifth of the answer."""
    return level_reasons.Say(rules(), str(get_locale() or "zh") == "en", functools.cache(_))


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
    payload = kept.cell(code, lambda rules_, today: pages.cell_detail(
        db.session(), rules_, code, today, say()))
    if payload is None:
        abort(404, description=f"no cell with code {code!r}")
    return prepared.send(payload)


@bp.get("/zones")
def zones():
    """All functional zones with kind and level (whole for every account: zones are the
    planning frame every role reads, not an area's rows)."""
    return jsonify(pages.zones_collection(db.session(), rules()))


@bp.get("/summary")
def summary():
    """Headline figures of the account's scope (the whole territory for most)."""
    return jsonify(pages.summary(db.session(), rules(), _today(), auth.read_scope().cells))
