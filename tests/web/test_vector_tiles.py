"""The map's vector tiles (/tiles/cells|points/{z}/{x}/{y}.mvt), on both backends.

The truth is the database and the JSON map endpoints: a tile's cells are the
cells whose stored shape meets the tile, its points those /api/map/points
returns for the same box and filters (thinned to one per layer and pixel).
On PostGIS the body is ST_AsMVT's; it is decoded and compared with what the
embedded encoder (mapbox-vector-tile) makes of the same rows: the same
features, properties and (to one tile unit) geometry.
"""

from __future__ import annotations

import math

import mapbox_vector_tile
import numpy as np
import pytest
import shapely
import sqlalchemy as sa

from geoapp.map import vtiles
from geoapp.store.models import Cell, Point

MVT = "application/vnd.mapbox-vector-tile"


def decode(body: bytes, layer: str) -> list[dict]:
    if not body:
        return []
    return mapbox_vector_tile.decode(body, default_options={"y_coord_down": True})[layer][
        "features"]


def tile_of(lon: float, lat: float, z: int) -> tuple[int, int, int]:
    x = int((lon + 180) / 360 * 2**z)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * 2**z)
    return z, x, y


def _centre(demo_client):
    w, s, e, n = demo_client.get("/api/map/cells").get_json()["bounds"]
    return (w + e) / 2, (s + n) / 2


def _lonlat(units, z: int, x: int, y: int, extent: int):
    """Tile units (y down) → lon/lat, inverting Web Mercator."""
    n = 2**z
    tx, ty = x + units[:, 0] / extent, y + units[:, 1] / extent
    lat = np.degrees(np.arctan(np.sinh(np.pi * (1 - 2 * ty / n))))
    return np.column_stack((tx / n * 360 - 180, lat))


def _shape(feature) -> shapely.Geometry:
    return shapely.make_valid(shapely.geometry.shape(feature["geometry"]))


def test_cells_tile_holds_the_cells_meeting_it_with_their_properties(demo_client,
                                                                        demo_database):
    z, x, y = tile_of(*_centre(demo_client), 13)
    r = demo_client.get(f"/tiles/cells/{z}/{x}/{y}.mvt")
    assert r.status_code == 200 and r.mimetype == MVT
    features = decode(r.data, "cells")
    w, s, e, n = vtiles.lonlat_box(z, x, y, 0)
    with demo_database.transaction() as session:
        cells = session.execute(sa.select(Cell.code, Cell.geom)).all()
    meeting = {code for code, geom in cells if geom.intersects(shapely.box(w, s, e, n))}
    codes = {f["properties"]["code"] for f in features}
    assert meeting and meeting <= codes  # plus those in the buffer
    doc = demo_client.get("/api/map/cells").get_json()
    at = {code: i for i, code in enumerate(doc["code"])}
    for f in features:
        p, i = f["properties"], at[f["properties"]["code"]]
        assert p["name"] == doc["name"][i]
        assert p["risk_level"] == doc["levels"][doc["level"][i]]
        assert (p["overdue"], p["listed"]) == (doc["hazards"][i][1], doc["hazards"][i][3])
    # filters: one level only, the others are left out
    red = decode(demo_client.get(f"/tiles/cells/{z}/{x}/{y}.mvt?levels=red").data, "cells")
    assert {f["properties"]["code"] for f in red} == \
        {f["properties"]["code"] for f in features if f["properties"]["risk_level"] == "red"}


def test_points_tile_is_the_json_points_thinned(demo_client):
    z, x, y = tile_of(*_centre(demo_client), 12)
    w, s, e, n = vtiles.lonlat_box(z, x, y, vtiles.BUFFER)
    for query in ("", "&levels=red,orange", "&hazard=open", "&layers=enterprise"):
        doc = demo_client.get(f"/api/map/points?bbox={w},{s},{e},{n}&zoom=22{query}").get_json()
        assert doc["mode"] == "points"
        truth = {p[0]: p for p in doc["points"]}
        r = demo_client.get(f"/tiles/points/{z}/{x}/{y}.mvt?{query[1:]}")
        assert r.status_code == 200 and r.mimetype == MVT
        features = decode(r.data, "points")
        got = {f["properties"]["id"]: f["properties"] for f in features}
        assert set(got) <= set(truth), query
        # at most one point of a layer in each 4-pixel square (64 tile units)
        squares = [(f["properties"]["layer"], *(int(c // 64) for c in f["geometry"]["coordinates"]))
                   for f in features]
        assert len(squares) == len(set(squares)), query
        assert len(got) > 0.5 * len(truth) > 0, query  # thinning keeps most at this zoom
        layers = doc["point_fields"] and demo_client.get("/api/map/cells").get_json()["layers"]
        for pid, p in got.items():
            assert p["layer"] == layers[truth[pid][1]]
            assert p["risk_level"] == ["red", "orange", "yellow", "blue"][truth[pid][2]]


def test_points_tile_is_each_square_s_worst_point_where_the_database_has_it(demo_client,
                                                                            demo_database):
    """A points tile against the stored points, worked out here from the point table and
    /api/map/points alone: in each 4-pixel square (64 units; 8 pixels at zoom 11 and
    less, where a tile covers 20 km) of the tile and its buffer, per layer, exactly the
    point of the worst level (then the lowest id) is there, with its layer and level, at
    its stored place to the tile unit (rounded, as ST_AsMVTGeom snaps it; y down)."""
    lon, lat = _centre(demo_client)
    levels = ["red", "orange", "yellow", "blue"]
    layers = demo_client.get("/api/map/cells").get_json()["layers"]
    with demo_database.transaction() as session:
        places = {pid: (g.x, g.y) for pid, g in session.execute(sa.select(Point.id, Point.geom))}
    thinned = 0
    for zoom in (11, 12, 13, 15):
        z, x, y = tile_of(lon, lat, zoom)
        w, s, e, n = vtiles.lonlat_box(z, x, y, vtiles.BUFFER)
        doc = demo_client.get(f"/api/map/points?bbox={w},{s},{e},{n}&zoom=22").get_json()
        assert doc["mode"] == "points"
        ids = np.array(sorted(p[0] for p in doc["points"]))
        lonlat = np.array([places[i] for i in ids])
        tx = ((lonlat[:, 0] + 180) / 360 * 2**z - x) * 4096
        ty = ((1 - np.arcsinh(np.tan(np.radians(lonlat[:, 1]))) / math.pi) / 2 * 2**z - y) * 4096
        inside = (np.abs(tx - 2048) <= 2048 + 64) & (np.abs(ty - 2048) <= 2048 + 64)
        row = {p[0]: p for p in doc["points"]}
        expected = {}
        for i, px, py in sorted(zip(ids[inside].tolist(), tx[inside], ty[inside], strict=True),
                                key=lambda t: (row[t[0]][2], t[0])):  # the worst, lowest id
            side = 128 if z <= 11 else 64
            square = (row[i][1], math.floor(px / side), math.floor((4096 - py) / side))  # y up
            expected.setdefault(square, (i, px, py))
        want = {i: (layers[row[i][1]], levels[row[i][2]], px, py)
                for i, px, py in expected.values()}
        got = {f["properties"]["id"]: (f["properties"]["layer"], f["properties"]["risk_level"],
                                       *f["geometry"]["coordinates"])
               for f in decode(demo_client.get(f"/tiles/points/{z}/{x}/{y}.mvt").data, "points")}
        assert want and set(got) == set(want), z
        thinned += int(inside.sum()) - len(want)
        for i, (layer, level, px, py) in want.items():
            assert got[i][:2] == (layer, level), i
            assert abs(got[i][2] - px) <= 0.5 + 1e-6 and abs(got[i][3] - py) <= 0.5 + 1e-6, \
                (z, i, got[i], px, py)
    assert thinned > 0  # squares of more than one point of a layer were met


def test_postgis_and_the_embedded_encoder_make_the_same_tiles(demo_client, demo_database,
                                                                rules):
    """ST_AsMVT's tile against mapbox-vector-tile's of the same rows (on SQLite: the same
    encoder twice, which only checks the decoding)."""
    app = demo_client.application
    lon, lat = _centre(demo_client)
    with app.app_context(), demo_database.transaction() as session:
        from geoapp.web.clock import today

        snap = app.extensions["geoapp.mapcache"].load(
            session, rules, today(rules.risk.hazards.timezone))
        for z in (11, 13, 15):
            z, x, y = tile_of(lon, lat, z)
            f = vtiles.Filters()
            cells = vtiles.cell_rows(snap, z, x, y, None, f)
            points = vtiles.point_rows(snap, z, x, y, None, f)
            assert cells and len(points)
            served = {"cells": decode(demo_client.get(f"/tiles/cells/{z}/{x}/{y}.mvt").data,
                                      "cells"),
                      "points": decode(demo_client.get(f"/tiles/points/{z}/{x}/{y}.mvt").data,
                                       "points")}
            made = {"cells": decode(vtiles._encode_cells(snap, cells, z, x, y), "cells"),
                    "points": decode(vtiles._encode_points(snap, points, z, x, y), "points")}
            for layer, key in (("cells", "code"), ("points", "id")):
                a = {g["properties"][key]: g for g in served[layer]}
                b = {g["properties"][key]: g for g in made[layer]}
                assert set(a) == set(b) and a, (layer, z)
                for k in a:
                    assert a[k]["properties"] == b[k]["properties"]
                    ga, gb = _shape(a[k]), _shape(b[k])
                    if layer == "points":
                        assert ga.distance(gb) <= 1.5, (k, ga, gb)
                    else:  # clipped and rounded alike: the same area to a tile unit
                        assert ga.symmetric_difference(gb).area <= max(ga.length, 1) * 1.5, k


@pytest.mark.parametrize("query, field", [
    ("layers=enterprise,pipeline", "layers"), ("levels=purple", "levels"),
    ("hazard=lost", "hazard"), ("outside=maybe", "outside"), ("town=nowhere", "town"),
    ("village=nowhere", "village"), ("cell=NO-SUCH", "cell"), ("key=yes", "key"),
    ("visit=soon", "visit"),
])
def test_bad_parameters_are_400_like_the_json(demo_client, query, field):
    for kind in ("cells", "points"):
        tile = demo_client.get(f"/tiles/{kind}/12/3400/1600.mvt?{query}")
        json = demo_client.get(f"/api/map/points?{query}")
        assert tile.status_code == 400 and tile.get_json() == json.get_json()
        assert tile.get_json()["field"] == field


@pytest.mark.parametrize("path, field", [("23/0/0", "z"), ("2/4/0", "x"), ("2/0/4", "y")])
def test_tiles_outside_the_world_are_400(demo_client, path, field):
    r = demo_client.get(f"/tiles/cells/{path}.mvt")
    assert r.status_code == 400 and r.get_json()["field"] == field


def test_tiles_are_cached_until_the_data_change(demo_client):
    z, x, y = tile_of(*_centre(demo_client), 12)
    first = demo_client.get(f"/tiles/cells/{z}/{x}/{y}.mvt")
    again = demo_client.get(f"/tiles/cells/{z}/{x}/{y}.mvt",
                            headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304


def test_cells_tiles_where_cells_are_small_are_lighter(demo_client, demo_database):
    """Where the median cell is under 32 pixels wide a cells tile has extent 512 (two
    units a pixel), elsewhere 4096, and every cell meeting the tile is there with its
    stored shape to a pixel. Under 8 pixels a feature is a village's cells of one level
    and flags: the same area, each cell inside the feature of its village and level."""
    with demo_database.transaction() as session:
        shapes = dict(session.execute(sa.select(Cell.code, Cell.geom)).all())
    doc = demo_client.get("/api/map/cells").get_json()
    at = {code: i for i, code in enumerate(doc["code"])}
    village = {c: doc["villages"][doc["village"][i]][0] for c, i in at.items()}
    level = {c: doc["levels"][doc["level"][i]] for c, i in at.items()}
    widths = sorted(g.bounds[2] - g.bounds[0] for g in shapes.values())
    median = (widths[(len(widths) - 1) // 2] + widths[len(widths) // 2]) / 2
    lon, lat = _centre(demo_client)
    seen = set()
    for z in range(8, 16):
        z, x, y = tile_of(lon, lat, z)
        layer = mapbox_vector_tile.decode(demo_client.get(f"/tiles/cells/{z}/{x}/{y}.mvt").data,
                                          default_options={"y_coord_down": True})["cells"]
        pixels = median / 360 * 256 * 2**z
        kind = "merged" if pixels < 8 else "coarse" if pixels < 32 else "fine"
        assert layer["extent"] == (4096 if kind == "fine" else 512), (z, pixels)
        seen.add(kind)
        w, s, e, n = vtiles.lonlat_box(z, x, y, 0)
        px = (e - w) / 256  # a pixel in degrees of longitude (latitude: about the same here)
        meeting = {code: shapely.clip_by_rect(g, w, s, e, n) for code, g in shapes.items()}
        meeting = {code: g for code, g in meeting.items() if not g.is_empty}
        def to_lonlat(u, tile=(z, x, y, layer["extent"])):
            return _lonlat(u, *tile)

        drawn = [(f["properties"], shapely.clip_by_rect(shapely.transform(_shape(f), to_lonlat),
                                                        w, s, e, n)) for f in layer["features"]]
        if kind != "merged":
            got = {p["code"]: g for p, g in drawn}
            for code, exact in meeting.items():
                assert exact.symmetric_difference(got[code]).area <= \
                    max(exact.length, px) * px * 1.5, (z, code)
            continue
        assert all(p["code"] == "" for p, _g in drawn)
        whole, union = shapely.union_all(list(meeting.values())), shapely.union_all(
            [g for _p, g in drawn])
        assert whole.symmetric_difference(union).area <= whole.length * px, z
        for code, exact in meeting.items():
            inner = exact.buffer(-px / 2)  # its edges may move by half a pixel
            if inner.is_empty:
                continue
            mine = shapely.union_all([g for p, g in drawn if p["name"] == village[code]
                                      and p["risk_level"] == level[code]])
            assert mine.intersection(inner).area >= 0.9 * inner.area, (z, code)
        assert sum(p["cells"] for p, _g in drawn) >= len(meeting)
    assert seen == {"merged", "coarse", "fine"}
