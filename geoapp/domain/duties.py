"""Separation of duties (审核把关销号): who may take which step of a hazard.

The campaign plans ask for a close-out that a supervising department checks
("建立安全监管部门审核把关销号机制"): the side that rectifies and reports
(grid members, later enterprises) registers, starts and submits; a supervisor
(安监站 or a sector department) or the office's admin accepts (验收通过，销号)
or sends back; nobody accepts a hazard they submitted themselves; a 重大
hazard is accepted or returned by a supervisor only (the admin keeps the
system, not the verdict on a major hazard). Listing (挂牌督办) is the
supervising authority's decision too.

Local policy, declared in the hazard file (``[steps]`` in
``layers/hazard.toml``, :class:`StepsSpec`); a file without ``[steps]`` gets
the defaults. Pure: the web layer asks :func:`refusal` before any change and
answers 403 ``forbidden_step`` with the rule's message; :func:`permitted` is
what the cell page offers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, model_validator

from geoapp.domain.texts import N_
from geoapp.domain.workflow import TRANSITIONS, allowed_actions

# The accounts' roles (the database's role check is built from this list).
Role = Literal["leader", "grid", "planner", "admin", "supervisor", "enterprise"]
ROLES: tuple[str, ...] = get_args(Role)
ROLE_LABELS = {"leader": N_("领导"), "grid": N_("网格员"), "planner": N_("规划审批"),
               "admin": N_("管理员"), "supervisor": N_("监管审核"),
               "enterprise": N_("企业")}
SUPERVISOR = "supervisor"
ENTERPRISE = "enterprise"

# The steps the rules speak of: registering a hazard and the workflow's steps.
# 挂牌督办 has steps of its own, with their roles in layers/supervision.toml
# (geoapp.domain.listing).
STEP_LABELS = {"create": N_("登记"), **{k: t.label for k, t in TRANSITIONS.items()}}
# the steps that decide a hazard's close-out
REVIEW_STEPS = ("accept", "reject")

Roles = Annotated[tuple[Role, ...], Field(min_length=1)]


class StepsSpec(BaseModel):
    """``[steps]`` of the hazard file: for each step the roles that may take it.

    A role name that is not an account role is an error when the file is
    loaded (pydantic names the key).
    """

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)
    create: Roles = ("grid", "supervisor", "admin")
    start: Roles = ("grid", "supervisor", "admin")
    submit: Roles = ("grid", "supervisor", "admin")
    accept: Roles = ("supervisor", "admin")
    reject: Roles = ("supervisor", "admin")
    # may whoever submitted a hazard for acceptance (its latest `submit`) accept it?
    submitter_may_accept: bool = False
    # accept and reject of a 重大 hazard: a supervisor only
    major_needs_supervisor: bool = True
    # the steps that need a note (a reason for the record)
    needs_note: tuple[Literal["start", "submit", "accept", "reject"], ...] = REVIEW_STEPS

    @model_validator(mode="after")
    def _a_supervisor_can_review(self):
        if self.major_needs_supervisor:
            for step in REVIEW_STEPS:
                if SUPERVISOR not in getattr(self, step):
                    raise ValueError(f"major_needs_supervisor = true but {step} does not "
                                     f"list {SUPERVISOR!r}: nobody could {step} a major hazard")
        return self

    def roles(self, step: str) -> tuple[str, ...]:
        return getattr(self, step)


@dataclass(frozen=True)
class Refusal:
    """A step the rules forbid: the rule's code, its message and what fills it in."""

    rule: str  # step_role | submitter_accepts | major_needs_supervisor
    step: str
    role: str
    allowed: tuple[str, ...] = field(default=())
    field: str | None = "action"

    @property
    def message(self) -> str:
        return RULE_MESSAGES[self.rule]

    def text(self, translate: Callable[[str], str] = lambda s: s) -> str:
        """The message in the UI language (``translate``: the web's gettext)."""
        return translate(self.message) % {
            "step": translate(STEP_LABELS[self.step]),
            "role": translate(ROLE_LABELS.get(self.role, self.role)),
            "roles": "、".join(translate(ROLE_LABELS[r]) for r in self.allowed)}


RULE_MESSAGES = {
    "step_role": N_("审核把关销号：“%(step)s”由%(roles)s办理，%(role)s账号不能办理"),
    "submitter_accepts": N_("审核把关销号：提请验收的人不能验收自己提请的隐患，"
                            "请由另一名监管人员验收"),
    "major_needs_supervisor": N_("审核把关销号：重大隐患的验收和退回须由监管审核人员"
                                 "（安监站或行业主管部门）办理，%(role)s账号不能办理"),
}


# a step of ``needs_note`` sent without one (400 naming ``note``)
NOTE_NEEDED = N_("请填写意见：此步骤须写明意见（验收意见或退回原因）")


class ForbiddenStep(PermissionError):
    """The rules forbid this step to this account; ``refusal`` says which rule."""

    def __init__(self, refusal: Refusal):
        self.refusal = refusal
        super().__init__(refusal.text())


def refusal(steps: StepsSpec | None, role: str, username: str, step: str, *,
            level: str, submitter: str | None = None) -> Refusal | None:
    """The rule that forbids ``step`` to this account, or None when it may take it.

    ``level`` is the hazard's (general|major), ``submitter`` the actor of its
    latest ``submit`` (None when it was never submitted here, e.g. imported
    as 待验收). ``step``: create, start, submit, accept, reject.

    Examples
    --------
    >>> rules = StepsSpec()
    >>> refusal(rules, "grid", "甲", "submit", level="major") is None
    True
    >>> r = refusal(rules, "grid", "甲", "accept", level="general", submitter="乙")
    >>> r.rule, r.text()
    ('step_role', '审核把关销号：“验收通过，销号”由监管审核、管理员办理，网格员账号不能办理')
    >>> refusal(rules, "supervisor", "乙", "accept", level="major", submitter="乙").rule
    'submitter_accepts'
    >>> refusal(rules, "supervisor", "丙", "accept", level="major", submitter="乙") is None
    True
    >>> refusal(rules, "admin", "root", "reject", level="major", submitter="乙").rule
    'major_needs_supervisor'
    >>> refusal(rules, "admin", "root", "accept", level="general", submitter="乙") is None
    True
    """
    steps = steps if steps is not None else StepsSpec()
    allowed = steps.roles(step)
    if role not in allowed:
        return Refusal("step_role", step, role, allowed)
    if step in REVIEW_STEPS and level == "major" and steps.major_needs_supervisor \
            and role != SUPERVISOR:
        return Refusal("major_needs_supervisor", step, role, (SUPERVISOR,))
    if step == "accept" and not steps.submitter_may_accept and submitter == username:
        return Refusal("submitter_accepts", step, role, allowed)
    return None


def permitted(steps: StepsSpec | None, role: str | None, username: str | None, state: str,
              level: str, submitter: str | None = None) -> list[str]:
    """The workflow steps this account may take from ``state``, in workflow order.

    What the cell page offers as buttons; the server checks each step again.

    Examples
    --------
    >>> rules = StepsSpec()
    >>> permitted(rules, "grid", "甲", "awaiting_acceptance", "general", "甲")
    []
    >>> permitted(rules, "supervisor", "乙", "awaiting_acceptance", "general", "甲")
    ['accept', 'reject']
    >>> permitted(rules, "supervisor", "甲", "awaiting_acceptance", "general", "甲")
    ['reject']
    >>> permitted(rules, None, None, "open", "general")
    []
    """
    if role is None:
        return []
    return [a for a in allowed_actions(state)
            if refusal(steps, role, username or "", a, level=level, submitter=submitter) is None]


def note_missing(steps: StepsSpec | None, step: str, note: str | None) -> bool:
    """Does this step need a note that is missing (empty or only spaces)?

    >>> note_missing(StepsSpec(), "accept", "  "), note_missing(StepsSpec(), "accept", "合格")
    (True, False)
    >>> note_missing(StepsSpec(), "start", "")
    False
    """
    steps = steps if steps is not None else StepsSpec()
    return step in steps.needs_note and not (note or "").strip()
