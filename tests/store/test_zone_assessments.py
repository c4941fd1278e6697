"""Zone assessments in the store, on both backends: the one in force, the zones' levels
and the reports by zone follow it; history cannot be rewritten, even by plain SQL.

A shop (synthetic) in cell A with an open major hazard (tests.support.apps); two zones
that overlap over the shop: Z1 (ledger score 90 → D) and Z2 (no score).
"""

from __future__ import annotations

import datetime as dt

import pytest
import shapely
import sqlalchemy as sa

from geoapp.domain import periods
from geoapp.reports import tables
from geoapp.reports import zones as zone_report
from geoapp.store import assignment, zone_assessments, zone_grading
from geoapp.store.models import AuditEntry, Zone, ZoneAssessment
from tests.support.apps import shop_with_hazard

DAY = dt.date(2030, 6, 1)


@pytest.fixture
def zoned(database, rules):
    shop_with_hazard(database, rules, found_on=DAY, deadline=dt.date(2030, 6, 10))
    with database.transaction() as s:
        s.add(Zone(code="Z1", name="甲园区（虚构）", kind="化工园区", park_score=90.0,
                   geom=shapely.MultiPolygon([shapely.box(120.0, 31.0, 120.008, 31.01)])))
        s.add(Zone(code="Z2", name="乙园区（虚构）", kind="工业园区",
                   geom=shapely.MultiPolygon([shapely.box(120.004, 31.0, 120.02, 31.01)])))
        s.flush()
        assignment.reassign(s)
        assignment.refresh_levels(s, rules)
    return database


def record(database, rules, code, on, grade, score=None, body="省应急管理厅（虚构）"):
    with database.transaction() as s:
        return zone_assessments.record(s, rules, code, {
            "assessed_on": on, "score": score, "grade": grade, "body": body, "note": ""},
            "admin").id


def test_the_latest_by_date_then_by_entry_is_in_force(zoned, rules):
    with zoned.sessions() as s:
        assert zone_grading.grades(s)["Z1"] == {"grade": "D", "source": "ledger",
                                               "score": 90.0, "assessed_on": None,
                                               "body": None}
        assert zone_grading.grades(s)["Z2"]["source"] == "none"
    record(zoned, rules, "Z2", DAY, "B", 65.0)
    record(zoned, rules, "Z2", DAY - dt.timedelta(days=400), "A", 40.0)  # older, entered later
    with zoned.sessions() as s:
        assert zone_grading.grades(s)["Z2"]["grade"] == "B"
    record(zoned, rules, "Z2", DAY, "C", body="复评（虚构）")  # same day, entered later: wins
    with zoned.sessions() as s:
        graded = zone_grading.grades(s)["Z2"]
        levels = dict(s.execute(sa.select(Zone.code, Zone.risk_level)).all())
        entries = s.scalar(sa.select(sa.func.count()).select_from(AuditEntry)
                           .where(AuditEntry.action == "zone_assessment"))
    assert (graded["grade"], graded["body"], graded["score"]) == ("C", "复评（虚构）", None)
    # the shop is red (open major hazard): both zones red whatever their grade
    assert levels == {"Z1": "red", "Z2": "red"}
    assert entries == 3


def test_the_grade_raises_an_empty_zones_level_and_an_unknown_zone_writes_nothing(database,
                                                                                 rules):
    with database.transaction() as s:
        s.add(Zone(code="E", name="空园区（虚构）", kind="其他",
                   geom=shapely.MultiPolygon([shapely.box(121, 31, 121.01, 31.01)])))
    record(database, rules, "E", DAY, "B")
    with database.sessions() as s:
        assert s.scalar(sa.select(Zone.risk_level)) == "orange"  # B → orange
    with pytest.raises(zone_assessments.UnknownZone), database.transaction() as s:
        zone_assessments.record(s, rules, "NOPE", {"assessed_on": DAY, "score": None,
                                                   "grade": "A", "body": "x", "note": ""}, "a")
    with database.sessions() as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(ZoneAssessment)) == 1


def test_assessments_are_history_even_for_plain_sql(zoned, rules):
    record(zoned, rules, "Z1", DAY, "A")
    for statement in ("UPDATE zone_assessment SET grade = 'D'", "DELETE FROM zone_assessment"):
        with pytest.raises(sa.exc.DBAPIError), zoned.engine.begin() as conn:
            conn.execute(sa.text(statement))
    with zoned.sessions() as s:
        assert s.scalars(sa.select(ZoneAssessment.grade)).all() == ["A"]


def test_figures_by_zone_count_a_point_in_every_zone_it_lies_in(zoned, rules):
    record(zoned, rules, "Z2", DAY, "A", 50.0)
    with zoned.sessions() as s:
        ds = tables.load(s, rules)
    rep = zone_report.report(ds, periods.month_of(DAY), dt.date(2030, 6, 14))
    rows = {z["code"]: z for z in rep["zones"]}
    assert (rows["Z1"]["grade"], rows["Z1"]["grade_source"]) == ("D", "ledger")
    assert (rows["Z2"]["grade"], rows["Z2"]["assessed_on"]) == ("A", "2030-06-01")
    for code in ("Z1", "Z2"):  # the shop lies in both
        z = rows[code]
        assert z["points"]["enterprise"]["red"] == 1 and z["points_by_level"]["red"] == 1
        h = z["hazards"]
        assert (h["found"], h["closed"], h["open"], h["overdue"]) == (1, 0, 1, 1)
