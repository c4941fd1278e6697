"""Visits (巡查) on the leader's map and in the reports, on a small hand-made territory.

Today is pinned (tests.support.constants.TODAY, 2030-06-14, Asia/Shanghai). The
fixture's points and what each is on that day (idle sites: every 7 days, shown
as due 1 day ahead; confined spaces and enterprises: every 30 days, 5 ahead):

    cell  village point  last visit                           status today
    A     东村    I1     never                                overdue
    A     东村    I2     visits 06-04 (li), 06-11 (wang)      visited (due 06-18)
    B     东村    I3     ledger 最近检查日期 06-08             due (06-15)
    B     东村    E1     visit 05-05 (li)                     overdue (since 06-04)
    C     西村    C1     visit 05-18 (wang)                   due (06-17)
    C     西村    C2     stored 06-04; visit 06-01 00:30 local visited (07-04)
    D     南村    I4     never                                overdue
    D     南村    I5     visit 06-12 (zhao)                   visited (06-19)
    —     —       C3     never, outside every cell            overdue

C2's visit at 00:30 on 1 June Beijing time is 31 May in UTC: it counts in June.
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
import shapely
import sqlalchemy as sa

from geoapp.store import assignment
from geoapp.store.fingerprint import data_fingerprint
from geoapp.store.reads import visit_data
from tests.support.apps import make_user
from tests.support.constants import TODAY

SHANGHAI = ZoneInfo("Asia/Shanghai")


def _at(month: int, day: int, hour: int = 9, minute: int = 0) -> dt.datetime:
    return dt.datetime(2030, month, day, hour, minute, tzinfo=SHANGHAI)


def build_territory(database, rules) -> dict[str, int]:
    """The fixture above; returns point ids by key."""
    from geoapp.store.models import Cell, Inspection, Point, Town, Village

    with database.transaction() as s:
        town = Town(name="示范镇")
        east = Village(town=town, name="东村", code="V1")
        west = Village(town=town, name="西村", code="V2")
        south = Village(town=town, name="南村", code="V3")
        for i, (code, village) in enumerate((("A", east), ("B", east), ("C", west),
                                             ("D", south))):
            s.add(Cell(code=code, name=f"{code}网格", village=village,
                       geom=shapely.MultiPolygon([shapely.box(120 + i * .01, 31,
                                                              120.01 + i * .01, 31.01)])))

        def point(key, layer, x, **kw):
            p = Point(layer=layer, key=key, name=f"{key}（虚构）",
                      geom=shapely.Point(x, 31.005), attrs=kw.pop("attrs", {}), **kw)
            s.add(p)
            return p

        points = {
            "I1": point("I1", "idle_site", 120.002),
            "I2": point("I2", "idle_site", 120.006),
            "I3": point("I3", "idle_site", 120.012, attrs={"last_inspection": "2030-06-08"}),
            "E1": point("E1", "enterprise", 120.016, attrs={"industry": "5261"}),
            "C1": point("C1", "confined_space", 120.022),
            "C2": point("C2", "confined_space", 120.026, last_visit_on=dt.date(2030, 6, 4)),
            "I4": point("I4", "idle_site", 120.032),
            "I5": point("I5", "idle_site", 120.036),
            "C3": point("C3", "confined_space", 120.05),
        }
        s.flush()
        for key, at, who, name in (("I2", _at(6, 4), "li", "李四"),
                                   ("I2", _at(6, 11), "wang", "王五"),
                                   ("C1", _at(5, 18), "wang", "王五"),
                                   ("E1", _at(5, 5), "li", "李四"),
                                   ("C2", _at(6, 1, 0, 30), "wang", "王五"),
                                   ("I5", _at(6, 12, 15), "zhao", "赵六")):
            s.add(Inspection(point_id=points[key].id, inspected_at=at, inspector=who,
                             inspector_name=name, checklist={}, note=""))
        assignment.reassign(s)
        assignment.refresh_levels(s, rules)
        ids = {k: p.id for k, p in points.items()}
    return ids


@pytest.fixture
def territory(database, rules):
    ids = build_territory(database, rules)
    for username, name, cells in (("wang", "王五", ["A", "C"]), ("zhao", "赵六", ["D"]),
                                  ("sun", "孙七", ["B"])):
        make_user(database, username, "grid", cells)
        _name(database, username, name)
    make_user(database, "leader")
    return SimpleNamespace(database=database, ids=ids)


def _name(database, username, name):
    from geoapp.store.models import User

    with database.transaction() as s:
        s.scalar(sa.select(User).where(User.username == username)).display_name = name


@pytest.fixture
def leader(territory, auth):
    auth.login("leader")
    return auth.client


def _points(client, **params):
    response = client.get("/api/map/points", query_string={"zoom": 12, **params})
    assert response.status_code == 200, response.get_data(as_text=True)
    doc = response.get_json()
    f = doc["point_fields"]
    rows = {r[f.index("name")].removesuffix("（虚构）"): (r[f.index("visit")],
                                                     r[f.index("last_visit")])
            for r in doc["points"]}
    return doc, rows


# ---- the map --------------------------------------------------------------------------


def test_each_point_carries_its_visit_status_and_last_visit(leader):
    doc, rows = _points(leader)
    assert rows == {
        "I1": ("overdue", None), "I2": ("visited", "2030-06-11"), "I3": ("due", "2030-06-08"),
        "E1": ("overdue", "2030-05-05"), "C1": ("due", "2030-05-18"),
        "C2": ("visited", "2030-06-04"), "I4": ("overdue", None),
        "I5": ("visited", "2030-06-12"), "C3": ("overdue", None)}
    assert doc["visits"] == {"overdue": 4, "due": 2, "visited": 3}


def test_the_visit_filter_and_its_counts(leader):
    doc, rows = _points(leader, visit="overdue")
    assert set(rows) == {"I1", "E1", "I4", "C3"} and doc["total"] == 4
    # the counts are the view's before the visit filter (for the filter's choices)
    assert doc["visits"] == {"overdue": 4, "due": 2, "visited": 3}
    doc, rows = _points(leader, visit="due", layers="idle_site")
    assert set(rows) == {"I3"}
    assert doc["visits"] == {"overdue": 2, "due": 1, "visited": 2}
    doc, rows = _points(leader, visit="visited", village="西村")
    assert set(rows) == {"C2"} and doc["visits"] == {"overdue": 0, "due": 1, "visited": 1}
    doc, rows = _points(leader, visit="overdue", outside="only")
    assert set(rows) == {"C3"}


@pytest.mark.parametrize("value", ["late", "OVERDUE", "due,visited"])
def test_a_bad_visit_filter_is_400_naming_it(leader, value):
    response = leader.get("/api/map/points", query_string={"visit": value})
    assert response.status_code == 400
    body = response.get_json()
    assert body["field"] == "visit" and "visit" in body["message"]


def test_the_popup_shows_the_last_visit(leader, territory):
    props = leader.get(f"/api/map/points/{territory.ids['I3']}").get_json()["properties"]
    assert (props["visit"], props["last_visit"], props["next_visit_due"]) == \
        ("due", "2030-06-08", "2030-06-15")
    props = leader.get(f"/api/map/points/{territory.ids['I1']}").get_json()["properties"]
    assert (props["visit"], props["last_visit"], props["next_visit_due"]) == \
        ("overdue", None, None)


def test_a_recorded_visit_changes_the_fingerprint_and_the_map(leader, territory):
    from geoapp.store.models import Inspection

    database = territory.database
    _points(leader)  # the map's cache is filled
    cache = leader.application.extensions["geoapp.mapcache"]
    kept = cache._visits._kept[2]
    with database.sessions() as s:
        before = data_fingerprint(s)
    with database.transaction() as s:
        s.add(Inspection(point_id=territory.ids["I1"], inspected_at=_at(6, 14, 8),
                         inspector="wang", inspector_name="王五", checklist={}, note=""))
    with database.sessions() as s:
        assert data_fingerprint(s) != before
    doc, rows = _points(leader)
    assert cache._visits._kept[2] is not kept  # read again
    assert rows["I1"] == ("visited", "2030-06-14")
    assert doc["visits"] == {"overdue": 3, "due": 2, "visited": 4}


def test_the_day_alone_moves_statuses(leader):
    # no write: five days later the same app's map shows other statuses (its cache is
    # keyed on today as well as on the data's fingerprint)
    assert _points(leader)[1]["I5"] == ("visited", "2030-06-12")
    leader.application.config["TODAY"] = TODAY + dt.timedelta(days=5)
    doc, rows = _points(leader)
    assert rows["I2"] == ("overdue", "2030-06-11")  # was due 06-18
    assert rows["C1"] == ("overdue", "2030-05-18")  # was due 06-17
    assert rows["I5"] == ("due", "2030-06-12")  # due today, 06-19
    assert rows["C2"] == ("visited", "2030-06-04")
    assert rows["I3"] == ("overdue", "2030-06-08")  # was due 06-15
    assert doc["visits"] == {"overdue": 7, "due": 1, "visited": 1}


def test_statuses_for_the_cell_page(territory, rules):
    ids = territory.ids
    with territory.database.sessions() as s:
        got = visit_data.statuses(s, rules, [ids["I3"], ids["C1"], ids["I1"]], TODAY)
    assert got == {
        ids["I3"]: {"visit": "due", "last_visit": "2030-06-08", "next_due": "2030-06-15"},
        ids["C1"]: {"visit": "due", "last_visit": "2030-05-18", "next_due": "2030-06-17"},
        ids["I1"]: {"visit": "overdue", "last_visit": None, "next_due": None}}


# ---- the reports ------------------------------------------------------------------------


def test_visits_per_cell(leader):
    data = leader.get("/api/reports/visits?month=2030-06").get_json()
    assert data["as_of"] == "2030-06-14" and data["period"]["month"] == "2030-06"
    cells = {c["code"]: (c["points"], c["points_due"], c["visits"], c["points_visited"],
                         c["due_visited"], c["overdue"], c["coverage"]) for c in data["cells"]}
    # points, due in June, visits, points visited, of the due visited, overdue at the end
    assert cells == {"A": (2, 2, 2, 1, 1, 1, 0.5), "B": (2, 2, 0, 0, 0, 1, 0.5),
                     "C": (2, 2, 1, 1, 1, 0, 1.0), "D": (2, 2, 1, 1, 1, 1, 0.5)}
    o = data["outside"]
    assert (o["points"], o["points_due"], o["visits"], o["overdue"], o["coverage"]) == \
        (1, 1, 0, 1, 0.0)
    t = data["total"]
    assert (t["points"], t["visits"], t["points_visited"], t["points_due"], t["overdue"],
            t["due"], t["visited"], t["coverage"]) == (9, 4, 3, 9, 4, 2, 3, 0.5556)


def test_visits_in_may_count_by_local_date(leader):
    data = leader.get("/api/reports/visits?month=2030-05").get_json()
    cells = {c["code"]: (c["visits"], c["points_due"], c["overdue"]) for c in data["cells"]}
    # May: C1 on 05-18 and E1 on 05-05; C2's 00:30 visit on 1 June is June's
    assert cells == {"A": (0, 2, 2), "B": (1, 2, 1), "C": (1, 2, 1), "D": (0, 2, 2)}


def test_coverage_ranking_with_a_tie(leader):
    data = leader.get("/api/reports/visits?month=2030-06").get_json()
    rows = [(r["rank"], r["name"], r["points"], r["on_time"], r["overdue"], r["coverage"])
            for r in data["villages"]]
    # 东村 and 南村 both cover half their points: fewer overdue points first
    assert rows == [(1, "西村", 2, 2, 0, 1.0), (2, "南村", 2, 1, 1, 0.5),
                    (3, "东村", 4, 2, 2, 0.5)]
    assert "逾期未巡查点位少者在前" in data["tie_rule"]


def test_visits_per_grid_member(leader):
    data = leader.get("/api/reports/visits?month=2030-06").get_json()
    assert [(m["name"], m["username"], m["visits"], m["points"], m["cells"])
            for m in data["members"]] == [
        ("王五", "wang", 2, 2, ["A", "C"]), ("李四", "li", 1, 1, ["A"]),
        ("赵六", "zhao", 1, 1, ["D"]), ("孙七", "sun", 0, 0, [])]


def test_a_range_period_and_a_bad_one(leader):
    data = leader.get("/api/reports/visits?from=2030-06-10&to=2030-06-12").get_json()
    assert [(m["username"], m["visits"]) for m in data["members"]][:2] == \
        [("wang", 1), ("zhao", 1)]
    response = leader.get("/api/reports/visits?month=2030-13")
    assert response.status_code == 400 and response.get_json()["field"] == "month"


def test_reports_page_and_print_view_show_the_visit_tables(leader):
    html = leader.get("/reports?month=2030-06").get_data(as_text=True)
    for marker in ('id="visit-coverage"', 'id="visit-cells"', 'id="visit-members"',
                   "巡查覆盖率", "孙七", "55.6%"):
        assert marker in html, marker
    html = leader.get("/reports/print?month=2030-06").get_data(as_text=True)
    for marker in ('id="print-visit-coverage"', 'id="print-visit-members"', "王五"):
        assert marker in html, marker


def test_the_bulletin_workbook_has_the_visit_sheet(leader):
    import io

    import openpyxl

    response = leader.get("/reports/bulletin.xlsx?month=2030-06")
    assert response.status_code == 200
    ws = openpyxl.load_workbook(io.BytesIO(response.data))["巡查"]
    values = [[c for c in row if c is not None] for row in ws.iter_rows(values_only=True)]
    assert values[0] == ["村（社区）巡查覆盖率排名（2030-06-01 至 2030-06-30）"]
    # rank, village, town, points, on time, overdue, coverage, red cells, visits, points visited
    assert [r[:2] + r[3:] for r in values[2:5]] == [
        [1, "西村", "示范镇", 2, 2, 0, 1.0, 0, 1, 1],
        [2, "南村", "示范镇", 2, 1, 1, 0.5, 0, 1, 1],
        [3, "东村", "示范镇", 4, 2, 2, 0.5, 0, 2, 1]]
    members = values.index(["各网格员巡查（2030-06-01 至 2030-06-30）"])
    assert values[members + 2:members + 6] == [
        ["王五", "wang", 2, 2, "A、C"], ["李四", "li", 1, 1, "A"], ["赵六", "zhao", 1, 1, "D"],
        ["孙七", "sun", 0, 0]]
    cells = values.index(["各网格巡查（2030-06-01 至 2030-06-30）"])
    assert values[-1] == ["网格外", 1, 1, 0, 0, 0, 1, 0.0]  # no code, no village
    assert len(values) == cells + 2 + 5  # four cells and the points outside every cell


# ---- the demo ---------------------------------------------------------------------------


def test_the_demo_shows_every_visit_status_and_has_visit_figures(demo_client, demo_database):
    from geoapp.store import demo_channels
    from geoapp.store.demo_visits import NOTE
    from geoapp.store.models import Inspection

    counts = _points(demo_client)[0]["visits"]
    assert all(counts[status] > 0 for status in ("overdue", "due", "visited")), counts
    with demo_database.sessions() as s:
        notes = dict(s.execute(sa.select(Inspection.source, Inspection.note).distinct()).all())
    # every demo visit and self-check is labelled synthetic
    assert notes == {"inspection": NOTE, "self_check": demo_channels.NOTE}
    assert "虚构" in NOTE and "虚构" in demo_channels.NOTE
    for month in ("2030-06", "2030-05"):  # this month and last both have figures
        data = demo_client.get(f"/api/reports/visits?month={month}").get_json()
        assert data["total"]["visits"] > 0 and data["villages"][0]["rank"] == 1, month
    members = demo_client.get("/api/reports/visits").get_json()["members"]
    assert ("grid", "网格员（演示）") in [(m["username"], m["name"]) for m in members]
