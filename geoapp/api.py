"""JSON API: thin views over geoapp.queries (RFC 7946 GeoJSON, WGS84 lon/lat)."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, jsonify

from geoapp import db, queries

bp = Blueprint("api", __name__, url_prefix="/api")


def rules():
    return current_app.extensions["geoapp.rules"]


@bp.get("/cells")
def cells():
    """All grid cells with level, point counts and hazard figures."""
    return jsonify(queries.cells_collection(db.session(), rules()))


@bp.get("/cells/<code>")
def cell(code: str):
    """One cell with its points, hazards and history."""
    detail = queries.cell_detail(db.session(), rules(), code)
    if detail is None:
        abort(404, description=f"no cell with code {code!r}")
    return jsonify(detail)


@bp.get("/zones")
def zones():
    """All functional zones with kind and level."""
    return jsonify(queries.zones_collection(db.session(), rules()))


@bp.get("/summary")
def summary():
    """Territory-wide headline figures."""
    return jsonify(queries.summary(db.session(), rules()))


@bp.errorhandler(404)
def not_found(exc):
    return jsonify(error="not_found", message=exc.description), 404
