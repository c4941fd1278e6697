"""Vector tiles kept across changes (geoapp.map.tilekeep.carry_over, seed): a hazard move
redraws the tiles around it and keeps the others; the warm-up makes the whole
territory's first view ahead of any request. The tiles kept are the tiles a fresh
process would make."""

from __future__ import annotations

import mapbox_vector_tile
import numpy as np
import shapely
import sqlalchemy as sa

from geoapp.map import vtiles
from geoapp.store import hazards
from geoapp.store.models import Cell, Town, Village
from tests.support.apps import make_app, wait_until_ready
from tests.web.test_vector_tiles import decode, tile_of
from tests.web.test_warm_start import two_cells  # noqa: F401 — the fixture

NEAR = tile_of(120.005, 31.005, 16)  # cell A with its shop and the hazard
FAR = tile_of(120.017, 31.005, 16)  # inside cell B, away from A


def _levels(body: bytes, layer: str, key: str) -> dict:
    return {f["properties"][key]: f["properties"]["risk_level"] for f in decode(body, layer)}


def _close(database, rules, hazard: int) -> None:
    """The hazard rectified, checked and closed (three moves, as the API makes them)."""
    with database.transaction() as s:
        for action, actor, role in (("start", "网格员甲", "grid"), ("submit", "网格员甲", "grid"),
                                    ("accept", "安监站乙", "supervisor")):
            hazards.move(s, rules, hazard, action, actor=actor, note="合格", role=role)


def test_a_move_redraws_the_tiles_around_it_and_keeps_the_others(database, rules,
                                                                   two_cells):  # noqa: F811
    app = make_app(database)
    client = app.test_client()
    cache = app.extensions["geoapp.mapcache"]
    before = {}
    for kind in ("cells", "points"):
        for z, x, y in (NEAR, FAR):
            r = client.get(f"/tiles/{kind}/{z}/{x}/{y}.mvt")
            assert r.status_code == 200 and r.data
            before[kind, (z, x, y)] = r.data
    assert _levels(before["cells", NEAR], "cells", "code")["A"] == "red"
    kept = dict(cache._snapshot.vector_tiles)

    _close(database, rules, two_cells["hazard"])  # A is red no more
    assert client.get("/api/map/cells").status_code == 200  # any map read patches
    assert cache.patches == 1
    tiles = cache._snapshot.vector_tiles
    for kind in ("cells", "points"):
        key = (kind, *FAR, None, vtiles.Filters())
        assert tiles[key] is kept[key]  # not made again
        assert (kind, *NEAR, None, vtiles.Filters()) not in tiles

    fresh = make_app(database).test_client()
    for kind, layer, key in (("cells", "cells", "code"), ("points", "points", "id")):
        for tile in (NEAR, FAR):
            path = f"/tiles/{kind}/{'/'.join(map(str, tile))}.mvt"
            served, made = client.get(path).data, fresh.get(path).data
            assert _levels(served, layer, key) == _levels(made, layer, key), (kind, tile)
    assert _levels(client.get(f"/tiles/cells/{'/'.join(map(str, NEAR))}.mvt").data,
                   "cells", "code")["A"] != "red"


def test_the_warm_up_makes_the_first_view_ahead(database, rules, two_cells):  # noqa: F811
    app = make_app(database, WARM_START=True, MAP_TILE_CELLS=0, MAP_TILE_POINTS=0)
    client = app.test_client()
    wait_until_ready(app)
    snap = app.extensions["geoapp.mapcache"]._snapshot
    tiles = snap.vector_tiles
    seeded = {key[:4] for key in tiles}
    # and the cells' properties the page asks for first
    assert ("no-geometry", None, False) in snap.scoped
    zooms = {z for _kind, z, _x, _y in seeded}
    assert len(zooms) >= 3 and {kind for kind, *_ in seeded} == {"cells", "points"}
    assert all(key[4] is None and key[5] in (vtiles.Filters(), vtiles.Filters(key=True))
               for key in tiles)
    # the same bytes a request of a process without warm start makes
    fresh = make_app(database, MAP_TILE_CELLS=0, MAP_TILE_POINTS=0).test_client()
    for kind, z, x, y in sorted(seeded):
        query = "?key=1" if kind == "points" else ""
        made = fresh.get(f"/tiles/{kind}/{z}/{x}/{y}.mvt{query}").data
        body = tiles[kind, z, x, y, None, vtiles.Filters(key=kind == "points")].body
        assert body == made, (kind, z, x, y)
    # every layer asked by name is the same tile as none asked: one cache key
    layers = ",".join(rules.layers)
    assert client.get(f"/tiles/points/{z}/{x}/{y}.mvt?key=1&layers={layers}").data == body
    assert mapbox_vector_tile  # (decode above is the package's)


def test_a_move_merges_again_only_the_groups_of_the_cells_it_changed(database, rules,
                                                                      two_cells):  # noqa: F811
    """Where cells are merged per village and level, a group's union is made once and
    kept with the shapes: after a move that takes A from red to blue, the tile shows A
    in its village's blue feature with B, that union alone is made, and C's (another
    village, unchanged) is the one made before the move; A's old group is dropped."""
    with database.transaction() as s:
        s.add(Cell(code="C", name="三网格", village=Village(
            town=s.scalars(sa.select(Town)).one(), name="西湖村（虚构）"),
            geom=shapely.MultiPolygon([shapely.box(120.02, 31, 120.03, 31.01)])))
    app = make_app(database)
    client = app.test_client()
    cache = app.extensions["geoapp.mapcache"]
    z, x, y = tile_of(120.015, 31.005, 10)
    path = f"/tiles/cells/{z}/{x}/{y}.mvt"

    def features():
        return sorted((f["properties"]["name"], f["properties"]["risk_level"],
                       f["properties"]["cells"]) for f in decode(client.get(path).data, "cells"))

    assert client.get("/api/map/cells").status_code == 200
    snap = cache._snapshot
    assert vtiles.coalesced(snap, z)
    assert features() == [("东湖村（虚构）", "blue", 1), ("东湖村（虚构）", "red", 1),
                          ("西湖村（虚构）", "blue", 1)]
    a, b, c = (np.array([snap.cell_index[code]]) for code in "ABC")
    unions = snap.geometry.merged
    before = dict(unions)
    assert set(before) == {a.tobytes(), b.tobytes(), c.tobytes()}

    _close(database, rules, two_cells["hazard"])  # A is red no more
    assert client.get("/api/map/cells").status_code == 200  # any map read patches
    assert cache.patches == 1 and cache._snapshot.geometry.merged is unions
    assert features() == [("东湖村（虚构）", "blue", 2), ("西湖村（虚构）", "blue", 1)]
    assert unions[c.tobytes()] is before[c.tobytes()]  # C's union: not made again
    assert a.tobytes() not in unions  # A's old group: no group has that set of cells now
    assert set(unions) == {b.tobytes(), c.tobytes(), np.sort(np.r_[a, b]).tobytes()}
    # the tile a fresh process makes of the same data
    assert client.get(path).data == make_app(database).test_client().get(path).data
