"""What the planner's admission check reads: cells, zones and major hazard installations.

Each as a GeoDataFrame in WGS84, its geometry decoded in one vectorised call.
"""

from __future__ import annotations

import geopandas as gpd
import sqlalchemy as sa
from sqlalchemy.orm import Session

from geoapp.domain.admission import Territory
from geoapp.store.dialect import decode_raw, raw_geometry
from geoapp.store.models import Cell, Point, Town, Zone
from geoapp.store.reads.territory import cells_in_areas

MAJOR_HAZARD_LAYER = "major_hazard"


def _frame(columns: dict, raw: list) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(columns, geometry=decode_raw(raw), crs=4326)


def _columns(rows, names) -> dict:
    return {n: [r[i] for r in rows] for i, n in enumerate(names)}


def territory(session: Session, only=None) -> Territory:
    """The stored territory the check runs against: the cells of ``only`` (an account's area
    scope; None: all), every zone, and every major hazard installation — a safety distance
    does not stop at a town's boundary, so a planner of one town sees the next town's
    installations near a site."""
    conn = session.connection()
    c = Cell.__table__.c
    query = sa.select(c.code, c.name, c.risk_level, raw_geometry(c.geom)).order_by(c.code)
    if only is not None:
        query = query.where(c.code.in_(sorted(only)))
    cells = conn.execute(query).all()
    z = Zone.__table__.c
    zones = conn.execute(sa.select(z.code, z.name, z.kind, z.risk_level,
                                   raw_geometry(z.geom)).order_by(z.code)).all()
    p = Point.__table__.c
    hazards = session.execute(
        sa.select(Point.id, Point.name, Point.attrs, Point.risk_level, raw_geometry(p.geom))
        .where(Point.layer == MAJOR_HAZARD_LAYER).order_by(Point.id)).all()
    return Territory(
        cells=_frame(_columns(cells, ["code", "name", "risk_level"]), [r[3] for r in cells]),
        zones=_frame(_columns(zones, ["code", "name", "kind", "risk_level"]),
                     [r[4] for r in zones]),
        major_hazards=_frame(
            {"id": [r[0] for r in hazards], "name": [r[1] for r in hazards],
             "grade": [(r[2] or {}).get("grade") for r in hazards],
             "risk_level": [r[3] for r in hazards]}, [r[4] for r in hazards]),
    )


def cell_towns(session: Session, only=None) -> dict[str, str]:
    """The town (镇街) of each cell of ``only`` (None: all), for the towns' outlines."""
    query = cells_in_areas(Cell.code, Town.name)
    if only is not None:
        query = query.where(Cell.code.in_(sorted(only)))
    return dict(session.execute(query).all())
