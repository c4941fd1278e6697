"""The map's vector tiles encoded by PostGIS (``ST_AsMVT``/``ST_AsMVTGeom``).

geoapp.map.vtiles decides which cells and points a tile holds and their
properties (the filters and scopes live in one place, the snapshot); PostGIS
reads the cells' stored shapes (the points' places it is given), clips, quantises and
encodes them. PostgreSQL only:
the embedded database has no MVT encoder (geoapp.map.vtiles uses the
mapbox-vector-tile package there).
"""

from __future__ import annotations

import numpy as np
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

# the points' places come from the map's snapshot in Web Mercator (x, y): reading them from
# the point table (a join on 10⁶ rows, one transform per point) cost most of a dense tile
_POINTS = sa.text("""
SELECT ST_AsMVT(q, 'points', :extent, 'geom') FROM (
  SELECT p.id, (CAST(:layer_names AS text[]))[p.layer + 1] AS layer,
         (CAST(:level_names AS text[]))[p.level + 1] AS risk_level,
         ST_AsMVTGeom(ST_SetSRID(ST_MakePoint(p.x, p.y), 3857), ST_TileEnvelope(:z, :x, :y),
                      :extent, :buffer, true) AS geom
  FROM unnest(CAST(:ids AS bigint[]), CAST(:layers AS int[]), CAST(:levels AS int[]),
              CAST(:xs AS float8[]), CAST(:ys AS float8[])) AS p(id, layer, level, x, y)
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


def points_mvt(session: Session, z: int, x: int, y: int, ids, layers, levels, xs, ys,
               layer_names: list[str], level_names: list[str], extent: int,
               buffer: int) -> bytes:
    """Points as layer ``points`` (id, layer, risk_level): ``ids``, their ``layers`` and
    ``levels`` as indices into ``layer_names``/``level_names``, their places ``xs``/``ys``
    in EPSG:3857 (numpy arrays or lists, one item a point)."""
    if not len(ids):
        return b""
    return _run(session, _POINTS, {
        "z": z, "x": x, "y": y, "extent": extent, "buffer": buffer,
        "layer_names": layer_names, "level_names": level_names,
        "ids": _listed(ids), "layers": _listed(layers), "levels": _listed(levels),
        "xs": _listed(xs), "ys": _listed(ys)})


def _listed(values) -> list:
    return values.tolist() if isinstance(values, np.ndarray) else list(values)
