"""The map's headline strip made from the snapshot: sums of the cells' rollups (no Flask).

``pages.summary`` (``/api/summary``) reads every hazard of a scope and rolls them up:
0.2–0.5 s at county scale, paid by the first map load after every hazard move. The
snapshot (geoapp.map.snapshot) already holds what the headline needs, patched after a
move (geoapp.map.cache): every cell's level and hazard rollup (``workflow.rollup`` of
the hazards at its points) and every point's layer, home cell and outside flag. The
headline of a scope is their sum over its cells, plus the rollup of the few hazards at
points outside every cell (read by the caller: ``pages.outside_hazards``); it equals
``pages.summary`` (tests/map/test_headline.py).
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from geoapp.domain import workflow
from geoapp.domain.layers import LEVEL_ORDER


def _paths(rollup: dict) -> list[tuple[str, ...]]:
    """The rollup's counts as key paths: ("total",), ("by_state", "open"), …"""
    paths: list[tuple[str, ...]] = []
    for key, value in rollup.items():
        if isinstance(value, dict):
            paths += [(key, sub) for sub in value]
        elif key != "rectification_rate":  # a ratio, made again from the sums
            paths.append((key,))
    return paths


PATHS = _paths(workflow.rollup([], dt.date(2000, 1, 1), dt.date(2000, 1, 1)))


def vector(rollup: dict) -> list[int]:
    """A rollup's counts in ``PATHS`` order (an empty dict: a cell without hazards)."""
    return [int(rollup.get(p[0], 0) if len(p) == 1 else rollup.get(p[0], {}).get(p[1], 0))
            for p in PATHS]


def rollup_of(values) -> dict:
    """The rollup whose counts are ``values`` (in ``PATHS`` order)."""
    out: dict = {}
    for path, value in zip(PATHS, values, strict=True):
        if len(path) == 1:
            out[path[0]] = int(value)
        else:
            out.setdefault(path[0], {})[path[1]] = int(value)
    out["rectification_rate"] = workflow.rate(out["closed"], out["total"])
    return out


def summary(snap, only, outside_rows, today: dt.date, stock_cutoff: dt.date) -> dict:
    """``pages.summary`` of the cells ``only`` (None: the territory) from the snapshot
    ``snap``; ``outside_rows``: ``pages.outside_hazards`` of the same scope."""
    n_cells = len(snap.cell_codes)
    if only is None:
        cells = np.arange(n_cells)
        mine = np.ones(len(snap.p_id), dtype=bool)
    else:
        cells = np.array(sorted(snap.cell_index[c] for c in only if c in snap.cell_index),
                         dtype=np.int64)
        chosen = np.zeros(n_cells + 1, dtype=bool)  # the last slot: "no cell" (-1)
        chosen[cells] = True
        mine = chosen[snap.p_cell]
    levels = np.bincount(np.asarray(snap.cells_doc["level"], dtype=np.int64)[cells],
                         minlength=len(LEVEL_ORDER))
    layer = snap.p_layer[mine]
    per_layer = np.bincount(layer[layer >= 0], minlength=len(snap.layers))
    sums = snap.rollups[cells].sum(axis=0) + np.asarray(
        vector(workflow.rollup(outside_rows, today, stock_cutoff)))
    return {
        "cells_by_level": {code: int(levels[i]) for i, code in enumerate(LEVEL_ORDER)},
        "points": {code: int(per_layer[i]) for i, code in enumerate(snap.layers)},
        "points_outside_cells": int((snap.p_outside & mine).sum()),
        **workflow.headline(rollup_of(sums), today, stock_cutoff),
        "today": today.isoformat(),
    }
