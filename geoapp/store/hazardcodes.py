"""Hazard codes: ``YH`` + the day (yyyymmdd) + ``-`` + that day's sequence number.

Numbers come from a counter row per day (``models.HazardCodeCounter``) taken
with one upsert that locks the row until the taker commits, so concurrent
writers queue instead of colliding; a ledger's imported codes raise the
counter first (``reserve_codes``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import sqlalchemy as sa

from geoapp.store import dialect
from geoapp.store.models import Hazard, HazardCodeCounter

CODE_PREFIX = "YH"


def next_code(session, today: dt.date) -> str:
    """``YH`` + yyyymmdd + ``-`` + the next three-digit sequence of that day.

    The number comes from the day's counter row (``HazardCodeCounter``), never
    below the highest code of that day already stored (hazards imported from
    a ledger carry their own codes), so concurrent writers cannot collide.
    """
    day = f"{today:%Y%m%d}"
    number = dialect.take_number(session, HazardCodeCounter.__table__, "day", day, "last",
                                 _highest_number(session, day) + 1)
    return f"{CODE_PREFIX}{day}-{number:03d}"


def reserve_codes(session, codes: Iterable[str]) -> None:
    """Raise the day counters past ``codes`` of the form YHyyyymmdd-n (a ledger's codes),
    before they are written: a code made afterwards by ``create_hazard`` cannot take them."""
    highest: dict[str, int] = {}
    for code in codes:
        day, number = _code_parts(code)
        if day is not None:
            highest[day] = max(highest.get(day, 0), number)
    for day in sorted(highest):  # one order for every writer: no deadlock between two imports
        dialect.take_number(session, HazardCodeCounter.__table__, "day", day, "last",
                            highest[day], bump=False)


def _code_parts(code: str) -> tuple[str | None, int]:
    """The day and number of a generated code, or (None, 0) for any other code.

    >>> _code_parts("YH20260415-012"), _code_parts("XC-7"), _code_parts("YH2026-1")
    (('20260415', 12), (None, 0), (None, 0))
    """
    day, sep, number = code.removeprefix(CODE_PREFIX).partition("-")
    if (code.startswith(CODE_PREFIX) and sep and len(day) == 8 and day.isascii()
            and day.isdigit() and number.isascii() and number.isdigit()):
        return day, int(number)
    return None, 0


def _highest_number(session, day: str) -> int:
    prefix = f"{CODE_PREFIX}{day}-"
    codes = session.scalars(sa.select(Hazard.code).where(Hazard.code.startswith(prefix)))
    return max((_code_parts(c)[1] for c in codes), default=0)
