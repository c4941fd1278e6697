"""The reports after a hazard move: what a process that kept its reports shows (the dataset
patched, the rows of unchanged groups and what lies beside the hazards reused:
geoapp.reports.cache, geoapp.reports.history) is what a fresh process computes."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import sqlalchemy as sa

from geoapp.store import assignment, hazards
from geoapp.store.models import Hazard, Point
from tests.store.test_reports import township  # noqa: F401  (the fixture)
from tests.support.apps import make_app
from tests.support.constants import TODAY

# the moves carry the real time of the run: the range holds them (and TODAY's default
# period their states); March 2026 is history they do not change
PERIODS = ("", f"?from=2026-01-01&to={TODAY.isoformat()}", "?month=2026-03")
PARTS = ("/api/reports", "/api/reports/areas", "/api/reports/visits", "/api/reports/channels",
         "/api/reports/reviewers", "/api/reports/zones", "/reports")


@pytest.fixture
def ruled(database, rules, township):  # noqa: F811
    """The township with every point's levels as the rules give them, as in a database
    built by imports: a move recomputes its point's levels, and the township's hand-set
    inherent levels would change with it (a point's change, which the reports' patch of
    a hazard move does not read)."""
    with database.transaction() as s:
        assignment.refresh_levels(s, rules)
    return township


def _hazard_id(database, code: str) -> int:
    with database.sessions() as s:
        return s.scalar(sa.select(Hazard.id).where(Hazard.code == code))


def _start(database, rules) -> None:
    """H8 (major, open, 东村) taken in hand: its state only."""
    with database.transaction() as s:
        hazards.move(s, rules, _hazard_id(database, "H8"), "start", "测试", role="grid")


def _new_major(database, rules) -> None:
    """A new major hazard at the restaurant (南村, blue): the cell's level goes up."""
    new_hazard(database, rules, "SF-QY-1", "major", "燃气管道老化")


def new_hazard(database, rules, point_key: str, level: str, description: str) -> int:
    """A new hazard (found 1 December 2026) at the point of ``point_key``: its id."""
    with database.transaction() as s:
        point = s.scalar(sa.select(Point.id).where(Point.key == point_key))
        made = hazards.create_hazard(s, rules, point, {
            "level": level, "source": "inspection", "description": description,
            "found_on": "2026-12-01", "deadline": "2027-01-31"}, "测试", TODAY)
        s.flush()
        return made.id


def _close(database, rules) -> None:
    """H3 (西村, overdue since February) closed: closed, overdue, rate and ranking move."""
    hazard_id = _hazard_id(database, "H3")
    for action, actor, role in (("start", "网格员", "grid"), ("submit", "网格员", "grid"),
                                ("accept", "监管员", "supervisor")):
        with database.transaction() as s:
            hazards.move(s, rules, hazard_id, action, actor, "验收合格", role=role)


def _same_page(html: str) -> str:
    """The page without what differs between any two responses: the CSRF token, the CSP
    nonce, and a chart's id (pygal's, random: drawn anew or not)."""
    html = re.sub(r'name="csrf-token" content="[^"]*"', "", html)
    return re.sub(r"chart-[0-9a-f-]{36}", "chart-id", re.sub(r'nonce="[^"]*"', "", html))


def _shown(client) -> dict:
    """Every part of the reports for each period (and a village's page), as served."""
    out = {}
    for period in PERIODS:
        for part in PARTS:
            for village in ("", "village=V01"):
                url = part + period + (("&" if period else "?") + village if village else "")
                response = client.get(url)
                assert response.status_code == 200, url
                out[url] = (_same_page(response.get_data(as_text=True)) if part == "/reports"
                            else response.get_json())
    return out


@pytest.mark.parametrize("change", [_start, _new_major, _close], ids=["start", "new", "close"])
def test_the_reports_after_a_move_are_those_a_fresh_process_computes(database, rules, ruled,
                                                                        change):
    kept = make_app(database)
    before = _shown(kept.test_client())
    change(database, rules)
    after = _shown(kept.test_client())
    assert kept.extensions["geoapp.reportcache"].patches == 1  # the patched path, not a reload
    fresh = _shown(make_app(database).test_client())
    assert [url for url in fresh if after[url] != fresh[url]] == []
    # the move shows (else a report kept from before it would pass): in the range, today
    moved = [url for url in fresh if before[url] != fresh[url]]
    assert "/api/reports?from=2026-01-01&to=2030-06-14" in moved
    assert not [url for url in moved if "month=2026-03" in url]


def test_a_new_major_hazard_changes_the_visits_ranking_s_red_cells(database, rules, ruled):
    """The visits report is kept across moves by the cells' levels: a level that changed
    must show in it (its villages' red cells)."""
    kept = make_app(database).test_client()
    url = f"/api/reports/visits?from=2026-01-01&to={TODAY.isoformat()}"

    def red(client):
        return {v["name"]: v["red_cells"] for v in client.get(url).get_json()["villages"]}

    before = red(kept)
    _new_major(database, rules)
    after = red(kept)
    assert before["南村"] == 0 and after["南村"] == 1
    assert after == red(make_app(database).test_client())


def test_a_timeline_laid_out_from_the_one_before_a_move_is_the_full_one(database, rules,
                                                                        ruled):
    from geoapp.domain.timeline import Timeline
    from geoapp.reports import history
    from geoapp.reports.cache import ReportCache
    from geoapp.store.reads import report_data

    cache = ReportCache()
    with database.sessions() as s:
        _fp, old = cache.dataset(s, rules)
    history.timeline(old)
    _new_major(database, rules)
    _close(database, rules)
    with database.sessions() as s:
        _fp, new = cache.dataset(s, rules)
        full = report_data.load(s, rules)
    assert cache.patches == 1 and "timeline" in new.memos  # laid out from the old one
    laid, whole = new.memos["timeline"], Timeline(full.records)
    assert new.records == full.records
    for name in ("found", "deadline", "close_rec", "close_start", "close_end", "step_rec",
                 "step_day", "step_code", "step_start"):
        assert getattr(laid, name).tolist() == getattr(whole, name).tolist(), name
    for day in (dt.date(2026, 3, 31), dt.date(2026, 12, 31), TODAY):
        assert laid.codes(day).tolist() == whole.codes(day).tolist()
