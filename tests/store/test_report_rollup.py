"""The areas report's villages, towns and total summed from its cells' tables
(geoapp.reports.rollup) are the figures counted over each grouping's own hazards and
points (tables.group_figures, pastlevels.point_tables): with hazards and points outside
every cell (网格外: in the total alone), a village without cells between two with
cells, a village's cells not next to each other, and a second town."""

from __future__ import annotations

import datetime as dt

import shapely

from geoapp.reports import pastlevels, tables
from geoapp.store.models import Cell, Point, Town, Village
from tests.store.test_reports import MARCH, _hazard, township, utc  # noqa: F401 (the fixture)

TODAY = dt.date(2026, 12, 1)


def test_villages_towns_and_total_summed_from_the_cells_are_those_counted_apart(
        township, rules):  # noqa: F811
    with township.transaction() as s:
        town = s.query(Town).filter_by(name="城关镇").one()
        # between 东村 (V01) and 西村 (V02) in the villages' order, without cells
        s.add(Village(town=town, name="空村", code="V015"))
        other = Village(town=Town(name="新镇"), name="北村", code="W01")
        far = Point(geom=shapely.Point(5.5, 0.5), layer="enterprise", key="SF-QY-9",
                    name="新镇工厂", cell_code="C41", industry="2614", inherent_level="orange",
                    risk_level="orange")
        east = s.query(Village).filter_by(code="V01").one()
        s.add_all([other, far, Cell(code="C41", name="北村网格", village=other,
                                    geom=shapely.MultiPolygon([shapely.box(5, 0, 6, 1)])),
                   # read after C41 (by code): the cells out of their villages' order
                   Cell(code="C51", name="东村二网格", village=east,
                        geom=shapely.MultiPolygon([shapely.box(7, 0, 8, 1)]))])
        _hazard(s, far, "H9", "major", "inspection", dt.date(2026, 3, 3),
                dt.date(2026, 3, 9), utc(2026, 3, 3, 1))
    with township.sessions() as s:
        ds = tables.load(s, rules)
    a = tables.areas(ds, MARCH, TODAY)
    day = MARCH.as_of(TODAY)
    village_of = {code: c["village_id"] for code, c in ds.cells.items()}
    town_of = {v["id"]: v["town"] for v in ds.villages}
    groupings = {
        "village": (lambda p: village_of.get(p.cell_code), [v["id"] for v in ds.villages]),
        "town": (lambda p: town_of.get(village_of.get(p.cell_code)),
                 list(dict.fromkeys(town_of.values()))),
        "all": (lambda p: None, [None])}
    figures, points = {}, {}
    for name, (key, groups) in groupings.items():
        figures[name] = tables.group_figures(ds, MARCH, TODAY, f"apart: {name}", key,
                                             groups + ([None] if name == "village" else []))
        points[name] = pastlevels.point_tables(ds, day, f"apart: {name}", key)
    none = pastlevels.empty(ds)
    for v in a["villages"]:
        assert v["hazards"] == figures["village"][v["id"]]
        assert v["points"] == points["village"].get(v["id"], none)
    assert a["outside"]["hazards"] == figures["village"][None]
    assert a["outside"]["points"] == points["village"][None]
    for t in a["towns"]:
        assert t["hazards"] == figures["town"][t["name"]]
        assert t["points"] == points["town"][t["name"]]
    assert a["total"]["hazards"] == figures["all"][None]
    assert a["total"]["points"] == points["all"][None]
    # what those say, by hand
    v = {row["code"]: row for row in a["villages"]}
    assert [row["code"] for row in a["villages"]][:3] == ["V01", "V015", "V02"]
    assert (v["V015"]["cells"], v["V015"]["red_cells"], v["V015"]["hazards"]["total"],
            v["V015"]["points"]["total"]) == (0, 0, 0, 0)
    assert (v["V01"]["cells"], v["V01"]["red_cells"], v["V01"]["hazards"]["total"]) == (2, 1, 3)
    assert (v["W01"]["cells"], v["W01"]["red_cells"], v["W01"]["hazards"]["overdue"]) == (1, 1, 1)
    towns = {t["name"]: t for t in a["towns"]}
    assert towns["新镇"]["hazards"]["total"] == 1 and towns["城关镇"]["hazards"]["total"] == 8
    assert (towns["新镇"]["red_cells"], towns["城关镇"]["red_cells"]) == (1, 1)
    assert a["total"]["hazards"]["total"] == 10 and a["total"]["points"]["total"] == 6
    assert a["total"]["red_cells"] == 2
