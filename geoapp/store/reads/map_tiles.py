"""The map's vector tiles encoded by PostGIS (``ST_AsMVT``/``ST_AsMVTGeom``).

geoapp.map.vtiles decides which cells and points a tile holds and their
properties (the filters and scopes live in one place, the snapshot); PostGIS
reads their stored shapes, clips, quantises and encodes them. PostgreSQL only:
the embedded database has no MVT encoder (geoapp.map.vtiles uses the
mapbox-vector-tile package there).
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

_CELLS = sa.text("""
SELECT ST_AsMVT(q, 'cells', :extent, 'geom') FROM (
  SELECT p.code, p.name, p.risk_level, p.overdue, p.listed,
         ST_AsMVTGeom(ST_Transform(c.geom, 3857), ST_TileEnvelope(:z, :x, :y),
                      :extent, :buffer, true) AS geom
  FROM unnest(CAST(:codes AS text[]), CAST(:names AS text[]), CAST(:levels AS text[]),
              CAST(:overdue AS int[]), CAST(:listed AS int[]))
       AS p(code, name, risk_level, overdue, listed)
  JOIN cell c ON c.code = p.code
  ORDER BY p.code) q
WHERE q.geom IS NOT NULL
""")

_POINTS = sa.text("""
SELECT ST_AsMVT(q, 'points', :extent, 'geom') FROM (
  SELECT p.id, p.layer, p.risk_level,
         ST_AsMVTGeom(ST_Transform(t.geom, 3857), ST_TileEnvelope(:z, :x, :y),
                      :extent, :buffer, true) AS geom
  FROM unnest(CAST(:ids AS bigint[]), CAST(:layers AS text[]), CAST(:levels AS text[]))
       AS p(id, layer, risk_level)
  JOIN point t ON t.id = p.id
  ORDER BY p.id) q
WHERE q.geom IS NOT NULL
""")


def _run(session: Session, query, params: dict) -> bytes:
    body = session.execute(query, params).scalar()
    return bytes(body) if body else b""


def cells_mvt(session: Session, z: int, x: int, y: int, rows: list[dict],
              extent: int, buffer: int) -> bytes:
    """The cells ``rows`` (code, name, risk_level, overdue, listed) as layer ``cells``."""
    if not rows:
        return b""
    return _run(session, _CELLS, {
        "z": z, "x": x, "y": y, "extent": extent, "buffer": buffer,
        "codes": [r["code"] for r in rows], "names": [r["name"] for r in rows],
        "levels": [r["risk_level"] for r in rows], "overdue": [r["overdue"] for r in rows],
        "listed": [r["listed"] for r in rows]})


def points_mvt(session: Session, z: int, x: int, y: int, rows: list[dict],
               extent: int, buffer: int) -> bytes:
    """The points ``rows`` (id, layer, risk_level) as layer ``points``."""
    if not rows:
        return b""
    return _run(session, _POINTS, {
        "z": z, "x": x, "y": y, "extent": extent, "buffer": buffer,
        "ids": [r["id"] for r in rows], "layers": [r["layer"] for r in rows],
        "levels": [r["risk_level"] for r in rows]})
