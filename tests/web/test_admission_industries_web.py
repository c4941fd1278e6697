"""Every industry of the standard gets a verdict from POST /api/admission-check, and a
class meets the catalogue entries given for its group or division."""

from __future__ import annotations

import pytest

from geoapp.domain.industry import SECTIONS
from geoapp.domain.industry_list import standard
from tests.domain.test_admission import HOUSING, write_admission
from tests.support.apps import make_app
from tests.web.test_admission_web import API, SITE, seeded, web  # noqa: F401 (fixtures)

SOFTWARE_PARK = """
zone = "P"
title = "测试软件园目录"
source = "测试文件〔2026〕1号"
synthetic = true

[[entries]]
list = "restricted"
codes = ["65"]
text = "软件和信息技术服务业限制准入。"
conditions = ["不得在园区内设数据中心柴油发电机"]

[[entries]]
list = "prohibited"
codes = ["651"]
text = "禁止软件开发（测试用）。"
"""


def check(client, industry):
    r = client.post(API, json={"site": SITE, "crs": "wgs84", "industry": industry})
    assert r.status_code == 200, r.get_data(as_text=True)
    return r.get_json()


def test_a_software_company_gets_a_verdict(web):  # noqa: F811
    out = check(web, "6513")
    assert out["verdict"] == "allowed"
    assert out["industry"]["code"] == "6513" and out["industry"]["name"] == "应用软件开发"
    assert [(z["code"], z["verdict"]) for z in out["zones"]] == [("P", "allowed")]


def test_a_class_of_every_section_gets_a_verdict(web):  # noqa: F811
    firsts = {}
    for code in standard().names:
        if len(code) == 4:
            firsts.setdefault(next(s for s, (lo, hi) in SECTIONS.items()
                                   if lo <= int(code[:2]) <= hi), code)
    assert len(firsts) == 20
    for section, code in firsts.items():
        out = check(web, section + code)
        assert out["verdict"] in ("allowed", "restricted", "prohibited"), code
        assert out["industry"]["name"] == standard().name(code)


def test_a_class_meets_the_entries_for_its_group_and_division(seeded, database, tmp_path):  # noqa: F811
    folder = write_admission(tmp_path / "soft", {"P.toml": SOFTWARE_PARK, "H.toml": HOUSING})
    client = make_app(database, ADMISSION_DIR=str(folder)).test_client()
    out = check(client, "I6513")
    assert out["verdict"] == "prohibited"
    (zone,) = out["zones"]
    assert [(r["list"], r["code"], r["match"]) for r in zone["reasons"]] == [
        ("prohibited", "651", "covers"), ("restricted", "65", "covers")]
    other = check(client, "6531")  # 信息系统集成服务: only the division's entry
    assert other["verdict"] == "restricted"
    assert [(r["code"], r["match"]) for r in other["zones"][0]["reasons"]] == [("65", "covers")]
    # given only as the division, the listed group reads cautiously (严格准入)
    division = check(client, "65")
    assert division["verdict"] == "prohibited"
    assert [(r["code"], r["match"]) for r in division["zones"][0]["reasons"]] == [
        ("651", "partial"), ("65", "exact")]


@pytest.mark.parametrize("code", ["6510", "C2699", "I"])
def test_codes_outside_the_standard_are_400_naming_the_field(web, code):  # noqa: F811
    r = web.post(API, json={"site": SITE, "crs": "wgs84", "industry": code})
    assert r.status_code == 400
    body = r.get_json()
    assert body["field"] == "industry" and body["error"] == "unknown_industry", body
