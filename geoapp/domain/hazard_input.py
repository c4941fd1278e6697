"""A hazard's fields as a grid member sends them, checked: one rule for every channel.

``check_fields`` checks a new hazard, ``check_edit`` an edit of a stored one
(the same rules, for the fields an edit may change). The first bad field
raises :class:`HazardInputError` naming it (``plan.goal`` for a field of a
major hazard's treatment plan), so the page can point at it.
"""

from __future__ import annotations

import datetime as dt

from geoapp.domain import hazarddates, values
from geoapp.domain.layers import STORED_LENGTHS
from geoapp.domain.texts import N_
from geoapp.domain.workflow import LEVEL_LABELS, SOURCE_LABELS

# Free text, and the stored columns' lengths.
_TEXT_MAX = 2000
_UNIT_MAX = STORED_LENGTHS["hazard", "responsible_unit"]
_PERSON_MAX = STORED_LENGTHS["hazard", "responsible_person"]

# A major hazard's treatment plan ("五到位", 原安监总局令第16号 第十五条): goal and tasks,
# methods and measures, funds and materials, responsible unit and people, time limit,
# safety measures and emergency plan. Unit, people and time limit are the hazard's own
# responsible_unit, responsible_person and deadline; the other four are these.
PLAN_FIELDS = {"goal": "治理目标和任务", "measures": "治理方法和措施", "funds": "经费和物资落实",
               "emergency_plan": "安全措施和应急预案"}

_FIELDS = {"level", "source", "description", "found_on", "deadline", "responsible_unit",
           "responsible_person", "listed", "plan"}

# What an edit may change: the descriptive fields. A change of level or listing
# (挂牌督办) is the supervising authority's decision (``DECIDED``: admins only, see
# geoapp.store.accounts.can_decide); the others are for whoever may write the cell.
# ``listed`` stays here so that sending the value a hazard has is no change; a
# change of it is refused (``LISTED_BY_STEP``) once the editor may decide.
EDITABLE = ("description", "responsible_unit", "responsible_person", "level", "listed")
DECIDED = ("level", "listed")
# Fields an edit may not change, and why: the deadline moves only through an
# extension; the finding itself (when, how) is a fact; the state moves by the workflow;
# the treatment plan is kept in the creation event, which is history.
FIXED = {"deadline": "整改期限只能通过延期申请变更", "found_on": "发现日期不能修改",
         "source": "隐患来源不能修改", "plan": "治理方案随登记记入历史，不能修改",
         "state": "状态只能通过整改流程变更"}
# Every field an event's ``changes`` may name (edits and ledger re-imports), for the pages.
FIELD_LABELS = {"level": N_("隐患等级"), "source": N_("隐患来源"), "description": N_("隐患描述"),
                "found_on": N_("发现日期"), "deadline": N_("整改期限"),
                "responsible_unit": N_("责任单位"), "responsible_person": N_("责任人"),
                "listed": N_("挂牌督办"), "closed_on": N_("销号日期"), "point_id": N_("点位")}


class HazardInputError(ValueError):
    """A field of a new hazard is missing or invalid; ``field`` names it (e.g. ``plan.goal``)."""

    def __init__(self, field: str, message: str):
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}")


def check_fields(fields: dict, today: dt.date) -> dict:
    """Validated column values from raw input; raises HazardInputError on the first bad field.

    Examples
    --------
    >>> check_fields({"level": "serious"}, dt.date(2026, 4, 15))
    Traceback (most recent call last):
    ...
    geoapp.domain.hazard_input.HazardInputError: level: 隐患等级须为 general（一般）或 major（重大）
    """
    if not isinstance(fields, dict):
        raise HazardInputError("body", "须为 JSON 对象")
    unknown = sorted(set(fields) - _FIELDS)
    if unknown:
        raise HazardInputError(unknown[0], "未知字段")
    level = _level(fields)
    source = fields.get("source")
    if source not in SOURCE_LABELS:
        allowed = "、".join(f"{k}（{v}）" for k, v in SOURCE_LABELS.items())
        raise HazardInputError("source", f"隐患来源须为 {allowed}")
    description = _text(fields, "description", _TEXT_MAX, required=True)
    found_on, deadline = _date(fields, "found_on"), _date(fields, "deadline")
    for field, why in hazarddates.problems(found_on, deadline, None, today)[:1]:
        raise HazardInputError(field, hazarddates.LABELS[field] + why)
    listed = _listed(fields)
    if listed:
        raise HazardInputError("listed", LISTED_BY_STEP)
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


def check_edit(fields: dict) -> dict:
    """The validated values of an edit: only the fields given, each checked as for a new hazard.

    A field an edit may not change raises HazardInputError naming it and why
    (``FIXED``); any other field outside ``EDITABLE`` is unknown.

    Examples
    --------
    >>> check_edit({"description": " 堵塞 ", "listed": True})
    {'description': '堵塞', 'listed': True}
    >>> check_edit({"deadline": "2026-05-01"})
    Traceback (most recent call last):
    ...
    geoapp.domain.hazard_input.HazardInputError: deadline: 整改期限只能通过延期申请变更
    """
    if not isinstance(fields, dict):
        raise HazardInputError("body", "须为 JSON 对象")
    for key in sorted(fields):
        if key in FIXED:
            raise HazardInputError(key, FIXED[key])
        if key not in EDITABLE:
            raise HazardInputError(key, "未知字段")
    checks = {"level": _level, "listed": _listed,
              "description": lambda f: _text(f, "description", _TEXT_MAX, required=True),
              "responsible_unit": lambda f: _text(f, "responsible_unit", _UNIT_MAX),
              "responsible_person": lambda f: _text(f, "responsible_person", _PERSON_MAX)}
    return {key: checks[key](fields) for key in EDITABLE if key in fields}


def _level(fields: dict) -> str:
    level = fields.get("level")
    if not isinstance(level, str) or level not in LEVEL_LABELS:
        raise HazardInputError("level", "隐患等级须为 general（一般）或 major（重大）")
    return level


# 挂牌督办 is a record with its own steps (level, unit, deadline, publication:
# geoapp.domain.listing), no longer a yes/no a form sets: ``listed`` true on a new
# hazard, or changed by an edit, is refused with this, pointing to the steps.
LISTED_BY_STEP = ("挂牌督办须通过挂牌步骤办理（POST /api/hazards/<id>/listing，"
                  "销号后摘牌：…/delisting），不能作为字段设置")


def _listed(fields: dict) -> bool:
    listed = fields.get("listed", False)
    if listed is None:
        listed = False
    if not isinstance(listed, bool):
        raise HazardInputError("listed", "挂牌督办须为 true 或 false")
    return listed


def _text(fields: dict, key: str, limit: int, required: bool = False,
          field: str | None = None) -> str | None:
    try:
        return values.text(fields.get(key), limit, required) or None
    except ValueError as exc:
        raise HazardInputError(field or key, str(exc)) from None


def _date(fields: dict, key: str) -> dt.date:
    value = fields.get(key)
    if value is None or value == "":
        raise HazardInputError(key, "不能为空")
    try:
        return values.iso_date(value)
    except ValueError as exc:
        raise HazardInputError(key, str(exc)) from None


def plan_note(plan: dict | None) -> str:
    """The treatment plan, kept in the creation event's note (no column for it yet)."""
    if not plan:
        return ""
    return "治理方案（五到位）\n" + "\n".join(
        f"{PLAN_FIELDS[k]}：{plan[k]}" for k in PLAN_FIELDS if k in plan)
