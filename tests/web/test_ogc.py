"""OGC API – Features at /ogc and the personal access tokens it reads with, on both backends.

The documents' shape, paging to the end (every row once, equal to the downloads' rows
and properties), bbox against shapely, property filters, bad parameters (400 naming
them), single items, token authentication (Bearer and ?token=, revoked, unknown,
deactivated, never a write, never a session cookie), the downloads' grants and the
account's area scope; /api/me/tokens (make, list, revoke, audited without the token);
and two real clients against a live server: GDAL's OAPIF driver (through pyogrio) and
OWSLib.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import subprocess
import sys
from urllib.parse import parse_qs, urlsplit

import pytest
import shapely
import sqlalchemy as sa
from openapi_spec_validator import validate

from geoapp.exports import downloads
from geoapp.store import scopes, tokens
from geoapp.store.accounts import find_user
from geoapp.store.models import AccessToken, AuditEntry, Hazard
from geoapp.store.reads import export_data
from tests.support.apps import make_app, make_user
from tests.support.browser import serve
from tests.support.checks import snapshot
from tests.support.constants import TODAY

TOWN = "桐湾镇（虚构）"  # one of the demo's four towns (synthetic)


@pytest.fixture
def demo_app(demo_database):
    return make_app(demo_database)


@pytest.fixture
def token_for(demo_database):
    """make(username, role, cells=…, areas=…, active=…) → a live token of a new account in
    the shared demo (the accounts, and with them their tokens, go at teardown)."""
    made: list[str] = []

    def make(username: str, role: str | None = None, *, cells=(), areas=(),
             active: bool = True) -> str:
        make_user(demo_database, username, role, cells, active=active)
        made.append(username)
        with demo_database.transaction() as s:
            user = find_user(s, username)
            if areas:
                scopes.set_areas(user, areas)
            _token, clear = tokens.create(s, user, "测试")
        return clear

    yield make
    with demo_database.transaction() as s:
        for username in made:
            s.delete(find_user(s, username))


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def _ids(rules) -> list[str]:
    return ["cells", "zones", *rules.layers, "hazards"]


def _all_pages(client, url: str, headers: dict) -> tuple[list[dict], list[dict]]:
    """Follow next links from ``url`` to the end: (every feature, every page's document)."""
    features, pages = [], []
    while url:
        r = client.get(url, headers=headers)
        assert r.status_code == 200, r.get_data(as_text=True)
        assert r.mimetype == "application/geo+json"
        doc = r.get_json()
        assert doc["numberReturned"] == len(doc["features"])
        features += doc["features"]
        pages.append(doc)
        url = next((link["href"] for link in doc["links"] if link["rel"] == "next"), None)
        assert len(pages) < 500, "next links do not end"
    return features, pages


def _reader_rows(session, rules, collection: str, only=None) -> list[dict]:
    if collection == "cells":
        return export_data.cells(session, rules, TODAY, only)
    if collection == "zones":
        return export_data.zones(session, rules, TODAY)
    if collection == "hazards":
        return export_data.hazards(session, only)
    return export_data.points(session, rules, collection, TODAY, only)


def _row_id(collection: str, row: dict) -> str:
    return row["code"] if collection in ("cells", "zones", "hazards") else row["key"]


def _same(ours, written) -> bool:
    """A property's value here and in the GeoJSON download. The download writes a derived
    value with no declared type (a major hazard's s_value, alpha) as text ("2.0"); the
    OGC API keeps it a number."""
    if isinstance(ours, float) and isinstance(written, str):
        written = float(written)
    if isinstance(ours, float) or isinstance(written, float):
        return ours is not None and written is not None and ours == pytest.approx(written,
                                                                                 rel=1e-12)
    return ours == written


# ------------------------------------------------------------------ the documents

def test_landing_conformance_collections_and_openapi(demo_app, token_for, rules):
    client, headers = demo_app.test_client(), bearer(token_for("leader"))
    r = client.get("/ogc", headers=headers)
    assert r.status_code == 200 and r.mimetype == "application/json"
    landing = r.get_json()
    rels = {link["rel"]: link for link in landing["links"]}
    assert {"self", "service-desc", "conformance", "data"} <= set(rels)
    assert rels["data"]["href"] == "http://localhost/ogc/collections"
    assert client.get("/ogc/", headers=headers).status_code == 200  # as OWSLib asks
    conforms = client.get("/ogc/conformance?f=json", headers=headers).get_json()["conformsTo"]
    assert {"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
            "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
            "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30"} <= set(conforms)
    r = client.get(urlsplit(rels["service-desc"]["href"]).path, headers=headers)
    assert r.status_code == 200 and r.mimetype == "application/vnd.oai.openapi+json"
    api = r.get_json()
    validate(api)  # a valid OpenAPI 3.0 document
    limit = next(p for p in api["paths"]["/collections/{collectionId}/items"]["get"][
        "parameters"] if p["name"] == "limit")
    assert limit["schema"]["maximum"] == 10000 and limit["schema"]["default"] == 100

    docs = client.get("/ogc/collections", headers=headers).get_json()["collections"]
    assert [c["id"] for c in docs] == _ids(rules)
    for doc in docs:
        assert doc["itemType"] == "feature" and doc["title"]
        items = next(link for link in doc["links"] if link["rel"] == "items")
        assert items["type"] == "application/geo+json"
        assert items["href"] == f"http://localhost/ogc/collections/{doc['id']}/items"
        west, south, east, north = doc["extent"]["spatial"]["bbox"][0]
        assert 119 < west < east < 122 and 30 < south < north < 33
        assert client.get(f"/ogc/collections/{doc['id']}", headers=headers).get_json() == doc
    r = client.get("/ogc/collections/nothing", headers=headers)
    assert r.status_code == 404 and r.get_json()["field"] == "collectionId"


@pytest.mark.parametrize("collection", ["cells", "zones", "enterprise", "idle_site",
                                        "confined_space", "major_hazard", "hazards"])
def test_paging_to_the_end_gives_every_row_once_as_the_downloads_have_it(
        demo_app, demo_database, token_for, rules, collection):
    client, headers = demo_app.test_client(), bearer(token_for("leader"))
    features, pages = _all_pages(client, f"/ogc/collections/{collection}/items?limit=7",
                                 headers)
    with demo_database.sessions() as s:
        rows = _reader_rows(s, rules, collection)
        download = downloads.build(s, rules, collection, "geojson", TODAY)
    ids = [f["id"] for f in features]
    assert len(ids) == len(set(ids)) == len(rows) == pages[0]["numberMatched"]
    assert ids == [_row_id(collection, row) for row in rows]  # the readers' order
    assert len(pages) == max(1, -(-len(rows) // 7))
    assert all(p["numberMatched"] == len(rows) for p in pages)
    assert not any(link["rel"] == "prev" for link in pages[0]["links"])
    if len(pages) > 1:
        prev = next(link for link in pages[1]["links"] if link["rel"] == "prev")
        assert parse_qs(urlsplit(prev["href"]).query)["offset"] == ["0"]
    for page in pages:
        assert page["type"] == "FeatureCollection"
        assert dt.datetime.fromisoformat(page["timeStamp"].replace("Z", "+00:00"))
    # the properties are the GeoJSON download's, value for value, in the same order
    written = json.loads(download.content)["features"]
    assert len(written) == len(features)
    for ours, theirs, row in zip(features, written, rows, strict=True):
        assert list(ours["properties"]) == list(theirs["properties"])
        wrong = {k: (v, theirs["properties"][k]) for k, v in ours["properties"].items()
                 if not _same(v, theirs["properties"][k])}
        assert not wrong, (ours["id"], wrong)
        assert shapely.geometry.shape(ours["geometry"]).equals_exact(row["geom"], 1e-12)
    one = features[len(features) // 2]
    r = client.get(f"/ogc/collections/{collection}/items/{one['id']}", headers=headers)
    assert r.status_code == 200 and r.mimetype == "application/geo+json"
    assert {k: v for k, v in r.get_json().items() if k != "links"} == one


def test_bbox_selects_what_shapely_says_intersects(demo_app, demo_database, token_for, rules):
    client, headers = demo_app.test_client(), bearer(token_for("leader"))
    with demo_database.sessions() as s:
        cells = _reader_rows(s, rules, "cells")
        points = _reader_rows(s, rules, "enterprise")
    west, south, east, north = shapely.total_bounds([c["geom"] for c in cells])
    box = (west + (east - west) * 0.3, south + (north - south) * 0.25,
           west + (east - west) * 0.6, south + (north - south) * 0.7)
    area = shapely.box(*box)
    for collection, rows in (("cells", cells), ("enterprise", points)):
        expected = [_row_id(collection, r) for r in rows if r["geom"].intersects(area)]
        assert 0 < len(expected) < len(rows)
        for crs in ("", "&bbox-crs=http://www.opengis.net/def/crs/OGC/1.3/CRS84"):
            features, pages = _all_pages(
                client, f"/ogc/collections/{collection}/items?limit=10"
                        f"&bbox={','.join(map(str, box))}{crs}", headers)
            assert [f["id"] for f in features] == expected
            assert pages[0]["numberMatched"] == len(expected)
            nxt = [link for p in pages for link in p["links"] if link["rel"] == "next"]
            assert all("bbox=" in link["href"] for link in nxt)  # the filter goes on
    far = client.get("/ogc/collections/cells/items?bbox=0,0,1,1", headers=headers).get_json()
    assert far["numberMatched"] == 0 and far["features"] == []


def test_a_property_filters_by_equality(demo_app, demo_database, token_for, rules):
    client, headers = demo_app.test_client(), bearer(token_for("leader"))
    every, _ = _all_pages(client, "/ogc/collections/enterprise/items?limit=10000", headers)
    red = [f["id"] for f in every if f["properties"]["risk_level"] == "red"]
    assert red
    found, _ = _all_pages(client, "/ogc/collections/enterprise/items?risk_level=red&limit=5",
                          headers)
    assert [f["id"] for f in found] == red
    cells, _ = _all_pages(client, f"/ogc/collections/cells/items?镇街道={TOWN}", headers)
    assert cells and all(f["properties"]["镇街道"] == TOWN for f in cells)
    with demo_database.sessions() as s:
        town = scopes.resolve(s, [("town", TOWN)])
    assert {f["id"] for f in cells} == town
    none_open, _ = _all_pages(client, "/ogc/collections/cells/items?hazards_open=0", headers)
    assert none_open and all(f["properties"]["hazards_open"] == 0 for f in none_open)
    outside, _ = _all_pages(client, "/ogc/collections/idle_site/items?outside=true", headers)
    assert outside and all(f["properties"]["outside"] is True for f in outside)
    inside, _ = _all_pages(client, "/ogc/collections/idle_site/items?outside=false", headers)
    assert inside and not any(f["properties"]["outside"] for f in inside)


@pytest.mark.parametrize("query, param", [
    ("limit=0", "limit"), ("limit=x", "limit"), ("limit=-3", "limit"), ("offset=-1", "offset"),
    ("offset=1.5", "offset"), ("bbox=1,2,3", "bbox"), ("bbox=a,b,c,d", "bbox"),
    ("bbox=120,32,121,31", "bbox"), ("bbox=120,31,121,nan", "bbox"),
    ("bbox-crs=http://www.opengis.net/def/crs/EPSG/0/4326", "bbox-crs"), ("f=html", "f"),
    ("colour=red", "colour"), ("datetime=2026-13-01", "datetime"),
    ("datetime=../..", "datetime"), ("datetime=2026-03-31/2026-03-01", "datetime"),
    ("datetime=2026-01-01/2026-02-01/2026-03-01", "datetime"), ("datetime=yesterday", "datetime"),
    ("risk_level=red&risk_level=blue", "risk_level"),
])
def test_bad_parameters_are_400_naming_them(demo_app, token_for, query, param):
    client, headers = demo_app.test_client(), bearer(token_for("leader"))
    r = client.get(f"/ogc/collections/enterprise/items?{query}", headers=headers)
    assert r.status_code == 400 and r.is_json, r.get_data(as_text=True)
    assert r.get_json()["field"] == param and r.get_json()["message"]


def test_datetime_selects_hazards_by_the_day_found_and_leaves_timeless_collections_whole(
        demo_app, token_for, demo_database):
    client, headers = demo_app.test_client(), bearer(token_for("leader"))
    with demo_database.sessions() as s:
        found = dict(s.execute(sa.select(Hazard.code, Hazard.found_on)).all())
    for query, keep in (
            ("datetime=2026-03-01/2026-03-31",
             lambda d: dt.date(2026, 3, 1) <= d <= dt.date(2026, 3, 31)),
            ("datetime=2026-10-15T08:00:00Z", lambda d: d == dt.date(2026, 10, 15)),
            ("datetime=2026-06-01/..", lambda d: d >= dt.date(2026, 6, 1)),
            ("datetime=/2023-12-31", lambda d: d <= dt.date(2023, 12, 31))):
        got, _ = _all_pages(client, f"/ogc/collections/hazards/items?{query}", headers)
        expected = {code for code, day in found.items() if keep(day)}
        assert expected and {f["id"] for f in got} == expected, query
    everything, _ = _all_pages(client, "/ogc/collections/cells/items", headers)
    timeless, _ = _all_pages(client, "/ogc/collections/cells/items?datetime=2026-03-01", headers)
    assert [f["id"] for f in timeless] == [f["id"] for f in everything]


def test_limit_past_the_maximum_is_served_as_the_maximum_and_single_items(demo_app, token_for):
    client, headers = demo_app.test_client(), bearer(token_for("leader"))
    doc = client.get("/ogc/collections/enterprise/items?limit=50000", headers=headers).get_json()
    assert doc["numberReturned"] == min(10000, doc["numberMatched"])
    self_link = next(link for link in doc["links"] if link["rel"] == "self")
    assert parse_qs(urlsplit(self_link["href"]).query)["limit"] == ["10000"]
    beyond = client.get("/ogc/collections/enterprise/items?offset=999999", headers=headers)
    assert beyond.get_json()["features"] == [] and beyond.get_json()["numberReturned"] == 0
    for url in ("/ogc/collections/cells/items/no-such-cell",
                "/ogc/collections/hazards/items/YH0000-0000"):
        r = client.get(url, headers=headers)
        assert r.status_code == 404 and r.get_json()["field"] == "featureId"
    r = client.get("/ogc/collections/nothing/items/1", headers=headers)
    assert r.status_code == 404 and r.get_json()["field"] == "collectionId"


# ------------------------------------------------------------------ tokens at the door

def test_bearer_and_query_tokens_read_and_set_no_cookie(demo_app, demo_database, token_for):
    token = token_for("leader")
    client = demo_app.test_client()
    for kwargs in ({"headers": bearer(token)}, {"query_string": {"token": token}},
                   {"headers": {"Authorization": f"bearer   {token}"}}):
        r = client.get("/ogc/collections/zones/items", **kwargs)
        assert r.status_code == 200, r.get_data(as_text=True)
        assert "Set-Cookie" not in r.headers or "session=" not in r.headers["Set-Cookie"]
    assert client.get_cookie("session") is None
    # a token given in the URL goes on in the links (clients that follow them keep reading)
    doc = client.get(f"/ogc/collections/enterprise/items?limit=2&token={token}").get_json()
    nxt = next(link["href"] for link in doc["links"] if link["rel"] == "next")
    assert parse_qs(urlsplit(nxt).query)["token"] == [token]
    assert client.get(nxt).status_code == 200
    # and never in a link when it came as a header
    doc = client.get("/ogc/collections/enterprise/items?limit=2", headers=bearer(token)).get_json()
    assert all("token" not in link["href"] for link in doc["links"])
    # the downloads take it too, and the audit log says how the export came
    r = client.get("/api/export/zones.geojson", headers=bearer(token))
    assert r.status_code == 200 and r.mimetype == "application/geo+json"
    with demo_database.sessions() as s:
        entry = s.scalars(sa.select(AuditEntry).where(AuditEntry.action == "export")
                          .order_by(AuditEntry.id.desc())).first()
        assert (entry.actor, entry.via, entry.target) == ("leader", "token", "zones.geojson")
        used = s.scalar(sa.select(AccessToken.last_used_at).where(
            AccessToken.token_hash == hashlib.sha256(token.encode()).hexdigest()))
    assert used is not None and dt.datetime.now(dt.UTC) - used < dt.timedelta(minutes=1)


def test_last_use_is_noted_at_most_once_a_minute(demo_app, demo_database, token_for):
    token = token_for("leader")
    digest = hashlib.sha256(token.encode()).hexdigest()
    client = demo_app.test_client()

    def last_used():
        with demo_database.sessions() as s:
            return s.scalar(sa.select(AccessToken.last_used_at)
                            .where(AccessToken.token_hash == digest))

    assert last_used() is None
    assert client.get("/ogc/conformance", headers=bearer(token)).status_code == 200
    first = last_used()
    assert first is not None
    assert client.get("/ogc/conformance", headers=bearer(token)).status_code == 200
    assert last_used() == first  # within the minute: no write
    with demo_database.transaction() as s:
        row = s.scalar(sa.select(AccessToken).where(AccessToken.token_hash == digest))
        row.last_used_at = first - dt.timedelta(minutes=2)
    assert client.get("/ogc/conformance", headers=bearer(token)).status_code == 200
    assert last_used() > first - dt.timedelta(minutes=2)


def test_revoked_unknown_and_deactivated_tokens_are_401(demo_app, demo_database, token_for):
    client = demo_app.test_client()
    live = token_for("leader")
    dormant = token_for("retired", "leader")
    with demo_database.transaction() as s:
        find_user(s, "retired").active = False
    revoked = token_for("planner")
    with demo_database.transaction() as s:
        tokens.revoke(s.scalar(sa.select(AccessToken).where(
            AccessToken.token_hash == hashlib.sha256(revoked.encode()).hexdigest())))
    for bad in (dormant, revoked, live[:-2] + "xy", "gat_" + "A" * 43, "not-a-token", "x" * 5000):
        for kwargs in ({"headers": bearer(bad)}, {"query_string": {"token": bad}}):
            r = client.get("/ogc/collections", **kwargs)
            assert r.status_code == 401 and r.is_json, (bad[:20], r.status_code)
            assert r.get_json()["error"] == "invalid_token"
            assert r.headers["WWW-Authenticate"] == 'Bearer realm="geoapp", error="invalid_token"'
    r = client.get("/api/export/cells.xlsx", headers=bearer(revoked))
    assert r.status_code == 401 and r.get_json()["error"] == "invalid_token"
    # nothing at all, once accounts exist: 401 JSON, not the log-in page
    r = client.get("/ogc/collections")
    assert r.status_code == 401 and r.get_json()["error"] == "unauthorized"
    assert r.headers["WWW-Authenticate"] == 'Bearer realm="geoapp"'
    assert client.get("/ogc", headers=bearer(live)).status_code == 200


def test_a_token_never_writes_nor_reads_outside_ogc_and_the_downloads(
        demo_app, demo_database, token_for):
    token = token_for("admin")
    client = demo_app.test_client()
    with demo_database.sessions() as s:
        hazard_id = s.scalar(sa.select(sa.func.min(Hazard.id)))
    assert client.get("/ogc", headers=bearer(token)).status_code == 200  # its use noted first
    before = snapshot(demo_database)
    for kwargs in ({"headers": bearer(token)}, {"query_string": {"token": token}}):
        r = client.post(f"/api/hazards/{hazard_id}/transitions", json={"action": "start"},
                        headers={"If-Match": '"1"', **kwargs.get("headers", {})},
                        query_string=kwargs.get("query_string"))
        assert r.status_code in (401, 403), r.get_data(as_text=True)
        r = client.post("/api/me/tokens", json={"name": "x"}, **kwargs)
        assert r.status_code in (401, 403)
        r = client.delete("/api/me/tokens/1", **kwargs)
        assert r.status_code in (401, 403)
        # a read elsewhere: the token is not a log-in there
        assert client.get("/api/cells", **kwargs).status_code == 401
        assert client.get("/api/me", **kwargs).status_code == 401
    assert snapshot(demo_database) == before


def test_a_browser_session_reads_too(demo_client, demo_auth):
    assert demo_auth.login("leader").status_code == 302
    r = demo_client.get("/ogc/collections/zones/items")
    assert r.status_code == 200 and r.get_json()["numberMatched"] > 0


def test_a_fresh_install_is_open(client):
    fresh = client  # no account at all: reads are open
    assert fresh.get("/ogc/collections").status_code == 200
    assert fresh.get("/ogc/collections/cells/items").get_json()["numberMatched"] == 0
    r = fresh.get("/ogc/collections", headers=bearer("gat_" + "A" * 43))
    assert r.status_code == 401  # a token given is checked even so


# ------------------------------------------------------------------ who reads what

def test_grants_follow_the_downloads(demo_app, token_for, rules):
    client = demo_app.test_client()
    planner = bearer(token_for("planner"))
    ids = [c["id"] for c in client.get("/ogc/collections", headers=planner).get_json()[
        "collections"]]
    assert ids == [c for c in _ids(rules) if c != "hazards"]
    for url in ("/ogc/collections/hazards", "/ogc/collections/hazards/items",
                "/ogc/collections/hazards/items/YH2023-0001"):
        r = client.get(url, headers=planner)
        assert r.status_code == 403 and r.get_json()["field"] == "collectionId"
    enterprise = bearer(token_for("qiye", "enterprise"))
    for url in ("/ogc", "/ogc/collections", "/ogc/collections/cells/items"):
        assert client.get(url, headers=enterprise).status_code == 403


def test_an_area_scoped_token_reads_only_its_area(demo_app, demo_database, token_for, rules):
    client = demo_app.test_client()
    scoped = bearer(token_for("town_leader", "leader", areas=[("town", TOWN)]))
    with demo_database.sessions() as s:
        area = scopes.resolve(s, [("town", TOWN)])
        all_cells = {c["code"] for c in _reader_rows(s, rules, "cells")}
        expected = {c: [_row_id(c, r) for r in _reader_rows(s, rules, c, area)]
                    for c in ("cells", "enterprise", "hazards")}
    assert 0 < len(area) < len(all_cells)
    for collection, cell_key in (("cells", "网格编码"), ("enterprise", "cell_code"),
                                 ("hazards", "cell_code")):
        features, _ = _all_pages(client, f"/ogc/collections/{collection}/items?limit=25",
                                 scoped)
        assert [f["id"] for f in features] == expected[collection]
        assert features and all(f["properties"][cell_key] in area for f in features)
    outside = sorted(all_cells - area)[0]
    r = client.get(f"/ogc/collections/cells/items/{outside}", headers=scoped)
    assert r.status_code == 404
    inside = sorted(area)[0]
    assert client.get(f"/ogc/collections/cells/items/{inside}", headers=scoped).status_code == 200
    # zones stay whole; the extent is the scope's
    zones = client.get("/ogc/collections/zones/items", headers=scoped).get_json()
    with demo_database.sessions() as s:
        assert zones["numberMatched"] == len(_reader_rows(s, rules, "zones"))
    mine = client.get("/ogc/collections/cells", headers=scoped).get_json()["extent"]
    whole = client.get("/ogc/collections/cells",
                       headers=bearer(token_for("leader"))).get_json()["extent"]
    assert mine != whole
    # a grid member reads their own cells
    grid = bearer(token_for("grid", cells=[inside]))
    cells = client.get("/ogc/collections/cells/items", headers=grid).get_json()
    assert [f["id"] for f in cells["features"]] == [inside]


# ------------------------------------------------------------------ /api/me/tokens

def test_tokens_are_made_listed_and_revoked_by_their_owner_and_audited(
        client, auth, database):
    auth.login("leader")
    r = client.post("/api/me/tokens", json={"name": "  办公室 QGIS  "})
    assert r.status_code == 201 and r.headers["Cache-Control"] == "no-store"
    made = r.get_json()
    assert made["token"].startswith("gat_") and len(made["token"]) >= 40
    assert made["name"] == "办公室 QGIS" and made["token"].startswith(made["prefix"])
    assert made["revoked"] is False and made["last_used_at"] is None
    second = client.post("/api/me/tokens", json={"name": "ArcGIS"}).get_json()
    listed = client.get("/api/me/tokens").get_json()["tokens"]
    assert [t["id"] for t in listed] == [second["id"], made["id"]]
    assert set(listed[0]) == {"id", "name", "prefix", "created_at", "last_used_at", "revoked",
                              "revoked_at"}
    with database.sessions() as s:
        stored = s.get(AccessToken, made["id"])
        assert stored.token_hash == hashlib.sha256(made["token"].encode()).hexdigest()
    assert made["token"] not in repr(snapshot(database))  # stored hashed only, logged never

    # someone else's token is as if it did not exist
    other = client.application.test_client()
    from tests.support.apps import AuthActions

    AuthActions(other).login("planner")
    assert other.delete(f"/api/me/tokens/{made['id']}").status_code == 404
    assert other.get("/api/me/tokens").get_json()["tokens"] == []
    assert client.delete("/api/me/tokens/999999").status_code == 404

    assert client.delete(f"/api/me/tokens/{made['id']}").status_code == 204
    assert client.delete(f"/api/me/tokens/{made['id']}").status_code == 204  # once is enough
    listed = {t["id"]: t for t in client.get("/api/me/tokens").get_json()["tokens"]}
    assert listed[made["id"]]["revoked"] and listed[made["id"]]["revoked_at"]
    assert not listed[second["id"]]["revoked"]
    assert client.get("/ogc", headers=bearer(made["token"])).status_code == 401
    assert client.get("/ogc", headers=bearer(second["token"])).status_code == 200

    with database.sessions() as s:
        entries = s.scalars(sa.select(AuditEntry).where(AuditEntry.action.in_(
            ("token_create", "token_revoke"))).order_by(AuditEntry.id)).all()
    assert [(e.action, e.actor, e.target, e.detail["id"]) for e in entries] == [
        ("token_create", "leader", "leader", made["id"]),
        ("token_create", "leader", "leader", second["id"]),
        ("token_revoke", "leader", "leader", made["id"])]
    assert entries[0].detail == {"id": made["id"], "name": "办公室 QGIS",
                                 "prefix": made["prefix"]}
    assert all(t["token"] not in json.dumps(e.detail) for e in entries for t in (made, second))


def test_token_names_are_checked_and_enterprise_accounts_get_none(client, auth, database):
    auth.login("leader")
    for bad in ("", "   ", "\u200b", "长" * 101, 7, ["x"], {"a": 1}, True):
        r = client.post("/api/me/tokens", json={"name": bad})
        assert r.status_code == 400 and r.get_json()["field"] == "name", bad
    assert client.post("/api/me/tokens", json={}).get_json()["field"] == "name"
    assert client.get("/api/me/tokens").get_json()["tokens"] == []
    auth.login("qiye", role="enterprise", enterprise="91320200MA1234567X")
    assert client.post("/api/me/tokens", json={"name": "x"}).status_code == 403
    assert client.get("/api/me/tokens").status_code == 403
    assert "token-form" not in client.get("/account").get_data(as_text=True)
    auth.logout()
    make_user(database, "someone", "admin")
    assert client.get("/api/me/tokens").status_code == 401


def test_the_account_page_has_the_token_section(client, auth):
    auth.login("leader")
    html = client.get("/account").get_data(as_text=True)
    assert 'id="token-form"' in html and 'id="tokens-config"' in html
    assert "http://localhost/ogc" in html and "?token=" in html and "Bearer" in html


# ------------------------------------------------------------------ real clients, live

# GDAL runs in a process of its own: its HTTP reads hold the interpreter lock in pyogrio,
# which a server thread in this process would need to answer them.
_GDAL = r"""
import json, sys
import pyogrio
url, layers = sys.argv[1], sys.argv[2].split(",")
out = {"layers": [name for name, _kind in pyogrio.list_layers("OAPIF:" + url)]}
for layer in layers:
    # pages of 37 (the open option PAGE_SIZE): GDAL follows the next links to the end
    df = pyogrio.read_dataframe("OAPIF:" + url, layer=layer, PAGE_SIZE=37)
    out[layer] = {"ids": [str(v) for v in df["id"]], "columns": list(df.columns),
                  "risk": [None if v is None else str(v) for v in df["risk_level"]]
                          if "risk_level" in df else None,
                  "bounds": [float(v) for v in df.total_bounds]}
print(json.dumps(out, ensure_ascii=False))
"""


def _gdal(url: str, layers: list[str], **env) -> dict:
    done = subprocess.run([sys.executable, "-c", _GDAL, url, ",".join(layers)],
                          capture_output=True, text=True, timeout=300,
                          env={**os.environ, "CPL_DEBUG": "OFF", **env})
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout)


@pytest.fixture
def live(demo_app):
    url, stop = serve(demo_app)
    yield url
    stop()


def test_gdal_reads_every_collection_as_the_api_serves_it(live, demo_app, token_for, rules):
    token = token_for("leader")
    client = demo_app.test_client()
    ids = _ids(rules)
    # the header, as a desktop client sends it (GDAL ≥ 3.9: GDAL_HTTP_AUTH=BEARER)
    read = _gdal(f"{live}/ogc", ids, GDAL_HTTP_AUTH="BEARER", GDAL_HTTP_BEARER=token)
    assert read["layers"] == ids
    for collection in ids:
        features, _ = _all_pages(client, f"/ogc/collections/{collection}/items?limit=10000",
                                 bearer(token))
        got = read[collection]
        assert got["ids"] == [f["id"] for f in features], collection
        first = features[0]["properties"]
        assert [c for c in got["columns"] if c not in ("id", "geometry")] == list(first)
        if got["risk"] is not None:
            assert got["risk"] == [f["properties"]["risk_level"] for f in features]
        extent = client.get(f"/ogc/collections/{collection}", headers=bearer(token)).get_json()[
            "extent"]["spatial"]["bbox"][0]
        assert got["bounds"] == pytest.approx(extent, abs=1e-9)
    # the token in the URL: GDAL adds it to every request, the links' own included
    read = _gdal(f"{live}/ogc?token={token}", ["cells"])
    assert read["cells"]["ids"] == [f["id"] for f in _all_pages(
        client, "/ogc/collections/cells/items?limit=10000", bearer(token))[0]]
    with pytest.raises(AssertionError, match="401"):
        _gdal(f"{live}/ogc", ["cells"], GDAL_HTTP_AUTH="BEARER", GDAL_HTTP_BEARER="gat_nope")


def test_owslib_lists_the_collections_and_reads_items(live, token_for, rules):
    from owslib.ogcapi.features import Features

    token = token_for("leader")
    api = Features(f"{live}/ogc", headers=bearer(token), timeout=60)
    assert api.feature_collections() == _ids(rules)
    assert "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core" in \
        api.conformance()["conformsTo"]
    assert api.collection("zones")["id"] == "zones"
    page = api.collection_items("enterprise", limit=5, offset=5)
    assert page["numberReturned"] == 5 and page["numberMatched"] > 10
    whole = api.collection_items("enterprise", limit=10000)
    assert [f["id"] for f in whole["features"]][5:10] == [f["id"] for f in page["features"]]
    one = page["features"][0]
    assert api.collection_item("enterprise", one["id"])["properties"] == one["properties"]
    box = api.collection_items("cells", bbox=[0, 0, 1, 1])
    assert box["numberMatched"] == 0
    assert api.api()["openapi"].startswith("3.0")


def test_the_json_api_document_lists_the_token_routes(client, auth):
    auth.login("leader")
    doc = client.get("/api/openapi.json").get_json()
    validate(doc)
    assert set(doc["paths"]["/api/me/tokens"]) == {"get", "post"}
    revoke = doc["paths"]["/api/me/tokens/{token_id}"]
    assert set(revoke) == {"delete"}
    assert revoke["delete"]["parameters"][0]["schema"]["type"] == "integer"
    assert revoke["delete"]["summary"].startswith("Revoke")
    # the downloads take a token; nothing else does (the OGC API describes itself at /ogc/api)
    assert doc["paths"]["/api/export/{filename}"]["get"]["security"] == [
        {"session": []}, {"token": []}]
    assert "security" not in doc["paths"]["/api/me/tokens"]["post"]
    assert not any(path.startswith("/ogc") for path in doc["paths"])
