"""The public reports' rules (geoapp.domain.public_reports): layers/public_report.toml checked
at start-up, a filing's fields, the triage steps from each state, receipt codes."""

from __future__ import annotations

import datetime as dt
import shutil

import pytest

from geoapp.domain import public_reports as pr
from geoapp.domain.layers import LayerFileError, load_rules
from geoapp.resources import bundled


@pytest.fixture
def folder(tmp_path):
    return shutil.copytree(bundled("layers"), tmp_path / "layers")


def test_the_bundled_file_loads_with_other_among_its_categories():
    spec = load_rules(bundled("layers")).public_report
    assert "other" in spec.category_codes() and spec.max_photos == 3
    assert spec.triage.phone == ("supervisor", "admin")
    assert "grid" not in spec.triage.verify and "leader" not in spec.triage.start


@pytest.mark.parametrize("old, new, says", [
    ('code = "other"', 'code = "misc"', "categories must include 'other'"),
    ('code = "gas"', 'code = "fire_exit"', "given twice"),
    ('verify = ["supervisor", "admin"]', 'verify = ["boss"]', "triage.verify"),
    ('new_point_layer = "idle_site"', 'new_point_layer = "shop"', "verify.new_point_layer"),
    ("max_photos = 3", "max_photos = 12", "max_photos"),
])
def test_a_broken_file_stops_start_up_naming_file_and_key(folder, old, new, says):
    path = folder / "public_report.toml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(LayerFileError, match="public_report.toml") as caught:
        load_rules(folder)
    assert says in str(caught.value)


def test_without_the_file_the_defaults_hold(folder):
    (folder / "public_report.toml").unlink()
    assert load_rules(folder).public_report.category_codes() == ("other",)


STATES_AFTER = {  # (action, from) → to, or None: refused naming "state"
    ("start", "received"): "checking", ("start", "checking"): None,
    ("verify", "received"): "verified", ("verify", "checking"): "verified",
    ("reject", "checking"): "rejected", ("reply", "verified"): "verified",
    ("verify", "verified"): None, ("reject", "rejected"): None, ("start", "rejected"): None,
}


@pytest.mark.parametrize("action, state", list(STATES_AFTER))
def test_each_step_follows_only_the_states_it_may(action, state):
    fields = {"action": action, "reply": "理由"}
    expected = STATES_AFTER[action, state]
    if expected is None:
        with pytest.raises(pr.PublicReportInputError) as caught:
            pr.check_triage(fields, state)
        assert caught.value.field == "state"
    else:
        assert pr.next_state(pr.check_triage(fields, state)["action"], state) == expected


def test_receipt_codes_are_random_and_read_as_typed():
    codes = {pr.new_code() for _ in range(200)}
    assert len(codes) == 200
    code = next(iter(codes))
    assert pr.normal_code(f" {code.lower()[:6]}-{code.lower()[6:]} ") == code
    for bad in ("", "0" * 12, "ABC", code + "X", None, 12):
        assert pr.normal_code(bad) is None


def test_a_place_far_outside_is_refused_naming_lon():
    spec = pr.PublicReportFile()
    pr.check_outside(4999.0, spec)
    for far in (5001.0, None, float("nan")):
        with pytest.raises(pr.PublicReportInputError) as caught:
            pr.check_outside(far, spec)
        assert caught.value.field == "lon"


def test_a_reward_is_positive_dated_and_only_for_a_verified_report():
    today = dt.date(2030, 6, 14)
    good = {"amount": 50, "on": "2030-06-14", "paid": False}
    assert pr.check_reward(good, "verified", today)["amount"] == 50.0
    for field, value in (("amount", -1), ("amount", float("inf")), ("on", "2030-06-15"),
                         ("paid", 1)):
        with pytest.raises(pr.PublicReportInputError) as caught:
            pr.check_reward({**good, field: value}, "verified", today)
        assert caught.value.field == field
    with pytest.raises(pr.PublicReportInputError) as caught:
        pr.check_reward(good, "checking", today)
    assert caught.value.field == "state"
