"""Warm start (geoapp.web.warmup) and the caches patched after a hazard move
(geoapp.map.cache, geoapp.reports.cache, geoapp.store.fingerprint.hazards_changed)."""

from __future__ import annotations

import datetime as dt
import gzip
import json

import pytest
import shapely

from geoapp.domain import periods
from geoapp.map.cache import MapCache
from geoapp.reports import tables
from geoapp.reports.cache import ReportCache
from geoapp.store import assignment, hazards
from geoapp.store.models import Cell, Hazard, Point, Town, Village
from geoapp.store.reads import report_data
from tests.support.apps import make_app
from tests.support.constants import TODAY


@pytest.fixture
def two_cells(database, rules):
    """Cells A and B, a shop in each (synthetic), an open listed major hazard in A."""
    with database.transaction() as s:
        village = Village(town=Town(name="示范镇（虚构）"), name="东湖村（虚构）")
        s.add_all([
            Cell(code="A", name="一网格", village=village,
                 geom=shapely.MultiPolygon([shapely.box(120, 31, 120.01, 31.01)])),
            Cell(code="B", name="二网格", village=village,
                 geom=shapely.MultiPolygon([shapely.box(120.01, 31, 120.02, 31.01)])),
        ])
        a = Point(layer="enterprise", key="K1", name="五金店（虚构）",
                  geom=shapely.Point(120.005, 31.005), attrs={"industry": "5261"})
        b = Point(layer="enterprise", key="K2", name="面馆（虚构）",
                  geom=shapely.Point(120.015, 31.005), attrs={"industry": "6210"})
        s.add_all([a, b])
        h = Hazard(code="H1", point=a, level="major", source="inspection",
                   description="液化气钢瓶违规存放", found_on=TODAY - dt.timedelta(days=40),
                   deadline=TODAY - dt.timedelta(days=10), state="open", listed=True)
        s.add(h)
        hazards.record(h, "测试", "create")
        s.flush()
        assignment.reassign(s)
        assignment.refresh_levels(s, rules)
        ids = {"A": a.id, "B": b.id, "hazard": h.id}
    return ids


def test_ready_goes_200_after_the_build_and_requests_meanwhile_get_503(database, rules,
                                                                         two_cells):
    app = make_app(database, WARM_START=True, WARM_WAIT_SECONDS=0)
    client = app.test_client()
    warm = app.extensions["geoapp.warmup"]
    held = app.extensions["geoapp.mapcache"]._lock  # the build waits for it: "preparing"
    with held:
        probe = client.get("/healthz/ready")  # the first request starts the thread
        assert probe.status_code == 503 and probe.get_json()["ready"] is False
        cells = client.get("/api/map/cells")
        assert cells.status_code == 503 and cells.headers["Retry-After"] == "2"
        assert cells.get_json()["error"] == "preparing" and cells.get_json()["message"]
        report = client.get("/api/reports")
        assert report.status_code == 503 and report.get_json()["error"] == "preparing"
        page = client.get("/reports")  # a page: the error page, asking again by itself
        assert page.status_code == 503 and page.headers["Refresh"] == "2"
        assert client.get("/").status_code == 200  # the map page: its veil, then retries
    assert warm.ready.wait(120), warm.error
    ready = client.get("/healthz/ready")
    assert ready.status_code == 200 and ready.get_json()["ready"] is True
    assert client.get("/api/map/cells").status_code == 200
    # the default report was computed by the warm-up: the first request finds it
    kept = app.extensions["geoapp.reportcache"]
    assert kept._reports, "the warm-up computed no report"
    assert client.get("/api/reports").status_code == 200


def test_work_made_ahead_that_fails_does_not_keep_the_worker_from_ready(database, rules,
                                                                         two_cells, caplog):
    """A refresher (say, the first view's tiles) failing is logged; the worker still says
    ready and serves, and the requests make what was not made ahead."""
    from geoapp.web import warmup

    app = make_app(database, WARM_START=True, WARM_WAIT_SECONDS=0)

    def broken():
        raise RuntimeError("tile seeding broke")

    app.extensions[warmup.REFRESHERS].insert(0, broken)
    client = app.test_client()
    client.get("/healthz/ready")  # starts the thread
    warm = app.extensions["geoapp.warmup"]
    assert warm.ready.wait(120), warm.error
    assert client.get("/healthz/ready").status_code == 200
    assert client.get("/api/map/cells").status_code == 200
    assert "making broken ahead failed" in caplog.text and "tile seeding broke" in caplog.text


def test_without_warm_start_ready_is_200_at_once(database):
    client = make_app(database).test_client()
    assert client.get("/healthz/ready").get_json() == {"ready": True, "warm_start": False}


def _add_in_b(database, rules, ids) -> None:
    """A new hazard at the shop in B."""
    with database.transaction() as s:
        hazards.create_hazard(s, rules, ids["B"], {
            "level": "general", "source": "self_check", "description": "灭火器过期",
            "found_on": TODAY.isoformat(), "deadline": (TODAY + dt.timedelta(days=7)).isoformat(),
        }, "测试", TODAY)


def _close(database, rules, hazard_id) -> None:
    for action, actor, role, note in (("start", "测试", "grid", ""), ("submit", "测试", "grid", ""),
                                      ("accept", "监管员", "supervisor", "验收合格")):
        with database.transaction() as s:
            hazards.move(s, rules, hazard_id, action, actor, note, role=role)


def test_a_hazard_move_patches_the_map_as_a_full_rebuild_would(database, rules, two_cells):
    cache = MapCache()
    with database.sessions() as s:
        before = cache.load(s, rules, TODAY)
    a, b = before.cell_index["A"], before.cell_index["B"]
    _add_in_b(database, rules, two_cells)  # a new hazard in B only
    with database.sessions() as s:
        after = cache.load(s, rules, TODAY)
        fresh = MapCache().load(s, rules, TODAY)
    assert cache.patches == 1
    old, new = before.cells_doc, after.cells_doc
    differ = [i for i in range(len(new["code"]))
              if (old["hazards"][i], old["level"][i]) != (new["hazards"][i], new["level"][i])]
    assert differ == [b]
    assert new == fresh.cells_doc and after.cells_payload.body == fresh.cells_payload.body
    # the patched body (its kept prefix, the changed columns after) is the document, gzip too
    assert json.loads(gzip.decompress(after.cells_payload.gz)) == {
        "geom": after.geometry.overview, **new}
    _close(database, rules, two_cells["hazard"])  # A's hazard closed: A changes only
    with database.sessions() as s:
        closed = cache.load(s, rules, TODAY)
        fresh = MapCache().load(s, rules, TODAY)
    assert cache.patches == 2
    differ = [i for i in range(len(new["code"]))
              if (new["hazards"][i], new["level"][i], new["badge"].get(str(i))) !=
              (closed.cells_doc["hazards"][i], closed.cells_doc["level"][i],
               closed.cells_doc["badge"].get(str(i)))]
    assert differ == [a] and str(a) not in closed.cells_doc["badge"]
    assert closed.cells_doc == fresh.cells_doc
    assert closed.p_level.tolist() == fresh.p_level.tolist()
    assert closed.p_flags.tolist() == fresh.p_flags.tolist()
    assert closed.p_flags.tolist() != before.p_flags.tolist()


def test_a_hazard_move_patches_the_reports_dataset_as_a_full_load_would(database, rules,
                                                                        two_cells):
    kept = ReportCache()
    period = periods.month_of(TODAY)
    with database.sessions() as s:
        _fp, before = kept.dataset(s, rules)
    figures_before = {c["code"]: c for c in tables.areas(before, period, TODAY)["cells"]}
    _add_in_b(database, rules, two_cells)
    with database.sessions() as s:
        _fp, after = kept.dataset(s, rules)
        full = report_data.load(s, rules)
    assert kept.patches == 1 and after is not before
    assert after.records == full.records
    assert [r.info["code"] for r in after.records] == [r.info["code"] for r in full.records]
    figures = {c["code"]: c for c in tables.areas(after, period, TODAY)["cells"]}
    assert [c for c in figures if figures[c] != figures_before[c]] == ["B"]
    assert figures == {c["code"]: c for c in tables.areas(full, period, TODAY)["cells"]}
    _close(database, rules, two_cells["hazard"])
    with database.sessions() as s:
        _fp, closed = kept.dataset(s, rules)
        full = report_data.load(s, rules)
    assert kept.patches == 2 and closed.records == full.records
