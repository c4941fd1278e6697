"""What the rebuilt cell page is given: the switcher, who may write where, visits, names.

Hand-made territory (tests/web/test_grid.py's): cells A and B with one shop each
(enterprise: visited every 30 days, shown as due 5 days ahead). The apps' today is
2030-06-14 (tests.support.constants.TODAY).
"""

from __future__ import annotations

import datetime as dt
import json

import sqlalchemy as sa

from geoapp.store.fingerprint import bump_data_version
from geoapp.store.hazards import create_hazard
from geoapp.store.models import Point, User
from tests.web.test_grid import territory, valid  # noqa: F401  (the fixture)


def _config(html: str) -> dict:
    return json.loads(html.split('id="page-config" type="application/json">')[1]
                      .split("</script>")[0])


def test_a_member_of_two_cells_switches_between_them(client, auth, territory):  # noqa: F811
    auth.login("grid2", role="grid", cells=["A", "B"])
    html = client.get("/cells/B").get_data(as_text=True)
    switcher = html.split('id="cell-switcher"')[1].split("</nav>")[0]
    assert 'href="/cells/A" data-code="A">东湖村一网格</a>' in switcher
    assert 'href="/cells/B" data-code="B" aria-current="page">东湖村二网格</a>' in switcher
    auth.login("grid1", role="grid", cells=["A"])
    assert 'id="cell-switcher"' not in client.get("/cells/A").get_data(as_text=True)


def test_only_those_who_may_write_outside_every_cell_are_offered_it(client, auth, territory):  # noqa: F811
    auth.login("grid", role="grid", cells=["A"])
    config = _config(client.get("/cells/A").get_data(as_text=True))
    assert (config["can_write"], config["can_write_outside"], config["can_decide"]) == (
        True, False, False)
    assert config["me"] == {"username": "grid", "name": "grid", "role": "grid"}
    auth.login("admin")
    config = _config(client.get("/cells/A").get_data(as_text=True))
    assert (config["can_write"], config["can_write_outside"], config["can_decide"]) == (
        True, True, True)
    auth.login("leader")
    config = _config(client.get("/cells/A").get_data(as_text=True))
    assert (config["can_write"], config["can_write_outside"], config["can_decide"]) == (
        False, False, False)


def test_the_cell_data_give_each_point_its_visit_and_the_people_by_name(
        client, auth, database, rules, territory):  # noqa: F811
    with database.transaction() as s:
        s.get(Point, territory["K1"]).last_visit_on = dt.date(2030, 6, 1)
        create_hazard(s, rules, territory["K1"], valid(found_on="2030-06-10",
                                                      deadline="2030-06-20"),
                      "grid", dt.date(2030, 6, 10))
    auth.login("grid", role="grid", cells=["A"])
    with database.transaction() as s:
        s.scalar(sa.select(User).where(User.username == "grid")).display_name = "王网格"
    data = client.get("/api/cells/A").get_json()
    (k1,) = data["points"]["features"]
    # 2030-06-01 + 30 days = 07-01: 17 days ahead, past the 5-day reminder
    assert k1["properties"]["visit"] == {"status": "visited", "last_visit_on": "2030-06-01",
                                         "next_due": "2030-07-01", "every_days": 30}
    assert data["people"] == {"grid": "王网格"}

    with database.transaction() as s:
        s.get(Point, territory["K2"]).last_visit_on = dt.date(2030, 5, 18)
    auth.login("admin")
    (k2,) = client.get("/api/cells/B").get_json()["points"]["features"]
    # due 2030-06-17: within the 5 days before
    assert k2["properties"]["visit"]["status"] == "due"
    with database.transaction() as s:  # corrected in place, as an import does (and counts)
        s.get(Point, territory["K2"]).last_visit_on = None
        bump_data_version(s)
    (k2,) = client.get("/api/cells/B").get_json()["points"]["features"]
    assert k2["properties"]["visit"] == {"status": "overdue", "last_visit_on": None,
                                         "next_due": None, "every_days": 30}


def test_the_new_hazard_is_pre_filled_from_the_fields_the_layers_have(rules):
    from geoapp.web.cells import PREFILL

    fields = {f.name for layer in rules.layers.values() for f in layer.fields}
    # every name the pre-fill looks for is a real ledger field (or the point's name)
    for names in PREFILL.values():
        assert all(n == "@name" or n in fields for n in names), names
