"""Edges of domain/workflow.py that the mutation check (scripts/mutation.sh) found untested.

Expected values are written by hand; pure and fast."""

import pytest

from geoapp.domain.workflow import IllegalTransition, next_state, today_in


@pytest.mark.parametrize(("state", "action", "message"), [
    ("awaiting_acceptance", "start", "不能从“待验收”执行“start”（可执行：accept, reject）"),
    ("rectifying", "accept", "不能从“整改中”执行“accept”（可执行：submit）"),
    ("closed", "reject", "不能从“已销号”执行“reject”（可执行：无）"),
    ("open", "close", "不能从“待整改”执行“close”（可执行：start）"),
])
def test_an_illegal_step_names_the_state_and_the_steps_allowed(state, action, message):
    with pytest.raises(IllegalTransition) as info:
        next_state(state, action)
    assert str(info.value) == message


def test_today_is_the_date_in_the_zone_given():
    # UTC+14 and UTC−12 are 26 hours apart: their dates always differ, whatever the clock
    assert today_in("Etc/GMT-14") > today_in("Etc/GMT+12")
