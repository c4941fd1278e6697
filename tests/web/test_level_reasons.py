"""定级依据 in the API: ``level_reasons`` of /api/cells/<code> and of the map's point popup
explain the stored levels, on the demo and on a score rule (geoapp.domain.reasons)."""

from __future__ import annotations

import datetime as dt
import shutil

import pytest

from geoapp.domain.layers import load_rules
from geoapp.resources import bundled
from tests.support.apps import make_app, shop_with_hazard

RANK = {"blue": 1, "yellow": 2, "orange": 3, "red": 4}


def by_rule(reasons, rule):
    return [r for r in reasons if r["rule"] == rule]


def test_sf_07_06_is_red_because_of_one_enterprise_inherent_level(demo_client):
    d = demo_client.get("/api/cells/SF-07-06").get_json()
    assert d["properties"]["risk_level"] == "red"
    assert d["properties"]["hazards"]["open"] == 0  # nothing open: the hazards do not explain it
    hr = next(f for f in d["points"]["features"]
              if f["properties"]["name"].startswith("禾润精密机械"))
    area = by_rule(d["level_reasons"], "area_max")
    assert len(area) == 1 and area[0]["level"] == "red"
    assert area[0]["text"] == "区域规则：取最高，1 个点位为重大风险"
    assert area[0]["point_ids"] == [hr["id"]]
    own = by_rule(d["level_reasons"], "point_inherent")
    assert [r["point_ids"] for r in own] == [[hr["id"]]]
    assert own[0]["text"] == f"{hr['properties']['name']}：固有风险 重大风险（LEC风险值 360 ≥ 320）"
    assert not by_rule(d["level_reasons"], "open_major_hazard")
    # the point's own reasons on the cell page's list (without its name) and in its popup
    assert [r["text"] for r in hr["properties"]["level_reasons"]] == [
        "固有风险 重大风险（LEC风险值 360 ≥ 320）"]
    popup = demo_client.get(f"/api/map/points/{hr['id']}").get_json()["properties"]
    assert popup["level_reasons"] == hr["properties"]["level_reasons"]


def test_a_cell_red_by_an_open_major_hazard_names_the_hazard(demo_client):
    d = demo_client.get("/api/cells/SF-11-07").get_json()
    escalated = [f for f in d["points"]["features"]
                 if f["properties"]["risk_level"] == "red"
                 and f["properties"]["inherent_level"] != "red"]
    assert escalated  # the demo's open 重大事故隐患 at points of lower inherent level
    majors = {h["point_id"]: h["code"] for h in d["hazard_list"]
              if h["level"] == "major" and h["state"] != "closed"}
    for f in escalated:
        mine = [r for r in by_rule(d["level_reasons"], "open_major_hazard")
                if r["point_ids"] == [f["id"]]]
        assert len(mine) == 1, f["properties"]["name"]
        assert mine[0]["text"].startswith(f["properties"]["name"] + "：重大隐患未销号（")
        assert majors[f["id"]] in mine[0]["text"] and mine[0]["text"].endswith("→ 升为重大风险")
        # its inherent level does not decide the red cell, so it is not in the cell's list
        assert not [r for r in by_rule(d["level_reasons"], "point_inherent")
                    if r["point_ids"] == [f["id"]]]
        own = {r["rule"] for r in f["properties"]["level_reasons"]}
        assert "open_major_hazard" in own and own & {"point_inherent", "point_default"}


def test_an_empty_cell_is_blue_by_the_empty_rule(demo_client):
    d = demo_client.get("/api/cells/SF-06-03").get_json()
    assert d["points"]["features"] == [] and d["properties"]["risk_level"] == "blue"
    assert d["level_reasons"] == [{"rule": "area_empty", "level": "blue", "point_ids": [],
                                   "text": "无点位 → 低风险（空区域默认等级）"}]


def test_every_cell_is_explained_by_its_points_at_its_level(demo_client):
    cells = demo_client.get("/api/cells").get_json()["features"]
    for c in cells:
        code, level = c["properties"]["code"], c["properties"]["risk_level"]
        d = demo_client.get(f"/api/cells/{code}").get_json()
        head = d["level_reasons"][0]
        assert head["level"] == level, code
        points = {f["id"]: f["properties"]["risk_level"] for f in d["points"]["features"]}
        assert head["point_ids"] == sorted(head["point_ids"], key=lambda i: -RANK[points[i]]) \
            or head["rule"] == "area_empty"
        assert {pid for pid, lv in points.items() if lv == level} == set(head["point_ids"])
        # each deciding point (up to ten) has a reason at the cell's level
        for pid in head["point_ids"][:10]:
            assert [r for r in d["level_reasons"][1:]
                    if r["point_ids"] == [pid] and r["level"] == level], (code, pid)


def test_english_texts(demo_client):
    d = demo_client.get("/api/cells/SF-07-06?lang=en").get_json()
    texts = [r["text"] for r in d["level_reasons"]]
    assert texts[0] == "Area rule: the highest level, points at Major: 1"
    assert texts[1].endswith("inherent level Major (LEC risk value (D) 360 ≥ 320)")
    assert not any("区域" in t or "固有" in t for t in texts)
    empty = demo_client.get("/api/cells/SF-06-03?lang=en").get_json()["level_reasons"]
    assert empty[0]["text"] == "No points → Low (the level of an empty area)"


@pytest.fixture
def score_rules(tmp_path):
    folder = tmp_path / "layers"
    shutil.copytree(bundled("layers"), folder)
    text = (folder / "risk.toml").read_text(encoding="utf-8")
    (folder / "risk.toml").write_text(text.replace('rule = "max"', 'rule = "score"'),
                                      encoding="utf-8")
    return folder


def test_a_score_rule_shows_its_arithmetic(database, score_rules):
    rules = load_rules(score_rules)
    assert rules.risk.area.rule == "score"
    shop, _ = shop_with_hazard(database, rules, found_on=dt.date(2030, 6, 1))
    client = make_app(database, LAYERS_DIR=str(score_rules)).test_client()
    d = client.get("/api/cells/A").get_json()
    assert d["properties"]["risk_level"] == "red"
    assert d["level_reasons"][0] == {
        "rule": "area_score", "level": "red", "point_ids": [shop],
        "text": "区域规则：按分值，重大风险 1×10 = 10，达到重大风险门槛 10 → 重大风险"}
    assert [r["rule"] for r in d["level_reasons"][1:]] == ["open_major_hazard"]
    english = client.get("/api/cells/A?lang=en").get_json()["level_reasons"][0]["text"]
    assert english == \
        "Area rule: by score, Major 1×10 = 10, reaching the Major threshold 10 → Major"
    b = client.get("/api/cells/B").get_json()
    assert [(r["rule"], r["level"]) for r in b["level_reasons"]] == [("area_empty", "blue")]
