"""The basemap over HTTP (geoapp.web.basemap): tiles with their content type, gzip and
ETag, meta.json for the maps, 天地图 with a key, and /api/admin/basemap: install,
replace, remove by admins only, a bad or too large file refused with its reason and the
basemap in use kept, every act in the audit log. Both backends (accounts, audit log)."""

from __future__ import annotations

import gzip
import hashlib
from io import BytesIO

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from geoapp.store.models import AuditEntry
from tests.support.apps import AuthActions, make_app
from tests.support.basemaps import (
    raster_tiles,
    tile_xy,
    vector_tiles,
    write_mbtiles,
    write_pmtiles,
)

X, Y = tile_xy(120.3, 31.6, 9)


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("basemaps")
    raster, vector = raster_tiles(range(0, 10)), vector_tiles(range(0, 10))
    return {
        "raster": raster, "vector": vector,
        "mbtiles": write_mbtiles(folder / "县底图.mbtiles", raster),
        "pmtiles": write_pmtiles(folder / "county.pmtiles", raster),
        "vector_mbtiles": write_mbtiles(folder / "vector.mbtiles", vector, "pbf"),
        "vector_pmtiles": write_pmtiles(folder / "vector.pmtiles", vector, "pbf"),
        "jpg_says": write_mbtiles(folder / "says-jpg.mbtiles",
                                  dict(list(raster.items())[:3]), format="jpg"),
        "tiff": write_mbtiles(folder / "tiff.mbtiles", dict(list(raster.items())[:3]),
                              format="tiff"),
    }


@pytest.fixture
def app(database, tmp_path):
    return make_app(database, BASEMAP_DIR=str(tmp_path / "basemap"), BASEMAP_MAX_MB=1)


@pytest.fixture
def admin(app):
    client = app.test_client()
    AuthActions(client).login("admin")
    return client


def upload(client, path, query=""):
    """POST the file as a browser does. The body is built in memory: werkzeug's test
    client would spool a body over 500 KB to a temporary file it never closes."""
    boundary, body = encode_multipart(
        {"file": FileStorage(BytesIO(path.read_bytes()), path.name)})
    return client.post(f"/api/admin/basemap{query}", data=body,
                       content_type=f"multipart/form-data; boundary={boundary}")


def audit_actions(app) -> list[tuple[str, str]]:
    with app.extensions["geoapp.db"].sessions() as s:
        return [(e.action, e.target) for e in
                s.scalars(sa.select(AuditEntry).order_by(AuditEntry.id))
                if e.action.startswith("basemap")]


def tile_url(client, z, x, y):
    """The tile's URL as meta.json gives it to the maps (with the install's version)."""
    template = client.get("/basemap/meta.json").get_json()["basemap"]["tiles"]
    return template.replace("{z}", str(z)).replace("{x}", str(x)).replace("{y}", str(y))


@pytest.mark.parametrize("kind", ["mbtiles", "pmtiles"])
def test_raster_tiles_are_served_with_content_type_and_etag(admin, files, kind):
    assert upload(admin, files[kind]).status_code == 201
    meta = admin.get("/basemap/meta.json").get_json()
    assert meta["tianditu"] == []
    b = meta["basemap"]
    assert (b["kind"], b["format"], b["minzoom"], b["maxzoom"]) == ("raster", "png", 0, 9)
    assert b["tiles"].startswith("/basemap/{z}/{x}/{y}.png?v=")
    assert b["attribution"] == "测试底图（虚构）"
    r = admin.get(tile_url(admin, 9, X, Y))
    assert r.status_code == 200 and r.content_type == "image/png"
    assert r.data == files["raster"][(9, X, Y)]
    assert "max-age=86400" in r.headers["Cache-Control"]
    again = admin.get(tile_url(admin, 9, X, Y), headers={"If-None-Match": r.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
    # no tile there (far away, deeper than the file): 204; outside the world or the wrong
    # ending: 404 naming it
    assert admin.get("/basemap/9/0/0.png").status_code == 204
    assert admin.get(f"/basemap/12/{X * 8}/{Y * 8}.png").status_code == 204
    outside = admin.get("/basemap/3/8/0.png")
    assert outside.status_code == 404 and outside.text == "瓦片超出世界范围"
    wrong = admin.get(f"/basemap/9/{X}/{Y}.jpg")
    assert wrong.status_code == 404 and wrong.text == "底图瓦片格式为 png"


@pytest.mark.parametrize("kind", ["vector_mbtiles", "vector_pmtiles"])
def test_vector_tiles_go_gzipped_to_a_client_that_takes_gzip(admin, files, kind):
    assert upload(admin, files[kind]).status_code == 201
    b = admin.get("/basemap/meta.json").get_json()["basemap"]
    assert (b["kind"], b["format"], b["vector_layers"]) == ("vector", "pbf", ["water", "roads"])
    stored = files["vector"][(9, X, Y)]
    url = tile_url(admin, 9, X, Y)
    r = admin.get(url, headers={"Accept-Encoding": "gzip"})
    assert r.status_code == 200 and r.content_type == "application/vnd.mapbox-vector-tile"
    assert r.headers["Content-Encoding"] == "gzip" and r.data == stored
    plain = admin.get(url)  # a client without gzip gets the tile itself
    assert "Content-Encoding" not in plain.headers and plain.data == gzip.decompress(stored)
    assert admin.get(url.replace(".pbf", ".mvt")).data == plain.data


def test_no_basemap_no_tiles_and_tianditu_with_a_key(database, tmp_path):
    client = make_app(database, BASEMAP_DIR=str(tmp_path / "b")).test_client()
    assert client.get("/basemap/meta.json").get_json()["basemap"] is None
    missing = client.get("/basemap/0/0/0.png")
    assert missing.status_code == 404 and missing.text == "未安装离线底图"
    keyed = make_app(database, TIANDITU_KEY="abc123").test_client()
    layers = keyed.get("/basemap/meta.json").get_json()["tianditu"]
    assert [t["name"] for t in layers] == ["天地图矢量", "天地图影像"]
    assert all("tk=abc123" in url and "tianditu.gov.cn" in url
               for t in layers for url in t["urls"])
    assert ["vec", "cva"] == [u.split("LAYER=")[1].split("&")[0] for u in layers[0]["urls"]]
    english = keyed.get("/basemap/meta.json?lang=en").get_json()
    assert english["tianditu"][0]["name"] == "Tianditu map"


def test_install_replace_remove_are_audited(admin, app, files):
    r = upload(admin, files["mbtiles"])
    first = r.get_json()
    assert first["filename"] == "县底图.mbtiles" and first["by"] == "admin"
    assert first["sha256"] == hashlib.sha256(files["mbtiles"].read_bytes()).hexdigest()
    assert admin.get("/api/admin/basemap").get_json() == {**first, "installed": True}
    old_url = tile_url(admin, 9, X, Y)
    second = upload(admin, files["vector_pmtiles"]).get_json()
    assert second["kind"] == "pmtiles" and second["version"] != first["version"]
    assert tile_url(admin, 9, X, Y) != old_url  # new URLs: no tile of the old file is kept
    removed = admin.delete("/api/admin/basemap")
    assert removed.status_code == 200 and removed.get_json() == {"installed": False}
    assert admin.get("/basemap/meta.json").get_json()["basemap"] is None
    assert admin.delete("/api/admin/basemap").status_code == 404
    assert audit_actions(app) == [("basemap_install", "县底图.mbtiles"),
                                  ("basemap_install", "vector.pmtiles"),
                                  ("basemap_remove", "vector.pmtiles")]


@pytest.mark.parametrize(("bad", "reason"), [
    ("text", "不是 MBTiles 或 PMTiles 文件"),
    ("jpg_says", "瓦片不是 JPG 图片，与文件声明的格式不符"),
    ("tiff", "瓦片格式 “tiff” 不受支持"),
])
def test_a_bad_file_is_refused_with_its_reason_and_the_basemap_kept(admin, app, files,
                                                                   tmp_path, bad, reason):
    assert upload(admin, files["mbtiles"]).status_code == 201
    before = admin.get("/api/admin/basemap").get_json()
    if bad == "text":
        path = tmp_path / "企业台账.mbtiles"
        path.write_text("企业名称,经度,纬度\n", encoding="utf-8")
    else:
        path = files[bad]
    r = upload(admin, path)
    assert r.status_code == 400
    body = r.get_json()
    assert body["field"] == "file" and path.name in body["message"]
    assert reason in body["message"]
    assert admin.get("/api/admin/basemap").get_json() == before
    assert admin.get(tile_url(admin, 9, X, Y)).data == files["raster"][(9, X, Y)]
    assert audit_actions(app)[-1] == ("basemap_rejected", path.name)
    folder = app.extensions["geoapp.basemap"].folder
    assert sorted(p.name for p in folder.iterdir()) == ["basemap.json", "basemap.tiles"]


def test_a_file_over_the_limit_is_refused_before_it_is_read(admin, files, tmp_path):
    assert upload(admin, files["mbtiles"]).status_code == 201
    before = admin.get("/api/admin/basemap").get_json()
    big = tmp_path / "big.mbtiles"
    big.write_bytes(files["mbtiles"].read_bytes() + b"\0" * (1 << 20))  # over 1 MiB
    r = upload(admin, big)
    assert r.status_code == 413 and r.get_json()["error"] == "too_large"
    assert admin.get("/api/admin/basemap").get_json() == before
    # the limit is the basemap's own, larger than photos' (GEOAPP_MAX_UPLOAD_MB)
    assert upload(admin, files["pmtiles"]).status_code == 201


def test_an_english_refusal_is_in_english(admin, files, tmp_path):
    path = tmp_path / "notes.pmtiles"
    path.write_text("hello", encoding="utf-8")
    r = upload(admin, path, "?lang=en")
    assert r.status_code == 400
    assert "notes.pmtiles" in r.get_json()["message"]
    assert "MBTiles" in r.get_json()["message"] and "不是" not in r.get_json()["message"]


@pytest.mark.parametrize("role", ["leader", "planner", "supervisor", "grid"])
def test_only_an_admin_may_install_or_remove(app, files, role):
    admin = app.test_client()
    AuthActions(admin).login("admin")
    assert upload(admin, files["mbtiles"]).status_code == 201
    client = app.test_client()
    AuthActions(client).login(role, cells=["A"] if role == "grid" else ())
    for response in (upload(client, files["pmtiles"]), client.delete("/api/admin/basemap"),
                     client.get("/api/admin/basemap"), client.get("/admin/basemap")):
        assert response.status_code == 403
    assert client.get(tile_url(client, 9, X, Y)).status_code == 200  # the maps read it
    assert admin.get("/api/admin/basemap").get_json()["filename"] == "县底图.mbtiles"
    anonymous = app.test_client()
    assert anonymous.delete("/api/admin/basemap").status_code in (400, 401)
    assert anonymous.get("/basemap/meta.json").status_code in (302, 401)
