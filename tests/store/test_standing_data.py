"""红黑榜's read side (geoapp.store.reads.standing_data) on both backends: an enterprise's
facts are its own point's and those of the points it owns by USCC (a confined space), a
measure counts whether taken against the enterprise or one of its hazards, and the lists
are cut to an area scope."""

from __future__ import annotations

import datetime as dt

import shapely

from geoapp.store.models import Cell, Hazard, Measure, Point, Town, Village
from geoapp.store.reads import standing_data

TODAY = dt.date(2026, 6, 15)
GOOD = {"status": "正常生产", "standardisation": "一级", "insured": True}


def _firms(database):
    with database.transaction() as s:
        village = Village(town=Town(name="示范镇（虚构）"), name="东湖村（虚构）")
        for i, code in enumerate("AB"):
            x = 120 + 0.01 * i
            s.add(Cell(code=code, name=f"{code}网格", village=village,
                       geom=shapely.MultiPolygon([shapely.box(x, 31, x + 0.01, 31.01)])))
        ids = {}
        for key, cell in (("U1", "A"), ("U2", "A"), ("U3", "B")):
            p = Point(layer="enterprise", key=key, name=f"企业{key}（虚构）", cell_code=cell,
                      geom=shapely.Point(120.005, 31.005), attrs={"uscc": key, **GOOD})
            s.add(p)
            s.flush()
            ids[key] = p.id
        # U1 owns a confined space whose major hazard is overdue: U1 is black
        space = Point(layer="confined_space", key="CS1", name="污水池（虚构）", cell_code="A",
                      geom=shapely.Point(120.006, 31.005), attrs={"enterprise_uscc": "U1"})
        s.add(space)
        s.flush()
        hazard = Hazard(code="YH9", point_id=space.id, level="major", source="inspection",
                        description="未设置警示标志", found_on=dt.date(2026, 4, 1),
                        deadline=dt.date(2026, 5, 1), state="open")
        s.add(hazard)
        # U2: a closed general hazard; then a 约谈 on it (this year), and a letter to U3
        closed = Hazard(code="YH8", point_id=ids["U2"], level="general", source="inspection",
                        description="灭火器过期", found_on=dt.date(2026, 1, 4),
                        deadline=dt.date(2026, 2, 1), state="closed",
                        closed_on=dt.date(2026, 1, 20))
        s.add(closed)
        s.flush()
        at = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
        s.add(Measure(kind="interview", taken_on=dt.date(2026, 3, 1), unit="安委办",
                      recipient="主要负责人", hazard_id=closed.id, recorded_by="t",
                      recorded_at=at))
        s.add(Measure(kind="letter", taken_on=dt.date(2026, 3, 1), unit="安委办",
                      recipient="主要负责人", point_id=ids["U3"], recorded_by="t",
                      recorded_at=at))
    return ids


def test_facts_follow_ownership_and_measures(database, rules):
    ids = _firms(database)
    with database.sessions() as s:
        lists = standing_data.lists(s, rules.standing, TODAY)
        assert lists["enterprises"] == 3
        black = {e["key"]: [(r["key"], r["detail"]) for r in e["reasons"]]
                 for e in lists["black"]}
        assert black == {"U1": [("major_overdue", "YH9")],
                         "U2": [("interviewed", "2026-03-01")]}
        assert [e["key"] for e in lists["red"]] == ["U3"]  # a letter is not a 约谈
        assert lists["red"][0]["village"] == "东湖村（虚构）"
        # cut to cell B; narrowed to a village that has none of them
        assert standing_data.lists(s, rules.standing, TODAY, cells={"B"})["enterprises"] == 1
        assert standing_data.lists(s, rules.standing, TODAY,
                                   village="西湖村")["enterprises"] == 0
        # before U1's hazard was found and the 约谈, all three are red (U2's hazard was
        # closed in time)
        early = standing_data.lists(s, rules.standing, dt.date(2026, 2, 15))
        assert early["black"] == [] and len(early["red"]) == 3
        one = standing_data.of_enterprise(s, rules.standing, TODAY, ids["U1"])
        assert one["list"] == "black"
        assert standing_data.of_enterprise(s, rules.standing, TODAY, 10**6) is None
        assert standing_data.areas(s) == [{"town": "示范镇（虚构）",
                                           "villages": ["东湖村（虚构）"]}]
