"""The read side of the leader's map snapshot (geoapp.map.snapshot): columns, not features.

What the cache reads, split by what can change it: ``map_cells`` (names,
levels, hazard figures) and ``map_point_states`` (levels, hazard flags) after
any write; ``map_cell_shapes`` and ``map_points`` (places) only when cells or
points were added, removed or re-imported; geoapp.store.fingerprint tells which.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import numpy as np
import shapely
import sqlalchemy as sa
from sqlalchemy.orm import Session

from geoapp.domain import workflow
from geoapp.domain.layers import Rules
from geoapp.store.dialect import decode_raw, raw_geometry, raw_values
from geoapp.store.models import Cell, Hazard, Point, Town, Village
from geoapp.store.reads import territory
from geoapp.store.reads.pages import hazard_rollups


def map_cells(session: Session, rules: Rules, today: dt.date, only=None) -> list[dict]:
    """Every cell (of ``only``; None: all) with what the leader's map draws but its shape:
    names, level, figures.

    Like ``cells_collection`` but as plain records in code order; the shapes
    come from ``map_cell_shapes`` and the point counts from ``map_points``, so
    that ``geoapp.map.snapshot`` re-reads after a hazard move only what it can change.
    """
    hazards = hazard_rollups(session, rules, today, only=only)
    empty = workflow.rollup([], today, rules.risk.hazards.stock_cutoff)
    rows = session.execute(
        territory.cells_in_areas(Cell.code, Cell.name, Cell.risk_level, Village.name, Town.name)
        .where(territory.cells_in(only)).order_by(Cell.code)).all()
    return [
        {"code": code, "name": name, "risk_level": level, "village": village, "town": town,
         "hazards": hazards.get(code, empty)}
        for code, name, level, village, town in rows
    ]


def map_cell_shapes(session: Session) -> tuple[list[str], list]:
    """Every cell's code and raw geometry (WKB, or hex EWKB on PostGIS), in code order.

    ``dialect.decode_raw`` decodes the list in one call; ``geoapp.map.snapshot``
    hashes the raw values first and decodes only when the shapes changed.
    """
    t = Cell.__table__.c
    rows = session.connection().execute(
        sa.select(t.code, raw_geometry(t.geom)).order_by(t.code)).all()
    return [r[0] for r in rows], raw_values([r[1] for r in rows])


def map_points(session: Session) -> dict:
    """Every point's place as columns (lists), in id order: what a hazard move cannot change.

    id, layer, name, lon, lat, cell_code (None outside every cell),
    nearest_cell_code and outside. Levels and hazard flags: ``map_point_states``.
    """
    t = Point.__table__.c  # Core rows: no ORM bookkeeping for 10⁵ rows
    rows = session.connection().execute(
        sa.select(t.id, t.layer, t.name, raw_geometry(t.geom), t.cell_code,
                  t.nearest_cell_code, t.outside).order_by(t.id)
    ).all()
    columns = [list(c) for c in zip(*rows, strict=True)] if rows else [[] for _ in range(7)]
    ids, layers, names, wkb, cells, nearest, outside = columns
    xy = shapely.get_coordinates(decode_raw(wkb)) if wkb else np.zeros((0, 2))
    return {"id": ids, "layer": layers, "name": names, "lon": xy[:, 0], "lat": xy[:, 1],
            "cell_code": cells, "nearest_cell_code": nearest,
            "outside": [bool(o) for o in outside]}


def map_point_states(session: Session, rules: Rules, today: dt.date, ids=None) -> dict:
    """Every point's (of ``ids``; None: all) risk level and hazard flags as columns, in id order.

    ``flags`` per point: bit 1 open hazard, 2 overdue, 4 open major, 8 open
    listed (挂牌督办), 16 overdue major (the headline's 重大隐患逾期), and the
    headline's 动态清零 figures (``workflow.zeroing``): 32 an open major hazard of
    the stock, 64 a major hazard found this year (closed ones too).
    """
    cutoff = rules.risk.hazards.stock_cutoff
    since = workflow.increment_year_start(today, cutoff)
    flags: dict[int, int] = defaultdict(int)
    for point_id, state, level, deadline, listed, found_on in session.execute(
        sa.select(Hazard.point_id, Hazard.state, Hazard.level, Hazard.deadline, Hazard.listed,
                  Hazard.found_on)
        .where(Hazard.state.in_(workflow.OPEN_STATES)
               | ((Hazard.level == "major") & (Hazard.found_on >= since)))
        .where(sa.true() if ids is None else Hazard.point_id.in_(sorted(ids)))
    ):
        f = 0
        if workflow.is_open(state):
            f = 1
            if workflow.is_overdue(state, deadline, today):
                f |= 2
            if level == "major":
                f |= 4 | (f & 2) << 3  # overdue (2) and major: 16
                if workflow.is_stock(found_on, cutoff):
                    f |= 32
            if listed:
                f |= 8
        if level == "major" and found_on >= since:
            f |= 64
        flags[point_id] |= f
    t = Point.__table__.c
    rows = session.connection().execute(
        sa.select(t.id, t.risk_level).where(sa.true() if ids is None else t.id.in_(sorted(ids)))
        .order_by(t.id)).all()
    return {"id": [r[0] for r in rows], "risk_level": [r[1] for r in rows],
            "flags": [flags.get(r[0], 0) for r in rows]}


def map_changes(session: Session, rules: Rules, today: dt.date, point_ids) -> tuple:
    """What a move of the hazards at ``point_ids`` can change on the map: ``map_cells`` of
    those points' cells and ``map_point_states`` of the points themselves."""
    codes = set(session.scalars(sa.select(Point.cell_code).where(
        Point.id.in_(sorted(point_ids)), Point.cell_code.is_not(None))))
    cells = map_cells(session, rules, today, only=codes) if codes else []
    return cells, map_point_states(session, rules, today, ids=point_ids)
