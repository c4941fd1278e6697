"""The JSON API over the bundled demo, on both backends (the map page: test_map.py)."""

from __future__ import annotations

import pytest

from geoapp.domain.layers import load_rules
from geoapp.resources import bundled

LEVELS = {"red", "orange", "yellow", "blue"}
# every point layer of the bundled layers/ (the API names them from there)
LAYERS = set(load_rules(bundled("layers")).layers)
HAZARD_KEYS = {"total", "open", "overdue", "closed", "major_open"}


@pytest.fixture
def cells(demo_client):
    response = demo_client.get("/api/cells")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    return response.get_json()


def test_cells_is_geojson_with_contract_properties(cells):
    assert cells["type"] == "FeatureCollection"
    assert len(cells["features"]) >= 60
    for f in cells["features"]:
        assert f["type"] == "Feature"
        assert f["geometry"]["type"] in ("Polygon", "MultiPolygon")
        lon, lat = _first_position(f["geometry"])
        assert 73 < lon < 136 and 3 < lat < 54  # RFC 7946: lon, lat order
        p = f["properties"]
        assert {"code", "name", "village", "town", "risk_level", "counts", "hazards"} <= set(p)
        assert p["risk_level"] in LEVELS
        assert set(p["counts"]) == LAYERS
        assert HAZARD_KEYS <= set(p["hazards"])
        h = p["hazards"]
        assert h["total"] == h["open"] + h["closed"]
        assert h["overdue"] <= h["open"] and h["major_open"] <= h["open"]


def _first_position(geometry):
    coords = geometry["coordinates"]
    while isinstance(coords[0], list):
        coords = coords[0]
    return coords


def test_demo_has_all_four_colours_and_enough_villages(cells):
    levels = {f["properties"]["risk_level"] for f in cells["features"]}
    assert levels == LEVELS
    villages = {f["properties"]["village"] for f in cells["features"]}
    assert len(villages) >= 15
    multipart = [f for f in cells["features"] if f["geometry"]["type"] == "MultiPolygon"
                 and len(f["geometry"]["coordinates"]) > 1]
    holed = [f for f in cells["features"] for poly in
             (f["geometry"]["coordinates"] if f["geometry"]["type"] == "MultiPolygon"
              else [f["geometry"]["coordinates"]]) if len(poly) > 1]
    assert multipart and holed


def test_cell_detail_agrees_with_collection(demo_client, cells):
    for f in cells["features"]:
        code = f["properties"]["code"]
        detail = demo_client.get(f"/api/cells/{code}").get_json()
        assert detail["properties"]["counts"] == f["properties"]["counts"], code
        assert detail["properties"]["hazards"] == f["properties"]["hazards"], code
        assert detail["properties"]["risk_level"] == f["properties"]["risk_level"]
        points = detail["points"]["features"]
        assert len(points) == sum(f["properties"]["counts"].values())
        assert all(p["properties"]["cell_code"] == code for p in points)
        assert len(detail["hazard_list"]) == f["properties"]["hazards"]["total"]
        assert all(h["events"] for h in detail["hazard_list"])


def test_cell_level_is_highest_point_level(demo_client, cells):
    rank = {"blue": 1, "yellow": 2, "orange": 3, "red": 4}
    for f in cells["features"][:25]:
        detail = demo_client.get(f"/api/cells/{f['properties']['code']}").get_json()
        levels = [p["properties"]["risk_level"] for p in detail["points"]["features"]]
        expected = max(levels, key=rank.get) if levels else "blue"
        assert f["properties"]["risk_level"] == expected


def test_points_add_up_with_outside_ones(demo_client, cells):
    summary = demo_client.get("/api/summary").get_json()
    inside = sum(sum(f["properties"]["counts"].values()) for f in cells["features"])
    assert inside + summary["points_outside_cells"] == sum(summary["points"].values())
    assert summary["points_outside_cells"] >= 6
    assert summary["points"]["enterprise"] >= 300
    assert summary["points"]["idle_site"] >= 40
    assert summary["points"]["confined_space"] >= 80
    assert summary["points"]["major_hazard"] >= 10
    h = summary["hazards"]
    assert h["total"] >= 200 and h["overdue"] > 0 and h["major_open"] > 0 and h["listed_open"] > 0
    assert all(n > 0 for n in h["by_state"].values())
    assert sum(f["properties"]["hazards"]["total"] for f in cells["features"]) <= h["total"]


def test_unknown_cell_is_404_json(demo_client):
    response = demo_client.get("/api/cells/NO-SUCH-CELL")
    assert response.status_code == 404
    assert response.get_json()["error"] == "not_found"


def test_zones(demo_client):
    zones = demo_client.get("/api/zones").get_json()
    assert zones["type"] == "FeatureCollection" and len(zones["features"]) >= 3
    props = [f["properties"] for f in zones["features"]]
    assert all({"code", "name", "kind", "risk_level"} <= set(p) for p in props)
    assert "化工园区" in {p["kind"] for p in props}
    assert {p["risk_level"] for p in props} <= LEVELS
