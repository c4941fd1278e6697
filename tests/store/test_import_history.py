"""A re-imported ledger changes nothing silently: each changed row is one event naming
exactly the changed fields with their old and new values; an unchanged row, no event.

The territory and ledger helpers are test_import's (cells A B C D, zone Z1).
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from geoapp.store import importer
from geoapp.store.models import Hazard, Point, PointEvent
from tests.store import test_import as base
from tests.store.test_import import cells_file, loaded, zones_file  # noqa: F401  (fixtures)
from tests.support.files import write_csv, write_xlsx

HZ_HEADER = ["隐患编号", "点位类型", "点位编号", "隐患等级", "隐患来源", "隐患描述", "发现日期",
             "整改期限", "责任单位", "责任人", "挂牌督办", "整改状态", "销号日期"]


def _hazard_rows():
    # all at 乙商店 in cell D (a blue shop: only an open major hazard makes it red)
    shop = base.uscc(2)
    return [
        ["H1", "企业", shop, "一般", "督导检查", "灭火器过期", "2025-03-01", "2025-04-01",
         "乙商店（虚构）", "王五", "否", "整改中", ""],
        ["H2", "企业", shop, "一般", "企业自查", "疏散指示灯损坏", "2025-03-02", "2025-03-20",
         "乙商店（虚构）", "王五", "否", "待整改", ""],
        ["H3", "企业", shop, "一般", "群众举报", "消防通道堵塞", "2025-03-03", "2025-03-31",
         "乙商店（虚构）", "王五", "否", "整改中", ""],
    ]


def _events(database):
    with database.sessions() as s:
        return {h.code: [(e.action, e.actor, e.from_state, e.to_state, e.changes)
                         for e in h.events]
                for h in s.scalars(sa.select(Hazard))}


def test_reimported_hazard_ledger_logs_one_edit_per_changed_row(loaded, rules,  # noqa: F811
                                                                tmp_path):
    importer.import_points(loaded, rules, base.enterprises(tmp_path, [
        ["乙商店（虚构）", base.uscc(2), "5261", "小微", 120.015, 31.015]]), "enterprise")
    rows = _hazard_rows()
    importer.import_hazards(loaded, rules, write_csv(tmp_path / "h1.csv", HZ_HEADER, rows))
    rows[0][3], rows[0][7], rows[0][10] = "重大", "2025-05-15", "是"  # H1: level, deadline, listed
    rows[2][9], rows[2][11:] = "赵六", ["已销号", "2025-03-20"]        # H3: person, and closed
    summary = importer.import_hazards(loaded, rules, write_csv(tmp_path / "h2.csv", HZ_HEADER,
                                                               rows))
    assert (summary.created, summary.updated, summary.unchanged) == (0, 2, 1)
    created = ("import", "import: h1.csv", None)  # action, actor, from_state
    events = _events(loaded)
    assert events["H1"] == [
        (*created, "rectifying", None),
        ("edit", "import: h2.csv", "rectifying", "rectifying",
         {"level": ["general", "major"], "deadline": ["2025-04-01", "2025-05-15"],
          "listed": [False, True]}),
    ]
    assert events["H2"] == [(*created, "open", None)]  # unchanged row: no event
    assert events["H3"] == [
        (*created, "rectifying", None),
        # the close-out date travels with the state change it belongs to
        ("import", "import: h2.csv", "rectifying", "closed", {"closed_on": [None, "2025-03-20"]}),
        ("edit", "import: h2.csv", "closed", "closed", {"responsible_person": ["王五", "赵六"]}),
    ]
    with loaded.sessions() as s:
        assert s.scalar(sa.select(Point.risk_level)) == "red"  # H1 is now an open major hazard

    # the same ledger again: nothing changes, nothing is logged
    summary = importer.import_hazards(loaded, rules, write_csv(tmp_path / "h3.csv", HZ_HEADER,
                                                               rows))
    assert (summary.updated, summary.unchanged) == (0, 3)
    assert _events(loaded) == events


def test_reimported_point_ledger_logs_changed_fields_and_moves(loaded, rules,  # noqa: F811
                                                               tmp_path):
    rows = [["甲（虚构）", base.uscc(1), "2614", "小微", 120.002, 31.002],
            ["乙（虚构）", base.uscc(2), "5261", "小微", 120.015, 31.015],
            ["丙（虚构）", base.uscc(3), "5261", "小微", 120.015, 31.005]]
    importer.import_points(loaded, rules, base.enterprises(tmp_path, rows), "enterprise")
    with loaded.sessions() as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(PointEvent)) == 0  # new: no edit
    rows[1][4:] = [120.0151234, 31.005]                 # 乙 moves from D to B
    rows[2][0], rows[2][2:4] = "丙商店（虚构）", ["5920", "规模以下"]  # 丙: name, industry, scale
    importer.import_points(loaded, rules, base.enterprises(tmp_path, rows, "v2.csv"), "enterprise")
    with loaded.sessions() as s:
        keys = dict(s.execute(sa.select(Point.id, Point.key)).all())
        events = [(keys[e.point_id], e.action, e.actor, e.changes, e.at.tzinfo is not None)
                  for e in s.scalars(sa.select(PointEvent).order_by(PointEvent.id))]
        moved = s.scalar(sa.select(Point).where(Point.key == base.uscc(2)))
        assert moved.cell_code == "B"
    assert events == [
        (base.uscc(2), "edit", "import: v2.csv",
         {"coordinates": [[120.015, 31.015], [120.0151234, 31.005]]}, True),
        (base.uscc(3), "edit", "import: v2.csv",
         {"name": ["丙（虚构）", "丙商店（虚构）"], "industry": ["5261", "5920"],
          "scale": ["小微", "规模以下"]}, True),
    ]


IDLE_HEADER = ["编号", "名称", "类别", "最近检查日期", "经度", "纬度"]


def test_ledger_inspection_date_moves_last_visit_forward_only(loaded, rules,  # noqa: F811
                                                              tmp_path):
    def ledger(name, day):
        return write_xlsx(tmp_path / name, IDLE_HEADER,
                          [["X1", "闲置厂房一（虚构）", "废弃厂房", day, 120.012, 31.003],
                           ["X2", "闲置院落（虚构）", "农村闲置院落", None, 120.015, 31.015]])

    def last_visits():
        with loaded.sessions() as s:
            return dict(s.execute(sa.select(Point.key, Point.last_visit_on)).all())

    importer.import_points(loaded, rules, ledger("i1.xlsx", dt.datetime(2026, 5, 1)),
                           "idle_site")
    assert last_visits() == {"X1": dt.date(2026, 5, 1), "X2": None}
    with loaded.transaction() as s:  # a visit recorded in geoapp since
        s.scalar(sa.select(Point).where(Point.key == "X1")).last_visit_on = dt.date(2026, 6, 10)
    importer.import_points(loaded, rules, ledger("i2.xlsx", dt.datetime(2026, 5, 20)),
                           "idle_site")
    assert last_visits() == {"X1": dt.date(2026, 6, 10), "X2": None}  # older: kept
    importer.import_points(loaded, rules, ledger("i3.xlsx", dt.datetime(2026, 7, 1)),
                           "idle_site")
    assert last_visits() == {"X1": dt.date(2026, 7, 1), "X2": None}   # later: taken
    with loaded.sessions() as s:
        changes = [(e.actor, e.changes) for e in s.scalars(sa.select(PointEvent)
                                                           .order_by(PointEvent.id))]
    assert changes == [
        ("import: i2.xlsx", {"last_inspection": ["2026-05-01", "2026-05-20"]}),
        ("import: i3.xlsx", {"last_inspection": ["2026-05-20", "2026-07-01"]}),
    ]


def test_a_ledger_listed_hazard_gets_a_listing_of_unknown_date(loaded, rules,  # noqa: F811
                                                               tmp_path):
    """挂牌督办=是 makes a listing whose date is unknown (the ledger says only yes/no);
    a later 否 does not undo a listing: 摘牌 is a step of its own, after close-out."""
    from geoapp.store.models import Listing

    importer.import_points(loaded, rules, base.enterprises(tmp_path, [
        ["乙商店（虚构）", base.uscc(2), "5261", "小微", 120.015, 31.015]]), "enterprise")
    rows = _hazard_rows()
    rows[0][10] = "是"  # H1 listed in the first ledger
    importer.import_hazards(loaded, rules, write_csv(tmp_path / "h1.csv", HZ_HEADER, rows))

    def listings():
        with loaded.sessions() as s:
            return {code: (listed, listed_on, level) for code, listed, listed_on, level in
                    s.execute(sa.select(Hazard.code, Hazard.listed, Listing.listed_on,
                                        Listing.level)
                              .join(Listing, Listing.hazard_id == Hazard.id))}

    assert listings() == {"H1": (True, None, None)}
    rows[0][10], rows[1][10] = "否", "是"  # H1 no longer marked, H2 now listed
    summary = importer.import_hazards(loaded, rules, write_csv(tmp_path / "h2.csv", HZ_HEADER,
                                                               rows))
    assert (summary.updated, summary.unchanged) == (1, 2)
    assert listings() == {"H1": (True, None, None), "H2": (True, None, None)}
    assert _events(loaded)["H2"][-1] == ("edit", "import: h2.csv", "open", "open",
                                         {"listed": [False, True]})


def test_a_reimported_ledger_keeps_a_granted_extension(loaded, rules, tmp_path):  # noqa: F811
    """H2 was extended from 2025-03-20 to 2025-04-10 here; the ledger, re-imported, still
    shows 2025-03-20: the extension stays in force and no edit is logged. A ledger that
    sets another date changes it, as any edit, with its event."""
    importer.import_points(loaded, rules, base.enterprises(tmp_path, [
        ["乙商店（虚构）", base.uscc(2), "5261", "小微", 120.015, 31.015]]), "enterprise")
    rows = _hazard_rows()
    importer.import_hazards(loaded, rules, write_csv(tmp_path / "h1.csv", HZ_HEADER, rows))
    with loaded.transaction() as s:
        hazard = s.scalars(sa.select(Hazard).where(Hazard.code == "H2")).one()
        hazard.original_deadline, hazard.deadline = dt.date(2025, 3, 20), dt.date(2025, 4, 10)
    before = _events(loaded)["H2"]
    summary = importer.import_hazards(loaded, rules, write_csv(tmp_path / "h2.csv", HZ_HEADER,
                                                               rows))
    assert summary.unchanged == 3
    with loaded.sessions() as s:
        hazard = s.scalars(sa.select(Hazard).where(Hazard.code == "H2")).one()
        assert (hazard.deadline, hazard.original_deadline) == (dt.date(2025, 4, 10),
                                                               dt.date(2025, 3, 20))
    assert _events(loaded)["H2"] == before
    rows[1][7] = "2025-04-30"
    importer.import_hazards(loaded, rules, write_csv(tmp_path / "h3.csv", HZ_HEADER, rows))
    assert _events(loaded)["H2"][-1] == (
        "edit", "import: h3.csv", "open", "open", {"deadline": ["2025-04-10", "2025-04-30"]})
