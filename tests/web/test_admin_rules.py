"""The rules in force, read-only, for admins: every layer with its file, the workflow's steps,
the catalogues; and whether the files on disk still validate and match. Both backends."""

from __future__ import annotations

import shutil

from geoapp.resources import bundled
from tests.support.apps import AuthActions, make_app


def test_admins_see_what_is_in_force(client, auth):
    for role in ("leader", "grid", "planner", "supervisor"):
        auth.login(role, cells=["A"] if role == "grid" else ())
        assert client.get("/admin/rules").status_code == 403
        assert client.get("/api/admin/rules").status_code == 403
    auth.login("admin")
    r = client.get("/api/admin/rules").get_json()
    assert [lay["layer"] for lay in r["layers"]] == [
        "enterprise", "idle_site", "confined_space", "major_hazard", "fire_unit", "crowded_place",
        "self_built_house", "gas_site", "construction_site", "ebike_charging"]
    enterprise = r["layers"][0]
    assert enterprise["file"] == "enterprise.toml" and enterprise["key"] == ["uscc", "code"]
    assert enterprise["risk"]["rules"][0] == {"field": "lec_d", "test": "gte", "value": 320,
                                              "level": "red"}
    assert r["steps"]["accept"] == ["supervisor", "admin"]
    assert "住建" in r["departments"]["names"] and r["departments"]["rules"] > 10
    assert r["disk"] == {**r["disk"], "valid": True, "changed": [], "problem": None}
    assert r["admission"]["catalogues"] and all(c["file"].startswith("admission/catalogues/")
                                                for c in r["admission"]["catalogues"])
    page = client.get("/admin/rules").get_data(as_text=True)
    assert "校验通过；磁盘上的文件与生效的一致。" in page and "enterprise.toml" in page


def test_a_file_changed_or_broken_on_disk_is_shown(database, tmp_path):
    folder = tmp_path / "layers"
    shutil.copytree(bundled("layers"), folder)
    app = make_app(database, LAYERS_DIR=str(folder))
    client = app.test_client()
    AuthActions(client).login("admin")
    with open(folder / "risk.toml", "a", encoding="utf-8") as f:
        f.write("\n# 本地说明\n")
    disk = client.get("/api/admin/rules").get_json()["disk"]
    assert (disk["valid"], disk["changed"]) == (True, ["risk.toml"])
    (folder / "idle_site.toml").write_text("label = 3\n", encoding="utf-8")
    disk = client.get("/api/admin/rules").get_json()["disk"]
    assert disk["valid"] is False and "idle_site.toml" in disk["problem"]
    assert "校验不通过" in client.get("/admin/rules").get_data(as_text=True)
