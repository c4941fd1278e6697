"""Bad input on every JSON route, on both backends: 4xx naming the field, never a 500.

One table: the routes are discovered from ``app.url_map`` (every rule under
/api, plus the pages that take a POST), and each payload goes to every path
parameter, query parameter and body field of each: ids beyond the integer
range, NUL in path and query, JSON nested 10 000 deep, lists / objects /
numbers where text is expected, lone surrogates (``"\\udc80"``) and NUL in
text. Logged in as admin, so that authorisation does not hide a crash.
The body-size limit and authorisation-before-parsing (413 / 403) follow.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import tracemalloc

import pytest
import sqlalchemy as sa
from werkzeug.routing import IntegerConverter

from geoapp.store.models import Cell, Extension, Hazard, Point, Zone
from tests.support.constants import PASSWORD, TODAY

HUGE_IDS = ("2147483648", "9223372036854775807", "99999999999999999999999")
NUL, SURROGATE = "\u0000", "\udc80"

# query parameters each endpoint reads ("lang" is read on every request)
QUERY = {
    "map.points": ("bbox", "zoom", "layers", "levels", "hazard", "town", "village", "cell",
                      "outside"),
    "map.search": ("q", "layer", "limit"),
    "admission.industries": ("q", "limit"),
    "admission_checks.api": ("verdict", "from", "to", "industry", "number", "limit", "offset"),
    # every report takes one period: month, quarter (or period), year, or from and to
    **{f"reports.{name}": ("month", "quarter", "period", "year", "from", "to") for name in (
        "api_areas", "api_industries", "api_overdue", "api_ranking", "api_bulletin",
        "api_reviewers", "api_visits", "api_extensions", "api_measures")},
    "reports.api_page": ("month", "quarter", "period", "year", "from", "to", "village"),
    "reports.api_ranking": ("month", "quarter", "period", "year", "from", "to", "village"),
    # (no base query: a "from" there would make "months" a missing "to")
    "reports.api_trend": ("month", "quarter", "period", "year", "from", "months"),
    "dashboard.api": ("month",), "dashboard.chart": ("month",),
    "measures.measures": ("hazard_id", "enterprise_id", "kind", "from", "to"),
    "export.download": ("state", "level", "cell", "village", "overdue", "listed", "month",
                        "quarter", "period", "year", "from", "to", "encoding"),
    "public_reports.queue": ("state",),
}
NUMERIC_QUERY = {"zoom", "limit", "months", "month", "quarter", "period", "year", "from", "to",
                 "hazard_id", "enterprise_id"}
# what a route needs to reach the parameter under test ("to" alone is a missing "from")
BASE_QUERY = {"map.search": {"q": "公司"},
              **{f"reports.{name}": {"from": "2026-01-01"} for name in (
                  "api_areas", "api_industries", "api_overdue", "api_page", "api_ranking",
                  "api_bulletin", "api_reviewers", "api_visits", "api_extensions",
                  "api_measures")},
              "export.download": {"from": "2026-01-01"}}

# write routes that take only files (their bad files: tests/web/test_photos.py and
# tests/web/test_admin_imports.py, tests/web/test_basemap.py)
FILES_ONLY = {"photos.add_hazard_photo", "imports_admin.api_preview", "basemap.api_install"}
# POSTs that read no body (the path and the query are still checked)
NO_BODY = {"accounts_admin.api_reset_password", "imports_admin.api_commit",
           "imports_admin.api_cancel"}
TEXT_VALUES = (["x"], {"a": 1}, 7, True, SURROGATE, f"a{NUL}b")
PLAN = {"goal": "消除隐患", "measures": "更换", "funds": "1万元", "emergency_plan": "预案"}


def _bodies(today: dt.date, hazard_code: str, checklist: tuple[str, ...] = (),
            hazard_id: int = 1) -> dict:
    """endpoint -> (a valid body, {field: values that must be refused}).

    ``checklist``: the item keys of the point the visit is posted to.
    """
    found, deadline = today.isoformat(), (today + dt.timedelta(days=30)).isoformat()
    visit = {"checklist": {**dict.fromkeys(checklist, "ok"), "notes": {checklist[0]: "好"}},
             "note": "正常", "lon": 120.35, "lat": 31.58, "accuracy_m": 10,
             "client_id": "0f8fad5b-d9cb-469f-a165-70867728950e"} if checklist else {}
    hazard = {"level": "major", "source": "inspection", "description": "灭火器过期",
              "found_on": found, "deadline": deadline, "responsible_unit": "某公司",
              "responsible_person": "张三", "listed": False, "plan": PLAN}
    site = {"type": "Point", "coordinates": [120.35, 31.58]}
    return {
        "hazards.move_hazard": ({"action": "start", "note": "已安排"},
                            dict.fromkeys(("action", "note"), TEXT_VALUES)),
        "hazards.new_hazard": (hazard, {
            **dict.fromkeys(("level", "source", "description", "found_on", "deadline",
                             "responsible_unit", "responsible_person"), TEXT_VALUES),
            "listed": ("yes", ["x"], {"a": 1}, SURROGATE),
            "client_id": (*TEXT_VALUES, "not-a-uuid", "0f8fad5bd9cb469fa16570867728950e----"),
            "plan": ("x", ["x"], 7, {"goal": SURROGATE}),
            **{f"plan.{k}": TEXT_VALUES for k in PLAN}}),
        "hazards.edit_hazard": ({"description": "灭火器过期两具", "responsible_unit": "某公司",
                                 "responsible_person": "张三", "level": "major",
                                 "listed": False},
                                {**dict.fromkeys(("description", "responsible_unit",
                                                  "responsible_person", "level"), TEXT_VALUES),
                                 "listed": ("yes", ["x"], {"a": 1}, SURROGATE),
                                 "deadline": (deadline,), "plan": (PLAN,)}),
        "inspections.new_inspection": (visit, {
            "checklist": ("x", ["x"], 7, SURROGATE),
            **{f"checklist.{k}": ("maybe", ["x"], {"a": 1}, 7, SURROGATE, f"o{NUL}k")
               for k in checklist},
            "notes": ("x", ["x"], 7),
            "note": TEXT_VALUES, "client_id": (*TEXT_VALUES, "not-a-uuid"),
            **dict.fromkeys(("lon", "lat"), ("x", ["x"], {"a": 1}, True, 200, SURROGATE)),
            "accuracy_m": (-1, "x", ["x"], SURROGATE)}),
        # 挂牌督办 (tests/web/test_listing.py walks the steps; here the fields' types)
        # the apps' today is TODAY: the listing's deadline is checked against it
        "listings.list_hazard": ({"level": "county", "unit": "县应急管理局", "note": "重大事故隐患",
                                  "deadline": (TODAY + dt.timedelta(days=30)).isoformat()}, {
            "level": (*TEXT_VALUES, "province"), "unit": (*TEXT_VALUES, "", "单" * 201),
            "deadline": (*TEXT_VALUES, "20260415", "2026-W01-1",
                         (TODAY + dt.timedelta(days=366)).isoformat()),
            "note": TEXT_VALUES}),
        "listings.publish": ({"kind": "listed", "date": found}, {
            "kind": (*TEXT_VALUES, "both"),
            "date": (*TEXT_VALUES, "20260415", (TODAY + dt.timedelta(days=1)).isoformat())}),
        "listings.delist": ({"date": found, "note": "已销号"}, {
            "date": (*TEXT_VALUES, "20260415", (TODAY + dt.timedelta(days=1)).isoformat()),
            "note": TEXT_VALUES}),
        "extensions.request_extension": (
            {"until": (today + dt.timedelta(days=40)).isoformat(), "reason": "设备未到货"},
            {"until": (*TEXT_VALUES, "2030/06/20", "2030-02-30", "2030-W26-1", ""),
             "reason": (*TEXT_VALUES, "", "   ", "长" * 2001)}),
        "extensions.decide_extension": ({"approve": False, "note": "理由不充分"}, {
            "approve": ("yes", ["x"], {"a": 1}, 1, SURROGATE),
            "note": (*TEXT_VALUES, "", "  ", "长" * 2001)}),
        "measures.new_measure": (
            {"kind": "referral", "hazard_id": hazard_id, "date": found, "unit": "示范镇安监站",
             "recipient": "某公司（虚构）", "note": "限期整改", "referred_to": "县应急管理局"},
            {**dict.fromkeys(("kind", "date", "unit", "recipient", "note", "referred_to"),
                             TEXT_VALUES),
             "kind": (*TEXT_VALUES, "visit"), "date": (*TEXT_VALUES, "2026-13-01", "1900-01-01"),
             "hazard_id": ("x", ["x"], {"a": 1}, True, -1, 0, 2**40, SURROGATE),
             "surprise": ("x",)}),
        # accounts (the admin's own: a refused change must leave it as it was)
        "accounts_admin.api_create": (
            {"username": "probe", "role": "leader", "display_name": "探针（测试）",
             "email": "probe@example.org", "password": "a-long-enough-password-1"},
            {**dict.fromkeys(("username", "display_name", "email", "password"), TEXT_VALUES),
             "role": (*TEXT_VALUES, "boss"), "email": (*TEXT_VALUES, "not-an-address"),
             "password": (*TEXT_VALUES, "short"),
             "cells": ("x", 7, {"a": 1}, [7], [SURROGATE])}),
        "accounts_admin.api_update": ({"display_name": "管理员（测试）"}, {
            **dict.fromkeys(("display_name", "email", "role"), TEXT_VALUES),
            "role": (*TEXT_VALUES, "boss", "leader"), "email": (*TEXT_VALUES, "x@"),
            "cells": (7, {"a": 1}, [7], ["no-such-cell"])}),
        "accounts_admin.api_active": ({"active": True}, {
            "active": ("yes", ["x"], {"a": 1}, 1, None, SURROGATE)}),
        "account.change_password": ({"current": PASSWORD, "new": "another-long-password-2"}, {
            "current": (*TEXT_VALUES, "wrong-password"),
            "new": (*TEXT_VALUES, "short", "")}),
        # one's own access token (its revocation: test_token_revocation_refuses_…)
        "tokens.create_token": ({"name": "QGIS（测试）"}, {
            "name": (*TEXT_VALUES, "", "   ", "\u200b", "长" * 101)}),
        # public reports: the filing as JSON (the form's fields are the same; its files and
        # the form itself: tests/web/test_public_reports.py), a triage step, a reward
        "public_reports.file_report": (
            {"lon": 120.35, "lat": 31.58, "category": "other", "description": "通道堵塞",
             "phone": "13800000000"},
            {**dict.fromkeys(("lon", "lat"), ("x", ["x"], {"a": 1}, True, 200, SURROGATE)),
             **dict.fromkeys(("category", "description", "phone"), TEXT_VALUES),
             "category": (*TEXT_VALUES, "no_such"), "description": (*TEXT_VALUES, "  "),
             "phone": (*TEXT_VALUES, "call me")}),
        "public_reports.triage": ({"action": "start", "note": "已安排", "reply": ""}, {
            **dict.fromkeys(("action", "note", "reply", "level", "deadline", "name"),
                            TEXT_VALUES),
            "action": (*TEXT_VALUES, "fly"),
            "point_id": ("x", ["x"], {"a": 1}, True, -1, 2**40, SURROGATE)}),
        "public_reports.reward": ({"amount": 100, "on": found, "paid": False}, {
            "amount": ("x", ["x"], {"a": 1}, True, 0, -5, SURROGATE),
            "on": (*TEXT_VALUES, "2030-13-01"), "paid": ("yes", ["x"], 1, SURROGATE)}),
        # the accident register (its edit, PUT, is tested in tests/web/test_accidents.py)
        "accidents.create": (
            {"code": "SG-BAD-1", "occurred_on": found, "type": "触电", "deaths": 0,
             "address": "某地（虚构）", "lon": 120.35, "lat": 31.58},
            {**dict.fromkeys(("code", "occurred_on", "type", "state", "address", "note"),
                             TEXT_VALUES),
             "code": (*TEXT_VALUES, "", "长" * 61), "occurred_on": (*TEXT_VALUES, "2026-13-01"),
             "type": (*TEXT_VALUES, "交通"), "state": (*TEXT_VALUES, "已处理"),
             **dict.fromkeys(("deaths", "serious_injuries", "injuries"),
                             ("x", ["x"], {"a": 1}, True, -1, 1.5, SURROGATE)),
             "loss": ("x", ["x"], True, -1, SURROGATE), "lon": ("x", ["x"], True, 200),
             "enterprise_id": ("x", ["x"], True, -1, 2**40, SURROGATE)}),
        # a zone's assessment (geoapp.domain.zone_grades): nothing bad may be stored, as the
        # history is append-only and would change the shared demo's grade
        "zones.new_assessment": (
            {"assessed_on": found, "score": 90, "grade": "B", "body": "省应急管理厅（虚构）",
             "note": ""},
            {**dict.fromkeys(("assessed_on", "grade", "body", "note"), TEXT_VALUES),
             "assessed_on": (*TEXT_VALUES, "2030-13-01", "2099-01-01"),
             "score": ("x", ["x"], {"a": 1}, True, -1, 101, SURROGATE),
             "grade": (*TEXT_VALUES, "E")}),
        "admission.api_check": ({"site": site, "crs": "wgs84", "industry": "2614"}, {
            "site": ("x", ["x"], 7, {"type": SURROGATE, "coordinates": [1, 2]},
                     {"type": "Point", "coordinates": [[[NUL]]]}),
            "crs": TEXT_VALUES, "industry": TEXT_VALUES}),
    }


def _nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def _with(body: dict, field: str, value) -> dict:
    body = json.loads(json.dumps(body))
    if "." in field:
        outer, inner = field.split(".")
        body[outer][inner] = value
    else:
        body[field] = value
    return body


def _json(body) -> dict:
    """Client arguments for a JSON body, with \\u escapes: a lone surrogate cannot be UTF-8."""
    return {"data": json.dumps(body), "content_type": "application/json"}


def _url(rule, args: dict) -> str:
    return re.sub(r"<(?:[^:<>]+:)?(\w+)>", lambda m: str(args[m.group(1)]), rule.rule)


def _cases(app, ids: dict, today: dt.date):
    """(label, method, url, keyword arguments, expected status, expected field) for each."""
    bodies = _bodies(today, ids["hazard_code"], ids["checklist"], ids["hazard"])
    rules = [r for r in app.url_map.iter_rules()
             if r.rule.startswith("/api/") or "POST" in r.methods]
    posted = {r.endpoint for r in rules
              if r.methods & {"POST", "PATCH"} and r.rule.startswith("/api/")}
    assert posted - FILES_ONLY - NO_BODY == set(bodies), \
        "a JSON write route without its row in _bodies"
    for rule in sorted(rules, key=lambda r: (r.rule, r.endpoint)):
        method = next((m for m in ("POST", "PATCH") if m in rule.methods), "GET")
        base = {"hazard_id": ids["hazard"], "point_id": ids["point"], "code": ids["cell"],
                "photo_id": 1, "extension_id": ids["extension"], "measure_id": 1, "accident_id": 1,
                "user_id": ids["user"], "upload_id": "0" * 32, "token_id": 1,
                "z": 12, "x": 3418, "y": 1660, "filename": "hazards.xlsx",
                "name": "trend", "number": "准入-2030-000001"}
        base["report_id"] = ids["report"]  # a public report waiting (the demo's)
        if rule.endpoint.startswith("zones."):
            base["code"] = ids["zone"]  # a zone's routes take a zone's code
        headers = ({"If-Match": '"1"'} if rule.endpoint in (
            "hazards.move_hazard", "hazards.edit_hazard", "public_reports.triage") else {})
        good = bodies.get(rule.endpoint, (None, {}))[0]
        send = {"headers": headers, **(_json(good) if good is not None else {})}
        if rule.endpoint == "auth.login":
            send = {"data": {"username": "admin", "password": "x", "csrf_token": "t"}}
        for arg in rule.arguments:
            if isinstance(rule._converters[arg], IntegerConverter):
                for huge in HUGE_IDS:
                    yield (f"{arg}={huge}", method, _url(rule, {**base, arg: huge}), send,
                           404, None)
            else:
                yield f"{arg}=%00", method, _url(rule, {**base, arg: "%00"}), send, 400, "path"
        url = _url(rule, base)
        for param in (*QUERY.get(rule.endpoint, ()), "lang"):
            for value in ("a%00", *((HUGE_IDS[-1],) if param in NUMERIC_QUERY else ())):
                query = {**BASE_QUERY.get(rule.endpoint, {}), param: value}
                yield (f"?{param}={value}", method,
                       url + "?" + "&".join(f"{k}={v}" for k, v in query.items()),
                       send, 400, param)
        if rule.endpoint == "auth.login":
            for field in ("username", "password"):
                data = {**send["data"], field: f"a{NUL}"}
                yield f"form {field}=NUL", method, url, {"data": data}, 400, field
        if rule.endpoint not in bodies:
            continue
        for label, raw in (("depth 10000", _nested(10000)), ("depth 40", _nested(40)),
                           ("a list", "[1]"), ("not JSON", "{")):
            yield (f"body {label}", method, url,
                   {"data": raw, "content_type": "application/json", "headers": headers},
                   400, "body")
        deep = json.loads(json.dumps(good))
        deep[next(iter(good))] = json.loads(_nested(100))
        yield ("field depth 100", method, url, {**_json(deep), "headers": headers}, 400,
               next(iter(good)))
        for field, values in bodies[rule.endpoint][1].items():
            for value in values:
                yield (f"{field}={value!r}"[:60], method, url,
                       {**_json(_with(good, field, value)), "headers": headers}, 400, field)


@pytest.fixture
def ids(demo_database, rules):
    """Ids in the shared demo, and an extension request waiting on its first open hazard
    (so that a decision's bad body is read), removed again afterwards."""
    from geoapp.store.inspections import checklist_of
    from geoapp.store.models import PublicReport

    with demo_database.transaction() as s:
        hazard = s.scalars(sa.select(Hazard).where(Hazard.state == "open")
                           .order_by(Hazard.id)).first()
        point = s.scalars(sa.select(Point).where(Point.cell_code.is_not(None))
                          .order_by(Point.id)).first()
        cell = s.scalar(sa.select(Cell.code).order_by(Cell.code))
        zone = s.scalar(sa.select(Zone.code).order_by(Zone.code))
        asked = Extension(hazard_id=hazard.id, requested_at=dt.datetime(2030, 6, 13, 2,
                                                                        tzinfo=dt.UTC),
                          requested_by="test", reason="设备未到货", old_deadline=hazard.deadline,
                          until=hazard.deadline + dt.timedelta(days=5), state="requested",
                          decision_note="")
        s.add(asked)
        s.flush()
        found = {"hazard": hazard.id, "hazard_code": hazard.code, "point": point.id,
                 "cell": cell, "zone": zone,
                 "checklist": tuple(i.key for i in checklist_of(rules, point)),
                 "extension": asked.id,
                 "report": s.scalar(sa.select(sa.func.min(PublicReport.id)).where(
                     PublicReport.state == "received"))}
    yield found
    with demo_database.transaction() as s:
        s.delete(s.get(Extension, found["extension"]))


def test_every_json_route_refuses_bad_input_with_4xx_naming_the_field(
        demo_client, demo_auth, ids, rules):
    from geoapp.domain import workflow

    client = demo_client
    from geoapp.store.accounts import find_user

    assert demo_auth.login("admin").status_code == 302
    with demo_auth.database.sessions() as s:
        ids = {**ids, "user": find_user(s, "admin").id}
    today = workflow.today_in(rules.risk.hazards.timezone)
    cases = list(_cases(client.application, ids, today))
    wrong, crashed = [], 0
    for i, (label, method, url, send, status, field) in enumerate(cases):
        # each case from its own address: the public filing counts every attempt per address
        # (its limit is tested in tests/web/test_public_reports.py)
        client.environ_base["REMOTE_ADDR"] = f"10.{i // 65025 % 250}.{i // 255 % 255}.{i % 255}"
        try:
            r = client.open(url, method=method, **send)
        except Exception as exc:  # TESTING propagates what would be a 500
            crashed += 1
            wrong.append((url, label, f"500 {type(exc).__name__}"))
            continue
        body = r.get_json(silent=True) or {}
        crashed += r.status_code >= 500
        named = body.get("field") or ""
        if r.status_code != status or (field and not (named == field
                                                      or named.startswith(field + "."))):
            wrong.append((url, label, r.status_code, body.get("field"), body.get("message")))
    print(f"\n{len(cases)} (route, payload) cases, {crashed} answered 500")
    assert not wrong, f"{len(wrong)} of {len(cases)} cases wrong:\n" + "\n".join(map(str, wrong))


# ---- the size of a body, and who may make the server read it

def test_a_body_over_the_limit_is_refused_before_it_is_read(demo_client, demo_auth, ids):
    assert demo_auth.login("admin").status_code == 302
    big = b'{"action": "start", "note": "' + b"x" * 150_000_000 + b'"}'
    tracemalloc.start()
    try:
        r = demo_client.post(f"/api/hazards/{ids['hazard']}/transitions", data=big,
                             content_type="application/json", headers={"If-Match": '"1"'})
        _now, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert r.status_code == 413
    assert r.get_json()["error"] == "too_large" and r.get_json()["field"] == "body"
    assert "1,000,000" in r.get_json()["message"]
    assert peak < 20_000_000  # the 150 MB body was never read into memory


def test_the_limit_admits_the_largest_admission_site(demo_client, demo_auth):
    from geoapp.domain.site_input import MAX_VERTICES

    assert demo_auth.login("admin").status_code == 302
    ring = [[120.30 + 0.05 * i / MAX_VERTICES, 31.55 + 0.00001 * (i % 2)]
            for i in range(MAX_VERTICES - 1)]
    site = {"type": "Polygon", "coordinates": [[*ring, ring[0]]]}
    body = json.dumps({"site": site, "crs": "wgs84", "industry": "2614"})
    r = demo_client.post("/api/admission-check", data=body, content_type="application/json")
    assert r.status_code != 413, r.get_json()


@pytest.mark.parametrize("role", ["leader", "planner"])
def test_writes_check_the_role_before_reading_the_body(demo_client, demo_auth, ids, role):
    assert demo_auth.login(role).status_code == 302
    for url in (f"/api/points/{ids['point']}/hazards", f"/api/hazards/{ids['hazard']}/transitions",
                f"/api/points/{ids['point']}/inspections"):
        r = demo_client.post(url, data=_nested(10000), content_type="application/json",
                             headers={"If-Match": '"1"'})
        assert r.status_code == 403 and r.get_json()["error"] == "forbidden", url
    r = demo_client.patch(f"/api/hazards/{ids['hazard']}", data=_nested(10000),
                          content_type="application/json", headers={"If-Match": '"1"'})
    assert r.status_code == 403 and r.get_json()["error"] == "forbidden"
    for method, url in (("POST", "/api/accidents"), ("PUT", "/api/accidents/1")):
        r = demo_client.open(url, method=method, data=_nested(10000),
                             content_type="application/json")
        assert r.status_code == 403 and r.get_json()["error"] == "forbidden", url


@pytest.mark.parametrize("role", ["grid", "planner"])
def test_measures_check_the_role_before_reading_the_body(demo_client, demo_auth, ids, role):
    cells = [ids["cell"]] if role == "grid" else []
    assert demo_auth.login(role, cells=cells).status_code == 302
    r = demo_client.post("/api/measures", data=_nested(10000), content_type="application/json")
    assert r.status_code == 403 and r.get_json()["error"] == "forbidden_step"


def test_grid_member_cannot_make_the_admission_check_read_a_body(demo_client, demo_auth, ids):
    assert demo_auth.login("grid", cells=[ids["cell"]]).status_code == 302
    r = demo_client.post("/api/admission-check", data=_nested(10000),
                         content_type="application/json")
    assert r.status_code == 403


def test_an_unknown_api_path_and_method_answer_json(demo_client, demo_auth):
    assert demo_auth.login("admin").status_code == 302
    r = demo_client.get("/api/no-such-thing")
    assert r.status_code == 404 and r.is_json and r.get_json()["message"]
    r = demo_client.delete("/api/cells")
    assert r.status_code == 405 and r.is_json and r.get_json()["error"]


def test_nul_in_a_page_address_is_a_plain_400(demo_client, demo_auth, ids):
    assert demo_auth.login("admin").status_code == 302
    r = demo_client.get(f"/cells/{ids['cell']}%00")  # PostgreSQL refuses NUL in a query
    assert r.status_code == 400 and "path" in r.get_data(as_text=True)


# ------------------------------------------------------------------ found by a probe of the fixes

def test_a_text_field_sent_as_a_file_upload_is_a_400(demo_client):
    """The log-in form posted as multipart with its fields as files (wtforms expects text)."""
    from io import BytesIO

    from tests.support.apps import csrf_token_from

    token = csrf_token_from(demo_client.get("/login").get_data(as_text=True))
    r = demo_client.post("/login", content_type="multipart/form-data", data={
        "csrf_token": token, "username": (BytesIO(b"planner"), "f"),
        "password": (BytesIO(b"x"), "g")})
    assert r.status_code == 400 and "username" in r.get_data(as_text=True)


@pytest.mark.parametrize("query", ["endpoint=x", "_method=x", "_external=1&_scheme=https",
                                   "_anchor=x&month=2026-03"])
def test_reports_page_ignores_unknown_query_keys(demo_client, demo_auth, query):
    """Unknown keys never reach url_for: no 500, and no absolute link (which would carry
    whatever Host header the request came with)."""
    assert demo_auth.login("leader").status_code == 302
    r = demo_client.get(f"/reports?{query}")
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and "http://localhost" not in html
    assert re.search(r'href="/api/reports(\?month=2026-03)?"', html), html[:2000]


def test_admission_print_with_a_deeply_nested_site_is_a_page_not_a_500(demo_client, demo_auth):
    assert demo_auth.login("planner").status_code == 302
    r = demo_client.get("/admission/print", query_string={
        "site": "[" * 5000, "crs": "wgs84", "industry": "2614"})
    assert r.status_code == 400 and "site" in r.get_data(as_text=True)
    nested = json.dumps({"type": "Point", "coordinates": _deep_list(100)})
    r = demo_client.get("/admission/print", query_string={
        "site": nested, "crs": "wgs84", "industry": "2614"})
    assert r.status_code == 400


def _deep_list(depth: int):
    value: list = [1.0]
    for _ in range(depth):
        value = [value]
    return value


def test_a_week_date_is_not_a_date(demo_client, demo_auth, ids):
    """"2026-W01-1" is ISO 8601 too, and Python reads it; the form says YYYY-MM-DD."""
    assert demo_auth.login("admin").status_code == 302
    r = demo_client.post(f"/api/points/{ids['point']}/hazards", json={
        "level": "general", "source": "inspection", "description": "灭火器过期",
        "found_on": "2026-W01-1", "deadline": "2026-12-31"})
    assert r.status_code == 400 and r.get_json()["field"] == "found_on", r.get_json()


def test_token_revocation_refuses_unknown_and_others_tokens(client, auth):
    """DELETE /api/me/tokens/<id>: 404 for no such token, an id past the range, and another
    account's token (which stays live); bad names are in the table above."""
    auth.login("leader")
    mine = client.post("/api/me/tokens", json={"name": "QGIS（测试）"}).get_json()
    auth.login("planner")
    theirs = client.post("/api/me/tokens", json={"name": "ArcGIS（测试）"}).get_json()
    for token_id in (mine["id"], 0, 999999, *HUGE_IDS):
        r = client.delete(f"/api/me/tokens/{token_id}")
        assert r.status_code == 404 and r.is_json, (token_id, r.status_code)
    r = client.delete(f"/api/me/tokens/{theirs['id']}%00")
    assert r.status_code in (400, 404)
    for bad in (*TEXT_VALUES, "", "长" * 101):
        r = client.post("/api/me/tokens", **_json({"name": bad}))
        assert r.status_code == 400 and r.get_json()["field"] == "name", bad
    r = client.post("/api/me/tokens", data="[1]", content_type="application/json")
    assert r.status_code == 400 and r.get_json()["field"] == "body"
    auth.login("leader")
    listed = client.get("/api/me/tokens").get_json()["tokens"]
    assert [(t["id"], t["revoked"]) for t in listed] == [(mine["id"], False)]
    assert client.get("/ogc", headers={"Authorization": f"Bearer {mine['token']}"}
                      ).status_code == 200
