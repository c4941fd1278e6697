"""Area scopes: a town's leader reads only the town, on every read route. Both backends.

The county demo holds several towns; a leader scoped to one (``town:示范镇（虚构）``)
asks every read route. The truth comes from the database, not from the code under
test: the town's cells by the cell ⋈ village ⋈ town join, its points by their home
cell (their cell, or the nearest for a point outside every cell), its hazards by their
points. Every answer is searched for the other towns' codes (cell codes, village codes,
hazard codes, town names): none may appear, whatever the shape of the answer (JSON,
HTML, an XLSX's cells). And each answer must hold something of the town, so an empty
answer cannot pass. ``test_every_read_route_is_checked`` keeps the list complete: a new
GET route fails it until it is checked here or exempted with its reason.
"""

from __future__ import annotations

import io
import json
import math
import re

import mapbox_vector_tile
import openpyxl
import pytest
import shapely
import sqlalchemy as sa

from geoapp.store.demo import DEMO_TOWN, load_demo
from geoapp.store.models import Accident, Cell, Hazard, Point, Town, Village
from tests.support.apps import AuthActions, make_app
from tests.support.constants import TODAY
from tests.support.images import jpeg, png
from tests.web.test_map import decode
from tests.web.test_vector_tiles import decode as decode_mvt

# GET routes that are not an area's rows, with the reason (the others are checked below)
EXEMPT = {
    "/login": "the log-in form",
    "/static/<path:filename>": "the app's own files",
    "/vendor/<name>/<path:filename>": "vendored scripts",
    "/favicon.ico": "the icon",
    "/map/skeleton.js": "the map's frame (its bounds are the scope's: checked with /)",
    "/api/openapi.json": "the API's description",
    "/api/industries": "the GB/T 4754 industry list",
    "/api/zones": "functional zones: the planning frame every role reads, not an area's rows",
    "/api/map/zones": "functional zones on the map: the planning frame, as /api/zones",
    "/zones": "functional zones and their grades: the planning frame, as /api/zones",
    "/zones/<code>": "a functional zone and its assessments: the planning frame",
    "/api/zones/<code>/assessments": "a zone's assessments: the planning frame",
    "/report": "the public's report form (no data)",
    "/report/<code>": "a receipt, by its code (public)",
    "/api/public-reports/<code>": "a receipt, by its code (public)",
    "/enterprise": "enterprise accounts only (their own points): 403 for a leader",
    "/api/enterprise": "enterprise accounts only (their own points): 403 for a leader",
    "/department": "department accounts only (their sector, tests/web/test_departments.py): "
                   "403 for a leader",
    "/api/department": "department accounts only (their sector, tests/web/test_departments.py)",
    "/healthz/ready": "a worker's readiness: no rows",
    "/account": "one's own account (its scope: checked through /api/me)",
    "/admin/accounts": "administrators only, who read the whole territory",
    "/admin/audit": "administrators only",
    "/admin/audit.xlsx": "administrators only",
    "/admin/imports": "administrators only",
    "/admin/imports/<upload_id>/file": "administrators only",
    "/admin/rules": "administrators only",
    "/api/admin/accounts": "administrators only",
    "/api/admin/imports/<upload_id>": "administrators only",
    "/api/admin/rules": "administrators only",
    "/api/audit": "administrators only",
    "/api/me/tokens": "one's own tokens",
    "/admin/basemap": "administrators only",
    "/api/admin/basemap": "administrators only",
    "/basemap/meta.json": "the territory's basemap: one picture for every account, no rows",
    "/basemap/<int:z>/<int:x>/<int:y>.<ext>":
        "basemap tiles: one picture for every account, no rows",
    # OGC API – Features: scoped like the rest, checked in tests/web/test_ogc.py
    "/ogc": "the landing page (tests/web/test_ogc.py)",
    "/ogc/": "the landing page (tests/web/test_ogc.py)",
    "/ogc/api": "the service's OpenAPI document",
    "/ogc/conformance": "conformance classes (tests/web/test_ogc.py)",
    "/ogc/collections": "the collections' list (tests/web/test_ogc.py)",
    "/ogc/collections/<string:collection_id>": "a collection's description and extent",
    "/ogc/collections/<string:collection_id>/items": "scoped items: tests/web/test_ogc.py",
    "/ogc/collections/<string:collection_id>/items/<path:feature_id>":
        "a scoped item: tests/web/test_ogc.py",
}

# every other GET route, asked by the test below (with the foreign ids filled in)
CHECKED = {
    "/", "/api/me", "/admission", "/admission/print", "/api/cells", "/api/cells/<code>",
    "/cells/<code>", "/api/summary", "/api/map/cells",
    "/api/map/cells/tile/<int:z>/<int:x>/<int:y>", "/api/map/points",
    "/api/map/points/<int:point_id>", "/api/map/search",
    "/tiles/<any(cells, points):kind>/<int:z>/<int:x>/<int:y>.mvt", "/api/hazards/<int:hazard_id>",
    "/api/points/<int:point_id>/checklist", "/api/points/<int:point_id>/events",
    "/api/points/<int:point_id>/inspections", "/api/photos/<int:photo_id>",
    "/api/photos/<int:photo_id>/thumb", "/api/measures",
    "/api/measures/<int:measure_id>/attachment", "/api/listings/due", "/reports/listings",
    "/api/inbox", "/inbox", "/api/public-reports", "/public-reports", "/api/reports",
    "/api/reports/areas", "/api/reports/bulletin", "/api/reports/channels",
    "/api/reports/extensions", "/api/reports/industries", "/api/reports/measures",
    "/api/reports/overdue", "/api/reports/ranking", "/api/reports/reviewers",
    "/api/reports/trend", "/api/reports/visits", "/reports", "/reports/print",
    "/reports/overdue", "/api/reports/zones", "/reports/zones.csv", "/standing",
    "/api/standing", "/standing.xlsx",
    "/reports/bulletin.xlsx", "/export", "/api/export/<string:filename>",
    "/dashboard", "/api/dashboard", "/api/dashboard/charts/<name>.svg",
    "/api/admission/layers", "/admission/checks", "/api/admission/checks",
    "/admission/checks.xlsx", "/admission/checks.csv", "/admission/checks/<number>/print",
    "/api/admission/checks/<number>", "/accidents", "/api/accidents", "/api/accidents.geojson",
    "/api/reports/accidents",
}


def test_every_read_route_is_checked():
    from geoapp import create_app

    app = create_app({"TESTING": True, "DATABASE_URL": "sqlite://"})
    rules = {r.rule for r in app.url_map.iter_rules() if "GET" in r.methods}
    unchecked = rules - CHECKED - set(EXEMPT)
    assert not unchecked, f"GET routes with no scope check or exemption: {sorted(unchecked)}"
    assert not (CHECKED - rules), f"checked routes that no longer exist: {CHECKED - rules}"


# ---------------------------------------------------------------- the county, as stored


@pytest.fixture
def county(database, rules):
    load_demo(database, rules, echo=lambda _m: None, today=TODAY)
    return database


def _truth(database) -> dict:
    """The town's and the other towns' rows, read straight from the tables."""
    with database.sessions() as s:
        cells = s.execute(sa.select(Cell.code, Village.code, Village.name, Town.name)
                          .join(Village, Cell.village_id == Village.id)
                          .join(Town, Village.town_id == Town.id)).all()
        home = sa.func.coalesce(Point.cell_code, Point.nearest_cell_code)
        points = s.execute(sa.select(Point.id, home, Point.layer, Point.geom)).all()
        hazards = s.execute(sa.select(Hazard.id, Hazard.code, Hazard.point_id, Hazard.state)
                            .order_by(Hazard.id)).all()
    mine = {c for c, _v, _n, t in cells if t == DEMO_TOWN}
    point_home = {pid: h for pid, h, _layer, _g in points}
    return {
        "mine": mine, "foreign": {c for c, _v, _n, t in cells if t != DEMO_TOWN},
        "towns": {t for *_x, t in cells} - {DEMO_TOWN},
        "foreign_villages": {v for _c, v, _n, t in cells if t != DEMO_TOWN and v},
        "my_villages": {v for _c, v, _n, t in cells if t == DEMO_TOWN and v},
        "my_points": {pid for pid, h in point_home.items() if h in mine},
        "foreign_points": {pid for pid, h in point_home.items() if h not in mine},
        "foreign_point": next(pid for pid, h, layer, _g in points
                              if h not in mine and h is not None and layer == "enterprise"),
        "foreign_geom": next(g for pid, h, layer, g in points if h not in mine and h),
        "my_point": next(pid for pid, h, layer, _g in points if h in mine
                         and layer == "enterprise"),
        "my_hazards": {code for _i, code, p, _s in hazards if point_home[p] in mine},
        "foreign_hazards": {code for _i, code, p, _s in hazards if point_home[p] not in mine},
        # an open one: photos are added while a hazard is open
        "foreign_hazard": next(i for i, _c, p, state in hazards
                               if point_home[p] not in mine and state != "closed"),
        "my_hazard": next(i for i, _c, p, _s in hazards if point_home[p] in mine),
    }


def _tokens(truth: dict) -> list[str]:
    """What must never appear in a town leader's answer: the other towns' codes and names."""
    return sorted(truth["foreign"] | truth["foreign_hazards"] | truth["foreign_villages"]
                  | truth["towns"])


def _text(response) -> str:
    if response.mimetype.endswith("spreadsheetml.sheet"):
        book = openpyxl.load_workbook(io.BytesIO(response.data), read_only=True)
        return "\n".join(str(v) for ws in book.worksheets for row in ws.iter_rows(values_only=True)
                         for v in row if v is not None)
    if response.mimetype == "application/vnd.mapbox-vector-tile":  # its strings, decoded
        return response.data.decode("utf-8", "replace") + json.dumps(
            mapbox_vector_tile.decode(response.data) if response.data else {},
            ensure_ascii=False, default=str)
    return response.get_data(as_text=True)


def _clean(response, truth: dict, what: str) -> str:
    """The answer's text, after checking that no other town's code or name is in it."""
    assert response.status_code == 200, (what, response.status_code, response.data[:300])
    text = _text(response)
    if response.is_json:  # escaped or not, a code is a code
        text += json.dumps(response.get_json(), ensure_ascii=False)
    leaked = [t for t in _tokens(truth) if t in text]
    assert not leaked, f"{what} leaks other towns' rows: {leaked[:10]}"
    return text


def _holds_mine(text: str, truth: dict, what: str) -> None:
    assert any(c in text for c in truth["mine"] | truth["my_hazards"]), \
        f"{what}: nothing of the town in the answer"


def test_a_town_leader_reads_only_the_town(county):
    truth = _truth(county)
    assert truth["foreign"] and truth["mine"] and truth["towns"], "the demo is a county"
    app = make_app(county)
    admin_client = app.test_client()
    admin = AuthActions(admin_client)
    admin.login("admin")
    # evidence on another town's hazard and enterprise: a photo and a measure's attachment
    photo = admin_client.post(f"/api/hazards/{truth['foreign_hazard']}/photos",
                              data={"photo": (io.BytesIO(jpeg()), "a.jpg")},
                              content_type="multipart/form-data")
    assert photo.status_code == 201, photo.data
    measure = admin_client.post("/api/measures", data={
        "kind": "letter", "enterprise_id": str(truth["foreign_point"]),
        "date": TODAY, "unit": "县应急管理局（虚构）", "recipient": "企业主要负责人",
        "attachment": (io.BytesIO(png()), "letter.png")}, content_type="multipart/form-data")
    assert measure.status_code == 201, measure.data

    client = app.test_client()
    leader = AuthActions(client)
    leader.login("town_a", role="leader", areas=[("town", DEMO_TOWN)])

    me = client.get("/api/me").get_json()["scope"]
    assert me["all"] is False and set(me["cells"]) == truth["mine"] and me["level"] == "town"

    def read(url, what=None):
        return _clean(client.get(url), truth, what or url)

    # the map and its data
    read("/")  # its data come from the routes below (checked there)
    cells = client.get("/api/cells").get_json()
    assert {f["properties"]["code"] for f in cells["features"]} == truth["mine"]
    read("/api/cells")
    mine_cell, foreign_cell = min(truth["mine"]), min(truth["foreign"])
    _holds_mine(read(f"/api/cells/{mine_cell}"), truth, "a cell of the town")
    _holds_mine(read(f"/cells/{mine_cell}"), truth, "a cell page of the town")
    summary = client.get("/api/summary").get_json()
    assert sum(summary["cells_by_level"].values()) == len(truth["mine"])
    assert sum(summary["points"].values()) == len(truth["my_points"])
    read("/api/summary")
    map_cells = client.get("/api/map/cells").get_json()
    assert set(map_cells["code"]) == truth["mine"] and map_cells["towns"] == [DEMO_TOWN]
    # village outlines: the town's villages only, drawn round the town's cells alone
    assert len(map_cells["village_geom"]) == len(map_cells["villages"])
    assert len(map_cells["label_at"]) == len(map_cells["code"])
    mine_bounds = shapely.box(*map_cells["bounds"]).buffer(1e-4)
    assert all(mine_bounds.contains(shapely.Point(at)) for at in map_cells["village_at"])
    assert all(mine_bounds.contains(decode(g, map_cells["quantum"], map_cells["origin"]))
               for g in map_cells["village_geom"])
    read("/api/map/cells")
    # a tile over another town's point: only the town's cells in it
    lon, lat = truth["foreign_geom"].x, truth["foreign_geom"].y
    z = 12
    x = int((lon + 180) / 360 * 2**z)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * 2**z)
    tile = client.get(f"/api/map/cells/tile/{z}/{x}/{y}").get_json()
    assert set(tile["code"]) <= truth["mine"]
    read(f"/api/map/cells/tile/{z}/{x}/{y}")
    # vector tiles: the cells tile over another town's point, the points of the county
    read(f"/tiles/cells/{z}/{x}/{y}.mvt")
    cells_mvt = client.get(f"/tiles/cells/{z}/{x}/{y}.mvt").data
    assert {f["properties"]["code"] for f in decode_mvt(cells_mvt, "cells")} <= truth["mine"]
    z8 = (8, int((lon + 180) / 360 * 2**8),
          int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * 2**8))
    read("/tiles/points/{}/{}/{}.mvt".format(*z8))
    points_mvt = decode_mvt(client.get("/tiles/points/{}/{}/{}.mvt".format(*z8)).data, "points")
    assert points_mvt and {f["properties"]["id"] for f in points_mvt} <= truth["my_points"]
    points = client.get("/api/map/points?bbox=100,20,140,45&zoom=18").get_json()
    assert points["mode"] == "points"
    ids = {p[0] for p in points["points"]}
    assert ids == truth["my_points"], "the map's points are the town's, all of them"
    read("/api/map/points?bbox=100,20,140,45&zoom=18")
    _holds_mine(read(f"/api/map/points/{truth['my_point']}"), truth, "a point of the town")
    found = client.get("/api/map/search?q=虚构&limit=100&layer=enterprise,idle_site").get_json()
    assert found["results"] and {r["id"] for r in found["results"]} <= truth["my_points"]
    read("/api/map/search?q=虚构&limit=100")
    # another town's rows, asked for by id or code: 403, never the row
    for url in (f"/api/cells/{foreign_cell}", f"/cells/{foreign_cell}",
                f"/api/map/points/{truth['foreign_point']}",
                f"/api/hazards/{truth['foreign_hazard']}",
                f"/api/points/{truth['foreign_point']}/checklist",
                f"/api/points/{truth['foreign_point']}/events",
                f"/api/points/{truth['foreign_point']}/inspections",
                f"/api/photos/{photo.get_json()['id']}",
                f"/api/photos/{photo.get_json()['id']}/thumb",
                f"/api/measures/{measure.get_json()['id']}/attachment"):
        r = client.get(url)
        assert r.status_code == 403, (url, r.status_code)
        assert not [t for t in _tokens(truth) if t in r.get_data(as_text=True)], url
    # and the town's own, by id: answered
    for url in (f"/api/hazards/{truth['my_hazard']}",
                f"/api/points/{truth['my_point']}/checklist",
                f"/api/points/{truth['my_point']}/events",
                f"/api/points/{truth['my_point']}/inspections"):
        read(url)
    measures = client.get("/api/measures").get_json()
    assert measure.get_json()["id"] not in {m["id"] for m in measures}
    read("/api/measures")
    # accidents: the town's only (the demo has some in every town), listed and on the map
    with county.sessions() as s:
        placed = list(s.scalars(sa.select(Accident.cell_code)))
    assert any(c in truth["mine"] for c in placed) and any(c in truth["foreign"] for c in placed)
    accidents = client.get("/api/accidents").get_json()["accidents"]
    assert sorted(a["cell_code"] for a in accidents) == sorted(c for c in placed
                                                               if c in truth["mine"])
    for url in ("/accidents", "/api/accidents", "/api/accidents.geojson"):
        read(url)
    # lists, inbox, public reports
    for url in ("/api/listings/due", "/reports/listings", "/api/inbox", "/inbox",
                "/api/public-reports", "/public-reports"):
        read(url)
    queue = client.get("/api/public-reports").get_json()
    assert all(r["cell_code"] in truth["mine"] for r in queue)
    # the reports: the town's villages ranked, nothing of the other towns anywhere
    period = "month=2026-10"
    for url in ("/api/reports", "/api/reports/areas", "/api/reports/bulletin",
                "/api/reports/channels", "/api/reports/extensions", "/api/reports/industries",
                "/api/reports/measures", "/api/reports/overdue", "/api/reports/ranking",
                "/api/reports/reviewers", "/api/reports/trend", "/api/reports/visits",
                "/reports", "/reports/print", "/reports/overdue", "/reports/bulletin.xlsx",
                "/api/reports/zones", "/reports/zones.csv", "/api/reports/accidents"):
        read(f"{url}?{period}")
    # by zone: only the town's points count (a zone reaching into another town included)
    with county.sessions() as s:
        in_zones = dict(s.execute(sa.select(Point.id, Point.zone_codes)).all())
    # the 红黑榜: the town's enterprises only, in the page, the API and the workbook
    standing = client.get("/api/standing").get_json()
    listed = standing["red"] + standing["black"]
    assert listed and all(e["cell"] in truth["mine"] for e in listed)
    _holds_mine(read("/api/standing"), truth, "the town's 红黑榜")
    read("/standing")
    read("/standing.xlsx")
    by_zone = client.get(f"/api/reports/zones?{period}").get_json()["zones"]
    assert by_zone and all(z["points"]["total"] == sum(
        z["code"] in in_zones[p] for p in truth["my_points"]) for z in by_zone)
    areas = client.get(f"/api/reports/areas?{period}").get_json()
    assert [t["name"] for t in areas["towns"]] == [DEMO_TOWN]
    assert {c["code"] for c in areas["cells"]} == truth["mine"]
    ranking = client.get(f"/api/reports/ranking?{period}").get_json()
    assert ranking["unit"] == "village"
    # ranked, or apart when they have had no hazard (本期无隐患): each once
    ranked = [r["code"] for r in ranking["rows"] + ranking["no_hazards"]]
    assert set(ranked) == truth["my_villages"] and len(ranked) == len(set(ranked))
    assert ranking["no_hazards"] and all(r["total"] == 0 for r in ranking["no_hazards"])
    overdue = client.get(f"/api/reports/overdue?{period}").get_json()["hazards"]
    assert overdue and {r["code"] for r in overdue} <= truth["my_hazards"]
    # the dashboard: the town's cells, red cells and overdue hazards, at a month's end
    for url in ("/dashboard", "/api/dashboard", "/api/dashboard/charts/villages.svg",
                "/api/dashboard/charts/trend.svg"):
        read(f"{url}?{period}")
    board = client.get(f"/api/dashboard?{period}").get_json()
    assert set(board["cells"]["code"]) == truth["mine"]
    assert {h["code"] for h in board["overdue"]["items"]} == {r["code"] for r in overdue}
    assert {c["code"] for c in board["red_cells"]["items"]} <= truth["mine"]
    assert {v["name"] for v in board["series"]["villages"]} == {
        v["name"] for v in areas["villages"]}
    # downloads
    read("/export")
    for layer in ("cells", "enterprise", "idle_site", "confined_space", "major_hazard",
                  "hazards"):
        got = client.get(f"/api/export/{layer}.geojson")
        read(f"/api/export/{layer}.geojson")
        assert got.get_json()["features"] or layer in ("major_hazard", "confined_space")
    exported = {f["properties"].get("code") or f["properties"].get("网格编码")
                for f in client.get("/api/export/cells.geojson").get_json()["features"]}
    assert exported == truth["mine"]
    _holds_mine(read("/api/export/hazards.xlsx"), truth, "hazards.xlsx")
    # OGC API – Features (desktop GIS): the same scope
    ogc_cells = client.get("/ogc/collections/cells/items?limit=10000").get_json()
    assert {f["id"] for f in ogc_cells["features"]} == truth["mine"]
    for collection in ("cells", "enterprise", "hazards"):
        read(f"/ogc/collections/{collection}/items?limit=10000")
        read(f"/ogc/collections/{collection}")
    assert client.get(f"/ogc/collections/cells/items/{foreign_cell}").status_code == 404
    # the admission check: a site in another town lies in none of the leader's cells
    site = {"type": "Point", "coordinates": [lon, lat]}
    verdict = client.post("/api/admission-check", json={"site": site, "crs": "wgs84",
                                                        "industry": "2614"})
    assert verdict.status_code == 200, verdict.data
    assert verdict.get_json()["cells"] == []  # another town's cell is not the leader's
    with county.sessions() as s:
        here = s.get(Point, truth["my_point"]).geom
    mine = client.post("/api/admission-check", json={
        "site": {"type": "Point", "coordinates": [here.x, here.y]}, "crs": "wgs84",
        "industry": "2614"}).get_json()["cells"]
    assert mine and {c["code"] for c in mine} <= truth["mine"]
    read("/admission")
    read("/admission/print?" + "&".join(f"{k}={v}" for k, v in {
        "site": json.dumps(site), "crs": "wgs84", "industry": "2614"}.items()))
    read("/api/admission/layers")
    assert {f["id"] for f in client.get("/api/admission/layers").get_json()["cells"][
        "features"]} == truth["mine"]
    # the register: the leader's own checks; the admin's check in another town is not there
    foreign = truth["foreign_geom"]
    theirs = admin_client.post("/api/admission-check", json={
        "site": {"type": "Point", "coordinates": [foreign.x, foreign.y]}, "crs": "wgs84",
        "industry": "2614"}).get_json()["number"]
    register = read("/api/admission/checks")
    assert theirs not in register and verdict.get_json()["number"] in register
    read("/admission/checks")
    read("/admission/checks.xlsx")
    read("/admission/checks.csv")
    mine_number = client.get("/api/admission/checks").get_json()["checks"][0]["number"]
    read(f"/admission/checks/{mine_number}/print")
    read(f"/api/admission/checks/{mine_number}")
    assert client.get(f"/admission/checks/{theirs}/print").status_code == 403


def test_the_county_leader_ranks_towns_and_the_grid_member_reads_own_cells(demo_client,
                                                                          demo_auth,
                                                                          demo_database):
    truth = _truth(demo_database)
    demo_auth.login("leader")
    ranking = demo_client.get("/api/reports/ranking?month=2026-10").get_json()
    assert ranking["unit"] == "town"
    assert {r["name"] for r in ranking["rows"]} == truth["towns"] | {DEMO_TOWN}
    assert {f["properties"]["code"] for f in demo_client.get("/api/cells").get_json()[
        "features"]} == truth["mine"] | truth["foreign"]
    own = sorted(truth["mine"])[:2]
    demo_auth.login("grid_a", role="grid", cells=own)
    assert {f["properties"]["code"] for f in demo_client.get("/api/cells").get_json()[
        "features"]} == set(own)
    assert demo_client.get(f"/api/cells/{sorted(truth['mine'])[-1]}").status_code == 403
    assert set(demo_client.get("/api/map/cells").get_json()["code"]) == set(own)


def test_the_grid_overview_shows_every_colour_and_no_other_figures(demo_database):
    truth = _truth(demo_database)
    client = make_app(demo_database, GRID_OVERVIEW=True).test_client()
    auth = AuthActions(client)
    own = sorted(truth["mine"])[:1]
    try:
        auth.login("grid_o", role="grid", cells=own)
        doc = client.get("/api/map/cells").get_json()
        assert set(doc["code"]) == truth["mine"] | truth["foreign"]
        for code, counts, hazards in zip(doc["code"], doc["counts"], doc["hazards"],
                                         strict=True):
            if code not in own:
                assert not any(counts) and not any(hazards), code
        assert client.get(f"/api/cells/{sorted(truth['foreign'])[0]}").status_code == 403
    finally:
        auth.cleanup()


@pytest.mark.parametrize("areas, error", [
    (["town:没有这个镇"], "no such area"), (["village:999999999999"], "no such area"),
    (["planet:Mars"], "kind"), ("cell", "kind:code")])
def test_bad_areas_are_refused_naming_the_field(client, auth, areas, error):
    auth.login("admin")
    r = client.post("/api/admin/accounts", json={"username": "x1", "role": "leader",
                                                 "areas": areas})
    assert r.status_code == 400 and r.get_json()["field"] == "areas", r.data
    assert error in r.get_json()["message"]
    assert re.search("x1", json.dumps(client.get("/api/admin/accounts").get_json())) is None
