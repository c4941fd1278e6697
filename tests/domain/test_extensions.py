"""The extension (延期) rules on hand-made dates: the edge days of each limit."""

from __future__ import annotations

import datetime as dt

import pytest
from pydantic import ValidationError

from geoapp.domain.extensions import Refused, Standing, check_decision, check_request
from geoapp.domain.layers import ExtensionSpec, TableFile

D = dt.date
FOUND, DEADLINE = D(2026, 3, 1), D(2026, 3, 31)  # a 30-day original period


def standing(deadline=DEADLINE, original=None, granted=0, pending=False, state="rectifying"):
    return Standing(state, FOUND, deadline, original, granted, pending)


def refusal(*args) -> tuple:
    with pytest.raises(Refused) as info:
        check_request(*args)
    return info.value.status, info.value.rule, info.value.field


def test_the_deadline_day_is_in_time_the_next_is_not():
    assert check_request(None, standing(), "2026-04-10", "等设备", D(2026, 3, 31))[0] == D(
        2026, 4, 10)
    assert refusal(None, standing(), "2026-04-10", "等设备", D(2026, 4, 1)) == (
        409, "deadline_passed", None)


def test_the_new_date_must_be_after_the_deadline_in_force():
    assert refusal(None, standing(), "2026-03-31", "等设备", FOUND) == (
        400, "until_not_later", "until")
    assert check_request(None, standing(), "2026-04-01", "等设备", FOUND)[0] == D(2026, 4, 1)


def test_the_total_counts_from_the_original_deadline():
    # 30 days in all: 04-30 is the last day allowed, also after a first extension
    assert check_request(None, standing(), "2026-04-30", "等设备", FOUND)[0] == D(2026, 4, 30)
    assert refusal(None, standing(), "2026-05-01", "等设备", FOUND) == (400, "max_total", "until")
    extended = standing(deadline=D(2026, 4, 15), original=DEADLINE, granted=1)
    assert check_request(None, extended, "2026-04-30", "等设备", D(2026, 4, 15))[0] == D(
        2026, 4, 30)
    assert refusal(None, extended, "2026-05-01", "等设备", D(2026, 4, 15))[1] == "max_total"
    # a fixed number of days instead
    assert refusal(ExtensionSpec(max_total=10), standing(), "2026-04-11", "等设备", FOUND)[1] == \
        "max_total"
    assert check_request(ExtensionSpec(max_total=10), standing(), "2026-04-10", "等设备",
                         FOUND)[0] == D(2026, 4, 10)


def test_the_count_pending_and_closed():
    two = standing(deadline=D(2026, 4, 20), original=DEADLINE, granted=2)
    assert refusal(None, two, "2026-04-25", "等设备", FOUND) == (409, "max_count", None)
    assert check_request(ExtensionSpec(max_count=3), two, "2026-04-25", "等设备", FOUND)[0] == D(
        2026, 4, 25)
    assert refusal(None, standing(pending=True), "2026-04-10", "等设备", FOUND)[1] == \
        "pending_request"
    assert refusal(None, standing(state="closed"), "2026-04-10", "等设备", FOUND)[1] == \
        "hazard_closed"
    assert refusal(ExtensionSpec(max_count=0), standing(), "2026-04-10", "等设备", FOUND)[1] == \
        "max_count"


@pytest.mark.parametrize("until", [None, "", "2026/04/10", "2026-02-30", "2026-W15-1", 20260410])
def test_until_must_be_a_date(until):
    assert refusal(None, standing(), until, "等设备", FOUND) == (400, "bad_date", "until")


@pytest.mark.parametrize("reason", [None, "", "  \n", "长" * 2001, 7])
def test_a_reason_is_text_of_1_to_2000_characters(reason):
    assert refusal(None, standing(), "2026-04-10", reason, FOUND)[2] == "reason"


def test_decisions():
    assert check_decision("requested", "open", False, " 理由不足 ") == "理由不足"
    with pytest.raises(Refused) as info:
        check_decision("requested", "closed", True, "")
    assert info.value.rule == "hazard_closed"
    assert check_decision("requested", "closed", False, "已销号") == "已销号"
    with pytest.raises(Refused) as info:
        check_decision("refused", "open", True, "")
    assert (info.value.status, info.value.rule) == (409, "decided")


def test_the_policy_is_checked_and_belongs_to_the_hazard_file():
    with pytest.raises(ValidationError):
        ExtensionSpec(max_total=-1)
    with pytest.raises(ValidationError):
        ExtensionSpec(max_total="forever")
    with pytest.raises(ValidationError):
        ExtensionSpec(max_count=-1)
    with pytest.raises(ValidationError, match="only the hazard file"):
        TableFile(table="cell", label="网格", label_en="Cell", key=("code",),
                  fields=({"name": "code", "label": "编码", "type": "str"},),
                  extensions=ExtensionSpec())


def test_the_bundled_policy(rules):
    spec = rules.tables["hazard"].extensions
    assert (spec.max_count, spec.max_total) == (2, "original_period")
