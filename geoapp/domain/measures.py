"""Supervisory measures (督办措施): the kinds, who records them, a measure's fields checked.

The campaign plans ask leaders and supervising departments to push slow
cases with 函告、通报、约谈、曝光 and "三函一会", and to hand a case to the
department with enforcement powers (移送执法). A measure is a record of one
of these, taken against an enterprise or against one hazard, with its date,
the unit that issued it, to whom it went and a note; a referral also names
the department it went to. See docs/domain.md (督办措施) for the sources.

Pure: the web layer reads the request, the store writes the row.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from geoapp.domain import hazarddates, values
from geoapp.domain.texts import N_

# Stable codes, in the order the plans name them; the labels are the plans' words.
KINDS = ("letter", "notice", "interview", "exposure", "three_letters_one_meeting", "referral")
KIND_LABELS = {"letter": N_("函告"), "notice": N_("通报"), "interview": N_("约谈"),
               "exposure": N_("曝光"), "three_letters_one_meeting": N_("三函一会"),
               "referral": N_("移送执法")}
# Measures are the supervising side's: grid members find and follow hazards, they do
# not summon an enterprise's principal (the plans give this to leaders and departments).
RECORDERS = ("supervisor", "leader", "admin")
# Stored lengths (geoapp.store.models.Measure follows them).
UNIT_MAX = 200
RECIPIENT_MAX = 200
REFERRED_MAX = 200
NOTE_MAX = 2000
FIELDS = ("kind", "date", "unit", "recipient", "note", "referred_to")
LABELS = {"kind": "措施类型", "date": "日期", "unit": "发出单位", "recipient": "对象",
          "note": "说明", "referred_to": "移送部门"}


class MeasureInputError(ValueError):
    """A measure's field is missing or invalid; ``field`` names it."""

    def __init__(self, field: str, message: str):
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}")


@dataclass(frozen=True)
class MeasureFields:
    kind: str
    date: dt.date
    unit: str
    recipient: str
    note: str
    referred_to: str | None  # only for a referral (移送执法)


def may_record(role: str | None) -> bool:
    """May an account of ``role`` record a measure?

    >>> [may_record(r) for r in ("supervisor", "leader", "admin", "grid", "planner", None)]
    [True, True, True, False, False, False]
    """
    return role in RECORDERS


def check_target(enterprise_id, hazard_id) -> tuple[str, int]:
    """("enterprise" | "hazard", its id): exactly one of them, a whole number.

    >>> check_target(None, 7)
    ('hazard', 7)
    >>> check_target(3, 7)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    geoapp.domain.measures.MeasureInputError: hazard_id: 只能指定企业（enterprise_id）或隐患...
    """
    given = {k: v for k, v in (("enterprise_id", enterprise_id), ("hazard_id", hazard_id))
             if v is not None and v != ""}
    if not given:
        raise MeasureInputError("enterprise_id", "须指定企业（enterprise_id）或隐患（hazard_id）")
    if len(given) > 1:
        raise MeasureInputError("hazard_id", "只能指定企业（enterprise_id）或隐患（hazard_id）之一")
    (field, value), = given.items()
    if isinstance(value, str) and value.isascii() and value.isdigit():
        value = int(value)  # a form's field is text
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < 2**31:
        raise MeasureInputError(field, "须为正整数编号")
    return field.removesuffix("_id"), value


def check(body: dict, today: dt.date, found_on: dt.date | None = None,
          closed_on: dt.date | None = None) -> MeasureFields:
    """The validated fields of a new measure; raises MeasureInputError on the first bad one.

    ``found_on`` is the hazard's found date when the measure is against a hazard:
    a measure cannot be older than the hazard it pushes, nor later than its
    close-out (``closed_on``: a closed hazard needs no more pushing, but a
    measure taken before may be recorded late). The date is the day the
    measure was taken, never after ``today``.

    Examples
    --------
    >>> check({"kind": "interview", "date": "2026-04-10", "unit": "示范镇安监站",
    ...        "recipient": "张三（主要负责人）"}, dt.date(2026, 4, 15)).kind
    'interview'
    >>> check({"kind": "visit", "date": "2026-04-10"}, dt.date(2026, 4, 15))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    geoapp.domain.measures.MeasureInputError: kind: 措施类型须为 letter（函告）、notice（通报）...
    """
    kind = body.get("kind")
    if not isinstance(kind, str) or kind not in KINDS:
        allowed = "、".join(f"{k}（{KIND_LABELS[k]}）" for k in KINDS)
        raise MeasureInputError("kind", f"措施类型须为 {allowed}")
    day = _date(body.get("date"))
    if day < hazarddates.EARLIEST:
        raise MeasureInputError("date", f"日期不能早于 {hazarddates.EARLIEST.isoformat()}")
    if day > today:
        raise MeasureInputError("date", f"日期不能晚于今天（{today.isoformat()}）")
    if found_on is not None and day < found_on:
        raise MeasureInputError("date", f"日期不能早于隐患的发现日期（{found_on.isoformat()}）")
    if closed_on is not None and day > closed_on:
        raise MeasureInputError("date", f"该隐患已于 {closed_on.isoformat()} 销号，"
                                        "日期不能晚于销号日期")
    unit = _text(body, "unit", UNIT_MAX, required=True)
    recipient = _text(body, "recipient", RECIPIENT_MAX, required=True)
    note = _text(body, "note", NOTE_MAX)
    referred_to = _text(body, "referred_to", REFERRED_MAX, required=kind == "referral")
    if referred_to and kind != "referral":
        raise MeasureInputError("referred_to", "只有移送执法填写移送部门")
    return MeasureFields(kind=kind, date=day, unit=unit, recipient=recipient, note=note,
                         referred_to=referred_to or None)


def _date(value) -> dt.date:
    if value is None or value == "":
        raise MeasureInputError("date", "日期不能为空")
    try:
        return values.iso_date(value)
    except ValueError as exc:
        raise MeasureInputError("date", str(exc)) from None


def _text(body: dict, key: str, limit: int, required: bool = False) -> str:
    try:
        return values.text(body.get(key), limit, required)
    except ValueError as exc:
        raise MeasureInputError(key, f"{LABELS[key]}{exc}") from None


def labels_in_order() -> list[tuple[str, str]]:
    """(code, label) of every kind, in order: the columns of the reports."""
    return [(k, KIND_LABELS[k]) for k in KINDS]
