"""The bulletin's issuing unit and 文号 from their settings (geoapp.reports.issue)."""

from __future__ import annotations

import io

import openpyxl
import pytest

from geoapp.reports.issue import IssueSettingError
from tests.store.test_reports import township  # noqa: F401  (the fixture)
from tests.support.apps import AuthActions, make_app


@pytest.mark.parametrize("key,value", [("BULLETIN_NUMBER", "〔{yaer}〕"),
                                       ("BULLETIN_ISSUER", "{place"),
                                       ("BULLETIN_NUMBER", "{month:s}号")])
def test_a_bad_template_stops_start_up_naming_the_setting(database, key, value):
    with pytest.raises(IssueSettingError) as info:
        make_app(database, **{key: value})
    assert str(info.value).startswith(f"GEOAPP_{key}: ")


def test_configured_issuer_and_number_on_the_print_page_xlsx_and_json(township):  # noqa: F811
    app = make_app(township, BULLETIN_ISSUER="{place}应急管理办公室",
                   BULLETIN_NUMBER="城安办〔{year}〕第{quarter}季度{month:02}号")
    client = app.test_client()
    auth = AuthActions(client)
    auth.login("issue_leader", role="leader")
    try:
        html = client.get("/reports/print?quarter=2026Q1").get_data(as_text=True)
        assert "城安办〔2026〕第1季度03号" in html and "城关镇应急管理办公室" in html
        issue = client.get("/api/reports/bulletin?month=2026-11").get_json()["issue"]
        assert (issue["issuer"], issue["number"]) == ("城关镇应急管理办公室",
                                                      "城安办〔2026〕第4季度11号")
        wb = openpyxl.load_workbook(io.BytesIO(
            client.get("/reports/bulletin.xlsx?month=2026-11").data))
        assert wb["概况"]["A1"].value.endswith("\n城安办〔2026〕第4季度11号")
        foot = [c.value for c in wb["概况"]["A"] if c.value]
        assert "城关镇应急管理办公室" in foot and issue["chinese_date"] == foot[-1]
    finally:
        auth.cleanup()
