"""Public reports (一键举报): the filing's fields, the triage steps and who takes them, rewards.

The rules as data are ``layers/public_report.toml`` (:class:`PublicReportFile`,
validated at start-up with the other rule files): the categories a reporter
picks from, how far outside every cell a report may still be taken, which
roles take which triage step, and the defaults of the hazard a verified report
becomes. Pure: the store writes, the web answers; every refusal here is a
``PublicReportInputError`` naming the field.

States (the table's check constraint): received (待核查) → checking (核查中) →
verified (查实) | rejected (不属实). The event names are the ones the reports
by channel count (geoapp.domain.channels): ``receive`` when filed, ``start``,
``verify``, ``reject`` and ``reply`` for the office's responses.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import secrets
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from geoapp.domain import values
from geoapp.domain.duties import Role
from geoapp.domain.texts import N_

STATES = ("received", "checking", "verified", "rejected")
STATE_LABELS = {"received": N_("待核查"), "checking": N_("核查中"), "verified": N_("查实"),
                "rejected": N_("不属实")}
FINAL = frozenset({"verified", "rejected"})
# step → the states it may follow, and the state it leads to (None: the state stays)
STEPS: dict[str, tuple[frozenset[str], str | None]] = {
    "start": (frozenset({"received"}), "checking"),
    "verify": (frozenset({"received", "checking"}), "verified"),
    "reject": (frozenset({"received", "checking"}), "rejected"),
    "reply": (frozenset(STATES), None),
}
STEP_LABELS = {"receive": N_("受理"), "start": N_("开始核查"), "verify": N_("查实"),
               "reject": N_("不属实"), "reply": N_("答复"), "reward": N_("奖励")}

DESCRIPTION_MAX = 2000  # a hazard's description holds as much (a verified report becomes one)
NOTE_MAX = 2000
REPLY_MAX = 1000
REWARD_MAX = 1_000_000  # yuan: a typo guard, no policy
# Receipt codes: 12 symbols of 31 (no 0/O, 1/I/L), about 59 bits: unguessable, and short
# enough to read out on the phone. Lookups are case-insensitive.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 12
_CODE = re.compile(f"[{CODE_ALPHABET}]{{{CODE_LENGTH}}}|DEMO[0-9A-Z-]{{1,12}}")
# a mainland mobile or a landline with area code; spaces and dashes as people write them
_PHONE = re.compile(r"\+?[0-9]{5,15}")

Roles = Annotated[tuple[Role, ...], Field(min_length=1)]


class PublicReportInputError(ValueError):
    """A refused field: ``field`` names it, ``message`` says why (in Chinese)."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field, self.message = field, message


class Category(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    code: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=40)]
    label: str
    label_en: str


class TriageRoles(BaseModel):
    """Who takes each step. Grid members only in their own cells (the store's can_write_cell)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    start: Roles = ("grid", "supervisor", "admin")
    reply: Roles = ("grid", "supervisor", "admin")
    verify: Roles = ("supervisor", "admin")
    reject: Roles = ("supervisor", "admin")
    reward: Roles = ("supervisor", "admin")
    # who reads the reporter's phone number in the queue
    phone: Roles = ("supervisor", "admin")


class VerifyDefaults(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    deadline_days: Annotated[int, Field(ge=1, le=365)] = 30
    new_point_layer: str = "idle_site"


class PublicReportFile(BaseModel):
    """``layers/public_report.toml``."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    categories: Annotated[tuple[Category, ...], Field(min_length=1)] = (
        Category(code="other", label="其他", label_en="Other"),)
    max_photos: Annotated[int, Field(ge=0, le=9)] = 3
    max_outside_m: Annotated[float, Field(gt=0)] = 5000.0
    triage: TriageRoles = TriageRoles()
    verify: VerifyDefaults = VerifyDefaults()

    @model_validator(mode="after")
    def _other_and_unique(self):
        codes = [c.code for c in self.categories]
        if len(set(codes)) != len(codes):
            raise ValueError("a category code is given twice")
        if "other" not in codes:  # the demo's and any unclassifiable report's category
            raise ValueError("categories must include 'other'")
        return self

    def category_codes(self) -> tuple[str, ...]:
        return tuple(c.code for c in self.categories)


def new_code() -> str:
    """A fresh receipt code (``secrets``: not derived from anything a stranger could know)."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normal_code(text: str) -> str | None:
    """A receipt code as typed (any case, spaces and dashes between groups), or None."""
    if not isinstance(text, str):
        return None
    code = text.strip().upper()
    if not code.startswith("DEMO"):
        code = code.replace("-", "").replace(" ", "")
    return code if _CODE.fullmatch(code) else None


def _number(fields: dict, name: str, low: float, high: float) -> float:
    value = fields.get(name)
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            raise PublicReportInputError(name, "须为数字") from None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise PublicReportInputError(name, "须为数字")
    if not low <= value <= high:
        raise PublicReportInputError(name, f"须在 {low} 与 {high} 之间")
    return float(value)


def _text(fields: dict, name: str, limit: int, required: bool = False) -> str:
    try:
        return values.text(fields.get(name), limit, required)
    except ValueError as exc:
        raise PublicReportInputError(name, str(exc)) from None


def check_filing(fields: dict, spec: PublicReportFile) -> dict:
    """A filing's fields checked: {lon, lat, category, description, phone}; the first bad
    field raises PublicReportInputError naming it.

    The place is WGS84 (a phone's position, or a tap on the map); the phone
    number is optional, kept for feedback only.

    >>> spec = PublicReportFile()
    >>> check_filing({"lon": "120.5", "lat": 31.2, "category": "other",
    ...               "description": " 堵塞 ", "phone": "138-0000 0000"}, spec)["phone"]
    '13800000000'
    >>> check_filing({"lon": 200, "lat": 31, "category": "other", "description": "x"}, spec)
    Traceback (most recent call last):
    ...
    geoapp.domain.public_reports.PublicReportInputError: lon: 须在 -180 与 180 之间
    """
    lon = _number(fields, "lon", -180, 180)
    lat = _number(fields, "lat", -90, 90)
    category = fields.get("category")
    if category not in spec.category_codes():
        raise PublicReportInputError("category", "请选择举报类别")
    description = _text(fields, "description", DESCRIPTION_MAX, required=True)
    phone = _text(fields, "phone", 30)
    if phone:
        phone = re.sub(r"[\s\-()（）]", "", phone)
        if not _PHONE.fullmatch(phone):
            raise PublicReportInputError("phone", "请填写有效的电话号码（或留空）")
    return {"lon": lon, "lat": lat, "category": category, "description": description,
            "phone": phone or None}


def check_outside(distance_m: float | None, spec: PublicReportFile) -> None:
    """A report outside every cell is taken up to ``max_outside_m`` from the nearest one;
    farther it is not this territory's (``lon`` is named: the place is wrong)."""
    if distance_m is None or not math.isfinite(distance_m) or distance_m > spec.max_outside_m:
        raise PublicReportInputError(
            "lon", f"该位置不在本辖区内（距最近网格超过 {spec.max_outside_m:.0f} 米）")


Action = Literal["start", "verify", "reject", "reply"]


def check_triage(fields: dict, state: str) -> dict:
    """A triage step's fields: {action, note, reply, point_id}; raises PublicReportInputError.

    A rejection needs a reply (the reason the reporter reads); the step must
    follow the report's state (``state`` is named, answered 409 by the web).

    >>> check_triage({"action": "reject", "reply": "经核查不属实"}, "checking")["reply"]
    '经核查不属实'
    >>> check_triage({"action": "reject"}, "checking")
    Traceback (most recent call last):
    ...
    geoapp.domain.public_reports.PublicReportInputError: reply: 不属实须写明理由（举报人可见）
    """
    action = fields.get("action")
    if action not in STEPS:
        raise PublicReportInputError("action", "action 须为 start、verify、reject 或 reply")
    note = _text(fields, "note", NOTE_MAX)
    reply = _text(fields, "reply", REPLY_MAX)
    if action == "reject" and not reply:
        raise PublicReportInputError("reply", "不属实须写明理由（举报人可见）")
    if action == "reply" and not reply:
        raise PublicReportInputError("reply", "请填写答复")
    point_id = fields.get("point_id")
    if point_id is not None and (isinstance(point_id, bool) or not isinstance(point_id, int)
                                 or not 1 <= point_id < 2**31):
        raise PublicReportInputError("point_id", "point_id 须为点位编号（整数）")
    if action != "verify" and point_id is not None:
        raise PublicReportInputError("point_id", "只有查实时才关联点位")
    if state not in STEPS[action][0]:
        raise PublicReportInputError("state", f"该举报处于“{STATE_LABELS.get(state, state)}”，"
                                              f"不能{STEP_LABELS[action]}")
    return {"action": action, "note": note, "reply": reply, "point_id": point_id}


def next_state(action: str, state: str) -> str:
    return STEPS[action][1] or state


def check_reward(fields: dict, state: str, today: dt.date) -> dict:
    """A reward record (查实即奖): {amount, on, paid}, only on a verified report.

    >>> check_reward({"amount": 200, "on": "2026-04-01", "paid": True}, "verified",
    ...              dt.date(2026, 4, 2))
    {'amount': 200.0, 'on': datetime.date(2026, 4, 1), 'paid': True}
    """
    amount = fields.get("amount")
    if isinstance(amount, bool) or not isinstance(amount, int | float) \
            or not math.isfinite(amount) or not 0 < amount <= REWARD_MAX:
        raise PublicReportInputError("amount", f"奖励金额须为 0 到 {REWARD_MAX} 元之间的数字")
    try:
        on = values.iso_date(fields.get("on"))
    except ValueError as exc:
        raise PublicReportInputError("on", str(exc)) from None
    if on > today:
        raise PublicReportInputError("on", "奖励日期不能晚于今天")
    paid = fields.get("paid", False)
    if not isinstance(paid, bool):
        raise PublicReportInputError("paid", "paid 须为 true 或 false")
    if state != "verified":
        raise PublicReportInputError("state", "只有查实的举报才能奖励（查实即奖）")
    return {"amount": round(float(amount), 2), "on": on, "paid": paid}
