"""Quarters, years and ranges in the reports, and 审核 by reviewer, on both backends.

The hand-made township of test_reports.py (its docstring has every hazard);
the expected figures are worked out by hand in the comments. Q1 2026 is
January–March; H1 is accepted at 23:59 Beijing on 31 March (Q1), H2 one
minute later, 00:00 on 1 April (Q2).
"""

from __future__ import annotations

import datetime as dt
import io
import re

import openpyxl
import pytest
import shapely
from click.testing import CliRunner

from geoapp.cli import main
from geoapp.domain import periods
from geoapp.domain.layers import load_rules
from geoapp.reports import bulletin, reviewers, tables
from geoapp.resources import bundled
from geoapp.store.models import Hazard, Point, User
from tests.store.test_reports import _closed_at, _hazard, township, utc  # noqa: F401

D = dt.date
LATE = D(2026, 12, 1)  # a "today" after every period under test
Q1, Q2 = periods.parse_quarter("2026Q1"), periods.parse_quarter("2026Q2")


def _load(database, rules):
    with database.sessions() as s:
        return tables.load(s, rules)


@pytest.fixture
def ds(township, rules):  # noqa: F811
    return _load(township, rules)


def test_a_hazard_closed_on_31_march_counts_in_q1_and_on_1_april_in_q2(ds):
    q1 = tables.areas_total(ds, Q1, LATE)["hazards"]
    q2 = tables.areas_total(ds, Q2, LATE)["hazards"]
    # Q1: found H3, H6, H6b (Feb), H1, H2, H5, H7, H8 (Mar); closed H6, H6b, H1 (31 Mar)
    assert (q1["found"], q1["closed"]) == (8, 3)
    # Q2: nothing found; closed H2 (1 April, 00:00 Beijing)
    assert (q2["found"], q2["closed"]) == (0, 1)
    year = tables.areas_total(ds, periods.parse_year("2026"), LATE)["hazards"]
    assert (year["found"], year["closed"]) == (8, 4)


def test_the_period_end_rule_is_the_same_for_every_kind(ds):
    # at the end of Q1 (31 March) as at the end of March: open 5, overdue 1 (H3)
    q1 = tables.areas_total(ds, Q1, LATE)["hazards"]
    march = tables.areas_total(ds, periods.parse_month("2026-03"), LATE)["hazards"]
    keys = ("open", "overdue", "total", "closed_total", "rectification_rate", "major_open")
    assert {k: q1[k] for k in keys} == {k: march[k] for k in keys}
    assert (q1["open"], q1["overdue"], q1["as_of"]) == (5, 1, "2026-03-31")
    # Q2 over: as of 30 June, H7 (due 30 Apr), H5 (30 Apr), H8 (1 May) overdue too
    q2 = tables.areas_total(ds, Q2, LATE)["hazards"]
    assert (q2["as_of"], q2["open"], q2["overdue"]) == ("2026-06-30", 4, 4)
    # Q2 running on 15 April: "to date", as of that day, like April or 1–15 April
    running = tables.areas_total(ds, Q2, D(2026, 4, 15))["hazards"]
    assert (running["as_of"], running["open"], running["overdue"]) == ("2026-04-15", 4, 1)
    for same in (periods.parse_month("2026-04"), periods.parse_range("2026-04-01",
                                                                     "2026-04-15")):
        other = tables.areas_total(ds, same, D(2026, 4, 15))["hazards"]
        assert {k: other[k] for k in keys} == {k: running[k] for k in keys}
    assert Q2.to_date(D(2026, 4, 15)) and not Q2.to_date(D(2026, 6, 30))


def test_leap_day_2028_is_in_q1(township, rules):  # noqa: F811
    with township.transaction() as s:
        shop = s.query(Point).filter_by(key="SF-QY-2").one()
        # found and accepted on 29 February 2028 (23:00 Beijing = 15:00 UTC)
        _hazard(s, shop, "L1", "general", "inspection", D(2028, 2, 29), D(2028, 3, 15),
                utc(2028, 2, 29, 1), _closed_at(utc(2028, 2, 29, 15)))
    ds = _load(township, rules)
    today = D(2028, 12, 31)
    q1 = tables.areas_total(ds, periods.parse_quarter("2028Q1"), today)["hazards"]
    q2 = tables.areas_total(ds, periods.parse_quarter("2028Q2"), today)["hazards"]
    assert (q1["found"], q1["closed"], q2["found"], q2["closed"]) == (1, 1, 0, 0)
    assert periods.parse_quarter("2028Q1").end == D(2028, 3, 31)
    assert periods.quarter_of(D(2028, 2, 29)).quarter == "2028Q1"


def test_quarter_ranking_against_the_quarter_before(ds):
    r = tables.ranking(ds, Q1, LATE)
    # Q1's end is March's: 南村 2/3, 东村 2/3 with a red cell, 西村 0/2. At Q4 2025's end
    # only 东村 had a hazard: it alone was ranked; 西村 and 南村 were apart, so new now
    assert [(x["name"], x["rank"], x["prev_rank"], x["rank_change"]) for x in r["rows"]] == \
        [("南村", 1, None, None), ("东村", 2, 1, -1), ("西村", 3, None, None)]
    previous = tables.ranking(ds, periods.parse_quarter("2025Q4"), LATE)
    assert [x["name"] for x in previous["rows"]] == ["东村"]
    assert [x["name"] for x in previous["no_hazards"]] == ["西村", "南村"]  # by code V02, V03
    assert r["previous"]["quarter"] == "2025Q4" and r["previous_as_of"] == "2025-12-31"
    assert r["period"]["label"] == "2026年第一季度" and r["month"] is None
    r = tables.ranking(ds, Q2, LATE)
    # 30 June: 南村 2/3 (1 overdue, no red), 东村 2/3 (H8 overdue, red), 西村 1/2
    assert [(x["name"], x["rank"], x["rank_change"], x["rate_change"]) for x in r["rows"]] == \
        [("南村", 1, 0, 0.0), ("东村", 2, 0, 0.0), ("西村", 3, 0, 50.0)]


def test_year_and_range_rankings(ds):
    r = tables.ranking(ds, periods.parse_year("2026"), LATE)
    assert r["previous"]["label"] == "2025年" and r["as_of"] == "2026-12-01"
    assert [x["prev_rank"] for x in r["rows"]] == [None, 1, None]   # 2025's end: 东村 alone
    # 11–20 March against 1–10 March: 10 March 南村 2/2, 东村 1/2, 西村 0/2; 20 March
    # 南村 2/3 (H7 found), 东村 1/2, 西村 0/2
    r = tables.ranking(ds, periods.parse_range("2026-03-11", "2026-03-20"), LATE)
    assert (r["previous"]["from"], r["previous"]["to"]) == ("2026-03-01", "2026-03-10")
    assert [(x["name"], x["rank_change"], x["rate_change"]) for x in r["rows"]] == \
        [("南村", 0, -33.33), ("东村", 0, 0.0), ("西村", 0, 0.0)]


def test_quarterly_bulletin_words_and_previous_quarter(ds):
    data = tables.bulletin(ds, Q1, LATE)
    assert data["words"] == {"bulletin": "季度通报", "this": "本季度", "previous": "上季度",
                             "end": "季末"}
    assert data["previous"]["quarter"] == "2025Q4" and data["previous_total"]["hazards"][
        "found"] == 0
    assert data["trend"]["months"][-1] == "2026-03" and not data["to_date"]
    buffer = io.BytesIO()
    bulletin.write(data, buffer)
    wb = openpyxl.load_workbook(io.BytesIO(buffer.getvalue()))
    assert wb.sheetnames[:4] == ["概况", "排名", "逾期清单", "分行业"]
    summary = wb["概况"]
    assert summary["A1"].value == "城关镇安全生产隐患排查治理季度通报（2026年第一季度）"
    assert [c.value for c in summary[2]][:3] == ["指标", "本季度（2026年第一季度）",
                                                 "上季度（2025年第四季度）"]
    values = {summary.cell(row=r, column=1).value: summary.cell(row=r, column=2).value
              for r in range(3, 30)}
    assert (values["本季度发现隐患"], values["本季度销号"], values["季末逾期"]) == (8, 3, 1)
    assert wb["排名"]["A1"].value == "村（社区）排名（2026年第一季度，与 2025年第四季度 比较）"
    year = tables.bulletin(ds, periods.parse_year("2026"), D(2026, 8, 1))
    assert year["words"]["bulletin"] == "年度总结" and year["to_date"]
    assert year["as_of"] == "2026-08-01" and year["trend"]["months"][-1] == "2026-08"


# ---- 审核 by reviewer --------------------------------------------------------------------


@pytest.fixture
def reviewed(township):  # noqa: F811
    """Decisions by three accounts besides the fixture's "tester" (all of its steps).

    tester: accepts H6 (20 Feb), H6b (5 Mar), H1 (31 Mar), each the day it was submitted;
            H2 on 1 April 00:00, submitted 31 March 23:00 (1 day).
    shen (沈审核): R1 submitted 2 Apr, rejected 5 Apr (3 days), submitted 6 Apr, accepted
            13 Apr (7 days); R3 submitted and accepted 30 Jun 23:00/23:59 Beijing (0 days,
            Q2); R4 the same a minute later, accepted 1 July 00:00 Beijing (1 day, Q3).
    lu (an actor without an account): R2 submitted and accepted 10 Apr (0 days).

    Q2: shen 2 accepted, 1 rejected, median of 3, 7, 0 = 3; lu 1, median 0; tester 1,
    median 1. In all 4 accepted, 1 rejected, median of 3, 7, 0, 0, 1 = 1.
    """
    with township.transaction() as s:
        s.add(User(username="shen", password_hash="x", role="supervisor", display_name="沈审核"))
        rest = s.query(Point).filter_by(key="SF-QY-1").one()

        def steps(code, moves):
            from geoapp.store.hazards import transition

            _hazard(s, rest, code, "general", "inspection", D(2026, 4, 1), D(2026, 9, 30),
                    utc(2026, 4, 1, 1))
            h = s.query(Hazard).filter_by(code=code).one()
            transition(h, "start", "wang", at=utc(2026, 4, 1, 3))
            for action, actor, at in moves:
                transition(h, action, actor, at=at)

        steps("R1", [("submit", "wang", utc(2026, 4, 2, 1)),
                     ("reject", "shen", utc(2026, 4, 5, 2)),
                     ("submit", "wang", utc(2026, 4, 6, 1)),
                     ("accept", "shen", utc(2026, 4, 13, 2))])
        steps("R2", [("submit", "wang", utc(2026, 4, 10, 1)),
                     ("accept", "lu", utc(2026, 4, 10, 8))])
        steps("R3", [("submit", "wang", utc(2026, 6, 30, 15)),
                     ("accept", "shen", utc(2026, 6, 30, 15, 59))])
        steps("R4", [("submit", "wang", utc(2026, 6, 30, 15)),
                     ("accept", "shen", utc(2026, 6, 30, 16, 0))])
    return township


def _report(database, period, today=LATE):
    with database.sessions() as s:
        return reviewers.report(s, tables.load(s, load_rules(bundled("layers"))), period, today)


def test_reviewers_of_a_quarter(reviewed):
    got = _report(reviewed, Q2)
    assert [(r["username"], r["name"], r["accepted"], r["rejected"], r["decisions"],
             r["median_days"]) for r in got["reviewers"]] == [
        ("shen", "沈审核", 2, 1, 3, 3), ("lu", None, 1, 0, 1, 0), ("tester", None, 1, 0, 1, 1)]
    assert got["total"] == {"accepted": 4, "rejected": 1, "decisions": 5, "with_wait": 5,
                            "median_days": 1}
    assert got["as_of"] == "2026-06-30"


def test_reviewers_by_month_year_and_quarter_boundaries(reviewed):
    q1 = _report(reviewed, Q1)
    assert [(r["username"], r["accepted"], r["median_days"]) for r in q1["reviewers"]] == \
        [("tester", 3, 0)]
    q3 = _report(reviewed, periods.parse_quarter("2026Q3"))
    assert [(r["username"], r["accepted"], r["median_days"]) for r in q3["reviewers"]] == \
        [("shen", 1, 1)]                                   # 1 July 00:00 Beijing
    april = _report(reviewed, periods.parse_month("2026-04"))
    assert [(r["username"], r["decisions"]) for r in april["reviewers"]] == \
        [("shen", 2), ("lu", 1), ("tester", 1)]
    assert april["reviewers"][0]["median_days"] == 5      # 3 and 7
    year = _report(reviewed, periods.parse_year("2026"))
    assert year["total"]["decisions"] == 9 and year["total"]["median_days"] == 0
    # while April runs (today 9 April) only what was decided by then
    running = _report(reviewed, periods.parse_month("2026-04"), D(2026, 4, 9))
    assert [(r["username"], r["rejected"]) for r in running["reviewers"]] == \
        [("shen", 1), ("tester", 0)]


def test_bulletin_has_a_reviewer_sheet(reviewed, rules):
    ds = _load(reviewed, rules)
    buffer = io.BytesIO()
    bulletin.write(tables.bulletin(ds, Q2, LATE), buffer, reviewers=_report(reviewed, Q2))
    wb = openpyxl.load_workbook(io.BytesIO(buffer.getvalue()))
    sheet = wb["审核"]
    assert sheet["A1"].value == "隐患验收审核情况（2026年第二季度，截至 2026-06-30）"
    rows = [[c.value for c in row][:6] for row in sheet.iter_rows(min_row=3, max_row=6)]
    assert rows == [["沈审核", "shen", 2, 1, 3, 3], ["lu", "lu", 1, 0, 1, 0],
                    ["tester", "tester", 1, 0, 1, 1], ["合计", None, 4, 1, 5, 1]]


# ---- the CLI ------------------------------------------------------------------------------


def test_cli_writes_a_quarterly_bulletin(reviewed, tmp_path, monkeypatch):
    monkeypatch.setenv("GEOAPP_DATABASE_URL", reviewed.url)
    out = tmp_path / "季度通报.xlsx"
    ok = CliRunner().invoke(main, ["report", "bulletin", "--quarter", "2026Q2", "--out",
                                   str(out)])
    assert ok.exit_code == 0, ok.output
    assert "2026年第二季度" in ok.output
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames[:9] == ["概况", "排名", "逾期清单", "分行业", "分部门", "巡查", "延期",
                                 "督办措施", "审核"]
    # the title, then the 文号 (default template, numbered by the quarter's last month)
    assert wb["概况"]["A1"].value == ("城关镇安全生产隐患排查治理季度通报（2026年第二季度）\n"
                                     "安委办通报〔2026〕6号")
    foot = [c.value for c in wb["概况"]["A"] if c.value][-2:]
    assert foot[0] == "城关镇安全生产委员会办公室" and re.fullmatch(r"\d{4}年\d+月\d+日", foot[1])
    assert wb["审核"]["B3"].value == "shen"
    ok = CliRunner().invoke(main, ["report", "bulletin", "--year", "2026", "--out", str(out)])
    assert ok.exit_code == 0 and "年度总结" in openpyxl.load_workbook(out)["概况"]["A1"].value


@pytest.mark.parametrize("args,param", [
    (["--quarter", "2026Q5"], "quarter"), (["--year", "abc"], "year"),
    (["--month", "2026-03", "--quarter", "2026Q1"], "month"), (["--quarter", "2999Q1"], "quarter"),
    (["--to", "2026-03-31"], "from"), ([], "month"),
])
def test_cli_refuses_bad_periods_naming_them(reviewed, tmp_path, monkeypatch, args, param):
    monkeypatch.setenv("GEOAPP_DATABASE_URL", reviewed.url)
    out = tmp_path / "x.xlsx"
    result = CliRunner().invoke(main, ["report", "bulletin", *args, "--out", str(out)])
    assert result.exit_code != 0 and result.output.startswith(f"{param}:"), result.output
    assert not out.exists()


def test_a_village_without_hazards_is_listed_apart_in_every_kind_of_ranking(
        township, rules):  # noqa: F811
    # no hazards is not ranked (it counted as 100 % and led every ranking): it is listed
    # apart, at both ends of every kind of period
    import sqlalchemy as sa

    from geoapp.store.models import Cell, Town, Village

    with township.transaction() as s:
        town = s.scalar(sa.select(Town))  # the township's own: one town, its villages ranked
        s.add(Cell(code="C51", name="新村网格", geom=shapely.MultiPolygon(
            [shapely.box(7, 0, 8, 1)]), village=Village(town=town, name="北村", code="V00")))
    ds = _load(township, rules)
    for period in (Q1, periods.parse_year("2026"), periods.parse_range("2026-03-01",
                                                                       "2026-03-31")):
        ranked = tables.ranking(ds, period, LATE)
        assert "北村" not in [r["name"] for r in ranked["rows"]], period
        assert [r["name"] for r in ranked["no_hazards"]] == ["北村"], period
        assert [r["rank"] for r in ranked["rows"]] == list(range(1, len(ranked["rows"]) + 1))
