"""The areas report: its figures summed up the territory's hierarchy, cell → village → town.

A cell has one village, a village one town; the hazards and points outside every
cell make the village ``None`` row (网格外) and count in the territory's total
alone. Every figure of the hazard tables (groupfigures.figure_table) and every
point count (pastlevels.cell_table) is a count or a sum, so the villages', the
towns' and the total's tables are sums of the cells' rows and the outside row:
the hazards (10⁵) and points (10⁶) are counted once, per cell, rather than once
per grouping (four bincounts over every record for each of ~190 figures took a
third of the report after a hazard write). The rows are then built from the tables
as geoapp.reports.tables's other groupings' (history.reuse_rows: only changed ones).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from geoapp.domain import periods
from geoapp.reports import history
from geoapp.reports.groupfigures import figure_table
from geoapp.reports.pastlevels import cell_levels, cell_slots, cell_table, point_rows

OUTSIDE = "网格外"  # the row of hazards at points outside every cell


@dataclass(frozen=True)
class _Sum:
    """Rows summed into groups: ``order`` the rows by group (those in none left out),
    ``starts`` where each group with rows begins in it, ``groups`` those groups."""

    order: np.ndarray | None  # None: the rows are in their groups' order already
    starts: np.ndarray
    groups: np.ndarray
    size: int

    @classmethod
    def of(cls, group: np.ndarray, size: int) -> _Sum:
        """``group[i]``: row i's group, 0…size-1 (-1: in none)."""
        order = np.argsort(group, kind="stable")
        order = order[group[order] >= 0]
        counts = np.bincount(group[order], minlength=size)
        starts = np.cumsum(counts) - counts
        groups = np.flatnonzero(counts)
        # (the cells are read by code and the villages by code: mostly in order, and a
        # table taken in another order is a copy of it)
        in_order = len(order) == len(group) and bool((order == np.arange(len(group))).all())
        return cls(None if in_order else order, starts[groups], groups, size)

    def __call__(self, table: np.ndarray) -> np.ndarray:
        out = np.zeros((self.size, table.shape[1]), table.dtype)
        if len(self.groups):  # (reduceat reads an empty group as the next row: left out)
            rows = table if self.order is None else table[self.order]
            out[self.groups] = np.add.reduceat(rows, self.starts, axis=0)
        return out


@dataclass(frozen=True)
class _Hierarchy:
    towns: list[str]  # in the villages' order
    to_village: _Sum  # the cells' rows into the villages'
    to_town: _Sum  # the villages' rows into the towns'
    cells: list[int]  # each village's number of cells


def _hierarchy(ds) -> _Hierarchy:
    def compute():
        vindex = {v["id"]: i for i, v in enumerate(ds.villages)}
        towns = list(dict.fromkeys(v["town"] for v in ds.villages))
        tindex = {town: i for i, town in enumerate(towns)}
        of_cell = np.fromiter((vindex.get(c["village_id"], -1) for c in ds.cells.values()),
                              np.int64, len(ds.cells))
        of_village = np.fromiter((tindex[v["town"]] for v in ds.villages), np.int64,
                                 len(ds.villages))
        to_village = _Sum.of(of_cell, len(ds.villages))
        return _Hierarchy(towns, to_village, _Sum.of(of_village, len(towns)),
                          to_village(np.ones((len(of_cell), 1), np.int64))[:, 0].tolist())
    return history.remember_places(ds, "hierarchy", compute)


def _tables(ds, hierarchy: _Hierarchy, cells: np.ndarray) -> dict[str, np.ndarray]:
    """The tables of the groupings from the cells' (its last row: outside every cell):
    the villages' (and outside, last), the towns', the total's."""
    villages = np.concatenate([hierarchy.to_village(cells[:-1]), cells[-1:]])
    return {"cell": cells, "village": villages, "town": hierarchy.to_town(villages[:-1]),
            "all": cells.sum(axis=0, keepdims=True)}


def _figures(ds, period: periods.Period, today: dt.date) -> tuple[dict, object]:
    """The hazard figures' tables (``_tables``) and their builder, once per period and day."""
    def compute():
        group = cell_slots(ds)[history.record_points(ds)]
        cells, builder = figure_table(history.timeline(ds), ds.records, group,
                                      len(ds.cells) + 1, period, today, ds.cutoff)
        return _tables(ds, _hierarchy(ds), cells), builder
    return history.remember(ds.memos, ("area figure tables", period, today), compute)


def figure_rows(ds, period: periods.Period, today: dt.date, name: str) -> list[dict]:
    """The hazard figures of each row of the ``name`` table ("cell", "village", "town",
    "all"). The rows' memo is geoapp.reports.tables's of its groupings of the same name
    (the ranking's villages and towns): the same tables, the same rows."""
    tables, builder = _figures(ds, period, today)
    table = tables[name]
    key = ("figure_rows", name if name != "cell" else "cells and outside", period.start,
           period.end, period.as_of(today), ds.cutoff)
    return history.reuse_rows(ds, key, table, builder(table))


def point_table_rows(ds, day: dt.date, name: str) -> list[dict]:
    """The points of each row of the ``name`` table at the end of ``day`` (point_counts)."""
    tables = history.remember(ds.memos, ("area point tables", day),
                              lambda: _tables(ds, _hierarchy(ds), cell_table(ds, day)))
    return point_rows(ds, day, f"areas: {name}", tables[name])


def _red(ds, day: dt.date) -> np.ndarray:
    """Each cell's red_cells (1 for a red one) as a one-column table (once per day: the
    report and its total both read it)."""
    def compute():
        levels = cell_levels(ds, day)
        return np.fromiter(map("red".__eq__, map(levels.__getitem__, ds.cells)), np.int64,
                           len(ds.cells)).reshape(-1, 1)
    return history.remember(ds.memos, ("red cells", day), compute)


def total(ds, period: periods.Period, today: dt.date) -> dict:
    """The territory's figures alone (hazards and points): tables.areas_total."""
    day = period.as_of(today)
    return {"name": "合计", "red_cells": int(_red(ds, day).sum()),
            "points": point_table_rows(ds, day, "all")[0],
            "hazards": figure_rows(ds, period, today, "all")[0]}


def areas(ds, period: periods.Period, today: dt.date) -> dict:
    """tables.areas: figures for the territory, each town, each village (and 网格外), each
    cell. The rows of the cells and villages whose parts stay the same objects are the
    last ones (history.reuse_built: a hazard write changes one cell's, and the JSON
    encoder keeps the bytes of rows that stay: geoapp.map.payload.Rows)."""
    day = period.as_of(today)
    hierarchy = _hierarchy(ds)
    vmeta = {v["id"]: v for v in ds.villages}
    levels = cell_levels(ds, day)
    red = _red(ds, day)
    red_village = hierarchy.to_village(red)
    red_town = hierarchy.to_town(red_village)[:, 0].tolist()
    red_village = red_village[:, 0].tolist()
    points = {name: point_table_rows(ds, day, name) for name in ("cell", "village", "town")}
    hazards = {name: figure_rows(ds, period, today, name)
               for name in ("cell", "village", "town")}
    key = ("areas", period.start, period.end, day, ds.cutoff)
    nv = len(ds.villages)

    def village(i: int) -> dict:
        v = ds.villages[i]
        return {"code": v["code"], "name": v["name"], "town": v["town"], "id": v["id"],
                "cells": hierarchy.cells[i], "red_cells": red_village[i],
                "points": points["village"][i], "hazards": hazards["village"][i]}
    # (the villages and cells themselves are the places', in whose memo the rows are kept:
    # not compared)
    villages = history.reuse_built(ds, ("village", *key), [
        points["village"][:nv], hazards["village"][:nv], red_village], village)
    outside = {"code": None, "name": OUTSIDE, "town": None, "cells": 0, "red_cells": 0,
               "points": points["village"][nv], "hazards": hazards["village"][nv]}
    towns = [{"name": town, "red_cells": red_town[i], "points": points["town"][i],
              "hazards": hazards["town"][i]} for i, town in enumerate(hierarchy.towns)]
    # village_id: two villages of one name (in different towns) keep their cells apart
    codes = list(ds.cells)
    cell_rows = list(ds.cells.values())
    cell_levels_ = list(map(levels.__getitem__, codes))

    def cell(i: int) -> dict:
        c = cell_rows[i]
        return {"code": codes[i], "name": c["name"], "village": vmeta[c["village_id"]]["name"],
                "village_id": c["village_id"], "risk_level": cell_levels_[i],
                "points": points["cell"][i], "hazards": hazards["cell"][i]}
    n = len(codes)
    cells = history.reuse_built(ds, ("cell", *key), [
        cell_levels_, points["cell"][:n], hazards["cell"][:n]], cell)
    return {"period": period.to_dict(), "as_of": day.isoformat(),
            "total": total(ds, period, today), "towns": towns, "villages": villages,
            "outside": outside, "cells": cells}
