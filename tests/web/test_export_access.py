"""Who may download what, the hazard filters, and bad requests (both backends).

Cells A and B of one village, a shop with a hazard in each, an idle site
outside both with a hazard, and a public report (with the reporter's phone)
that became the hazard in A.
"""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
import shapely

from geoapp.domain.layers import load_rules
from geoapp.exports.access import layers
from geoapp.resources import bundled
from geoapp.store import assignment, hazards
from geoapp.store import audit as audit_store
from geoapp.store.models import Hazard, Point, PublicReport
from tests.support.apps import make_user, shop_with_hazard
from tests.support.constants import TODAY

# every layer a download names: the area layers, each layers/*.toml point layer, hazards
LAYERS = layers(load_rules(bundled("layers")))

PHONE = "13987654321"  # the public reporter's (synthetic)
FORMATS = ("xlsx", "gpkg", "geojson", "shp.zip")


@pytest.fixture
def world(database, rules):
    found = TODAY - dt.timedelta(days=60)  # deadline 30 days later: overdue today
    _point, h1 = shop_with_hazard(database, rules, found_on=found, level="major")
    with database.transaction() as s:
        b = Point(layer="enterprise", key="K2", name="五金店（虚构）",
                  geom=shapely.Point(120.015, 31.005), attrs={"industry": "5274"})
        outside = Point(layer="idle_site", key="X1", name="废弃厂房（虚构）",
                        geom=shapely.Point(120.05, 31.05), attrs={})
        for code, point, level in (("H2", b, "general"), ("H3", outside, "general")):
            h = Hazard(point=point, code=code, level=level, source="inspection",
                       description="消防通道堵塞", found_on=TODAY - dt.timedelta(days=3),
                       deadline=TODAY + dt.timedelta(days=10), state="rectifying",
                       listed=code == "H2")
            s.add(h)
            hazards.record(h, "测试", "create")
        now = dt.datetime(2030, 6, 1, tzinfo=dt.UTC)
        s.add(PublicReport(code="JB-1", created_at=now, updated_at=now, lon=120.005, lat=31.005,
                           cell_code="A", category="other", description="举报（虚构）",
                           phone=PHONE, state="verified", hazard_id=h1))
        s.flush()
        assignment.reassign(s)
        assignment.refresh_levels(s, rules)
    return database


def _rows(response) -> list[dict]:
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).worksheets[0]
    values = list(sheet.iter_rows(values_only=True))
    return [dict(zip(values[0], row, strict=True)) for row in values[1:]]


def _codes(response, column="隐患编号") -> list:
    return sorted(r[column] for r in _rows(response))


# role → layers it may download (the rest: 403)
MAY = {"leader": set(LAYERS), "supervisor": set(LAYERS), "admin": set(LAYERS),
       "planner": set(LAYERS) - {"hazards"}, "grid": set(LAYERS), "enterprise": set()}


@pytest.mark.parametrize("role", sorted(MAY))
def test_each_role_downloads_what_it_may_and_nothing_else(world, client, auth, role):
    auth.login(role, cells=["A"] if role == "grid" else ())
    for layer in LAYERS:
        for fmt in FORMATS:
            response = client.get(f"/api/export/{layer}.{fmt}")
            if layer in MAY[role]:
                assert response.status_code == 200, (layer, fmt)
                assert response.headers["Content-Disposition"].startswith("attachment")
                assert PHONE.encode() not in response.data, (layer, fmt)
            else:
                assert response.status_code == 403, (layer, fmt)
                assert response.json["error"] == "forbidden"
    page = client.get("/export")
    if MAY[role]:
        assert page.status_code == 200
        html = page.get_data(as_text=True)
        assert ("/api/export/hazards.xlsx" in html) == ("hazards" in MAY[role])
        assert "/api/export/cells.gpkg" in html
        assert 'href="/export"' in html  # the top bar's link
    else:
        assert page.status_code == 403


def test_anonymous_is_asked_to_log_in(world, client):
    make_user(world, "leader")  # accounts exist
    response = client.get("/api/export/cells.xlsx")
    assert response.status_code == 401 and response.json["error"] == "unauthorized"
    assert client.get("/api/export/nothing.csv").status_code == 401  # nothing learnt before
    page = client.get("/export")
    assert page.status_code == 302 and "/login" in page.headers["Location"]


def test_a_grid_member_gets_only_their_cells_rows(world, client, auth):
    auth.login("grid", cells=["A"])
    assert _codes(client.get("/api/export/cells.xlsx"), "网格编码") == ["A"]
    points = _rows(client.get("/api/export/enterprise.xlsx"))
    assert [r["企业名称"] for r in points] == ["商店（虚构）"]
    assert _rows(client.get("/api/export/idle_site.xlsx")) == []  # outside every cell
    assert _codes(client.get("/api/export/hazards.xlsx")) == ["H1"]
    geo = client.get("/api/export/hazards.geojson").json
    assert [f["properties"]["隐患编号"] for f in geo["features"]] == ["H1"]
    assert len(client.get("/api/export/zones.geojson").json["features"]) == 0  # none stored
    refused = client.get("/api/export/hazards.xlsx?cell=B")
    assert refused.status_code == 403 and refused.json["field"] == "cell"
    assert _codes(client.get("/api/export/hazards.xlsx?cell=A")) == ["H1"]
    html = client.get("/export").get_data(as_text=True)
    assert "您负责的网格（A）" in html


def test_leaders_get_the_whole_territory_and_filters_narrow_the_hazards(world, client, auth):
    auth.login("leader")
    assert _codes(client.get("/api/export/cells.xlsx"), "网格编码") == ["A", "B"]
    assert _codes(client.get("/api/export/hazards.xlsx")) == ["H1", "H2", "H3"]
    cases = {"state=open": ["H1"], "state=rectifying,closed": ["H2", "H3"],
             "level=major": ["H1"], "overdue=1": ["H1"], "overdue=false": ["H2", "H3"],
             "listed=1": ["H2"], "cell=A,B": ["H1", "H2"], "village=东湖村": ["H1", "H2"],
             f"month={TODAY:%Y-%m}": ["H2", "H3"], "state=&level=": ["H1", "H2", "H3"],
             f"from={TODAY - dt.timedelta(days=70)}&to={TODAY - dt.timedelta(days=50)}": ["H1"],
             "level=general&cell=B": ["H2"]}
    for query, expected in cases.items():
        response = client.get(f"/api/export/hazards.xlsx?{query}")
        assert response.status_code == 200, query
        assert _codes(response) == expected, query
        assert response.headers["X-Export-Rows"] == str(len(expected))
    geo = client.get("/api/export/hazards.geojson?overdue=1").json
    assert [f["properties"]["overdue"] for f in geo["features"]] == [True]
    with world.sessions() as s:  # each download is in the audit log: what, who, how many
        _total, logged = audit_store.entries(s, {"action": "export"}, limit=1)
    assert logged[0]["actor"] == "leader" and logged[0]["target"] == "hazards.geojson"
    assert logged[0]["detail"] == {"what": "hazards", "format": "geojson", "rows": 1,
                                   "filters": {"overdue": "1"}}


def test_a_grid_members_download_is_logged_with_their_cells(world, client, auth):
    auth.login("grid", cells=["A"])
    assert client.get("/api/export/cells.shp.zip?encoding=gbk").status_code == 200
    with world.sessions() as s:
        _total, logged = audit_store.entries(s, {"action": "export"}, limit=1)
    assert logged[0]["actor"] == "grid"
    assert logged[0]["detail"] == {"what": "cells", "format": "shp", "rows": 1,
                                   "encoding": "gbk", "cells": ["A"]}


@pytest.mark.parametrize(("url", "status", "field"), [
    ("/api/export/roads.xlsx", 404, "layer"),
    ("/api/export/cells.csv", 404, "format"),
    ("/api/export/cells", 404, "format"),
    ("/api/export/.xlsx", 404, "format"),
    ("/api/export/hazards.xlsx?state=done", 400, "state"),
    ("/api/export/hazards.xlsx?level=grave", 400, "level"),
    ("/api/export/hazards.xlsx?overdue=maybe", 400, "overdue"),
    ("/api/export/hazards.xlsx?listed=2", 400, "listed"),
    ("/api/export/hazards.xlsx?month=2030-13", 400, "month"),
    ("/api/export/hazards.xlsx?month=2030-01&year=2030", 400, "month"),
    ("/api/export/hazards.xlsx?from=2030-02-01", 400, "to"),
    ("/api/export/hazards.xlsx?village=西山村", 400, "village"),
    ("/api/export/hazards.xlsx?cell=,", 400, "cell"),
    ("/api/export/cells.xlsx?state=open", 400, "state"),
    ("/api/export/enterprise.gpkg?month=2030-01", 400, "month"),
    ("/api/export/cells.gpkg?encoding=gbk", 400, "encoding"),
    ("/api/export/cells.shp.zip?encoding=latin1", 400, "encoding"),
])
def test_a_bad_request_names_the_parameter(world, client, auth, url, status, field):
    auth.login("admin")
    response = client.get(url)
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.json["field"] == field
    assert response.json["error"] in ("bad_request", "not_found")


def test_the_point_layers_and_hazards_keep_points_outside_every_cell_for_the_office(
        world, client, auth):
    auth.login("supervisor")
    rows = _rows(client.get("/api/export/idle_site.xlsx"))
    assert [r["名称"] for r in rows] == ["废弃厂房（虚构）"]
    geo = client.get("/api/export/idle_site.geojson").json
    props = geo["features"][0]["properties"]
    assert props["outside"] is True and props["nearest_cell_code"] == "B"
    assert props["hazards_open"] == 1
