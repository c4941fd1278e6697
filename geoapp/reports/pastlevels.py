"""Points and cells on a past day for the reports: four-colour levels, counts per group.

Over geoapp.reports.tables's ``Dataset``: each day's levels are computed once per
dataset (``Dataset.memo``), and the points of every group (cell, village,
town, industry) are counted in one numpy pass rather than one loop per group.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Mapping

import numpy as np

from geoapp.domain import risk
from geoapp.domain.timeline import CLOSED, NOT_FOUND
from geoapp.reports import history


def _levels(ds, day: dt.date) -> tuple[list, np.ndarray]:
    """Every point's level at the end of ``day``: (the levels, each point's index in them)."""
    def compute():
        values, inherent = history.remember_places(ds, "inherent", lambda: _index(
            p.inherent_level for p in ds.points))
        major = history.column(ds, "major", lambda r: r.level == "major", bool)
        codes = history.timeline(ds).codes(day)
        # the points with an open major hazard, by the hazards' points' indices (np.isin
        # over 10⁶ point ids took 8 ms a day)
        has = np.unique(history.record_points(ds)[major & (codes != NOT_FOUND)
                                                  & (codes != CLOSED)])
        # the risk engine's rule on each (inherent level, has an open major hazard) once
        levels = list(risk.LEVEL_ORDER)
        table = np.empty((len(values), 2), np.int64)
        for i, value in enumerate(values):
            for flag in (0, 1):
                level = risk.escalated_level(value, bool(flag), ds.rules.risk)
                if level not in levels:
                    levels.append(level)
                table[i, flag] = levels.index(level)
        # every point's level without an open major hazard is the places' (with these
        # rules' table): only the points with one are looked up anew each day
        index = history.remember_places(ds, ("base levels", tuple(levels), table.tobytes()),
                                        lambda: table[inherent, 0]).copy()
        index[has] = table[inherent[has], 1]
        return levels, index
    return history.remember(ds.memos, ("levels", day), compute)


def _index(values: Iterable[Hashable]) -> tuple[list, np.ndarray]:
    """The distinct values in first-seen order, and each value's index in them."""
    seen: dict = {}
    index = np.fromiter((seen.setdefault(v, len(seen)) for v in values), np.int64)
    return list(seen), index


def point_levels(ds, day: dt.date) -> dict[int, str]:
    """Every point's four-colour level at the end of ``day``: point id → level.

    The risk engine's escalation of the point's inherent level by whether it
    had an open 重大事故隐患 then, not the level stored today. Point
    inventories and inherent levels are today's: they have no history.
    Computed once per dataset and day: do not change the result.
    """
    def compute():
        levels, index = _levels(ds, day)
        return dict(zip((p.id for p in ds.points), (levels[i] for i in index.tolist()),
                        strict=True))

    return history.remember(ds.memos, ("point_levels", day), compute)


def cell_levels(ds, day: dt.date, levels: Mapping[int, str] | None = None) -> dict[str, str]:
    """Every cell's level at the end of ``day``: the area rule over its points' ``levels``.

    ``levels`` are point_levels(ds, day), used when not given (then the
    result is computed once per dataset and day: do not change it).
    """
    def compute(levels):
        per_cell: dict[str, Counter] = {code: Counter() for code in ds.cells}
        for p in ds.points:
            if p.cell_code in per_cell:
                per_cell[p.cell_code][levels[p.id]] += 1
        return {code: risk.area_level(c, ds.rules.risk.area) for code, c in per_cell.items()}

    def vectorised():
        names, _ = _levels(ds, day)
        table = cell_table(ds, day)[:len(ds.cells)]
        nv = len(names)
        # the layers' counts added (einsum: 0.6 ms for 10⁴ cells, where ndarray.sum over
        # the middle axis took 2.6 ms)
        counts = np.einsum("ijk->ik", table.reshape(len(table), -1, nv)) if len(table) \
            else np.zeros((0, nv), np.int64)
        rule = ds.rules.risk.area

        def level(row) -> str:
            return risk.area_level({lv: n for lv, n in zip(names, row, strict=True) if n}, rule)

        # only the cells whose counts changed since the last day's are ruled again
        return dict(zip(ds.cells, history.reuse_rows(
            ds, ("cell_level_rows", day, tuple(names)), counts,
            lambda g: level(counts[g].tolist())), strict=True))

    if levels is not None:
        return compute(levels)
    return history.remember(ds.memos, ("cell_levels", day), vectorised)


def point_counts(points: Iterable, levels: Mapping[int, str], layers: Iterable[str]) -> dict:
    """Points per layer and level: {layer: {red, orange, yellow, blue, total}}.

    ``points`` have ``id`` and ``layer``; ``levels`` are point_levels' (at
    the end of the period).

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> c = point_counts([SimpleNamespace(id=1, layer="enterprise")], {1: "red"}, ["enterprise"])
    >>> c["enterprise"]["red"], c["enterprise"]["total"], c["total"]
    (1, 1, 1)
    """
    out = {layer: {**dict.fromkeys(risk.LEVEL_ORDER, 0), "total": 0} for layer in layers}
    for p in points:
        row = out.setdefault(p.layer, {**dict.fromkeys(risk.LEVEL_ORDER, 0), "total": 0})
        row[levels[p.id]] += 1
        row["total"] += 1
    out["total"] = sum(row["total"] for row in out.values())
    return out


def _layers(ds) -> tuple[list[str], np.ndarray]:
    """The layers (the rules' first, then any other a point has) and each point's index."""
    def compute():
        layers = list(ds.rules.layers)
        index = {layer: i for i, layer in enumerate(layers)}
        for p in ds.points:
            if p.layer not in index:
                index[p.layer] = len(layers)
                layers.append(p.layer)
        return layers, np.fromiter((index[p.layer] for p in ds.points), np.int64,
                                   len(ds.points))
    return history.remember_places(ds, "point_layers", compute)


# past this share of the points with another level, counting again beats patching
PATCH_SHARE = 1 / 64


def _counted(ds, key, slots: np.ndarray, level_of: np.ndarray, nv: int, size: int) -> np.ndarray:
    """``np.bincount(slots * nv + level_of, minlength=size)``: each point's (group, layer)
    slot and level counted. From the last count under ``key`` when only a few points'
    levels differ from its: a hazard write escalates one point, and counting 10⁶ points
    again took 4 ms for each of the areas report's four groupings. Kept with the places
    (``slots`` are theirs); the result is shared: never change it."""
    kept = history.remember_places(ds, "level counts", dict)
    last = kept.get(key)
    if (last is not None and last[0] is slots and last[1].shape == level_of.shape
            and last[2].size == size):
        changed = np.flatnonzero(last[1] != level_of)
        if len(changed) <= len(level_of) * PATCH_SHARE:
            counts = last[2].copy()
            np.subtract.at(counts, slots[changed] * nv + last[1][changed], 1)
            np.add.at(counts, slots[changed] * nv + level_of[changed], 1)
            kept[key] = (slots, level_of, counts)
            return counts
    counts = np.bincount(slots * nv + level_of, minlength=size)
    kept[key] = (slots, level_of, counts)
    return counts


def _groups(ds, name: str, key: Callable) -> tuple[list, np.ndarray]:
    """The groups ``key(point)`` puts the points in, and each point's group index."""
    def compute():
        groups: dict[Hashable, int] = {}
        index = np.fromiter((groups.setdefault(key(p), len(groups)) for p in ds.points),
                            np.int64, len(ds.points))
        return list(groups), index
    return history.remember_places(ds, ("point_groups", name), compute)


def point_tables(ds, day: dt.date, name: str, key: Callable) -> dict:
    """point_counts of every group at once: group → counts, at the end of ``day``.

    ``key(point)`` is the point's group; ``name`` names the grouping for the
    dataset's memo. A group without points is not in the result (see ``empty``).
    """
    layers, layer_of = _layers(ds)
    groups, group_of = _groups(ds, name, key)
    names, level_of = _levels(ds, day)
    nl, nv = len(layers), len(names)
    static = history.remember_places(ds, ("point_slots", name), lambda: group_of * nl + layer_of)
    table = _counted(ds, ("point tables", name), static, level_of, nv,
                     len(groups) * nl * nv).reshape(len(groups), nl * nv)
    return dict(zip(groups, point_rows(ds, day, name, table), strict=True))


def cell_slots(ds) -> np.ndarray:
    """Each point's cell's index in ``ds.cells``; ``len(ds.cells)`` for a point outside
    every cell (geoapp.reports.rollup)."""
    def compute():
        index = {code: i for i, code in enumerate(ds.cells)}
        outside = len(index)
        return np.fromiter((index.get(p.cell_code, outside) for p in ds.points), np.int64,
                           len(ds.points))
    return history.remember_places(ds, "cell slots", compute)


def cell_table(ds, day: dt.date) -> np.ndarray:
    """The points of each cell (and, last row, of those outside every cell) at the end of
    ``day`` per layer and level: row → (layer, level) counts, point_rows' table. The rows
    of the villages, towns and the territory are sums of these (geoapp.reports.rollup)."""
    def compute():
        layers, layer_of = _layers(ds)
        names, level_of = _levels(ds, day)
        nl, nv, n = len(layers), len(names), len(ds.cells) + 1
        slots = history.remember_places(ds, ("point_slots", "cells and outside"),
                                        lambda: cell_slots(ds) * nl + layer_of)
        return _counted(ds, ("point tables", "cells and outside"), slots, level_of, nv,
                        n * nl * nv).reshape(n, nl * nv)
    # (once per dataset and day: the cells' levels and the areas' point counts read it)
    return history.remember(ds.memos, ("cell table", day), compute)


def point_rows(ds, day: dt.date, name: str, table: np.ndarray) -> list[dict]:
    """point_counts of each row of ``table`` (cell_table's columns), at the end of ``day``;
    ``name`` names the grouping (history.reuse_rows: only changed rows are built)."""
    layers, _ = _layers(ds)
    names, _ = _levels(ds, day)
    if names != list(risk.LEVEL_ORDER):  # a level point_counts has no column for
        raise KeyError(names[len(risk.LEVEL_ORDER)])
    nv = len(names)
    base = len(ds.rules.layers)

    def build(g: int) -> dict:
        row, total = {}, 0
        counts = table[g].tolist()
        for i, layer in enumerate(layers):
            per_level = counts[i * nv:(i + 1) * nv]
            n = sum(per_level)
            if i < base or n:  # other layers only where a point has them (point_counts)
                row[layer] = {**dict(zip(risk.LEVEL_ORDER, per_level, strict=True)),
                              "total": n}
                total += n
        row["total"] = total
        return row

    # (the layers are the places', as the memo: a row is its counts' alone)
    return history.reuse_rows(ds, ("point_rows", name, day), table, build)


def empty(ds) -> dict:
    """point_counts of no points (one object per set of places: rows built of it are
    reused while it stays the same, history.reuse_built; never change it)."""
    return history.remember_places(ds, "no points",
                                   lambda: point_counts([], {}, ds.rules.layers))
