"""A 100,000-row enterprise ledger through /admin/imports in headless Chromium (1440×900),
on the embedded SQLite database with the demo loaded.

The admin uploads the CSV; the page's progress bar must show values strictly between 0
and 100 while the dry run checks and writes the rows (read off the page's <progress>, not
the API), and again while the commit writes them; a reload in the middle of the dry run
finds the job still running; the preview says 100,000 added, nothing written yet; 确认导入
ends committed, and the database holds every one of the 100,000 points, inside a cell.

SQLite only: the point is the page and the job over a long import, which the SQLite
backend (the default, and the slower one here) exercises; PostGIS runs the importers'
own tests. About two minutes on the 2-core development machine (three with another test
run beside it). The screenshot of the bar mid-way is saved in /tmp/shots-admin/ (or
GEOAPP_SHOTS).
"""

from __future__ import annotations

import os
import random
import re
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from geoapp.store.database import Database
from geoapp.store.demo import load_demo
from geoapp.store.models import Point
from tests.support.apps import make_app, make_user
from tests.support.browser import log_in, serve, watched_page
from tests.support.constants import TODAY
from tests.support.ledgers import enterprise_rows, write_ledger

SHOTS = Path(os.environ.get("GEOAPP_SHOTS", "/tmp/shots-admin"))
ROWS = 100_000
JOB_SECONDS = 600  # the dry run and the commit take 35–60 s each here: room for a slow CI
BAR = """() => {
  const box = document.getElementById("progress");
  const meter = box.querySelector("progress");
  return {shown: !box.hidden, value: meter.hasAttribute("value") ? meter.value : null,
          stage: box.querySelector(".stage").textContent};
}"""


@pytest.fixture
def demo_sqlite(tmp_path, rules):
    """The demo in an embedded SQLite database of this test's own (writes 10⁵ points)."""
    database = Database(f"sqlite:///{tmp_path / 'demo.sqlite3'}")
    load_demo(database, rules, echo=lambda _msg: None, today=TODAY)
    yield database
    database.dispose()


def _follow(page, until: str, readings: list[dict], reload_at_intermediate: bool = False):
    """Read the page's bar every 0.2 s until ``until`` is visible; returns the readings
    taken after a reload (when asked for, at the first value strictly between 0 and 100)."""
    after_reload = None
    deadline = time.monotonic() + JOB_SECONDS
    while not page.locator(until).is_visible():
        assert time.monotonic() < deadline, f"{until} not shown within {JOB_SECONDS} s"
        for other in {"#result", "#problems"} - {until}:  # a stall, a rejection, a failure
            assert page.locator(other).is_hidden(), page.locator(other).inner_text()
        reading = page.evaluate(BAR)
        if reading["shown"]:
            readings.append(reading)
            if after_reload is not None:
                after_reload.append(reading)
            if reload_at_intermediate and after_reload is None \
                    and reading["value"] is not None and 0 < reading["value"] < 100:
                page.screenshot(path=str(SHOTS / "import-progress-1440.png"))
                page.reload()  # the job runs on: the page finds it again
                after_reload = []
                continue
        page.wait_for_timeout(200)
    return after_reload


def _intermediate(readings: list[dict]) -> list[float]:
    return [r["value"] for r in readings if r["value"] is not None and 0 < r["value"] < 100]


def test_a_100000_row_ledger_imports_with_a_moving_progress_bar(demo_sqlite, browser, tmp_path):
    database = demo_sqlite
    rows = enterprise_rows(ROWS)
    ledger = write_ledger(tmp_path / "合成企业台账（虚构）.csv", rows)
    make_user(database, "admin")
    with database.sessions() as s:
        points_before = s.scalar(sa.select(sa.func.count()).select_from(Point))
        outside_before = s.scalar(sa.select(sa.func.count()).where(
            Point.layer == "enterprise", Point.outside))
    SHOTS.mkdir(parents=True, exist_ok=True)
    url, stop = serve(make_app(database))
    try:
        with watched_page(browser, 1440, 900) as (page, _requests, errors):
            log_in(page, url, "admin")
            page.wait_for_load_state()
            page.goto(f"{url}/admin/imports")
            page.select_option("[name=kind]", "enterprise")
            page.set_input_files("[name=file]", str(ledger))
            page.click("#upload-form button[type=submit]")

            checking: list[dict] = []
            after_reload = _follow(page, "#preview", checking, reload_at_intermediate=True)
            assert _intermediate(checking), f"the bar never moved in the dry run: {checking}"
            assert after_reload, "after the reload the page did not show the running job"
            # …and still moving: more than one reading between the reload and the preview
            assert len({(r["value"], r["stage"]) for r in after_reload}) > 1, after_reload
            counts = page.locator("#preview .counts").inner_text()  # 新增 · 更新 · 未变 · 网格外
            figures = [int(n) for n in re.findall(r"\d+", counts.split("：")[-1])]
            assert figures == [ROWS, 0, 0, outside_before], counts
            assert page.locator("#preview .changes tbody tr.added").count() == 1000  # LISTED
            with database.sessions() as s:  # the dry run wrote nothing
                assert s.scalar(sa.select(sa.func.count()).select_from(Point)) == points_before

            page.click("#commit")
            importing: list[dict] = []
            _follow(page, "#result", importing)
            assert _intermediate(importing), f"the bar never moved in the commit: {importing}"
            assert re.search(rf"\b{ROWS}\b", page.locator("#result").inner_text())
            # the page reloads itself with the import in its history: 新增 100000
            page.locator("#history a", has_text=ledger.name).wait_for(timeout=30_000)
            row = page.locator("#history tbody tr", has_text=ledger.name).first
            assert row.locator("td").nth(4).inner_text() == str(ROWS)
            assert not errors
    finally:
        stop()

    keys = [row[1] for row in rows]
    sample = random.Random(7).sample(range(ROWS), 200)
    with database.sessions() as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(Point)) == points_before + ROWS
        stored = set(s.scalars(sa.select(Point.key).where(Point.layer == "enterprise")))
        assert stored.issuperset(keys)
        found = {p.key: p for p in s.scalars(sa.select(Point).where(
            Point.layer == "enterprise", Point.key.in_([keys[i] for i in sample])))}
        for i in sample:
            point = found[keys[i]]
            assert point.name == rows[i][0]
            assert (round(point.geom.x, 6), round(point.geom.y, 6)) == (rows[i][4], rows[i][5])
            assert point.cell_code and not point.outside
