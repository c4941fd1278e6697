"""红黑榜 over the web on the demo, on both backends: /api/standing, /standing, its filter
and XLSX export, the bulletin's 红黑榜 sheet, the enterprise page's standing, who may read."""

from __future__ import annotations

import io

import pandas as pd
from openpyxl import load_workbook

from geoapp.resources import bundled
from tests.support.constants import TODAY

LEDGER = pd.read_excel(bundled("data") / "enterprises.xlsx", dtype=str, engine="calamine")


def _names(rows):
    return {e["name"] for e in rows}


def test_lists_on_the_demo(demo_client):
    data = demo_client.get("/api/standing").get_json()
    # every enterprise of the demo ledger is judged, each on one list at most
    assert data["enterprises"] == len(LEDGER) and data["as_of"] == TODAY.isoformat()
    assert data["black"] and data["red"]
    assert not _names(data["black"]) & _names(data["red"])
    # the two closed enterprises had a hazard found after their closing date (死灰复燃)
    closed = set(LEDGER.loc[LEDGER["经营状态"] == "已关闭取缔", "企业名称"])
    assert len(closed) == 2
    revived = {e["name"] for e in data["black"] if "revived" in {r["key"] for r in e["reasons"]}}
    assert closed <= revived
    for e in data["red"]:  # every red rule holds, read back from the ledger
        assert [r["key"] for r in e["reasons"]] == ["operating", "standardised", "no_overdue",
                                                    "insured"]
        row = LEDGER.loc[LEDGER["企业名称"] == e["name"]].iloc[0]
        assert row["安全生产标准化等级"] in ("一级", "二级") and row["安责险投保"] == "是"
        assert e["attrs"]["standardisation"] == row["安全生产标准化等级"]
    majors = [e for e in data["black"] if e["reasons"][0]["key"] == "major_overdue"]
    assert majors and all(r["detail"].startswith("YH") for e in majors for r in e["reasons"][:1])


def test_filter_by_town_and_village(demo_client):
    whole = demo_client.get("/api/standing").get_json()
    town = whole["black"][0]["town"]
    data = demo_client.get("/api/standing", query_string={"town": town}).get_json()
    assert {e["town"] for e in data["black"] + data["red"]} == {town}
    assert data["enterprises"] < whole["enterprises"]
    assert len(data["black"]) == sum(e["town"] == town for e in whole["black"])
    village = whole["red"][0]["village"]
    data = demo_client.get("/api/standing", query_string={"village": village}).get_json()
    assert {e["village"] for e in data["black"] + data["red"]} == {village}
    assert village in {v for a in data["areas"] for v in a["villages"]}
    assert demo_client.get("/api/standing?date=2026-02-30").status_code == 400


def test_page_and_export(demo_client):
    data = demo_client.get("/api/standing").get_json()
    html = demo_client.get("/standing").get_data(as_text=True)
    assert "安全生产红黑榜" in html and 'id="black-list"' in html and 'id="red-list"' in html
    assert html.count('data-rule="revived"') >= 2 and "本地政策" in html
    response = demo_client.get("/standing.xlsx")
    assert response.status_code == 200
    ws = load_workbook(io.BytesIO(response.data))["红黑榜"]
    names = [ws.cell(row=r, column=2).value for r in range(1, ws.max_row + 1)]
    assert set(names) >= _names(data["black"]) | _names(data["red"])
    assert str(ws.cell(row=1, column=1).value).startswith("安全生产黑榜")
    # the bulletin has the section, as at the end of its month
    book = load_workbook(io.BytesIO(demo_client.get("/reports/bulletin.xlsx?month=2026-11").data))
    sheet = book["红黑榜"]
    assert "截至 2026-11-30" in sheet.cell(row=1, column=1).value
    assert "/standing" in demo_client.get("/reports").get_data(as_text=True)


def test_enterprise_page_and_roles(demo_client, demo_auth):
    data = demo_client.get("/api/standing").get_json()
    closed = next(e for e in data["black"] if e["attrs"].get("status") == "已关闭取缔")
    demo_auth.login("ent-standing", role="enterprise", enterprise=closed["key"])
    assert demo_client.get("/api/standing").status_code == 403
    own = demo_client.get("/api/enterprise").get_json()["standing"]
    assert own["list"] == "black" and own["reasons"][0]["key"] == "revived"
    assert {"name": "status", "label": "经营状态", "value": "已关闭取缔"} in own["profile"]
    assert "已关闭取缔" in demo_client.get("/enterprise").get_data(as_text=True)
    demo_auth.login("grid-standing", role="grid", cells=[closed["cell"]])
    assert demo_client.get("/api/standing").status_code == 200


def test_status_fields_in_the_popup_and_the_cell_page(demo_client):
    data = demo_client.get("/api/standing").get_json()
    red = data["red"][0]
    fields = {f["label"]: f["value"] for f in demo_client.get(
        f"/api/map/points/{red['id']}").get_json()["properties"]["fields"]}
    assert fields["经营状态"] == "正常生产" and fields["安责险投保"] == "是"
    assert fields["安全生产标准化等级"] == red["attrs"]["standardisation"]
    # the cell page lists its points with their ledger fields and the layer's labels
    cell = demo_client.get(f"/api/cells/{red['cell']}").get_json()
    point = next(f for f in cell["points"]["features"] if f["id"] == red["id"])
    attrs = point["properties"]["attrs"]
    assert attrs["insured"] is True and attrs["status"] == "正常生产"
