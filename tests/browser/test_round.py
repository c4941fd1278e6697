"""The grid member's round on a phone (390×844), end to end in headless Chromium.

One whole round on the demo: log in, see the 待办 block, visit a point with a photo
and one failed item, register the hazard from that item (pre-filled, one tap), take it
to 提请验收 with an after-photo, go offline and record a visit that is kept on the
phone, come back online and see it stored exactly once; then a second account (a
supervisor: 审核把关销号) accepts the hazard, confirmed with a note. Also: a visit
being written survives a reload (draft), and an expired session keeps the input and
logs in again in place.
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
import sqlalchemy as sa

from geoapp.store.demo import load_demo
from geoapp.store.models import Hazard, Inspection, Photo, Point
from tests.support.apps import make_user
from tests.support.browser import log_in, open_hazard, watched_page
from tests.support.constants import PASSWORD, TODAY

CELL = "SF-05-01"  # worked by the demo's grid member
PHONE = {"width": 390, "height": 844}


def jpeg(path, size=(1200, 900), colour=(120, 140, 90)):
    """A small photo as a phone would hand it over."""
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", size, colour).save(buf, "JPEG", quality=90)
    path.write_bytes(buf.getvalue())
    return str(path)


@pytest.fixture
def round_(database, rules):
    load_demo(database, rules, echo=lambda _msg: None)
    make_user(database, "grid", cells=[CELL])
    make_user(database, "supervisor")
    with database.sessions() as s:
        points = s.scalars(sa.select(Point).where(Point.cell_code == CELL,
                                                  Point.layer == "enterprise")
                           .order_by(Point.id).limit(2)).all()
        return [(p.id, p.geom.x, p.geom.y) for p in points]


def _phone(browser, lon, lat):
    return watched_page(browser, PHONE["width"], PHONE["height"], is_mobile=True, has_touch=True,
                        geolocation={"longitude": lon, "latitude": lat},
                        permissions=["geolocation"])


def _ready(page):
    page.wait_for_function("() => window.geoappReady !== undefined")
    page.evaluate("window.geoappReady")


def _open_visit(page, point_id):
    row = page.locator(f"#point-{point_id}")
    row.locator(".row-head").click()
    page.locator(f"#point-{point_id} .visit-button").click()
    form = page.locator(f"#point-{point_id} .visit-form")
    form.wait_for()
    return form


def _answer_all(form, result="ok"):
    for item in form.locator("ol.checklist > li").all():
        item.locator(f".seg-{result}").click()


def _count(database, model, **where):
    with database.sessions() as s:
        q = sa.select(sa.func.count()).select_from(model)
        for k, v in where.items():
            q = q.where(getattr(model, k) == v)
        return s.scalar(q)


def test_a_whole_round_on_a_phone(round_, database, live_url, browser, tmp_path):
    (pid, lon, lat), (pid2, lon2, lat2) = round_
    photo = jpeg(tmp_path / "scene.jpg")
    after = jpeg(tmp_path / "after.jpg", colour=(30, 160, 200))
    with _phone(browser, lon, lat) as (page, _requests, errors):
        log_in(page, live_url, "grid")
        page.wait_for_url(f"{live_url}/cells/{CELL}")
        _ready(page)

        # 待办 first: above the lists, in the first screen
        todo = page.locator("#todo")
        assert todo.bounding_box()["y"] < PHONE["height"]
        assert todo.bounding_box()["y"] < page.locator("#hazards").bounding_box()["y"]
        # overdue or due within 7 days: every open hazard of the cell with such a deadline
        with database.sessions() as s:
            late = s.scalar(sa.select(sa.func.count()).select_from(Hazard).join(Point)
                            .where(Point.cell_code == CELL, Hazard.state != "closed",
                                   Hazard.deadline <= TODAY + dt.timedelta(days=7)))
        assert late > 0
        assert page.locator("#todo .todo-group[data-group=deadline] h3 .count").inner_text() \
            == str(late)

        # a visit with a photo and one failed item, made at the point (position given)
        visits_before = _count(database, Inspection, point_id=pid)
        form = _open_visit(page, pid)
        page.wait_for_selector(f"#point-{pid} .position[data-located]")
        _answer_all(form, "ok")
        first = form.locator("ol.checklist > li").first
        label = first.locator(".item-label").inner_text()
        first.locator(".seg-fail").click()
        first.locator("input.item-note").fill("灭火器过期")
        form.locator("input[type=file]").set_input_files(photo)
        page.wait_for_selector(f"#point-{pid} .visit-form .photos[data-count='1']")
        form.locator("button[type=submit]").click()
        result = page.locator(f"#point-{pid} .visit-result")
        result.wait_for()
        assert result.locator(".distance").get_attribute("data-distance") == "0"
        assert "0 米" in result.inner_text()
        assert _count(database, Inspection, point_id=pid) == visits_before + 1
        with database.sessions() as s:
            visit = s.scalars(sa.select(Inspection).where(Inspection.point_id == pid)
                              .order_by(Inspection.id.desc()).limit(1)).one()
            assert visit.inspector == "grid"
            assert [v["result"] for v in visit.checklist.values()].count("fail") == 1
            assert s.scalar(sa.select(sa.func.count()).select_from(Photo)
                            .where(Photo.inspection_id == visit.id)) == 1

        # one tap on the failed item: the hazard form, pre-filled from the point and item
        result.locator(".from-item-button").click()
        hform = page.locator(f"#point-{pid} .hazard-form")
        hform.wait_for()
        assert label in hform.locator("textarea[name=description]").input_value()
        assert "灭火器过期" in hform.locator("textarea[name=description]").input_value()
        assert hform.locator(".photos").get_attribute("data-count") == "1"
        assert hform.locator("input[name=responsible_unit]").input_value() != ""
        with database.sessions() as s:
            attrs = s.get(Point, pid).attrs
        # each phone beside whom it belongs to: an enterprise's beside its contact person
        beside = {name: hform.locator(".person").filter(
            has=page.locator(f"input[name={name}]")).locator("a.tel").count()
            for name in ("responsible_unit", "responsible_person")}
        assert beside == {"responsible_unit": int(bool(attrs.get("owner_phone"))),
                          "responsible_person": int(bool(attrs.get("phone")))}
        assert hform.locator("fieldset.plan").is_hidden()  # 五到位 only for 重大
        hform.locator("button.chip[data-days='7']").click()
        hform.locator("button[type=submit]").click()
        page.wait_for_selector("article.hazard .row-head[aria-expanded=true]")
        with database.sessions() as s:
            hazard = s.scalars(sa.select(Hazard).where(Hazard.point_id == pid,
                                                       Hazard.state == "open")).one()
            hid = hazard.id
            assert label in hazard.description
            assert hazard.responsible_unit
        # an edit of a descriptive field shows in the history as field: old → new
        row = page.locator(f"#hazard-{hid}")
        old_person = hazard.responsible_person
        # the row opened on saving is drawn again when its details arrive (an edit form
        # opened before would be drawn afresh, without what was typed)
        page.wait_for_selector(f"#hazard-{hid} .row-body:not([aria-busy])")
        row.locator("button.edit").click()
        row.locator(".edit-form input[name=responsible_person]").fill("李四（虚构）")
        row.locator(".edit-form button[type=submit]").click()
        edit = page.locator(f"#hazard-{hid} .history li[data-kind=edit]")
        edit.wait_for()
        assert edit.locator(".changes").inner_text() == f"责任人：{old_person} → 李四（虚构）"
        assert "grid" in edit.locator(".actor").inner_text()
        row.locator("button[data-action=start]").click()
        page.wait_for_selector(f"#hazard-{hid}[data-state=rectifying]")
        row = page.locator(f"#hazard-{hid}")
        row.locator(".work input[type=file]").set_input_files(after)
        page.wait_for_selector(f"#hazard-{hid} .work .photos[data-count='1']")
        row.locator("button[data-action=submit]").click()
        page.wait_for_selector(f"#hazard-{hid}[data-state=awaiting_acceptance]")
        assert _count(database, Photo, hazard_id=hid) == 2  # with the finding, after the work

        # offline: a visit is kept on the phone, then sent once when the connection returns
        offline_before = _count(database, Inspection, point_id=pid2)
        page.context.set_offline(True)
        page.wait_for_selector("#net-banner:not([hidden])")
        form = _open_visit(page, pid2)
        _answer_all(form, "ok")
        form.locator("textarea[name=note]").fill("巡查无异常")
        form.locator("button[type=submit]").click()
        page.wait_for_selector(f"#point-{pid2} .visit-result")
        page.wait_for_selector("#queue-box:not([hidden])")
        assert _count(database, Inspection, point_id=pid2) == offline_before
        page.context.set_offline(False)
        page.wait_for_selector("#queue-box[hidden]", state="attached")
        assert page.locator("#net-banner").is_hidden()
        assert _count(database, Inspection, point_id=pid2) == offline_before + 1
        page.reload()  # nothing left to send a second time
        _ready(page)
        page.evaluate("window.geoappCell.queue.flush()")
        assert _count(database, Inspection, point_id=pid2) == offline_before + 1
        assert not errors, errors

    # a second account, a supervisor, accepts it (confirmed, with the acceptance note)
    with _phone(browser, lon, lat) as (page, _requests, errors):
        log_in(page, live_url, "supervisor", next_path=f"/cells/{CELL}")
        page.wait_for_url(f"{live_url}/cells/{CELL}")
        _ready(page)
        open_hazard(page, hid)
        page.locator(f"#hazard-{hid} button[data-action=accept]").click()
        page.locator(f"#hazard-{hid} .confirm textarea.note").fill("现场复查，已整改到位")
        page.locator(f"#hazard-{hid} .confirm button[data-confirm=accept]").click()
        # closed: folded away with the other closed hazards
        page.wait_for_selector(f"#closed-list #hazard-{hid}[data-state=closed]", state="attached")
        assert not errors, errors
    with database.sessions() as s:
        assert s.get(Hazard, hid).state == "closed"


def test_a_draft_survives_a_reload_and_an_expired_session_keeps_the_input(
        round_, database, live_url, browser):
    (pid, lon, lat), _second = round_
    with _phone(browser, lon, lat) as (page, _requests, errors):
        log_in(page, live_url, "grid")
        page.wait_for_url(f"{live_url}/cells/{CELL}")
        _ready(page)
        page.locator(f"#point-{pid} .row-head").click()
        page.locator(f"#point-{pid} button.record").click()
        hform = page.locator(f"#point-{pid} .hazard-form")
        hform.locator("textarea[name=description]").fill("配电箱未上锁")
        hform.locator("button.chip[data-days='3']").click()

        page.reload()  # the draft comes back
        _ready(page)
        page.locator(f"#point-{pid} .row-head").click()
        page.locator(f"#point-{pid} button.record").click()
        hform = page.locator(f"#point-{pid} .hazard-form")
        assert hform.locator("textarea[name=description]").input_value() == "配电箱未上锁"

        # the session ends elsewhere; the save asks for the log-in in place, then goes through
        token = page.get_attribute('meta[name="csrf-token"]', "content")
        page.request.post(f"{live_url}/logout", headers={"X-CSRFToken": token})
        hform.locator("button[type=submit]").click()
        relogin = page.locator("#relogin")
        relogin.wait_for()
        assert hform.locator("textarea[name=description]").input_value() == "配电箱未上锁"
        relogin.locator("input[name=password]").fill(PASSWORD)
        relogin.locator("button[type=submit]").click()
        page.wait_for_selector("#relogin", state="detached")
        page.wait_for_selector("article.hazard .row-head[aria-expanded=true]")
        with database.sessions() as s:
            stored = s.scalars(sa.select(Hazard).where(Hazard.description == "配电箱未上锁")).all()
        assert len(stored) == 1 and stored[0].point_id == pid
        assert not errors, errors


def test_the_checklist_message_goes_once_every_item_is_answered(round_, live_url, browser):
    (pid, lon, lat), _second = round_
    with _phone(browser, lon, lat) as (page, _requests, errors):
        log_in(page, live_url, "grid")
        page.wait_for_url(f"{live_url}/cells/{CELL}")
        _ready(page)
        form = _open_visit(page, pid)
        form.locator("button[type=submit]").click()  # nothing answered yet
        message = form.locator(".form-error")
        assert message.is_visible()
        assert message.inner_text() == "请为每一项选择 合格 / 不合格 / 不适用"
        items = form.locator("ol.checklist > li").all()
        for item in items[:-1]:
            item.locator(".seg-ok").click()
        assert message.is_visible()  # one item still open
        items[-1].locator(".seg-na").click()
        assert message.is_hidden()  # not left standing over a complete checklist
        assert not errors, errors


def test_a_long_file_name_in_the_history_stays_within_the_phone(round_, database, live_url,
                                                                 browser, tmp_path):
    with database.sessions() as s:
        hid = s.scalar(sa.select(Hazard.id).join(Point).where(Point.cell_code == CELL,
                                                              Hazard.state != "closed")
                       .order_by(Hazard.id).limit(1))
    (_pid, lon, lat), _second = round_
    name = "IMG_" + "7" * 200 + ".jpg"  # one word: nowhere for the line to break
    photo = Path(jpeg(tmp_path / "p.jpg")).read_bytes()
    with _phone(browser, lon, lat) as (page, _requests, errors):
        log_in(page, live_url, "grid")
        page.wait_for_url(f"{live_url}/cells/{CELL}")
        _ready(page)
        token = page.get_attribute('meta[name="csrf-token"]', "content")
        r = page.request.post(f"{live_url}/api/hazards/{hid}/photos",
                              headers={"X-CSRFToken": token},
                              multipart={"photo": {"name": name, "mimeType": "image/jpeg",
                                                   "buffer": photo}})
        assert r.status == 201
        page.reload()
        _ready(page)
        open_hazard(page, hid)
        page.wait_for_load_state("networkidle")  # the row is redrawn when its details arrive
        note = page.locator(f"#hazard-{hid} .history .event-note", has_text="IMG_777")
        assert note.inner_text() == name
        assert page.evaluate("document.documentElement.scrollWidth") == PHONE["width"]
        assert note.bounding_box()["x"] + note.bounding_box()["width"] <= PHONE["width"]
        assert not errors, errors


def test_the_office_registers_a_hazard_at_a_point_outside_every_cell(database, rules, live_url,
                                                                      browser):
    load_demo(database, rules, echo=lambda _msg: None)
    with database.sessions() as s:
        point = s.scalars(sa.select(Point).where(Point.outside).order_by(Point.id).limit(1)).one()
        pid, near = point.id, point.nearest_cell_code
    make_user(database, "admin")
    make_user(database, "grid", cells=[near])  # the member of the cell it is nearest to
    with _phone(browser, 120.3, 31.5) as (page, _requests, errors):
        log_in(page, live_url, "admin", next_path=f"/cells/{near}")
        page.wait_for_url(f"{live_url}/cells/{near}")
        _ready(page)
        row = page.locator(f".outside-rows #point-{pid}")
        row.locator(".row-head").click()
        assert page.locator(f"#point-{pid} .visit-button").count() == 0  # visits: in a cell
        page.locator(f"#point-{pid} button.record").click()
        hform = page.locator(f"#point-{pid} .hazard-form")
        hform.locator("textarea[name=description]").fill("围墙倒塌")
        hform.locator("button.chip[data-days='15']").click()
        hform.locator("button[type=submit]").click()
        page.wait_for_selector(f"#point-{pid} .hazard-form", state="detached")
        assert not errors, errors
    with database.sessions() as s:
        (hazard,) = s.scalars(sa.select(Hazard).where(Hazard.description == "围墙倒塌")).all()
        assert (hazard.point_id, hazard.state) == (pid, "open")

    # a grid member is not offered it
    with _phone(browser, 120.3, 31.5) as (page, _requests, errors):
        log_in(page, live_url, "grid", next_path=f"/cells/{near}")
        page.wait_for_url(f"{live_url}/cells/{near}")
        _ready(page)
        page.locator(f"#point-{pid} .row-head").click()
        assert page.locator(f"#point-{pid} button.record").count() == 0
        assert not errors, errors


def camera_photo(path):
    """A 12 MP camera-like JPEG (4000×3000, a gradient with sensor noise): about 6 MB."""
    import numpy as np
    from PIL import Image

    rng = np.random.default_rng(13)
    y, x = np.mgrid[0:3000, 0:4000]
    scene = np.stack([x / 4000 * 200, y / 3000 * 180, (x + y) / 7000 * 160], axis=-1)
    pixels = np.clip(scene + rng.normal(0, 18, size=(3000, 4000, 3)) + 30, 0, 255)
    Image.fromarray(pixels.astype(np.uint8)).save(path, "JPEG", quality=92)
    return str(path)


def test_a_camera_photo_is_made_small_before_it_leaves_the_phone(round_, database, live_url,
                                                                  browser, tmp_path):
    (pid, lon, lat), _second = round_
    photo = camera_photo(tmp_path / "camera.jpg")
    assert (tmp_path / "camera.jpg").stat().st_size > 5_000_000
    with _phone(browser, lon, lat) as (page, _requests, errors):
        sent = []
        page.on("requestfinished", lambda r: sent.append(int(r.all_headers()["content-length"]))
                if r.method == "POST" and r.url.endswith(f"/points/{pid}/inspections") else None)
        log_in(page, live_url, "grid")
        page.wait_for_url(f"{live_url}/cells/{CELL}")
        _ready(page)
        form = _open_visit(page, pid)
        _answer_all(form, "ok")
        form.locator("input[type=file]").set_input_files(photo)
        page.wait_for_selector(f"#point-{pid} .visit-form .photos[data-count='1']")
        form.locator("button[type=submit]").click()
        page.locator(f"#point-{pid} .visit-result").wait_for()
        assert not errors, errors
    (size,) = sent
    assert size < 600_000, size  # the whole request, photo and fields
    with database.sessions() as s:
        visit = s.scalars(sa.select(Inspection).where(Inspection.point_id == pid)
                          .order_by(Inspection.id.desc()).limit(1)).one()
        (shape,) = s.execute(sa.select(Photo.width, Photo.height)
                             .where(Photo.inspection_id == visit.id)).all()
    assert tuple(shape) == (1600, 1200)  # downscaled in the browser (the server keeps ≤ 2560)


def test_a_save_whose_answer_is_lost_is_sent_again_and_stored_once(round_, database, live_url,
                                                                     browser):
    (pid, lon, lat), _second = round_
    before = _count(database, Inspection, point_id=pid)
    with _phone(browser, lon, lat) as (page, _requests, errors):
        log_in(page, live_url, "grid")
        page.wait_for_url(f"{live_url}/cells/{CELL}")
        _ready(page)
        lost = []

        def lose_the_answer(route):
            if not lost:  # the first save reaches the server, its answer never the phone
                lost.append(route.fetch().status)
                route.abort("connectionreset")
            else:
                route.continue_()

        page.route(f"**/api/points/{pid}/inspections", lambda route: lose_the_answer(route)
                   if route.request.method == "POST" else route.continue_())
        form = _open_visit(page, pid)
        _answer_all(form, "na")
        form.locator("button[type=submit]").click()
        page.wait_for_selector("#queue-box:not([hidden])")  # kept on the phone
        assert lost == [201]
        assert _count(database, Inspection, point_id=pid) == before + 1
        page.locator("#queue-send").click()  # 立即发送: the same client id again
        page.wait_for_selector("#queue-box[hidden]", state="attached")
        assert _count(database, Inspection, point_id=pid) == before + 1
        assert not errors, errors
