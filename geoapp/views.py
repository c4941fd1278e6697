"""HTML pages; each has a JSON twin under /api."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template

from geoapp import db, queries

bp = Blueprint("views", __name__)


@bp.get("/")
def home():
    """The territory overview (the JSON twin is /api/summary and /api/cells)."""
    rules = current_app.extensions["geoapp.rules"]
    data = queries.summary(db.session(), rules)
    cells = queries.cells_collection(db.session(), rules)["features"]
    return render_template("home.html", summary=data, cells=cells, rules=rules,
                           levels={lv.code: lv for lv in rules.risk.levels})
