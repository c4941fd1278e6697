"""Request parameters parsed once, each refusal an ApiError naming the parameter.

bbox, comma lists, whole numbers in a range, report periods, the village, and
If-Match: the map, the reports and the hazard API read them the same way.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable
from zoneinfo import ZoneInfo

from flask import request
from flask_babel import gettext as _

from geoapp.domain import periods
from geoapp.domain.values import iso_date
from geoapp.web.errors import ApiError


def bad(name: str, message: str) -> ApiError:
    return ApiError(400, "bad_request", message, name)


def day_range(zone: ZoneInfo) -> dict:
    """``from`` and ``to`` (local days, YYYY-MM-DD, either may be absent) as ``since`` and
    ``until``: aware instants at the days' starts in ``zone``, ``until`` exclusive."""
    out = {}
    for name, key, shift in (("from", "since", 0), ("to", "until", 1)):
        raw = (request.args.get(name) or "").strip()
        if not raw:
            continue
        try:
            day = iso_date(raw)
        except ValueError:
            raise bad(name, _("%(name)s：应为 YYYY-MM-DD 格式的日期", name=name)) from None
        out[key] = dt.datetime.combine(day + dt.timedelta(days=shift), dt.time(), zone)
    if out.get("since") and out.get("until") and out["since"] >= out["until"]:
        raise bad("to", _("to：不能早于 from"))
    return out


def comma_list(name: str, allowed: Iterable[str]) -> list[str] | None:
    """``a,b,c`` → the values, each one of ``allowed``; None when the parameter is absent."""
    raw = request.args.get(name)
    if raw is None:
        return None
    allowed = list(allowed)
    values = [v for v in raw.split(",") if v]
    unknown = [v for v in values if v not in allowed]
    if unknown:
        raise bad(name, f"{name}: unknown value(s) {', '.join(unknown)}; "
                        f"allowed: {', '.join(allowed)}")
    return values


def bbox(name: str = "bbox") -> tuple[float, float, float, float] | None:
    """``west,south,east,north`` in degrees; None when absent."""
    raw = request.args.get(name)
    if raw is None:
        return None
    try:
        values = [float(v) for v in raw.split(",")]
    except ValueError:
        values = []
    if len(values) != 4 or not all(math.isfinite(v) for v in values):
        raise bad(name, "bbox must be four numbers: west,south,east,north")
    w, s, e, n = values
    if w > e or s > n:
        raise bad(name, "bbox must be west,south,east,north with west ≤ east, south ≤ north")
    return w, s, e, n


def whole_number(name: str, default: str, low: int, high: int, message: str) -> int:
    """An integer parameter within [low, high] (``message`` when it is not)."""
    try:
        value = int(request.args.get(name, default))
    except ValueError:
        value = low - 1
    if not low <= value <= high:
        raise bad(name, message)
    return value


def choice(name: str, allowed: Iterable[str], message: str) -> str | None:
    """One of ``allowed``, or None when absent or empty."""
    value = request.args.get(name) or None
    if value is not None and value not in allowed:
        raise bad(name, message)
    return value


def period(today: dt.date) -> periods.Period:
    """The report period: ``month``, ``quarter`` (or ``period``), ``year``, or ``from`` and
    ``to`` (geoapp.domain.periods.from_params), else periods.default_period (this month, or
    the last full month in the first days of a month); never one that has not begun.

    Raises periods.PeriodError (a report page shows it on its own error page).
    """
    found, param = periods.from_params({p: request.args.get(p) for p in periods.PARAMS})
    if found is None:
        return periods.default_period(today)
    return periods.not_future(found, today, param)


def months(name: str = "months", default: str = "12") -> int:
    """How many months a trend covers: 1–36."""
    raw = request.args.get(name, default)
    # ASCII digits only: "²".isdigit() is True but int("²") raises
    if not re.fullmatch(r"[0-9]{1,2}", raw) or not 1 <= int(raw) <= 36:
        raise periods.PeriodError(name, f"{name} 须为 1–36 的整数")
    return int(raw)


def if_match_version(what: str = "hazard") -> int:
    """The version an If-Match header names: 428 without one, 412 when it is not a version."""
    if not request.if_match:
        raise ApiError(428, "precondition_required",
                       f'send If-Match with the ETag of the {what} you read (e.g. If-Match: "3")')
    try:
        return int(next(iter(request.if_match.as_set())))
    except (StopIteration, ValueError):
        raise ApiError(412, "precondition_failed",
                       f"If-Match must be the {what}'s ETag") from None
