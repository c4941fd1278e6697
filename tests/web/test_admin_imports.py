"""Imports in the browser's API (/api/admin/imports): a dry run first (problems as a table,
or what would change), nothing written before the commit, the commit audited with the
file's hash, the original file kept for the history. Both backends.

The territory and ledger helpers are tests.store.test_import's (cells A B C D).
"""

from __future__ import annotations

import hashlib
import time
from io import BytesIO

import pytest
import sqlalchemy as sa

from geoapp.store.models import AuditEntry, Cell, Point
from tests.store import test_import as base
from tests.store.test_import import cells_file  # noqa: F401  (fixture)
from tests.support.apps import AuthActions, make_app
from tests.support.checks import snapshot


@pytest.fixture
def admin(database, tmp_path):
    app = make_app(database, IMPORT_DIR=str(tmp_path / "uploads"))
    client = app.test_client()
    AuthActions(client).login("admin")
    return client


def _upload(client, path, kind, **form):
    """Upload and wait for the dry run: the final status (or the refusal of the upload)."""
    with open(path, "rb") as f:
        data = {"kind": kind, "file": (BytesIO(f.read()), path.name), **form}
    r = client.post("/api/admin/imports", data=data, content_type="multipart/form-data")
    return wait(client, r)


def wait(client, r, seconds: float = 60):
    """Poll an upload's job (202) until it is no longer running; its final status."""
    if r.status_code != 202:
        return r
    upload = r.get_json()["id"]
    deadline = time.monotonic() + seconds
    while r.get_json()["state"] in ("checking", "importing"):
        assert time.monotonic() < deadline, r.get_json()
        time.sleep(0.05)
        r = client.get(f"/api/admin/imports/{upload}")
        assert r.status_code == 200
    return r


def _commit(client, upload):
    r = client.post(f"/api/admin/imports/{upload}/commit")
    assert r.status_code == 202, r.get_json()
    return wait(client, r)


def _ledger(tmp_path, rows, name="企业台账.csv"):
    return base.enterprises(tmp_path, rows, name=name)


GOOD = [["甲商店（虚构）", base.uscc(1), "5261", "小微", 120.005, 31.005],
        ["乙商店（虚构）", base.uscc(2), "5261", "小微", 120.015, 31.015],
        ["丙商店（虚构）", base.uscc(3), "5261", "小微", 120.5, 31.5]]  # outside every cell


def _loaded(admin, cells_file):  # noqa: F811
    r = _upload(admin, cells_file, "cells")
    assert r.get_json()["state"] == "previewed", r.get_json()
    assert _commit(admin, r.get_json()["id"]).get_json()["state"] == "committed"


def test_bad_rows_come_back_as_a_table_and_nothing_is_stored(admin, database, tmp_path,
                                                             cells_file):  # noqa: F811
    _loaded(admin, cells_file)
    bad = [list(row) for row in GOOD]
    bad[0][1] = "91320205MA0000001X"  # a wrong check character
    bad[1][4] = "东经120度"
    bad[2][2] = "99999"
    before = snapshot(database)
    r = _upload(admin, _ledger(tmp_path, bad), "enterprise")
    body = r.get_json()
    assert body["state"] == "rejected" and body["message"].startswith("文件有 4 处错误")
    rows = {(p["row"], p["column"]) for p in body["problems"]}
    assert {row for row, _ in rows} == {2, 3, 4}  # the header is row 1
    assert ("2", "统一社会信用代码") in {(str(a), b) for a, b in rows}
    assert snapshot(database) == before
    with database.sessions() as s:
        assert s.scalar(sa.select(AuditEntry.action).order_by(AuditEntry.id.desc())) == \
            "import_rejected"


def test_dry_run_then_commit(admin, database, tmp_path, cells_file):  # noqa: F811
    _loaded(admin, cells_file)
    path = _ledger(tmp_path, GOOD)
    before = snapshot(database)
    r = _upload(admin, path, "enterprise")
    assert r.get_json()["state"] == "previewed", r.get_json()
    preview = r.get_json()["preview"]
    assert preview["dry_run"] is True
    assert (preview["created"], preview["updated"], preview["outside"]) == (3, 0, 1)
    assert [c["key"] for c in preview["changes"]] == [base.uscc(1), base.uscc(2), base.uscc(3)]
    assert {c["action"] for c in preview["changes"]} == {"added"}
    assert [p["key"] for p in preview["outside_points"]] == [base.uscc(3)]
    assert snapshot(database) == before  # the dry run wrote nothing

    upload = r.get_json()["id"]
    done = _commit(admin, upload)
    assert done.get_json()["state"] == "committed" and done.get_json()["result"]["created"] == 3
    with database.sessions() as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(Point)) == 3
        entry = s.scalars(sa.select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    assert (entry.action, entry.actor, entry.target) == ("import", "admin", "企业台账.csv")
    assert entry.detail == {**entry.detail, "sha256": digest, "created": 3, "upload": upload,
                            "what": "enterprise"}
    assert admin.post(f"/api/admin/imports/{upload}/commit").status_code == 409

    # the history lists it, and the original file comes back as uploaded
    page = admin.get("/admin/imports").get_data(as_text=True)
    assert f"/admin/imports/{upload}/file" in page
    with admin.get(f"/admin/imports/{upload}/file") as original:
        assert original.status_code == 200 and original.data == path.read_bytes()
        assert "filename*=UTF-8''%E4%BC%81" in original.headers["Content-Disposition"]


def test_an_edited_ledger_previews_its_changed_fields_and_a_cancel_writes_nothing(
        admin, database, tmp_path, cells_file):  # noqa: F811
    _loaded(admin, cells_file)
    r = _upload(admin, _ledger(tmp_path, GOOD), "enterprise")
    _commit(admin, r.get_json()["id"])
    edited = [list(row) for row in GOOD]
    edited[1][0] = "乙商店（虚构，已更名）"
    edited[0][4] = 120.006
    before = snapshot(database)
    r = _upload(admin, _ledger(tmp_path, edited, name="改.csv"), "enterprise")
    preview = r.get_json()["preview"]
    assert (preview["created"], preview["updated"], preview["unchanged"]) == (0, 2, 1)
    fields = {c["key"]: c["fields"] for c in preview["changes"]}
    assert fields == {base.uscc(1): ["coordinates"], base.uscc(2): ["name"]}
    upload = r.get_json()["id"]
    assert admin.post(f"/api/admin/imports/{upload}/cancel").status_code == 204
    assert snapshot(database) == before
    assert admin.post(f"/api/admin/imports/{upload}/commit").status_code == 404


def test_boundaries_that_delete_cells_need_the_replace_box(admin, database, tmp_path,
                                                          cells_file):  # noqa: F811
    _loaded(admin, cells_file)
    import geopandas as gpd

    frame = gpd.read_file(cells_file)
    fewer = tmp_path / "三个网格.geojson"
    frame[frame["网格编码"] != "D"].to_file(fewer, driver="GeoJSON")
    r = _upload(admin, fewer, "cells")
    assert r.get_json()["state"] == "rejected" and r.get_json()["codes"] == ["D"]
    r = _upload(admin, fewer, "cells", replace="1")
    assert [c for c in r.get_json()["preview"]["changes"] if c["action"] == "deleted"] == [
        {"action": "deleted", "key": "D", "name": "西山社区（虚构）D网格", "fields": []}]
    with database.sessions() as s:  # a preview: D is still there
        assert s.scalar(sa.select(sa.func.count()).select_from(Cell).where(Cell.code == "D")) == 1


def test_bad_fields_are_named_and_only_admins_may(client, auth, admin, tmp_path):
    path = _ledger(tmp_path, GOOD)
    assert _upload(admin, path, "nothing").get_json()["field"] == "kind"
    assert _upload(admin, path, "enterprise", crs="EPSG:abc").get_json()["field"] == "crs"
    text = tmp_path / "台账.txt"
    text.write_text("x", encoding="utf-8")
    r = _upload(admin, text, "enterprise")
    assert r.status_code == 400 and r.get_json()["field"] == "file"
    r = admin.post("/api/admin/imports", data={"kind": "enterprise"},
                   content_type="multipart/form-data")
    assert r.status_code == 400 and r.get_json()["field"] == "file"
    assert admin.post("/api/admin/imports/notanid/commit").status_code == 404
    for role in ("leader", "grid", "planner", "supervisor"):
        auth.login(role, cells=["A"] if role == "grid" else ())
        assert client.get("/admin/imports").status_code == 403
        assert _upload(client, path, "enterprise").status_code == 403


def test_a_job_whose_process_ended_is_reported_stalled(admin, tmp_path):
    import datetime as dt
    import json

    upload = "ab" * 16
    folder = tmp_path / "uploads" / upload
    folder.mkdir(parents=True)
    hour_ago = (dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)).isoformat(timespec="seconds")
    (folder / "upload.json").write_text(json.dumps({
        "id": upload, "stored": "upload.csv", "kind": "enterprise", "crs": "",
        "replace": False, "filename": "台账.csv", "sha256": "0" * 64, "by": "admin",
        "at": hour_ago, "state": "importing"}), encoding="utf-8")
    (folder / "progress.json").write_text(json.dumps({
        "stage": "write", "done": 5000, "total": 100000, "at": hour_ago}), encoding="utf-8")
    status = admin.get(f"/api/admin/imports/{upload}").get_json()
    assert status["stalled"] is True and status["progress"]["done"] == 5000
    assert admin.post(f"/api/admin/imports/{upload}/commit").status_code == 409


def test_progress_is_written_for_a_poll_and_throttled(tmp_path):
    from geoapp.store.import_summary import Progress, read_progress

    path = tmp_path / "progress.json"
    progress = Progress(path, every=3600)
    progress.stage("write", 100)
    assert read_progress(path) == {**read_progress(path), "stage": "write", "done": 0,
                                   "total": 100}
    progress.step(50)  # within the interval: not written yet
    assert read_progress(path)["done"] == 0 and progress.done == 50
    progress.stage("assign")
    assert read_progress(path)["stage"] == "assign" and read_progress(path)["total"] is None


def test_a_commit_long_after_its_preview_is_not_reported_stalled(admin, tmp_path, monkeypatch):
    """The dry run's last progress reading is not the commit's: an admin who read the
    preview for an hour, then clicked 确认导入, must see the import run (the page stops
    polling at ``stalled``), not 导入已中断 while it goes on in the background."""
    import datetime as dt
    import json

    from geoapp.web import admin_imports

    upload = _upload(admin, _ledger(tmp_path, GOOD), "enterprise").get_json()["id"]
    progress = tmp_path / "uploads" / upload / "progress.json"
    hour_ago = (dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)).isoformat(timespec="seconds")
    progress.write_text(json.dumps({**json.loads(progress.read_text("utf-8")), "at": hour_ago}),
                        encoding="utf-8")
    monkeypatch.setattr(admin_imports, "_job", lambda *args: None)  # the job not begun yet
    status = admin.post(f"/api/admin/imports/{upload}/commit").get_json()
    assert status["state"] == "importing" and status["stalled"] is False, status
    assert status["progress"]["stage"] != "assign"  # not the dry run's last stage
    assert admin.get(f"/api/admin/imports/{upload}").get_json()["stalled"] is False
