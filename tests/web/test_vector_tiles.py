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
import pytest
import shapely
import sqlalchemy as sa

from geoapp.map import vtiles
from geoapp.store.models import Cell

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


def _shape(feature) -> shapely.Geometry:
    return shapely.make_valid(shapely.geometry.shape(feature["geometry"]))


def test_cells_tile_holds_the_cells_meeting_it_with_their_properties(demo_client,
                                                                        demo_database):
    z, x, y = tile_of(*_centre(demo_client), 13)
    r = demo_client.get(f"/tiles/cells/{z}/{x}/{y}.mvt")
    assert r.status_code == 200 and r.mimetype == MVT
    features = decode(r.data, "cells")
    w, s, e, n = vtiles._lonlat_box(z, x, y, 0)
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
    w, s, e, n = vtiles._lonlat_box(z, x, y, vtiles.BUFFER)
    for query in ("", "&levels=red,orange", "&hazard=open", "&layers=enterprise"):
        doc = demo_client.get(f"/api/map/points?bbox={w},{s},{e},{n}&zoom=22{query}").get_json()
        assert doc["mode"] == "points"
        truth = {p[0]: p for p in doc["points"]}
        r = demo_client.get(f"/tiles/points/{z}/{x}/{y}.mvt?{query[1:]}")
        assert r.status_code == 200 and r.mimetype == MVT
        got = {f["properties"]["id"]: f["properties"] for f in decode(r.data, "points")}
        assert set(got) <= set(truth), query
        assert len(got) > 0.5 * len(truth) > 0, query  # thinning keeps most at this zoom
        layers = doc["point_fields"] and demo_client.get("/api/map/cells").get_json()["layers"]
        for pid, p in got.items():
            assert p["layer"] == layers[truth[pid][1]]
            assert p["risk_level"] == ["red", "orange", "yellow", "blue"][truth[pid][2]]


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
            assert cells and points
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
