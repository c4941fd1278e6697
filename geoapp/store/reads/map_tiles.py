"""The map's vector tiles encoded by PostGIS (``ST_AsMVT``/``ST_AsMVTGeom``).

geoapp.map.vtiles decides which cells and points a tile holds and their
properties (the filters and scopes live in one place, the snapshot); PostGIS
reads the cells' stored shapes (the points' places it is given), clips, quantises and
encodes them. PostgreSQL only:
the embedded database has no MVT encoder (geoapp.map.vtiles uses the
mapbox-vector-tile package there).
"""

from __future__ import annotations

import functools

import numpy as np
import shapely
import sqlalchemy as sa
from sqlalchemy.orm import Session

# OFFSET 0: the outer "geom IS NOT NULL" is not pushed into the subquery, where PostgreSQL
# made each feature's ST_AsMVTGeom twice (in the filter and in the row): 35 → 20 ms for a
# zoom-12 cells tile of 700 cells at the province
_CELLS = sa.text("""
SELECT ST_AsMVT(q, 'cells', :extent, 'geom') FROM (
  SELECT p.code, p.name, p.risk_level, p.overdue, p.listed,
         ST_AsMVTGeom(ST_Transform(c.geom, 3857), ST_TileEnvelope(:z, :x, :y),
                      :extent, :buffer, true) AS geom
  FROM unnest(CAST(:codes AS text[]), CAST(:names AS text[]), CAST(:levels AS text[]),
              CAST(:overdue AS int[]), CAST(:listed AS int[]))
       AS p(code, name, risk_level, overdue, listed)
  JOIN cell c ON c.code = p.code
  ORDER BY p.code OFFSET 0) q
WHERE q.geom IS NOT NULL
""")

# a coalesced tile's features: the unions of cells per village, level and flags, made,
# clipped and put on the tile's grid by geoapp.map.vtiles (in tile units, y up); PostGIS
# encodes them as it encodes the cells (bounds of one tile unit per unit: no rescaling)
_MERGED = sa.text("""
SELECT ST_AsMVT(q, 'cells', :extent, 'geom') FROM (
  SELECT '' AS code, p.name, p.risk_level, p.overdue, p.listed, p.cells,
         ST_AsMVTGeom(ST_GeomFromWKB(p.wkb), ST_MakeEnvelope(0, 0, :extent, :extent),
                      :extent, :buffer, true) AS geom
  FROM unnest(CAST(:wkbs AS bytea[]), CAST(:names AS text[]), CAST(:levels AS text[]),
              CAST(:overdue AS int[]), CAST(:listed AS int[]), CAST(:cells AS int[]))
       WITH ORDINALITY AS p(wkb, name, risk_level, overdue, listed, cells, n)
  ORDER BY p.n OFFSET 0) q
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
  ORDER BY p.id OFFSET 0) q
WHERE q.geom IS NOT NULL
""")


# PostGIS costs its functions high, so a tile query over enough rows passes jit_above_cost
# and PostgreSQL compiles it with LLVM first: 70-80 ms, most of a dense points tile when
# each point was read and transformed (a few thousand points; the query above passes it
# past ~25,000, a cells tile past ~1,700 cells). Off for a tile's statement, set back
# after it (for the transaction only).
_JIT_OFF = sa.text("SELECT current_setting('jit'), set_config('jit', 'off', true)")
_JIT_BACK = sa.text("SELECT set_config('jit', :jit, true)")


def _run(session: Session, query, params: dict) -> bytes:
    jit = session.execute(_JIT_OFF).scalar()
    body = session.execute(query, params).scalar()
    session.execute(_JIT_BACK, {"jit": jit})  # (a failed statement's rollback undoes both)
    return bytes(body) if body else b""


def cells_mvt(session: Session, z: int, x: int, y: int, rows: list[dict],
              extent: int, buffer: int) -> bytes:
    """The cells ``rows`` (code, name, risk_level, overdue, listed) as layer ``cells``."""
    if not rows:
        return b""
    dumps = _arrays(session)
    return _run(session, _CELLS, {
        "z": z, "x": x, "y": y, "extent": extent, "buffer": buffer,
        "codes": dumps([r["code"] for r in rows], "text"),
        "names": dumps([r["name"] for r in rows], "text"),
        "levels": dumps([r["risk_level"] for r in rows], "text"),
        "overdue": dumps([r["overdue"] for r in rows], ">i4"),
        "listed": dumps([r["listed"] for r in rows], ">i4")})


def merged_mvt(session: Session, shapes, properties: list[dict], extent: int,
               buffer: int) -> bytes:
    """Coalesced cells (geoapp.map.vtiles._merged_features) as layer ``cells``: ``shapes``
    in the tile's units (y up), each with its ``properties`` (name, risk_level, overdue,
    listed, cells; code empty)."""
    if not len(shapes):
        return b""
    dumps = _arrays(session)
    return _run(session, _MERGED, {
        "extent": extent, "buffer": buffer, "wkbs": list(shapely.to_wkb(shapes)),
        "names": dumps([p["name"] for p in properties], "text"),
        "levels": dumps([p["risk_level"] for p in properties], "text"),
        "overdue": dumps([p["overdue"] for p in properties], ">i4"),
        "listed": dumps([p["listed"] for p in properties], ">i4"),
        "cells": dumps([p["cells"] for p in properties], ">i4")})


def points_mvt(session: Session, z: int, x: int, y: int, ids, layers, levels, xs, ys,
               layer_names: list[str], level_names: list[str], extent: int,
               buffer: int) -> bytes:
    """Points as layer ``points`` (id, layer, risk_level): ``ids``, their ``layers`` and
    ``levels`` as indices into ``layer_names``/``level_names``, their places ``xs``/``ys``
    in EPSG:3857 (numpy arrays or lists, one item a point)."""
    if not len(ids):
        return b""
    dumps = _arrays(session)
    return _run(session, _POINTS, {
        "z": z, "x": x, "y": y, "extent": extent, "buffer": buffer,
        "layer_names": layer_names, "level_names": level_names,
        "ids": dumps(ids, ">i8"), "layers": dumps(layers, ">i4"), "levels": dumps(levels, ">i4"),
        "xs": dumps(xs, ">f8"), "ys": dumps(ys, ">f8")})


class _Array:
    """A numpy column for psycopg as a PostgreSQL array in binary (``_arrays``)."""

    __slots__ = ("body", "oid")

    def __init__(self, body: bytes, oid: int):
        self.body, self.oid = body, oid


_ELEMENT_OID = {">i4": 23, ">i8": 20, ">f8": 701, "text": 25}  # int4, int8, float8, text
_ARRAY_OID = {">i4": 1007, ">i8": 1016, ">f8": 1022, "text": 1009}  # their arrays


def _binary_array(values, dtype: str) -> _Array:
    """``values`` in PostgreSQL's binary array format, made by numpy: a list of 10⁴ floats
    adapted by psycopg item by item cost 5 ms an array (60 ms a dense tile's five).
    ``dtype`` "text": strings, each its UTF-8 bytes after their length."""
    head = np.array([1, 0, _ELEMENT_OID[dtype], len(values), 1], dtype=">i4").tobytes()
    if dtype == "text":
        return _Array(head + b"".join(len(b).to_bytes(4, "big") + b
                                      for b in (str(v).encode() for v in values)),
                      _ARRAY_OID[dtype])
    values = np.asarray(values)
    items = np.empty(len(values), dtype=[("size", ">i4"), ("value", dtype)])
    items["size"] = np.dtype(dtype).itemsize
    items["value"] = values
    return _Array(head + items.tobytes(), _ARRAY_OID[dtype])


@functools.cache
def _dumper():
    from psycopg.adapt import Dumper
    from psycopg.pq import Format

    class ArrayDumper(Dumper):
        format = Format.BINARY

        def get_key(self, obj, format):
            return (_Array, obj.oid)

        def upgrade(self, obj, format):
            dumper = ArrayDumper(_Array)
            dumper.oid = obj.oid
            return dumper

        def dump(self, obj):
            return obj.body

    return ArrayDumper


def _arrays(session: Session):
    """``_binary_array``, its dumper registered on the session's psycopg connection."""
    session.connection().connection.driver_connection.adapters.register_dumper(
        _Array, _dumper())
    return _binary_array
