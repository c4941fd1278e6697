"""Rectification (整改): a hazard's path to close-out, as one transition table.

待整改 (open) → 整改中 (rectifying) → 待验收 (awaiting_acceptance) → 已销号
(closed); acceptance can send it back to 整改中 (原安监总局令第16号: rectify,
then acceptance). Every change appends a ``HazardEvent`` (actor, time, from,
to, note); events are never edited (the model refuses it). Overdue is derived,
never stored: not closed and past its deadline.

The functions work on ORM objects without a session or Flask, so the web
views, the importer and the tests share them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from geoapp import hazarddates
from geoapp.models import Hazard, HazardEvent

STATES = ("open", "rectifying", "awaiting_acceptance", "closed")
STATE_LABELS = {"open": "待整改", "rectifying": "整改中", "awaiting_acceptance": "待验收",
                "closed": "已销号"}
LEVEL_LABELS = {"general": "一般", "major": "重大"}  # 原安监总局令第16号 第三条
SOURCE_LABELS = {"self_check": "企业自查", "inspection": "督导检查", "public_report": "群众举报"}


@dataclass(frozen=True)
class Transition:
    source: str
    target: str
    label: str


# The whole workflow. An action not listed from a state is illegal.
TRANSITIONS: dict[str, Transition] = {
    "start": Transition("open", "rectifying", "开始整改"),
    "submit": Transition("rectifying", "awaiting_acceptance", "提请验收"),
    "accept": Transition("awaiting_acceptance", "closed", "验收通过，销号"),
    "reject": Transition("awaiting_acceptance", "rectifying", "验收不通过，退回整改"),
}


class IllegalTransition(ValueError):
    """The action is not allowed from the hazard's current state."""


def allowed_actions(state: str) -> list[str]:
    """Actions possible from a state, in workflow order.

    Examples
    --------
    >>> allowed_actions("awaiting_acceptance")
    ['accept', 'reject']
    >>> allowed_actions("closed")
    []
    """
    return [name for name, t in TRANSITIONS.items() if t.source == state]


def next_state(state: str, action: str) -> str:
    """The state an action leads to; raises IllegalTransition if it cannot be taken.

    Examples
    --------
    >>> next_state("open", "start")
    'rectifying'
    >>> next_state("open", "accept")
    Traceback (most recent call last):
    ...
    geoapp.rectification.IllegalTransition: 不能从“待整改”执行“accept”（可执行：start）
    """
    t = TRANSITIONS.get(action)
    if t is None or t.source != state:
        allowed = ", ".join(allowed_actions(state)) or "无"
        raise IllegalTransition(f"不能从“{STATE_LABELS[state]}”执行“{action}”（可执行：{allowed}）")
    return t.target


def transition(
    hazard: Hazard, action: str, actor: str, note: str = "", at: dt.datetime | None = None,
    tz: str = "Asia/Shanghai",
) -> HazardEvent:
    """Move a hazard along its path and append the event; returns the event.

    ``at`` defaults to now; the close-out date (``closed_on``) is the local date
    in ``tz`` at the moment of acceptance.
    """
    if not actor:
        raise ValueError("every change needs an actor")
    at = at or dt.datetime.now(dt.UTC)
    target = next_state(hazard.state, action)
    event = HazardEvent(at=at, actor=actor, action=action, from_state=hazard.state,
                        to_state=target, note=note or "")
    hazard.events.append(event)
    hazard.state = target
    if target == "closed":
        hazard.closed_on = at.astimezone(ZoneInfo(tz)).date()
    elif hazard.closed_on is not None:
        hazard.closed_on = None
    return event


def record(hazard: Hazard, actor: str, action: str, note: str = "",
           at: dt.datetime | None = None, from_state: str | None = None) -> HazardEvent:
    """Log a change that is not a workflow step (creation, import of a ledger row)."""
    event = HazardEvent(at=at or dt.datetime.now(dt.UTC), actor=actor, action=action,
                        from_state=from_state, to_state=hazard.state, note=note)
    hazard.events.append(event)
    return event


def is_overdue(state: str, deadline: dt.date, today: dt.date) -> bool:
    """Not closed and past its deadline (the deadline day itself is still in time).

    Examples
    --------
    >>> d = dt.date(2026, 3, 31)
    >>> is_overdue("rectifying", d, dt.date(2026, 3, 31))
    False
    >>> is_overdue("open", d, dt.date(2026, 4, 1))
    True
    >>> is_overdue("closed", d, dt.date(2027, 1, 1))
    False
    """
    return state != "closed" and deadline < today


def today_in(tz: str) -> dt.date:
    return dt.datetime.now(ZoneInfo(tz)).date()


def rollup(hazards: Iterable, today: dt.date, stock_cutoff: dt.date) -> dict:
    """Hazard figures for an area: by state, overdue, major open, rate, stock/increment.

    ``hazards`` are objects with ``state``, ``level``, ``deadline``,
    ``found_on`` and ``listed`` (ORM rows or plain records).
    ``rectification_rate`` is closed / total (None when there are none).
    Stock (存量) are hazards found before ``stock_cutoff``; increment (增量) the rest.

    Examples
    --------
    >>> from types import SimpleNamespace as H
    >>> hs = [H(state="closed", level="general", deadline=dt.date(2024, 2, 1),
    ...         found_on=dt.date(2023, 12, 1), listed=False),
    ...       H(state="open", level="major", deadline=dt.date(2026, 1, 1),
    ...         found_on=dt.date(2025, 12, 1), listed=True)]
    >>> r = rollup(hs, dt.date(2026, 2, 1), dt.date(2024, 1, 1))
    >>> r["total"], r["open"], r["overdue"], r["closed"], r["major_open"], r["rectification_rate"]
    (2, 1, 1, 1, 1, 0.5)
    >>> r["stock"], r["increment"]
    ({'total': 1, 'open': 0}, {'total': 1, 'open': 1})
    """
    out = {"total": 0, "open": 0, "overdue": 0, "closed": 0, "major_open": 0, "listed_open": 0,
           "by_state": dict.fromkeys(STATES, 0), "stock": {"total": 0, "open": 0},
           "increment": {"total": 0, "open": 0}}
    for h in hazards:
        closed = h.state == "closed"
        out["total"] += 1
        out["by_state"][h.state] += 1
        out["closed" if closed else "open"] += 1
        out["overdue"] += is_overdue(h.state, h.deadline, today)
        out["major_open"] += (not closed) and h.level == "major"
        out["listed_open"] += (not closed) and bool(h.listed)
        part = out["stock" if h.found_on < stock_cutoff else "increment"]
        part["total"] += 1
        part["open"] += not closed
    out["rectification_rate"] = round(out["closed"] / out["total"], 4) if out["total"] else None
    return out


def zeroing(hazards: Iterable, today: dt.date, stock_cutoff: dt.date) -> dict:
    """动态清零 position: stock left (found before the cutoff, still open), this year's increment.

    The one statement of the rule (stock: found before the cutoff), read by the
    map's headline strip (geoapp.queries.summary) and the leaders' reports
    (geoapp.statistics, with the states hazards had at the end of a past
    month). ``hazards`` have ``found_on`` and ``state``; ``increment_year``
    counts those found since 1 January of ``today``'s year (a local date in
    the configured time zone), and not before the cutoff, and how many of them
    are closed.

    Examples
    --------
    >>> from types import SimpleNamespace as H
    >>> hs = [H(found_on=dt.date(2023, 5, 1), state="open"),
    ...       H(found_on=dt.date(2026, 2, 1), state="closed")]
    >>> zeroing(hs, dt.date(2026, 3, 31), dt.date(2024, 1, 1))
    {'stock_open': 1, 'increment_year': {'found': 1, 'closed': 1}}
    """
    hazards = list(hazards)
    year_start = dt.date(today.year, 1, 1)
    this_year = [h for h in hazards if h.found_on >= max(year_start, stock_cutoff)]
    return {
        "stock_open": sum(h.found_on < stock_cutoff and h.state != "closed" for h in hazards),
        "increment_year": {"found": len(this_year),
                           "closed": sum(h.state == "closed" for h in this_year)},
    }


class VersionConflict(Exception):
    """Someone else changed the hazard since the caller read it."""

    def __init__(self, current_version: int):
        self.current_version = current_version
        super().__init__(f"hazard changed meanwhile (now version {current_version})")


def move(session, rules, hazard_id: int, action: str, actor: str, note: str = "",
         expected_version: int | None = None) -> Hazard:
    """Apply one workflow step to a stored hazard, with optimistic locking.

    ``expected_version`` is the version the caller last saw; if the row has
    moved on, VersionConflict is raised and nothing changes. The UPDATE itself
    is also guarded by the version (SQLAlchemy ``version_id_col``), so two
    writers that both passed the check cannot both succeed. The point's level
    (escalation by an open major hazard) and its areas are recomputed.
    Raises LookupError for an unknown hazard, IllegalTransition for a step not
    allowed from the current state.
    """
    from sqlalchemy.orm.exc import StaleDataError

    from geoapp import assignment

    hazard = session.get(Hazard, hazard_id)
    if hazard is None:
        raise LookupError(f"no hazard {hazard_id}")
    if expected_version is not None and hazard.version != expected_version:
        raise VersionConflict(hazard.version)
    transition(hazard, action, actor, note, tz=rules.risk.hazards.timezone)
    try:
        session.flush()
    except StaleDataError:
        session.rollback()
        raise VersionConflict(session.get(Hazard, hazard_id).version) from None
    assignment.refresh_levels(session, rules, [hazard.point_id])
    return hazard


# ------------------------------------------------------------------ recording a hazard

# Lengths of the stored columns (geoapp.models.Hazard) and of free text.
_TEXT_MAX = 2000
_UNIT_MAX, _PERSON_MAX = 200, 100

# A major hazard's treatment plan ("五到位", 原安监总局令第16号 第十五条): goal and tasks,
# methods and measures, funds and materials, responsible unit and people, time limit,
# safety measures and emergency plan. Unit, people and time limit are the hazard's own
# responsible_unit, responsible_person and deadline; the other four are these.
PLAN_FIELDS = {"goal": "治理目标和任务", "measures": "治理方法和措施", "funds": "经费和物资落实",
               "emergency_plan": "安全措施和应急预案"}

_FIELDS = {"level", "source", "description", "found_on", "deadline", "responsible_unit",
           "responsible_person", "listed", "plan"}


class HazardInputError(ValueError):
    """A field of a new hazard is missing or invalid; ``field`` names it (e.g. ``plan.goal``)."""

    def __init__(self, field: str, message: str):
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}")


def create_hazard(session, rules, point_id: int, fields: dict, actor: str,
                  today: dt.date, at: dt.datetime | None = None) -> Hazard:
    """Record a new hazard at a point, open, with a "create" event; levels are recomputed.

    ``fields`` (e.g. a JSON body): ``level`` (general|major), ``source``
    (self_check|inspection|public_report), ``description`` (1–2000 characters),
    ``found_on`` (ISO date, not after ``today``), ``deadline`` (ISO date, not
    before ``found_on``), optional ``responsible_unit``, ``responsible_person``,
    ``listed`` (bool) and, for a major hazard, ``plan`` {goal, measures, funds,
    emergency_plan}. The first bad field raises HazardInputError naming it;
    an unknown point raises LookupError; nothing is written then.

    The code is ``YH`` + today's date + a sequence (``YH20260415-001``), taken
    from the day's counter row, which stays locked until the caller commits:
    concurrent writers wait for each other instead of colliding. An open major
    hazard escalates its point (and so its cell) to red.

    Examples
    --------
    >>> _check_fields({"level": "serious"}, dt.date(2026, 4, 15))
    Traceback (most recent call last):
    ...
    geoapp.rectification.HazardInputError: level: 隐患等级须为 general（一般）或 major（重大）
    """
    from geoapp import assignment, hazardcodes
    from geoapp.models import Point

    if not actor:
        raise ValueError("every change needs an actor")
    values = _check_fields(fields, today)
    plan = values.pop("plan")
    point = session.get(Point, point_id)
    if point is None:
        raise LookupError(f"no point {point_id}")
    hazard = Hazard(code=hazardcodes.next_code(session, today), point_id=point.id,
                    state="open", **values)
    session.add(hazard)
    record(hazard, actor, "create", _plan_note(plan), at=at)
    session.flush()
    assignment.refresh_levels(session, rules, [point.id])
    return hazard


def _check_fields(fields: dict, today: dt.date) -> dict:
    """Validated column values from raw input; raises HazardInputError on the first bad field."""
    if not isinstance(fields, dict):
        raise HazardInputError("body", "须为 JSON 对象")
    unknown = sorted(set(fields) - _FIELDS)
    if unknown:
        raise HazardInputError(unknown[0], "未知字段")
    level = fields.get("level")
    if level not in LEVEL_LABELS:
        raise HazardInputError("level", "隐患等级须为 general（一般）或 major（重大）")
    source = fields.get("source")
    if source not in SOURCE_LABELS:
        allowed = "、".join(f"{k}（{v}）" for k, v in SOURCE_LABELS.items())
        raise HazardInputError("source", f"隐患来源须为 {allowed}")
    description = _text(fields, "description", _TEXT_MAX, required=True)
    found_on, deadline = _date(fields, "found_on"), _date(fields, "deadline")
    for field, why in hazarddates.problems(found_on, deadline, None, today)[:1]:
        raise HazardInputError(field, hazarddates.LABELS[field] + why)
    listed = fields.get("listed", False)
    if listed is None:
        listed = False
    if not isinstance(listed, bool):
        raise HazardInputError("listed", "挂牌督办须为 true 或 false")
    plan = fields.get("plan") or None
    if plan is not None:
        if level != "major":
            raise HazardInputError("plan", "只有重大事故隐患填写治理方案")
        if not isinstance(plan, dict):
            raise HazardInputError("plan", "治理方案须为 JSON 对象")
        extra = sorted(set(plan) - set(PLAN_FIELDS))
        if extra:
            raise HazardInputError(f"plan.{extra[0]}", "未知字段")
        plan = {k: _text(plan, k, _TEXT_MAX, field=f"plan.{k}") for k in PLAN_FIELDS}
        plan = {k: v for k, v in plan.items() if v} or None
    return {
        "level": level, "source": source, "description": description, "found_on": found_on,
        "deadline": deadline, "listed": listed, "plan": plan,
        "responsible_unit": _text(fields, "responsible_unit", _UNIT_MAX),
        "responsible_person": _text(fields, "responsible_person", _PERSON_MAX),
    }


def _text(fields: dict, key: str, limit: int, required: bool = False,
          field: str | None = None) -> str | None:
    field = field or key
    value = fields.get(key)
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise HazardInputError(field, "须为文本")
    value = value.strip()
    if required and not value:
        raise HazardInputError(field, "不能为空")
    if len(value) > limit:
        raise HazardInputError(field, f"不能超过 {limit} 个字符")
    return value or None


def _date(fields: dict, key: str) -> dt.date:
    value = fields.get(key)
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if value is None or value == "":
        raise HazardInputError(key, "不能为空")
    # YYYY-MM-DD only: fromisoformat also takes 20260415 and week dates (2026-W01-1)
    if isinstance(value, str) and len(value) == 10 and value[4] == value[7] == "-" \
            and value.replace("-", "").isascii() and value.replace("-", "").isdigit():
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise HazardInputError(key, "日期须为 YYYY-MM-DD 格式的有效日期")


def _plan_note(plan: dict | None) -> str:
    """The treatment plan, kept in the creation event's note (no column for it yet)."""
    if not plan:
        return ""
    return "治理方案（五到位）\n" + "\n".join(
        f"{PLAN_FIELDS[k]}：{plan[k]}" for k in PLAN_FIELDS if k in plan)
