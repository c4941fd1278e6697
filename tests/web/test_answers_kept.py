"""The cell page's JSON and the points' popups kept between writes (geoapp.map.answers,
geoapp.web.kept): a write shows on the very next request, the answers it did not touch
are kept, and nothing of one language or account reaches another."""

from __future__ import annotations

import datetime as dt

from geoapp.store import hazards
from geoapp.store.models import Measure
from tests.support.apps import AuthActions, make_app
from tests.support.constants import TODAY
from tests.web.test_warm_start import two_cells  # noqa: F401 — the fixture


def _kept(client, kind: str, ident, lang: str = "zh"):
    return client.application.extensions["geoapp.answers"].get((kind, ident, lang))


def _new_hazard(client, point_id: int) -> str:
    r = client.post(f"/api/points/{point_id}/hazards", json={
        "level": "general", "source": "inspection", "description": "消防通道堵塞（虚构）",
        "found_on": TODAY.isoformat(), "deadline": (TODAY + dt.timedelta(days=30)).isoformat()})
    assert r.status_code == 201, r.get_json()
    return r.get_json()["code"]


def test_a_hazard_added_or_moved_shows_next_and_the_other_cell_is_kept(client, auth, database,
                                                                     rules, two_cells):  # noqa: F811
    auth.login("admin")
    a, b = two_cells["A"], two_cells["B"]
    for url in ("/api/cells/A", "/api/cells/B", f"/api/map/points/{a}", f"/api/map/points/{b}"):
        assert client.get(url).status_code == 200
    kept_b, kept_pb = _kept(client, "cell", "B"), _kept(client, "point", b)
    assert kept_b is not None and kept_pb is not None
    etag_b = client.get("/api/cells/B").headers["ETag"]

    code = _new_hazard(client, a)  # in cell A
    cell_a = client.get("/api/cells/A").get_json()
    assert code in {h["code"] for h in cell_a["hazard_list"]}
    assert cell_a["properties"]["hazards"]["total"] == 2
    popup = client.get(f"/api/map/points/{a}").get_json()
    assert code in {h["code"] for h in popup["properties"]["open_hazards"]}
    # B's answers were not built again, and B's body is the same
    assert _kept(client, "cell", "B") is kept_b and _kept(client, "point", b) is kept_pb
    again = client.get("/api/cells/B")
    assert again.headers["ETag"] == etag_b and again.get_json()["hazard_list"] == []

    with database.transaction() as s:  # a move of the first hazard, made by another worker
        hazards.move(s, rules, two_cells["hazard"], "start", actor="网格员甲", note="整改",
                     role="grid")
    states = {h["code"]: h["state"] for h in client.get("/api/cells/A").get_json()["hazard_list"]}
    assert states["H1"] == "rectifying"
    popup = client.get(f"/api/map/points/{a}").get_json()["properties"]["open_hazards"]
    assert {h["code"]: h["state"] for h in popup}["H1"] == "rectifying"
    assert _kept(client, "cell", "B") is kept_b


def test_a_write_beside_the_hazards_drops_every_answer(client, auth, database, two_cells):  # noqa: F811
    auth.login("admin")
    assert client.get("/api/cells/B").get_json()["measures"] == []
    kept_b = _kept(client, "cell", "B")
    with database.transaction() as s:  # a measure against B's shop: no hazard moves
        s.add(Measure(kind="letter", taken_on=TODAY, point_id=two_cells["B"],
                      unit="安监站（虚构）", recipient="面馆（虚构）", recorded_by="admin",
                      recorded_at=dt.datetime(2030, 6, 14, 8, tzinfo=dt.UTC)))
    measures = client.get("/api/cells/B").get_json()["measures"]
    assert [m["point_id"] for m in measures] == [two_cells["B"]]
    assert _kept(client, "cell", "B") is not kept_b


def test_no_language_or_account_gets_another_ones_answer(client, auth, database,
                                                         two_cells):  # noqa: F811
    a = two_cells["A"]
    fresh = make_app(database).test_client()  # nothing kept: what each should get
    fresh_auth = AuthActions(fresh)

    auth.login("grid_a", role="grid", cells=["A"])
    fresh_auth.login("grid_a")
    for lang in ("zh", "en"):  # the first kept, then the other asked
        served = client.get(f"/api/cells/A?lang={lang}").get_json()
        assert served == fresh.get(f"/api/cells/A?lang={lang}").get_json(), lang
        popup = client.get(f"/api/map/points/{a}?lang={lang}").get_json()
        assert popup == fresh.get(f"/api/map/points/{a}?lang={lang}").get_json(), lang
    zh, en = (client.get(f"/api/cells/A?lang={lang}").get_json() for lang in ("zh", "en"))
    assert zh["level_reasons"] != en["level_reasons"]
    assert zh["hazard_list"][0]["my_actions"]  # the member works cell A

    auth.login("leader", role="leader")  # reads everything, writes nothing
    leader = client.get("/api/cells/A?lang=zh").get_json()
    assert leader["hazard_list"][0]["my_actions"] == []
    assert {k: v for k, v in leader.items() if k != "hazard_list"} == \
        {k: v for k, v in zh.items() if k != "hazard_list"}

    auth.login("b_leader", role="leader", areas=[("cell", "B")])  # cell B only
    assert client.get("/api/cells/A").status_code == 403
    assert client.get(f"/api/map/points/{a}").status_code == 403
    assert client.get("/api/cells/B").status_code == 200
    fresh_auth.cleanup()
