"""Which hazards a download holds: the filters of ``/api/export/hazards.*``.

Parameters (each optional, all must hold):

* ``state``: comma list of ``open`` (待整改), ``rectifying``, ``awaiting_acceptance``,
  ``closed``; ``level``: comma list of ``general``, ``major``;
* ``cell``: comma list of cell codes; ``village``: a village's code or name
  (a name two villages share must be given as a code), as the reports take it;
* ``overdue``, ``listed``: ``1``/``true`` or ``0``/``false``;
* a period as the reports take it (``month``, ``quarter``, ``period``, ``year``,
  or ``from`` and ``to``; geoapp.domain.periods): hazards *found* in it.

A bad value raises FilterError naming the parameter (the web answers 400).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from geoapp.domain import periods, workflow

PARAMS = ("state", "level", "cell", "village", "overdue", "listed", *periods.PARAMS)
_YES, _NO = {"1", "true", "yes"}, {"0", "false", "no"}


class FilterError(ValueError):
    def __init__(self, param: str, message: str):
        super().__init__(f"{param}: {message}")
        self.param, self.message = param, message


@dataclass(frozen=True)
class HazardFilter:
    states: frozenset[str] | None = None
    levels: frozenset[str] | None = None
    cells: frozenset[str] | None = None
    village: str | None = None  # a village's code, or its name when it has none
    overdue: bool | None = None
    listed: bool | None = None
    period: periods.Period | None = None
    today: dt.date | None = None

    def keeps(self, row: dict) -> bool:
        """Does the hazard ``row`` (geoapp.store.reads.export_data.hazards) pass?"""
        if self.states is not None and row["state"] not in self.states:
            return False
        if self.levels is not None and row["level"] not in self.levels:
            return False
        if self.cells is not None and row["cell_code"] not in self.cells:
            return False
        if self.village is not None and self.village not in (row["village_code"],
                                                             row["village"]):
            return False
        if self.overdue is not None and self.overdue != workflow.is_overdue(
                row["state"], row["deadline"], self.today):
            return False
        if self.listed is not None and self.listed != bool(row["listed"]):
            return False
        return self.period is None or self.period.start <= row["found_on"] <= self.period.end

    @property
    def active(self) -> bool:
        return any(v is not None for k, v in vars(self).items() if k != "today")


def parse(args: Mapping[str, str | None], today: dt.date,
          villages: list[dict]) -> HazardFilter:
    """The filter the parameters ``args`` name (``villages``: code, name of each village).

    Examples
    --------
    >>> f = parse({"state": "open,closed", "overdue": "1"}, dt.date(2026, 5, 1), [])
    >>> sorted(f.states), f.overdue, f.levels
    (['closed', 'open'], True, None)
    >>> parse({"level": "grave"}, dt.date(2026, 5, 1), [])
    Traceback (most recent call last):
    ...
    geoapp.exports.hazard_filter.FilterError: level: unknown value(s) grave; allowed: general, major
    """
    period, param = periods.from_params({p: args.get(p) for p in periods.PARAMS})
    if period is not None:
        period = periods.not_future(period, today, param)
    return HazardFilter(
        states=_choices(args, "state", workflow.STATES),
        levels=_choices(args, "level", tuple(workflow.LEVEL_LABELS)),
        cells=_cells(args), village=_village(args.get("village"), villages),
        overdue=_flag(args, "overdue"), listed=_flag(args, "listed"),
        period=period, today=today)


def _choices(args, name: str, allowed: tuple[str, ...]) -> frozenset[str] | None:
    raw = args.get(name)
    if raw is None:
        return None
    values = [v for v in raw.split(",") if v]
    unknown = [v for v in values if v not in allowed]
    if unknown or not values:
        raise FilterError(name, f"unknown value(s) {', '.join(unknown) or repr(raw)}; "
                                f"allowed: {', '.join(allowed)}")
    return frozenset(values)


def _cells(args) -> frozenset[str] | None:
    raw = args.get("cell")
    if raw is None:
        return None
    values = [v.strip() for v in raw.split(",") if v.strip()]
    if not values:
        raise FilterError("cell", "give one or more cell codes, separated by commas")
    return frozenset(values)


def _flag(args, name: str) -> bool | None:
    raw = args.get(name)
    if raw is None:
        return None
    if raw.lower() in _YES:
        return True
    if raw.lower() in _NO:
        return False
    raise FilterError(name, f"{name} must be 1 or 0 (true or false), not {raw!r}")


def _village(text: str | None, villages: list[dict]) -> str | None:
    if text is None:
        return None
    if any(v["code"] == text for v in villages if v["code"]):
        return text
    named = [v for v in villages if v["name"] == text]
    if len(named) > 1:
        raise FilterError("village", f"有多个名为“{text}”的村/社区，请用代码指定")
    if not named:
        raise FilterError("village", f"没有代码或名称为“{text}”的村/社区")
    return named[0]["code"] or text
