"""The leader's map and the grid member's cell page, end to end in headless Chromium.

One walk through the demo as a grid member would take it: log in, see the
territory's cells in the four colours, open a cell's popup, follow it to the
cell page, where a hazard awaiting acceptance offers the grid member no step;
a supervisor returns it for rework with a note, confirmed, and sees it in the
history. Every
request the browser makes is recorded (none may leave 127.0.0.1), and names,
descriptions and the note carry markup that must show as text and never run.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa

from geoapp.store.demo import load_demo
from geoapp.store.models import Cell, Hazard, Point
from tests.support.apps import make_app, make_user
from tests.support.browser import log_in, open_hazard, watched_page

XSS = '<img src=x onerror="window.__xss=(window.__xss||0)+1">'
CELL = "SF-05-01"  # worked by the demo's grid member


def _poison(database):
    """Hostile text in a point name, a grid member's name and a hazard description."""
    with database.transaction() as s:
        cell = s.scalar(sa.select(Cell).where(Cell.code == CELL))
        cell.members = [{"name": "网格员" + XSS, "phone": "13800000000"}]
        point = s.scalar(sa.select(Point).where(
            Point.cell_code == CELL, Point.layer == "enterprise").order_by(Point.id).limit(1))
        point.name = "企业" + XSS
        hazard = s.scalar(sa.select(Hazard).join(Point).where(
            Point.cell_code == CELL, Hazard.state == "awaiting_acceptance")
            .order_by(Hazard.id).limit(1))
        assert hazard is not None, f"the demo has no hazard awaiting acceptance in {CELL}"
        hazard.description = "隐患" + XSS
        return hazard.id


@pytest.fixture
def app(database):
    """The app with GRID_OVERVIEW on: a grid member's map shows every cell's colour (their
    own cells' figures only; without it, their map holds their own cells alone)."""
    return make_app(database, GRID_OVERVIEW=True)


@pytest.fixture
def walk(database, rules):
    load_demo(database, rules, echo=lambda _msg: None)
    make_user(database, "grid", cells=[CELL])
    make_user(database, "supervisor")
    return _poison(database)


def test_grid_member_walks_from_the_map_to_a_hazard_move(walk, rules, live_url, browser):
    hazard_id = walk
    with watched_page(browser, 1280, 800) as (page, requests, errors):
        log_in(page, live_url, "grid")
        page.wait_for_url(f"{live_url}/cells/{CELL}")  # a grid member lands on their cell

        # the county overview (GRID_OVERVIEW): every cell, four colours
        page.goto(f"{live_url}/")
        page.wait_for_function("() => window.geoappReady !== undefined")
        page.evaluate("window.geoappReady")
        fills = page.evaluate("""() => {
            const out = {};
            document.querySelectorAll('path.gm-cell').forEach(p => {
              const level = [...p.classList].find(c => c.startsWith('gm-cell-') );
              (out[level] = out[level] || new Set()).add(p.getAttribute('fill'));
            });
            return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, [...v]]));
        }""")
        # each level's cells are filled with exactly that level's colour from the risk file
        assert fills == {f"gm-cell-{lv.code}": [lv.colour] for lv in rules.risk.levels}, fills

        # switch the point layers off (as a user would, in the filter panel), then click
        # a spot inside the cell so that the click lands on the cell itself
        for box in page.locator("#f-layers input:not([value=cells])").all():
            box.uncheck()
        page.evaluate(f"""() => {{
            const poly = window.geoappMapUi.cellPolygon({CELL!r});
            window.geoappMap.fitBounds(poly.getBounds(), {{animate: false}});
        }}""")
        x, y = page.evaluate(f"""() => {{
            const poly = window.geoappMapUi.cellPolygon({CELL!r});
            const path = poly.getElement();
            const box = path.getBoundingClientRect();
            // scan the cell's box for a pixel whose topmost element is this cell's path
            for (let fy = 0.5; fy < 1; fy += 0.05) for (const f of [fy, 1 - fy])
              for (let fx = 0.5; fx < 1; fx += 0.05) for (const g of [fx, 1 - fx]) {{
                const px = box.left + g * box.width, py = box.top + f * box.height;
                if (document.elementFromPoint(px, py) === path) return [px, py];
              }}
            return null;
        }}""")
        page.mouse.click(x, y)
        popup = page.locator("#cell-popup")
        popup.wait_for()
        assert popup.get_attribute("data-code") == CELL
        page.wait_for_function("() => !document.querySelector('#cell-popup .members')"
                               ".textContent.includes('…')")
        assert XSS in popup.inner_text()  # the member's name shows as text
        link = popup.locator("a.link")
        assert f"/cells/{CELL}" in link.get_attribute("href")
        # dispatched, not a pointer click: on a loaded machine the popup may still be
        # panning into view, and a pointer click then lands on the moving map
        link.dispatch_event("click")

        # the cell page: the hazard awaits acceptance, which is not the grid member's step
        page.wait_for_url(f"{live_url}/cells/{CELL}")
        page.wait_for_function("() => window.geoappReady !== undefined")
        page.evaluate("window.geoappReady")
        row = page.locator(f"#hazard-{hazard_id}")
        assert row.get_attribute("data-state") == "awaiting_acceptance"
        assert "隐患" + XSS in row.locator(".desc").inner_text()
        open_hazard(page, hazard_id)  # a compact row opens with a tap
        assert row.locator("button[data-action]").count() == 0  # 审核把关销号
        assert "企业" + XSS in page.locator("#points").inner_text()

        # a supervisor returns it for rework with a note; it shows in the history at once
        token = page.get_attribute('meta[name="csrf-token"]', "content")
        page.request.post(f"{live_url}/logout", headers={"X-CSRFToken": token})
        log_in(page, live_url, "supervisor", next_path=f"/cells/{CELL}")
        page.wait_for_url(f"{live_url}/cells/{CELL}")
        page.wait_for_function("() => window.geoappReady !== undefined")
        page.evaluate("window.geoappReady")
        row = open_hazard(page, hazard_id)
        row.locator("button[data-action=reject]").click()
        note = "验收发现仍未整改到位 " + XSS
        row.locator(".confirm textarea.note").fill(note)
        row.locator(".confirm button[data-confirm=reject]").click()
        page.wait_for_selector(f"#hazard-{hazard_id}[data-state=rectifying]")
        row = page.locator(f"#hazard-{hazard_id}")
        assert note in row.locator(".history .event-note").first.inner_text()
        # the cell's history is drawn again once the page has reloaded its data
        page.wait_for_function("t => document.querySelector('#cell-events').textContent"
                               ".includes(t)", arg=note)

        # the move is stored: a reload shows it, with the supervisor as the actor
        page.reload()
        page.wait_for_selector(f"#hazard-{hazard_id}[data-state=rectifying]")
        open_hazard(page, hazard_id)
        assert "supervisor" in page.locator(
            f"#hazard-{hazard_id} .history .actor").first.inner_text()

        assert page.evaluate("window.__xss") is None, "injected markup ran"
        assert not errors, errors
    hosts = {urlsplit(u).hostname for u in requests if not u.startswith("data:")}
    assert hosts == {"127.0.0.1"}, hosts
    assert len(requests) > 10
