"""The admission register over HTTP, on both backends: every answered check stored with a
sequential sheet number and the catalogue files' SHA-256; swapped 经纬度 offered their
fix; one language per message; the register listed, filtered, scoped, exported, reprinted.

The hand-drawn territory of tests/web/test_admission_web.py (cells A, B; zones P, H).
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import threading
from zoneinfo import ZoneInfo

import pytest
import shapely
import sqlalchemy as sa
from openpyxl import load_workbook

from geoapp.store import admission_checks
from geoapp.store.models import AdmissionCheck, AdmissionCheckCell, AdmissionCounter
from tests.support.apps import AuthActions, make_user
from tests.support.constants import TODAY
from tests.web.test_admission_web import API, SITE, seeded, web  # noqa: F401  (fixtures)

YEAR = "2030"  # the apps' pinned today (tests.support.constants.TODAY)
IN_B = {"type": "Point", "coordinates": [120.015, 31.005]}  # cell B, zone H


def _check(client, site=SITE, industry="2614", crs="wgs84"):
    r = client.post(API, json={"site": site, "crs": crs, "industry": industry})
    assert r.status_code == 200, r.get_data(as_text=True)
    return r.get_json()


def test_every_check_is_stored_with_its_number_and_catalogue_files(  # noqa: F811
        web, seeded, database):  # noqa: F811
    first, second = _check(web), _check(web, IN_B, "2672")
    assert (first["number"], second["number"]) == (f"准入-{YEAR}-000001", f"准入-{YEAR}-000002")
    assert first["print_url"] == "/admission/checks/%E5%87%86%E5%85%A5-2030-000001/print"
    folder = seeded.extensions["geoapp.admission"].folder
    with database.sessions() as s:
        row = s.scalar(sa.select(AdmissionCheck).where(AdmissionCheck.number == first["number"]))
        assert (row.actor, row.verdict, row.industry_code, row.industry_name) == (
            None, "restricted", "2614", "有机化学原料制造")  # no accounts yet: nobody
        assert row.geom.equals(shapely.Point(120.005, 31.005)) and row.crs == "wgs84"
        assert row.zone_codes == ["P"] and row.reasons == first["reasons"]
        assert row.checked_at.astimezone(ZoneInfo("Asia/Shanghai")).date() == TODAY
        used = {c["file"]: c["sha256"] for c in row.catalogues}
        assert used["catalogues/P.toml"] == hashlib.sha256(
            (folder / "catalogues" / "P.toml").read_bytes()).hexdigest()
        assert set(used) == {"catalogues/P.toml", "industries.csv", "settings.toml"}
        assert row.catalogue_sha256 == seeded.extensions["geoapp.admission_digest"]["sha256"]
        cells = s.scalars(sa.select(AdmissionCheckCell.cell_code)
                          .where(AdmissionCheckCell.check_id == row.id)).all()
        assert cells == ["A"]
        assert s.get(AdmissionCounter, YEAR).last == 2
        # append-only: the register is history
        with pytest.raises(PermissionError):
            row.verdict = "allowed"
            s.flush()


def test_a_refused_check_is_not_stored(web, database):  # noqa: F811
    r = web.post(API, json={"site": SITE, "crs": "wgs84", "industry": "9999"})
    assert r.status_code == 400
    with database.sessions() as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(AdmissionCheck)) == 0


def test_concurrent_checks_never_share_a_number(seeded, database):  # noqa: F811
    """8 writers × 5 checks at once, each in its own transaction: numbers 1–40, each once."""
    result = _check(seeded.test_client())
    numbers, errors = [], []
    lock = threading.Lock()
    now = dt.datetime.fromisoformat(result["checked_at"])

    def writer():
        try:
            for _ in range(5):
                with database.transaction() as s:
                    row = admission_checks.record(s, result, actor="planner", now=now,
                                                  catalogue_sha256="0" * 64, catalogues=[])
                    number = row.number
                with lock:
                    numbers.append(number)
        except Exception as exc:  # noqa: BLE001  (reported below, with the others)
            errors.append(repr(exc))

    threads = [threading.Thread(target=writer) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert errors == []
    assert sorted(numbers) == [f"准入-{YEAR}-{n:06d}" for n in range(2, 42)]


def test_swapped_coordinates_are_detected_with_the_fix(web):  # noqa: F811
    swapped = {"type": "Point", "coordinates": [31.005, 120.005]}  # 纬度 in the 经度 field
    r = web.post(API, json={"site": swapped, "crs": "wgs84", "industry": "2614"})
    out = r.get_json()
    assert r.status_code == 400 and (out["error"], out["field"]) == ("swapped_coordinates", "site")
    assert out["suggestion"] == {"site": SITE, "crs": "wgs84"}
    assert "经纬度似乎填反了" in out["message"] and "120.005000" in out["message"]
    fixed = web.post(API, json={"site": out["suggestion"]["site"], "crs": "wgs84",
                                "industry": "2614"})
    assert fixed.status_code == 200 and fixed.get_json()["verdict"] == "restricted"
    # a polygon typed lat,lon too; and a site far away either way is only outside_extent
    ring = [[31.004, 120.004], [31.004, 120.006], [31.006, 120.006], [31.004, 120.004]]
    poly = web.post(API, json={"site": {"type": "Polygon", "coordinates": [ring]},
                               "crs": "wgs84", "industry": "2614"}).get_json()
    assert poly["error"] == "swapped_coordinates"
    assert poly["suggestion"]["site"]["coordinates"][0][1] == [120.006, 31.004]
    far = web.post(API, json={"site": {"type": "Point", "coordinates": [116.4, 39.9]},
                              "crs": "wgs84", "industry": "2614"}).get_json()
    assert far["error"] == "outside_extent" and "suggestion" not in far


@pytest.mark.parametrize(("body", "zh", "en"), [
    ({"site": {"type": "Point", "coordinates": [31.005, 120.005]}, "crs": "wgs84",
      "industry": "2614"}, "经纬度似乎填反了", "latitude and longitude"),
    ({"site": SITE, "crs": "utm50", "industry": "2614"}, "未知坐标系", "Unknown coordinate system"),
    ({"site": SITE, "crs": "wgs84", "industry": "2699"}, "不在行业目录",
     "not in the industry list"),
    ({"site": SITE, "crs": "wgs84", "industry": "9999"}, "行业代码 9999 无效", "is not valid"),
    ({"site": SITE, "crs": "wgs84"}, "缺少字段", "Missing field"),
    ({"site": {"type": "Point", "coordinates": [116.4, 39.9]}, "crs": "wgs84",
      "industry": "2614"}, "超出允许", "outside the territory"),
])
def test_each_message_in_the_pages_language_only(web, body, zh, en):  # noqa: F811
    chinese = web.post(API, json=body).get_json()["message"]
    english = web.post(API + "?lang=en", json=body).get_json()["message"]
    assert zh in chinese and " / " not in chinese, chinese  # no English half after a slash
    assert en in english and " / " not in english, english
    assert not any("\u4e00" <= c <= "\u9fff" for c in english), english


def test_the_register_lists_filters_exports_and_reprints(seeded, database):  # noqa: F811
    client = seeded.test_client()
    make_user(database, "admin")
    auth = AuthActions(client)
    auth.login("planner")
    first, _second = _check(client), _check(client, IN_B, "2672")
    page = client.get("/admission/checks")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and first["number"] in html and "有机化学原料制造" in html
    api = client.get("/api/admission/checks").get_json()
    assert api["total"] == 2 and [c["number"] for c in api["checks"]] == [
        f"准入-{YEAR}-000002", f"准入-{YEAR}-000001"]  # newest first
    one = api["checks"][1]
    assert (one["actor"], one["verdict"], one["lon"], one["lat"], one["cell_codes"]) == (
        "planner", "restricted", 120.005, 31.005, ["A"])
    only = client.get("/api/admission/checks?verdict=prohibited").get_json()
    assert [c["number"] for c in only["checks"]] == [f"准入-{YEAR}-000002"]
    assert client.get(f"/api/admission/checks?from={YEAR}-06-15").get_json()["total"] == 0
    assert client.get(f"/api/admission/checks?from={YEAR}-06-14&to={YEAR}-06-14"
                      ).get_json()["total"] == 2
    bad = client.get("/api/admission/checks?verdict=maybe")
    assert bad.status_code == 400 and bad.get_json()["field"] == "verdict"
    assert client.get("/api/admission/checks?from=2030-13-01").get_json()["field"] == "from"

    book = load_workbook(io.BytesIO(client.get("/admission/checks.xlsx?verdict=restricted"
                                               ).data))
    rows = list(book.active.values)
    assert rows[0][:3] == ("编号", "核查时间", "核查人") and len(rows) == 2
    assert rows[1][0] == first["number"] and rows[1][3:6] == ("2614", "有机化学原料制造", "限制")
    text = client.get("/admission/checks.csv").data.decode("utf-8")
    assert text.startswith("\ufeff编号,")
    table = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert len(table) == 3 and table[2][0] == first["number"] and table[2][6] == "120.005"

    sheet = client.get(first["print_url"]).get_data(as_text=True)
    assert first["number"] in sheet and "东经 120°00′18.00″" in sheet
    assert "北纬 31°00′18.00″" in sheet and "120.005000°" in sheet and "EPSG:4326" in sheet
    assert '{"type"' not in sheet  # no raw GeoJSON
    one = client.get(f"/api/admission/checks/{first['number']}").get_json()
    assert one["result"]["verdict"] == "restricted" and one["catalogue_sha256"]
    assert client.get("/admission/checks/准入-2030-000099/print").status_code == 404
    assert client.get("/admission/checks/nonsense/print").status_code == 404


def test_a_polygon_sheet_has_its_vertices_and_area(seeded, database):  # noqa: F811
    client = seeded.test_client()
    site = {"type": "Polygon", "coordinates": [[[120.004, 31.004], [120.006, 31.004],
                                                [120.006, 31.006], [120.004, 31.004]]]}
    out = _check(client, site)
    sheet = client.get(out["print_url"]).get_data(as_text=True)
    table = sheet.split('id="sheet-vertices"')[1].split("</table>")[0]
    assert table.count("<tr><td") == 3  # three corners, the closing one not repeated
    assert "120°00′21.60″" in sheet  # 120.006° E
    # by hand: 0.002° × 0.002° / 2 at 31.005° N: 190.99 m × 221.74 m / 2 = 21 175 m²
    assert "面积 21,17" in sheet


def test_the_register_is_scoped_and_only_for_its_roles(seeded, database):  # noqa: F811
    client = seeded.test_client()
    make_user(database, "admin")
    auth = AuthActions(client)
    auth.login("planner")
    in_a = _check(client)["number"]
    in_b = _check(client, IN_B)["number"]
    # a leader scoped to cell B reads the check in B only; its number elsewhere is 403
    auth.login("b_leader", role="leader", areas=[("cell", "B")])
    listed = client.get("/api/admission/checks").get_json()
    assert [c["number"] for c in listed["checks"]] == [in_b]
    assert client.get(f"/admission/checks/{in_a}/print").status_code == 403
    assert client.get(f"/admission/checks/{in_b}/print").status_code == 200
    auth.login("leader")  # the whole territory
    assert client.get("/api/admission/checks").get_json()["total"] == 2
    auth.login("grid", cells=["A"])
    for url in ("/admission/checks", "/api/admission/checks", "/admission/checks.xlsx",
                "/admission/checks.csv", f"/admission/checks/{in_a}/print"):
        assert client.get(url).status_code == 403, url
    auth.logout()
    assert client.get("/api/admission/checks").status_code == 401
