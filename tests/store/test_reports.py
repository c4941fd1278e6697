"""The leaders' reports on real databases (SQLite and PostGIS): figures, ranking, bulletin.

A hand-made township whose hazards move through the workflow at known
instants; March 2026 is the month under test. Every expected figure is
worked out by hand in the comments of ``township``.
"""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
import shapely
from click.testing import CliRunner

from geoapp.cli import main
from geoapp.domain import periods, ranks, timeline
from geoapp.reports import tables
from geoapp.store.hazards import record, transition
from geoapp.store.models import Cell, Hazard, HazardEvent, Point, Town, Village

D = dt.date
MARCH = periods.parse_month("2026-03")
EVIL_NAME = '=HYPERLINK("http://example.invalid","点我")'


def utc(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.UTC)


def _hazard(s, point, code, level, source, found, deadline, created, moves=(), **extra):
    """A hazard created at ``created`` and moved through ``moves`` [(action, instant)]."""
    extra.setdefault("description", f"隐患{code}")
    h = Hazard(code=code, point=point, level=level, source=source, found_on=found,
               deadline=deadline, state="open", **extra)
    s.add(h)
    record(h, "tester", "create", at=created)
    for action, at in moves:
        transition(h, action, "tester", at=at)
    return h


CLOSE = ("start", "submit", "accept")


def _closed_at(at):
    return [(a, at - dt.timedelta(hours=2 - i)) for i, a in enumerate(CLOSE)]  # accept at `at`


@pytest.fixture
def township(database):
    """Three villages, four cells' worth of points, ten hazards.

    East 东村 (V01, cell C11): enterprise E (C26, yellow; named like a formula)
      H1 major, listed, found 2 Mar, due 20 Mar, accepted 31 Mar 23:59 Beijing → closed March
      H4 major, found 2023 (stock), imported closed on 2024-05-10 (import event in March 2026)
      H8 major, found 25 Mar, due 1 May, open → C11 red at March's end
    West 西村 (V02, cell C21): confined space of E (C26 via its owner), idle site (no industry)
      H2 general, found 10 Mar, due 31 Mar, accepted 1 Apr 00:00 Beijing → closed April
      H3 general, found 1 Feb, due 28 Feb, open → overdue at March's end (31 days)
    South 南村 (V03, cell C31): restaurant R (H62)
      H6 found 10 Feb, closed 20 Feb; H6b found 12 Feb, closed 5 Mar; H7 found 20 Mar, open
    Outside every cell: shop S (F52): H5 found 15 Mar, due 30 Apr, open

    March's end: 东村 2/3, 0 overdue, 1 red cell; 南村 2/3, 0 overdue, 0 red; 西村 0/2, 1
    overdue → 南村 1, 东村 2, 西村 3. February's end: 东村 1/1, 南村 1/2, 西村 0/1 →
    东村 1, 南村 2, 西村 3.
    """
    with database.transaction() as s:
        town = Town(name="城关镇")
        east = Village(town=town, name="东村", code="V01")
        west = Village(town=town, name="西村", code="V02")
        south = Village(town=town, name="南村", code="V03")
        box = lambda x: shapely.MultiPolygon([shapely.box(x, 0, x + 1, 1)])  # noqa: E731
        s.add_all([
            Cell(code="C11", name="东村一网格", village=east, geom=box(0),
                 members=[{"name": "张三", "phone": "13800000001"}], supervisor="李四"),
            Cell(code="C21", name="西村一网格", village=west, geom=box(1),
                 members=[{"name": "王五"}, {"name": "钱七"}], supervisor="赵六"),
            Cell(code="C31", name="南村一网格", village=south, geom=box(2), risk_level="blue"),
        ])
        pt = lambda **kw: Point(geom=shapely.Point(0.5, 0.5), **kw)  # noqa: E731
        ent = pt(layer="enterprise", key="91320205MA00000010", name=EVIL_NAME,
                 cell_code="C11", industry="2614", inherent_level="yellow", risk_level="red")
        space = pt(layer="confined_space", key="YX-1", name="污水池", cell_code="C21",
                   inherent_level="orange", risk_level="orange",
                   attrs={"enterprise_uscc": "91320205MA00000010"})
        idle = pt(layer="idle_site", key="XZ-1", name="闲置厂房", cell_code="C21",
                  inherent_level="blue", risk_level="blue")
        rest = pt(layer="enterprise", key="SF-QY-1", name="饭店", cell_code="C31",
                  industry="6210", inherent_level="blue", risk_level="blue")
        shop = pt(layer="enterprise", key="SF-QY-2", name="小超市", cell_code=None, outside=True,
                  nearest_cell_code="C31", industry="5261", inherent_level="blue",
                  risk_level="blue")
        s.add_all([ent, space, idle, rest, shop])
        _hazard(s, ent, "H1", "major", "inspection", D(2026, 3, 2), D(2026, 3, 20),
                utc(2026, 3, 2, 1), _closed_at(utc(2026, 3, 31, 15, 59)), listed=True,
                responsible_person="孙八")
        stock = Hazard(code="H4", point=ent, level="major", source="inspection",
                       description="存量", found_on=D(2023, 6, 1), deadline=D(2023, 12, 31),
                       state="closed", closed_on=D(2024, 5, 10))
        s.add(stock)
        record(stock, "台账导入", "import", "台账导入", at=utc(2026, 3, 1, 0))
        _hazard(s, ent, "H8", "major", "self_check", D(2026, 3, 25), D(2026, 5, 1),
                utc(2026, 3, 25, 1))
        _hazard(s, space, "H2", "general", "self_check", D(2026, 3, 10), D(2026, 3, 31),
                utc(2026, 3, 10, 1), _closed_at(utc(2026, 3, 31, 16, 0)))
        _hazard(s, idle, "H3", "general", "public_report", D(2026, 2, 1), D(2026, 2, 28),
                utc(2026, 2, 1, 1), responsible_unit="某物业", responsible_person="+86 王",
                description="@SUM(A1)")
        _hazard(s, rest, "H6", "general", "inspection", D(2026, 2, 10), D(2026, 2, 28),
                utc(2026, 2, 10, 1), _closed_at(utc(2026, 2, 20, 6)))
        _hazard(s, rest, "H6b", "general", "inspection", D(2026, 2, 12), D(2026, 3, 31),
                utc(2026, 2, 12, 1), _closed_at(utc(2026, 3, 5, 6)))
        _hazard(s, rest, "H7", "general", "self_check", D(2026, 3, 20), D(2026, 4, 30),
                utc(2026, 3, 20, 1))
        _hazard(s, shop, "H5", "general", "public_report", D(2026, 3, 15), D(2026, 4, 30),
                utc(2026, 3, 15, 1))
    return database


@pytest.fixture
def ds(township, rules):
    with township.sessions() as s:
        return tables.load(s, rules)


def test_close_instants_read_back_as_local_dates(township):
    with township.sessions() as s:
        closed = {h.code: h.closed_on for h in s.query(Hazard).filter(Hazard.state == "closed")}
    assert closed["H1"] == D(2026, 3, 31)     # 23:59 Beijing on the last day: March
    assert closed["H2"] == D(2026, 4, 1)      # one minute later: April


def test_territory_figures_for_march(ds):
    f = tables.areas_total(ds, MARCH, D(2026, 12, 1))["hazards"]
    assert (f["found"], f["closed"], f["open"], f["overdue"]) == (5, 2, 5, 1)
    assert (f["total"], f["closed_total"], f["rectification_rate"]) == (9, 4, 0.4444)
    assert f["avg_days_to_close"] == 25.0      # H1 29 days, H6b 21 days
    assert f["major_open"] == 1
    assert f["by_level"]["major"] == {"found": 2, "closed": 1, "open": 1, "overdue": 0}
    assert f["by_source"]["public_report"] == {"found": 1, "closed": 0, "open": 2, "overdue": 1}
    assert {k: f["listed"][k] for k in ("listed", "delisted", "open")} == \
        f["listed"]["by_level"]["major"] == {"listed": 1, "delisted": 1, "open": 0}
    assert f["zeroing"]["major"] == {"stock_open": 0, "increment_year": {"found": 2, "closed": 1}}


def test_month_boundaries_in_the_configured_time_zone(ds):
    today = D(2026, 12, 1)
    march = tables.areas_total(ds, MARCH, today)["hazards"]
    april = tables.areas_total(ds, periods.parse_month("2026-04"), today)["hazards"]
    closed_in = {m: [r.info["code"] for r in ds.records if timeline.close_day_in(r, p)]
                 for m, p in (("3", MARCH), ("4", periods.parse_month("2026-04")))}
    assert sorted(closed_in["3"]) == ["H1", "H6b"] and closed_in["4"] == ["H2"]
    assert (march["closed"], april["closed"]) == (2, 1)


def test_areas_by_village_with_the_outside_row(ds):
    a = tables.areas(ds, MARCH, D(2026, 12, 1))
    v = {row["name"]: row for row in a["villages"]}
    assert [row["name"] for row in a["villages"]] == ["东村", "西村", "南村"]
    east, west, south = v["东村"]["hazards"], v["西村"]["hazards"], v["南村"]["hazards"]
    assert (east["found"], east["closed"], east["open"], east["total"]) == (2, 1, 1, 3)
    assert (west["found"], west["open"], west["overdue"], west["rectification_rate"]) == \
        (1, 2, 1, 0.0)
    assert (south["closed"], south["open"], south["rectification_rate"]) == (1, 1, 0.6667)
    assert v["东村"]["red_cells"] == 1 and v["西村"]["red_cells"] == 0
    assert v["西村"]["points"]["confined_space"]["orange"] == 1
    assert a["outside"]["hazards"]["open"] == 1 and a["outside"]["points"]["total"] == 1
    assert a["towns"][0]["hazards"]["total"] == 8           # the outside hazard is not in a town
    assert a["total"]["hazards"]["total"] == 9 and a["total"]["points"]["total"] == 5
    assert {c["code"]: c["risk_level"] for c in a["cells"]} == \
        {"C11": "red", "C21": "orange", "C31": "blue"}


def test_cell_levels_follow_history(ds):
    assert tables.cell_levels(ds, D(2026, 3, 1))["C11"] == "yellow"   # no major found yet
    assert tables.cell_levels(ds, D(2026, 3, 2))["C11"] == "red"      # H1 open
    assert tables.cell_levels(ds, D(2026, 3, 2))["C21"] == "orange"


def test_cell_levels_from_given_point_levels(ds):
    """The per-point path (levels given) agrees with the vectorised one and the area rule."""
    from geoapp.reports import pastlevels

    for day in (D(2026, 3, 1), D(2026, 3, 2)):
        given = pastlevels.cell_levels(ds, day, pastlevels.point_levels(ds, day))
        assert given == pastlevels.cell_levels(ds, day)
    assert given["C11"] == "red" and given["C21"] == "orange"
    # levels by hand ("max" area rule, layers/risk.toml): every point blue but one
    # point of C31 red, one of C21 yellow; a point outside every cell counts nowhere
    in_c31 = next(p.id for p in ds.points if p.cell_code == "C31")
    in_c21 = next(p.id for p in ds.points if p.cell_code == "C21")
    levels = {p.id: "blue" for p in ds.points} | {in_c31: "red", in_c21: "yellow"}
    outside = [p.id for p in ds.points if p.cell_code is None]
    levels |= dict.fromkeys(outside, "red")
    assert pastlevels.cell_levels(ds, D(2026, 3, 2), levels) == {
        "C11": "blue", "C21": "yellow", "C31": "red"}


def test_points_per_level_are_those_at_the_period_end(township, rules):
    # 饭店 (blue) had a major hazard open from 5 February to 3 March: red for February's
    # end, blue today (its stored level is today's; February's must not be)
    with township.transaction() as s:
        rest = s.query(Point).filter_by(key="SF-QY-1").one()
        _hazard(s, rest, "H9", "major", "inspection", D(2026, 2, 5), D(2026, 3, 31),
                utc(2026, 2, 5, 1), _closed_at(utc(2026, 3, 3, 6)))
    with township.sessions() as s:
        ds = tables.load(s, rules)
    today = D(2026, 12, 1)
    feb = tables.areas(ds, periods.parse_month("2026-02"), today)
    now = tables.areas(ds, periods.parse_month("2026-12"), today)
    south_feb = {v["name"]: v for v in feb["villages"]}["南村"]["points"]["enterprise"]
    south_now = {v["name"]: v for v in now["villages"]}["南村"]["points"]["enterprise"]
    assert (south_feb["red"], south_feb["blue"]) == (1, 0)
    assert (south_now["red"], south_now["blue"]) == (0, 1)
    # territory: E is yellow in February (H1 came in March), red today (H8 open)
    assert feb["total"]["points"]["enterprise"] == {"red": 1, "orange": 0, "yellow": 1,
                                                    "blue": 1, "total": 3}
    assert now["total"]["points"]["enterprise"] == {"red": 1, "orange": 0, "yellow": 0,
                                                    "blue": 2, "total": 3}
    assert tables.areas_total(ds, periods.parse_month("2026-02"), today)["points"] == \
        feb["total"]["points"]
    assert {c["code"]: c["risk_level"] for c in feb["cells"]}["C31"] == "red"
    inds = {r["name"]: r for r in tables.industries(ds, periods.parse_month("2026-02"), today)
            ["industries"]}
    assert inds["H62 餐饮业"]["points"]["enterprise"]["red"] == 1


def test_backdated_events_are_read_in_date_order(township, rules):
    # a step entered late (higher id) but dated earlier: the history goes by date
    with township.transaction() as s:
        h = s.query(Hazard).filter_by(code="H7").one()           # found 20 Mar, open
        h.events.append(HazardEvent(at=utc(2026, 3, 28, 2), actor="t", action="submit",
                                    from_state="rectifying", to_state="awaiting_acceptance"))
        s.flush()
        h.events.append(HazardEvent(at=utc(2026, 3, 22, 2), actor="t", action="start",
                                    from_state="open", to_state="rectifying", note="补录"))
        h.state = "awaiting_acceptance"
    with township.sessions() as s:
        ds = tables.load(s, rules)
    h7 = next(r for r in ds.records if r.info["code"] == "H7")
    assert [timeline.state_on(h7, D(2026, 3, d)) for d in (21, 25, 30)] == \
        ["open", "rectifying", "awaiting_acceptance"]


def test_villages_of_one_name_in_two_towns_are_kept_apart(township, rules):
    with township.transaction() as s:
        other = Village(town=Town(name="新镇"), name="东村", code="W01")
        nocode = Village(town=other.town, name="北村")
        s.add_all([other, nocode, Cell(code="C41", name="新镇东村网格", village=other,
                                       geom=shapely.MultiPolygon([shapely.box(5, 0, 6, 1)]))])
    with township.sessions() as s:
        ds = tables.load(s, rules)
    assert tables.find_village(ds, "东村") is None            # two of them: neither
    assert tables.find_village(ds, "W01")["town"] == "新镇"
    assert tables.find_village(ds, "V01")["town"] == "城关镇"
    north = tables.find_village(ds, "北村")
    assert tables.village_key(north) == f"id:{north['id']}"
    assert tables.find_village(ds, f"id:{north['id']}") == north
    cells = tables.ranking(ds, MARCH, D(2026, 12, 1), tables.find_village(ds, "W01"))
    # its one cell has no hazard: listed apart, not ranked
    assert cells["rows"] == [] and [x["code"] for x in cells["no_hazards"]] == ["C41"]
    a = tables.areas(ds, MARCH, D(2026, 12, 1))
    ids = {c["code"]: c["village_id"] for c in a["cells"]}
    assert ids["C41"] != ids["C11"]


def test_industries(ds):
    rows = tables.industries(ds, MARCH, D(2026, 12, 1))["industries"]
    assert [r["name"] for r in rows] == ["C26 化学原料和化学制品制造业", "F52 零售业",
                                         "H62 餐饮业", "未分类"]
    c26 = rows[0]["hazards"]   # H1, H4, H8 at E and H2 at E's confined space
    assert (c26["total"], c26["found"], c26["closed"], c26["open"]) == (4, 3, 1, 2)
    assert rows[0]["points"]["total"] == 2 and rows[3]["hazards"]["overdue"] == 1


def test_ranking_with_the_tie_rule_and_last_month(ds):
    r = tables.ranking(ds, MARCH, D(2026, 12, 1))
    got = [(x["name"], x["rank"], x["prev_rank"], x["rank_change"]) for x in r["rows"]]
    # 东村 and 南村 tie on 2/3 and 0 overdue: 南村 has no red cell
    assert got == [("南村", 1, 2, 1), ("东村", 2, 1, -1), ("西村", 3, 3, 0)]
    assert r["rows"][0]["rate_change"] == 16.67      # 南村 1/2 → 2/3
    assert r["tie_rule"] == ranks.TIE_RULE and r["previous_month"] == "2026-02"
    cells = tables.ranking(ds, MARCH, D(2026, 12, 1), tables.find_village(ds, "V01"))
    assert [(x["code"], x["risk_level"]) for x in cells["rows"]] == [("C11", "red")]


def test_trend_and_overdue_list(ds):
    t = tables.trend(ds, MARCH, D(2026, 12, 1), count=3)
    assert t == {"months": ["2026-01", "2026-02", "2026-03"], "major_open": [0, 0, 1],
                 "major_overdue": [0, 0, 0], "open": [0, 2, 5]}
    overdue = tables.overdue_list(ds, D(2026, 3, 31))
    assert [(o["code"], o["days_overdue"], o["village"], o["members"], o["supervisor"],
             o["responsible_person"]) for o in overdue] == \
        [("H3", 31, "西村", "王五、钱七", "赵六", "+86 王")]


# ---- the bulletin workbook -----------------------------------------------------------------


def _workbook(ds, month=MARCH):
    from geoapp.reports import bulletin

    buffer = io.BytesIO()
    bulletin.write(tables.bulletin(ds, month, D(2026, 12, 1)), buffer)
    buffer.seek(0)
    return openpyxl.load_workbook(buffer)


def test_bulletin_sheets_headers_and_widths(ds):
    wb = _workbook(ds)
    # 分部门: the departments ranked (三管三必须, tests/web/test_departments.py has its figures)
    assert wb.sheetnames == ["概况", "排名", "逾期清单", "分行业", "分部门"]
    assert wb["分部门"]["A1"].value.startswith("分部门统计及排名（")
    assert [c.value for c in wb["分部门"][2]][:2] == ["排名", "行业主管部门"]
    # the industries' hazards on 分行业, under a heading each (not a sheet each)
    headings = [c.value for c in wb["分行业"]["A"] if c.value and "条）" in str(c.value)]
    assert [h.split("（")[0] for h in headings] == [
        "C26 化学原料和化学制品制造业", "F52 零售业", "H62 餐饮业", "未分类"]
    for ws in wb.worksheets:
        assert ws.freeze_panes == "A3", ws.title
        assert ws["A2"].font.b, ws.title
        widths = [d.width for d in ws.column_dimensions.values() if d.width]
        assert len(widths) >= 5 and min(widths) >= 6 and max(widths) > 10, ws.title
    rank = wb["排名"]
    assert [rank.cell(row=r, column=4).value for r in (3, 4, 5)] == ["南村", "东村", "西村"]
    assert "排名规则" in rank.cell(row=7, column=1).value
    summary = wb["概况"]
    values = {summary.cell(row=r, column=1).value: summary.cell(row=r, column=2).value
              for r in range(3, 20)}
    assert values["本月发现隐患"] == 5 and values["月末逾期"] == 1
    assert values["整改率"] == 0.4444
    assert summary["B11"].number_format == "0.0%"
    labels = [summary.cell(row=r, column=1).value for r in range(3, 30)]
    i = labels.index("挂牌督办：本月新挂牌")
    assert [(summary.cell(row=r, column=1).value, summary.cell(row=r, column=2).value)
            for r in range(i + 3, i + 9)] == [
        ("挂牌督办：本月新挂牌", 1), ("  其中重大事故隐患", 1), ("挂牌督办：本月摘牌销号", 1),
        ("  其中重大事故隐患", 1), ("挂牌督办：月末在督", 0), ("  其中重大事故隐患", 0)]
    overdue = wb["逾期清单"]
    assert [c.value for c in overdue[3]][:3] == ["H3", "西村", "西村一网格"]


def test_bulletin_strings_never_become_formulas(ds):
    wb = _workbook(ds)
    found = {}
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str) and cell.value[:1] in "=+-@":
                    found[cell.value] = cell
    for text in (EVIL_NAME, "+86 王", "@SUM(A1)"):
        assert found[text].data_type == "s" and found[text].quotePrefix, text


def test_control_characters_in_text_become_a_replacement_character(township, rules,
                                                                   tmp_path, monkeypatch):
    # XML cannot hold "\x0b": openpyxl raised IllegalCharacterError and the bulletin was lost
    with township.transaction() as s:
        s.query(Hazard).filter_by(code="H3").one().description = "管道\x0b锈蚀\x07"
        s.query(Village).filter_by(code="V02").one().name = "西\x01村"
    with township.sessions() as s:
        ds = tables.load(s, rules)
    wb = _workbook(ds)
    assert [c.value for c in wb["逾期清单"][3]][:5] == \
        ["H3", "西\ufffd村", "西村一网格", "闲置厂房", "管道\ufffd锈蚀\ufffd"]
    monkeypatch.setenv("GEOAPP_DATABASE_URL", township.url)
    out = tmp_path / "b.xlsx"
    ok = CliRunner().invoke(main, ["report", "bulletin", "--month", "2026-03", "--out", str(out)])
    assert ok.exit_code == 0, ok.output
    texts = {c.value for ws in openpyxl.load_workbook(out).worksheets
             for row in ws.iter_rows() for c in row}
    assert "管道\ufffd锈蚀\ufffd" in texts
    assert "红黑榜" in openpyxl.load_workbook(out).sheetnames  # layers/standing.toml's lists


def test_cli_checks_the_month_before_reading_the_database(tmp_path, monkeypatch):
    db_file = tmp_path / "never.db"
    monkeypatch.setenv("GEOAPP_DATABASE_URL", f"sqlite:///{db_file}")
    result = CliRunner().invoke(main, ["report", "bulletin", "--month", "2026-13",
                                       "--out", str(tmp_path / "x.xlsx")])
    assert result.exit_code != 0 and "month" in result.output
    assert "database" not in result.output and not db_file.exists()


def test_cli_writes_the_bulletin_and_refuses_bad_months(township, tmp_path, monkeypatch):
    monkeypatch.setenv("GEOAPP_DATABASE_URL", township.url)
    out = tmp_path / "月通报.xlsx"
    ok = CliRunner().invoke(main, ["report", "bulletin", "--month", "2026-03", "--out", str(out)])
    assert ok.exit_code == 0, ok.output
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames[:8] == ["概况", "排名", "逾期清单", "分行业", "分部门", "巡查", "延期",
                                 "督办措施"]
    assert wb["督办措施"]["A1"].value == "逾期隐患已采取的督办措施（截至 2026-03-31）"
    assert wb["巡查"]["A1"].value == "村（社区）巡查覆盖率排名（2026-03-01 至 2026-03-31）"
    assert wb["延期"]["A1"].value == "隐患整改延期（2026-03-01 至 2026-03-31）"
    for bad in ("2026-13", "03-2026", "2999-01"):
        result = CliRunner().invoke(main, ["report", "bulletin", "--month", bad,
                                           "--out", str(tmp_path / "x.xlsx")])
        assert result.exit_code != 0 and "month" in result.output, bad
        assert not (tmp_path / "x.xlsx").exists()
