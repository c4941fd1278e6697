"""Extensions (延期) of a hazard's deadline: who may ask, when, for how long.

原安监总局令第16号 has the hazard rectified within the time its plan or the
inspecting department set; the campaign's practice lets the responsible side
ask, before that time runs out and with its reasons, for more time, which the
supervising department grants or refuses. The rules, stated with their sources
in docs/domain.md "Extensions":

* the request comes from the responsible side (a grid member of the hazard's
  cell, or an admin: ``may_request``), for a hazard not yet closed, **on or
  before the deadline in force** (the deadline day itself is in time), with a
  reason and a new date **after** the deadline in force;
* one request waits for its decision at a time;
* at most ``max_count`` extensions are granted per hazard, and all of them
  together add at most ``max_total`` days to the original deadline
  ("original_period": the original deadline − the day found) — local policy in
  ``[extensions]`` of layers/hazard.toml (geoapp.domain.layers.ExtensionSpec);
* a supervisor or admin decides (``may_decide``), once; refusing needs a note.
  An approval makes the new date the deadline in force (``Hazard.deadline``),
  against which every overdue rule judges; the hazard keeps its original
  deadline (``Hazard.original_deadline``, set at the first approval).

Pure: the checks raise ``Refused`` (HTTP status, rule, field, message); the
commands that store a request or a decision are geoapp.store.extensions.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from geoapp.domain import values, workflow
from geoapp.domain.layers import ExtensionSpec
from geoapp.domain.texts import N_

STATES = ("requested", "approved", "refused")
STATE_LABELS = {"requested": N_("待审批"), "approved": N_("已批准"), "refused": N_("未批准")}
REQUEST, APPROVE, REFUSE = workflow.EXTENSION_ACTIONS
MAX_TEXT = 2000  # a reason or a decision's note, in characters

# who asks (the responsible side: the cell's grid member; admin) and who decides
REQUESTERS = ("grid", "admin")
DECIDERS = ("supervisor", "admin")


class Refused(ValueError):
    """A request or decision the rules refuse: 400 (a field) or 409 (the hazard's state)."""

    def __init__(self, status: int, rule: str, message: str, field: str | None = None):
        super().__init__(f"{rule}: {message}")
        self.status, self.rule, self.message, self.field = status, rule, message, field


@dataclass(frozen=True)
class Standing:
    """What the rules need to know about a hazard when an extension is asked for."""

    state: str
    found_on: dt.date
    deadline: dt.date  # the deadline in force
    original_deadline: dt.date | None  # None until a first extension is granted
    granted: int  # extensions approved so far
    pending: bool  # a request is waiting for its decision

    @property
    def original(self) -> dt.date:
        return self.original_deadline or self.deadline


def may_request(role: str) -> bool:
    """The responsible side asks: a grid member (of the hazard's cell: checked by the web) or admin.

    >>> [may_request(r) for r in ("grid", "admin", "supervisor", "leader")]
    [True, True, False, False]
    """
    return role in REQUESTERS


def may_decide(role: str) -> bool:
    """A supervisor (安监站 or sector department) or admin decides.

    >>> [may_decide(r) for r in ("supervisor", "admin", "grid", "leader", "planner")]
    [True, True, False, False, False]
    """
    return role in DECIDERS


def total_allowed(spec: ExtensionSpec | None, found_on: dt.date, original: dt.date) -> int:
    """Days all extensions together may add to the original deadline.

    >>> total_allowed(ExtensionSpec(), dt.date(2026, 3, 1), dt.date(2026, 3, 31))
    30
    >>> total_allowed(ExtensionSpec(max_total=10), dt.date(2026, 3, 1), dt.date(2026, 3, 31))
    10
    """
    spec = spec if spec is not None else ExtensionSpec()
    if spec.max_total == "original_period":
        return max((original - found_on).days, 0)
    return spec.max_total


def reason_of(value) -> str:
    """The request's reason: text, 1–2000 characters once trimmed (else 400 ``reason``)."""
    text = value.strip() if isinstance(value, str) else ""
    if not text:
        raise Refused(400, "reason_required", "请填写延期理由", "reason")
    if len(text) > MAX_TEXT:
        raise Refused(400, "reason_too_long", f"延期理由最多 {MAX_TEXT} 字", "reason")
    return text


def date_of(value, field: str = "until") -> dt.date:
    """A date written YYYY-MM-DD (else 400 naming ``field``).

    >>> date_of("2026-04-30")
    datetime.date(2026, 4, 30)
    >>> date_of("2026-W18-4")
    Traceback (most recent call last):
    ...
    geoapp.domain.extensions.Refused: bad_date: 日期应为 YYYY-MM-DD
    """
    if isinstance(value, str):  # text only, as it comes from a request
        try:
            return values.iso_date(value)
        except ValueError:
            pass
    raise Refused(400, "bad_date", "日期应为 YYYY-MM-DD", field)


def check_request(spec: ExtensionSpec | None, hazard: Standing, until, reason,
                  today: dt.date) -> tuple[dt.date, str]:
    """The new date and the reason of a request the rules allow; else ``Refused``.

    The fields first (400 ``reason``, ``until``), then the hazard's state
    (409: closed, a request pending, the deadline passed, the count used up),
    then the total (400 ``until``, rule ``max_total``).

    Examples
    --------
    >>> h = Standing("rectifying", dt.date(2026, 3, 1), dt.date(2026, 3, 31), None, 0, False)
    >>> check_request(None, h, "2026-04-30", " 设备未到货 ", dt.date(2026, 3, 31))
    (datetime.date(2026, 4, 30), '设备未到货')
    >>> check_request(None, h, "2026-04-30", "设备未到货", dt.date(2026, 4, 1))
    Traceback (most recent call last):
    ...
    geoapp.domain.extensions.Refused: deadline_passed: 整改期限 2026-03-31 已过，不能再申请延期
    >>> check_request(None, h, "2026-05-01", "设备未到货", dt.date(2026, 3, 20))
    Traceback (most recent call last):
    ...
    geoapp.domain.extensions.Refused: max_total: 累计延期不能超过 30 天（最晚 2026-04-30）
    """
    spec = spec if spec is not None else ExtensionSpec()
    reason = reason_of(reason)
    until = date_of(until)
    if until <= hazard.deadline:
        raise Refused(400, "until_not_later",
                      f"延期后的期限须晚于现行整改期限 {hazard.deadline.isoformat()}", "until")
    if not workflow.is_open(hazard.state):
        raise Refused(409, "hazard_closed", "隐患已销号，不能申请延期")
    if hazard.pending:
        raise Refused(409, "pending_request", "该隐患已有一项延期申请待审批")
    if today > hazard.deadline:
        raise Refused(409, "deadline_passed",
                      f"整改期限 {hazard.deadline.isoformat()} 已过，不能再申请延期")
    if hazard.granted >= spec.max_count:
        raise Refused(409, "max_count", f"每项隐患最多延期 {spec.max_count} 次，已用完")
    allowed = total_allowed(spec, hazard.found_on, hazard.original)
    if (until - hazard.original).days > allowed:
        latest = hazard.original + dt.timedelta(days=allowed)
        raise Refused(400, "max_total",
                      f"累计延期不能超过 {allowed} 天（最晚 {latest.isoformat()}）", "until")
    return until, reason


def check_decision(state: str, hazard_state: str, approve: bool, note) -> str:
    """The decision's note, if the decision may be taken; else ``Refused``.

    A request is decided once (409 ``decided``); refusing needs a note (400
    ``note``); a hazard closed meanwhile can no longer be extended (409).

    Examples
    --------
    >>> check_decision("requested", "rectifying", True, "")
    ''
    >>> check_decision("requested", "open", False, "  ")
    Traceback (most recent call last):
    ...
    geoapp.domain.extensions.Refused: note_required: 不批准延期须说明理由
    >>> check_decision("approved", "open", False, "重复")
    Traceback (most recent call last):
    ...
    geoapp.domain.extensions.Refused: decided: 该延期申请已审批（已批准）
    """
    text = note.strip() if isinstance(note, str) else ""
    if len(text) > MAX_TEXT:
        raise Refused(400, "note_too_long", f"审批意见最多 {MAX_TEXT} 字", "note")
    if not approve and not text:
        raise Refused(400, "note_required", "不批准延期须说明理由", "note")
    if state != "requested":
        raise Refused(409, "decided", f"该延期申请已审批（{STATE_LABELS[state]}）")
    if approve and not workflow.is_open(hazard_state):
        raise Refused(409, "hazard_closed", "隐患已销号，不能再批准延期")
    return text
