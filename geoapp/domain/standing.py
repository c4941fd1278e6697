"""红黑榜: an enterprise's standing (red list, black list or neither) from rules written as data.

The rules are ``layers/standing.toml``. Each rule has a key, a Chinese label
(the reason shown next to an entry), either its ``source`` or
``local_policy = true``, and the conditions (``when``) that must all hold for
it. An enterprise is on the black list when any black rule holds, and on the
red list when every red rule holds and no black rule does: the red list
rewards a record that is good on every count, the black list needs one
serious failing.

The conditions are a fixed vocabulary, so that a file cannot ask for what the
code does not know; their parameters are data:

* ``hazard_overdue`` — a hazard (``hazard_level`` major, general or any) is
  overdue today, or, with ``within_days``, was overdue on some day of the last
  ``within_days`` days (still open past its deadline, or closed after it
  within the window); ``at_least`` such hazards (1 by default);
* ``measure`` — a supervisory measure of one of ``kinds`` (geoapp.domain.measures)
  this calendar year (``this_year``) or within ``within_days``;
* ``field_in`` — the ledger field ``field`` holds one of ``values`` (an empty
  ``status`` reads as 正常生产);
* ``insured`` — 安责险 is 是 and, when the ledger gives an expiry date, not expired;
* ``activity_after_status`` — the status is one of ``values`` and a hazard was
  found at the enterprise's points after its 状态日期 (or within ``within_days``,
  365 by default, when the ledger gives no date): someone found it working, the
  plans' 非法复工复产 and 死灰复燃. Self-checks do not count: a stopped
  enterprise may still be asked to check its premises.

``negate = true`` turns a condition round ("no hazard overdue in 12 months").
Pure: geoapp.store.reads.standing_data gathers the facts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from geoapp.domain.measures import KINDS as MEASURE_KINDS
from geoapp.domain.texts import N_

LISTS = ("red", "black")
LIST_LABELS = {"red": N_("红榜"), "black": N_("黑榜")}
STATUS_FIELD = "status"
OPERATING = "正常生产"
TESTS = ("hazard_overdue", "measure", "field_in", "insured", "activity_after_status")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Condition(_Strict):
    test: Literal["hazard_overdue", "measure", "field_in", "insured", "activity_after_status"]
    negate: bool = False
    hazard_level: Literal["major", "general", "any"] = "any"
    within_days: Annotated[int, Field(ge=1, le=3660)] | None = None
    at_least: Annotated[int, Field(ge=1, le=1000)] = 1  # hazard_overdue: how many hazards
    this_year: bool = False
    kinds: tuple[str, ...] = ()
    field: str | None = None
    values: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _parameters(self):
        bad = sorted(set(self.kinds) - set(MEASURE_KINDS))
        if bad:
            raise ValueError(f"unknown measure kinds {bad} (known: {list(MEASURE_KINDS)})")
        if self.test == "measure" and not self.kinds:
            raise ValueError("a measure condition needs kinds")
        if self.test == "measure" and self.this_year == (self.within_days is not None):
            raise ValueError("a measure condition needs this_year or within_days (one of them)")
        if self.test == "field_in" and (not self.field or not self.values):
            raise ValueError("a field_in condition needs field and values")
        if self.test == "activity_after_status" and not self.values:
            raise ValueError("an activity_after_status condition needs values (statuses)")
        return self


class Rule(_Strict):
    key: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=40)]
    label: Annotated[str, Field(min_length=1, max_length=100)]
    label_en: str | None = None
    source: str | None = None
    local_policy: bool = False
    when: Annotated[tuple[Condition, ...], Field(min_length=1)]

    @model_validator(mode="after")
    def _sourced(self):
        if bool(self.source) == self.local_policy:
            raise ValueError(f"rule {self.key!r}: give its source or local_policy = true (one)")
        return self


class StandingFile(_Strict):
    """``layers/standing.toml``: the black rules (any one) and the red rules (all of them)."""

    black: Annotated[tuple[Rule, ...], Field(min_length=1)]
    red: Annotated[tuple[Rule, ...], Field(min_length=1)]

    @model_validator(mode="after")
    def _unique(self):
        keys = [r.key for r in self.black + self.red]
        dupes = sorted({k for k in keys if keys.count(k) > 1})
        if dupes:
            raise ValueError(f"duplicate rule keys: {dupes}")
        return self

    def check_fields(self, fields: Mapping[str, tuple[str, ...]]) -> list[str]:
        """Problems with the enterprise layer's fields (name → choices) the rules name."""
        problems = []
        for rule in self.black + self.red:
            for c in rule.when:
                name = c.field if c.test == "field_in" else (
                    STATUS_FIELD if c.test == "activity_after_status" else None)
                if name is None:
                    continue
                where = f"rule {rule.key!r}"
                if name not in fields:
                    problems.append(f"{where}: the enterprise layer has no field {name!r}")
                elif fields[name] and set(c.values) - set(fields[name]):
                    unknown = sorted(set(c.values) - set(fields[name]))
                    problems.append(f"{where}: {unknown} are not choices of {name!r}")
        return problems


@dataclass(frozen=True)
class HazardFact:
    code: str
    level: str  # general | major
    found_on: dt.date
    deadline: dt.date
    closed_on: dt.date | None  # None while open


@dataclass(frozen=True)
class Facts:
    """What the rules read of one enterprise: its ledger fields, the hazards at its
    points, the measures against it or them."""

    attrs: Mapping
    hazards: tuple[HazardFact, ...] = ()
    measures: tuple[tuple[str, dt.date], ...] = ()  # (kind, date)


@dataclass(frozen=True)
class Reason:
    key: str
    label: str
    label_en: str | None
    detail: str  # the evidence: hazard codes, a measure's date, a field's value


@dataclass(frozen=True)
class Standing:
    list: str | None  # red | black | None
    reasons: tuple[Reason, ...] = ()


def _date(value) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def _overdue(h: HazardFact, today: dt.date, within_days: int | None) -> bool:
    """Overdue today, or on some day of the last ``within_days`` days."""
    if h.deadline >= today:
        return False
    if h.closed_on is None:
        return True
    if within_days is None:
        return False
    return h.closed_on > h.deadline and h.closed_on > today - dt.timedelta(days=within_days)


def _hazard_overdue(c: Condition, facts: Facts, today: dt.date) -> str | None:
    codes = [h.code for h in facts.hazards
             if c.hazard_level in ("any", h.level) and _overdue(h, today, c.within_days)]
    return "、".join(sorted(codes)) if len(codes) >= c.at_least else None


def _measure(c: Condition, facts: Facts, today: dt.date) -> str | None:
    def counts(day: dt.date) -> bool:
        if day > today:
            return False
        if c.this_year:
            return day.year == today.year
        return day > today - dt.timedelta(days=c.within_days or 0)

    days = sorted({d for kind, d in facts.measures if kind in c.kinds and counts(d)})
    return "、".join(d.isoformat() for d in days) or None


def _status(facts: Facts) -> str:
    return facts.attrs.get(STATUS_FIELD) or OPERATING


def _field_in(c: Condition, facts: Facts, today: dt.date) -> str | None:
    value = _status(facts) if c.field == STATUS_FIELD else facts.attrs.get(c.field)
    return str(value) if value in c.values else None


def _insured(c: Condition, facts: Facts, today: dt.date) -> str | None:
    if facts.attrs.get("insured") is not True:
        return None
    until = _date(facts.attrs.get("insured_until"))
    if until is not None and until < today:
        return None
    return until.isoformat() if until else "是"


def _activity(c: Condition, facts: Facts, today: dt.date) -> str | None:
    status = _status(facts)
    if status not in c.values:
        return None
    since = _date(facts.attrs.get("status_since"))
    if since is None:
        since = today - dt.timedelta(days=c.within_days or 365)
    days = sorted({h.found_on for h in facts.hazards})
    after = [d for d in days if since < d <= today]
    return f"{status}（{since.isoformat()}）后 {after[-1].isoformat()} 发现隐患" if after else None


_TESTS = {"hazard_overdue": _hazard_overdue, "measure": _measure, "field_in": _field_in,
          "insured": _insured, "activity_after_status": _activity}


def holds(rule: Rule, facts: Facts, today: dt.date) -> str | None:
    """The evidence when every condition of ``rule`` holds, else None."""
    details = []
    for c in rule.when:
        found = _TESTS[c.test](c, facts, today)
        if c.negate:
            if found is not None:
                return None
        elif found is None:
            return None
        else:
            details.append(found)
    return "；".join(details)


def as_of(facts: Facts, day: dt.date) -> Facts:
    """The facts as they stood at the end of ``day``: later hazards, closings and measures
    left out (a past period's list is not coloured by what came after).

    >>> d = dt.date
    >>> h = HazardFact("YH1", "major", d(2026, 1, 1), d(2026, 2, 1), d(2026, 9, 1))
    >>> as_of(Facts({}, (h,)), dt.date(2026, 5, 1)).hazards[0].closed_on is None
    True
    """
    hazards = tuple(h if h.closed_on is None or h.closed_on <= day else
                    HazardFact(h.code, h.level, h.found_on, h.deadline, None)
                    for h in facts.hazards if h.found_on <= day)
    return Facts(facts.attrs, hazards, tuple(m for m in facts.measures if m[1] <= day))


def evaluate(spec: StandingFile, facts: Facts, today: dt.date) -> Standing:
    """Black when any black rule holds (its reasons: every black rule that does), red
    when every red rule holds and no black one, else neither.

    >>> spec = StandingFile.model_validate({
    ...     "black": [{"key": "b", "label": "重大隐患逾期", "local_policy": True,
    ...                "when": [{"test": "hazard_overdue", "hazard_level": "major"}]}],
    ...     "red": [{"key": "r", "label": "已投保", "local_policy": True,
    ...              "when": [{"test": "insured"}]}]})
    >>> d = dt.date(2026, 6, 1)
    >>> evaluate(spec, Facts({"insured": True}), d).list
    'red'
    >>> late = HazardFact("YH1", "major", dt.date(2026, 1, 1), dt.date(2026, 3, 1), None)
    >>> evaluate(spec, Facts({"insured": True}, (late,)), d).reasons[0].detail
    'YH1'
    """
    facts = as_of(facts, today)
    black = [(r, holds(r, facts, today)) for r in spec.black]
    black = [Reason(r.key, r.label, r.label_en, d) for r, d in black if d is not None]
    if black:
        return Standing("black", tuple(black))
    red = [(r, holds(r, facts, today)) for r in spec.red]
    if all(d is not None for _, d in red):
        return Standing("red", tuple(Reason(r.key, r.label, r.label_en, d) for r, d in red))
    return Standing(None)
