"""Separation of duties (审核把关销号), pure: every rule of ``[steps]`` with the defaults
and with a changed policy, what the page is offered, the note rule and the messages.

Over HTTP on both backends: tests/web/test_duties.py; the file's validation:
tests/domain/test_layers.py.
"""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from geoapp.domain import duties
from geoapp.domain.duties import ROLES, StepsSpec, note_missing, permitted, refusal
from geoapp.domain.workflow import STATES, TRANSITIONS

DEFAULT = StepsSpec()


def rule(role, step, level="general", username="我", submitter="别人", steps=DEFAULT):
    found = refusal(steps, role, username, step, level=level, submitter=submitter)
    return None if found is None else found.rule


# the defaults, role by role: None = allowed
@pytest.mark.parametrize("role, step, level, expected", [
    *[("grid", s, lv, None) for s in ("create", "start", "submit") for lv in ("general", "major")],
    *[("grid", s, lv, "step_role") for s in ("accept", "reject")
      for lv in ("general", "major")],
    *[("supervisor", s, lv, None) for s in ("create", "start", "submit", "accept", "reject")
      for lv in ("general", "major")],
    *[("admin", s, "general", None) for s in ("start", "submit", "accept", "reject")],
    ("admin", "accept", "major", "major_needs_supervisor"),
    ("admin", "reject", "major", "major_needs_supervisor"),
    ("admin", "start", "major", None),
    *[(r, s, "general", "step_role") for r in ("leader", "planner")
      for s in ("create", "start", "submit", "accept", "reject")],
])
def test_the_default_rules(role, step, level, expected):
    assert rule(role, step, level) == expected


@pytest.mark.parametrize("role", ["supervisor", "admin"])
def test_nobody_accepts_what_they_submitted(role):
    assert rule(role, "accept", submitter="我") == "submitter_accepts"
    assert rule(role, "accept", submitter="别人") is None
    assert rule(role, "accept", submitter=None) is None  # imported as 待验收: no submitter
    assert rule(role, "reject", submitter="我") is None  # sending back is not accepting


def test_a_major_hazard_names_the_supervisor_before_the_submitter():
    # an admin who submitted a major hazard: the first rule that forbids it is named
    assert rule("admin", "accept", "major", submitter="我") == "major_needs_supervisor"
    assert rule("grid", "accept", "major", submitter="我") == "step_role"


def test_a_changed_policy_is_followed():
    steps = StepsSpec(accept=("supervisor", "admin", "grid"), submitter_may_accept=True,
                      major_needs_supervisor=False)
    assert rule("grid", "accept", "major", steps=steps) is None
    assert rule("supervisor", "accept", submitter="我", steps=steps) is None
    assert rule("admin", "reject", "major", steps=steps) is None
    assert rule("grid", "reject", steps=steps) == "step_role"


def test_no_spec_means_the_defaults():
    for role in ROLES:
        for step in duties.STEP_LABELS:
            for level in ("general", "major"):
                assert refusal(None, role, "我", step, level=level, submitter="我") == refusal(
                    DEFAULT, role, "我", step, level=level, submitter="我")


def test_permitted_is_the_workflow_filtered_by_the_rules():
    for state in STATES:
        for role in ROLES:
            for level in ("general", "major"):
                offered = permitted(DEFAULT, role, "我", state, level, "别人")
                assert offered == [a for a, t in TRANSITIONS.items() if t.source == state
                                   and rule(role, a, level) is None]
    assert permitted(DEFAULT, "supervisor", "我", "awaiting_acceptance", "major", "我") == [
        "reject"]
    assert permitted(DEFAULT, "admin", "我", "awaiting_acceptance", "major", "别人") == []
    assert permitted(DEFAULT, "grid", "我", "rectifying", "major") == ["submit"]
    assert permitted(DEFAULT, "supervisor", "我", "closed", "general") == []


def test_the_note_rule():
    assert [note_missing(DEFAULT, s, "") for s in ("start", "submit", "accept", "reject")] == [
        False, False, True, True]
    assert note_missing(DEFAULT, "accept", "\n\t ")
    assert not note_missing(DEFAULT, "reject", "未到位")
    assert note_missing(DEFAULT, "accept", None)
    assert not note_missing(StepsSpec(needs_note=()), "accept", "")
    assert note_missing(StepsSpec(needs_note=("start",)), "start", "")


def test_messages_name_the_step_and_roles_in_the_ui_language():
    found = refusal(DEFAULT, "grid", "我", "reject", level="general")
    assert found.text() == ("审核把关销号：“验收不通过，退回整改”由监管审核、管理员办理，"
                            "网格员账号不能办理")
    english = {"审核把关销号：“%(step)s”由%(roles)s办理，%(role)s账号不能办理":
               "Review and close-out: %(step)s is for %(roles)s, not a %(role)s account",
               "验收不通过，退回整改": "reject", "监管审核": "supervisor", "管理员": "admin",
               "网格员": "grid member"}
    assert found.text(lambda s: english.get(s, s)) == (
        "Review and close-out: reject is for supervisor、admin, not a grid member account")
    major = refusal(DEFAULT, "admin", "我", "accept", level="major")
    assert major.field == "action" and "管理员账号不能办理" in major.text()
    assert "另一名监管人员" in refusal(DEFAULT, "supervisor", "我", "accept", level="general",
                                     submitter="我").text()
    assert str(duties.ForbiddenStep(found)) == found.text()


@pytest.mark.parametrize("bad, error", [
    ({"accept": ("supervisor", "boss")}, "accept.1"),
    ({"reject": ()}, "reject"),
    ({"accept": ("admin",)}, "nobody could accept a major hazard"),
    ({"reject": ("admin", "grid")}, "nobody could reject a major hazard"),
    ({"needs_note": ("create",)}, "needs_note.0"),
    ({"approve": ("admin",)}, "approve"),
])
def test_a_bad_policy_is_refused(bad, error):
    with pytest.raises(ValidationError) as info:
        StepsSpec.model_validate(bad)
    assert error in str(info.value)


def test_the_roles_are_the_accounts_roles():
    from tests.support.constants import ROLES as CONTRACT

    assert ROLES == CONTRACT == ("leader", "grid", "planner", "admin", "supervisor", "enterprise")
    assert set(duties.ROLE_LABELS) == set(ROLES)
