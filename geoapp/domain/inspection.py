"""Inspections (巡查): what a visit to a point checks, and when the next one is due.

Each point layer declares in its ``layers/*.toml`` file an ``[inspection]``
table: how often its points must be visited (``every_days``, local policy:
idle premises weekly, confined spaces monthly…), how many days ahead a visit
shows as due (``remind_days``), the ledger field that holds a visit made before
geoapp (``ledger_field``, e.g. 最近检查日期) and the checklist. A checklist item
may apply only to points of some industries (GB/T 4754 code prefixes): an
enterprise is checked on its own industry's key items.

Every point is, on a given day:

* ``visited`` — its next visit falls due after the reminder window;
* ``due`` — the next visit falls due today or within ``remind_days``;
* ``overdue`` — the day it fell due has passed, or it was never visited (the
  duty exists from the day the point is on the ledger).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

VISIT_STATUSES = ("overdue", "due", "visited")
RESULTS = ("ok", "fail", "na")  # 合格 / 不合格 / 不适用


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ChecklistItem(_Strict):
    key: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=40)]
    label: Annotated[str, Field(min_length=1, max_length=100)]
    label_en: str | None = None
    # GB/T 4754 code prefixes ("26", "2614"); empty: every point of the layer
    industries: tuple[str, ...] = ()

    def applies_to(self, industry: str | None) -> bool:
        if not self.industries:
            return True
        return bool(industry) and any(industry.startswith(p) for p in self.industries)


class InspectionSpec(_Strict):
    every_days: Annotated[int, Field(ge=1, le=366)]
    remind_days: Annotated[int, Field(ge=0, le=366)] = 0
    ledger_field: str | None = None
    checklist: tuple[ChecklistItem, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_keys(self):
        keys = [item.key for item in self.checklist]
        dupes = sorted({k for k in keys if keys.count(k) > 1})
        if dupes:
            raise ValueError(f"duplicate checklist keys: {dupes}")
        if self.remind_days >= self.every_days:
            raise ValueError("remind_days must be less than every_days")
        return self

    def items_for(self, industry: str | None) -> tuple[ChecklistItem, ...]:
        """The checklist of one point: the common items and its industry's."""
        return tuple(item for item in self.checklist if item.applies_to(industry))


def next_due(last_visit: dt.date | None, every_days: int) -> dt.date | None:
    """The day the next visit falls due; None for a point never visited."""
    if last_visit is None:
        return None
    return last_visit + dt.timedelta(days=every_days)


def visit_status(last_visit: dt.date | None, spec: InspectionSpec,
                 today: dt.date) -> Literal["overdue", "due", "visited"]:
    """Where a point stands on ``today`` (see the module's docstring).

    >>> spec = InspectionSpec(every_days=7, remind_days=1,
    ...                       checklist=[ChecklistItem(key="a", label="A")])
    >>> d = dt.date(2026, 12, 1)
    >>> [visit_status(d, spec, d + dt.timedelta(days=n)) for n in (0, 5, 6, 7, 8)]
    ['visited', 'visited', 'due', 'due', 'overdue']
    >>> visit_status(None, spec, d)
    'overdue'
    """
    due = next_due(last_visit, spec.every_days)
    if due is None or due < today:
        return "overdue"
    if (due - today).days <= spec.remind_days:
        return "due"
    return "visited"
