"""审核 by account: who accepted (验收通过，销号) or rejected (退回) hazards, and how long each
waited for the decision. Pure: events in, rows out.

The rules (docs/domain.md "Reports" → "By reviewer"):

* a **decision** is an ``accept`` or ``reject`` event; its reviewer is the
  event's actor (a username), counted in the period of its local date;
* its **wait** is the whole days, in local dates, from the hazard's last
  ``submit`` (提请验收) before the decision to the decision (a decision on the
  day of the submission waited 0 days); a decision with no submission of its
  own before it (one already decided, or history imported without it) has no
  wait and counts only in the numbers;
* each reviewer's **median wait** is over their decisions in the period that
  have one (the middle value, or the mean of the two middle ones).
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

DECISIONS = ("accept", "reject")
SUBMIT = "submit"


@dataclass(frozen=True)
class Decision:
    """One accept or reject: who, which, on which local day, after how many days' wait."""

    actor: str
    action: str
    day: dt.date
    waited: int | None  # days since its submission; None without one


def decisions(events: Iterable, local_day: Callable[[dt.datetime], dt.date]) -> list[Decision]:
    """The decisions among one hazard's events (``at``, ``action``, ``actor``; date order).

    Examples
    --------
    >>> from types import SimpleNamespace as E
    >>> utc = lambda *a: dt.datetime(*a, tzinfo=dt.UTC)
    >>> day = lambda at: at.date()
    >>> evs = [E(at=utc(2026, 3, 1), action="submit", actor="g"),
    ...        E(at=utc(2026, 3, 4), action="reject", actor="s"),
    ...        E(at=utc(2026, 3, 5), action="submit", actor="g"),
    ...        E(at=utc(2026, 3, 5), action="accept", actor="s"),
    ...        E(at=utc(2026, 3, 6), action="accept", actor="t")]
    >>> [(d.actor, d.action, d.waited) for d in decisions(evs, day)]
    [('s', 'reject', 3), ('s', 'accept', 0), ('t', 'accept', None)]
    """
    out, submitted = [], None
    for e in events:
        if e.action == SUBMIT:
            submitted = local_day(e.at)
        elif e.action in DECISIONS:
            day = local_day(e.at)
            out.append(Decision(e.actor, e.action, day,
                                (day - submitted).days if submitted is not None else None))
            submitted = None  # a later decision needs a submission of its own
    return out


def median(values: list[int]) -> float | None:
    """The median of ``values`` (None for none).

    Examples
    --------
    >>> median([3, 0, 7]), median([1, 4]), median([])
    (3, 2.5, None)
    """
    return statistics.median(values) if values else None


def by_reviewer(found: Iterable[Decision], contains: Callable[[dt.date], bool],
                names: Mapping[str, str | None]) -> list[dict]:
    """Per reviewer, the decisions whose day ``contains`` accepts: most decisions first.

    Each row: ``username``, ``name`` (the account's display name, or None for
    an actor without one), ``accepted``, ``rejected``, ``decisions``,
    ``with_wait`` (decisions that have a wait) and ``median_days``.

    Examples
    --------
    >>> d = dt.date(2026, 3, 5)
    >>> rows = by_reviewer([Decision("s", "accept", d, 2), Decision("s", "reject", d, 5),
    ...                     Decision("t", "accept", d, None)], lambda day: True, {"s": "李审"})
    >>> [(r["username"], r["name"], r["accepted"], r["rejected"], r["median_days"])
    ...  for r in rows]
    [('s', '李审', 1, 1, 3.5), ('t', None, 1, 0, None)]
    """
    waits: dict[str, list[int]] = {}
    rows: dict[str, dict] = {}
    for dec in found:
        if not contains(dec.day):
            continue
        row = rows.setdefault(dec.actor, {"username": dec.actor, "name": names.get(dec.actor),
                                          "accepted": 0, "rejected": 0})
        row["accepted" if dec.action == "accept" else "rejected"] += 1
        waits.setdefault(dec.actor, [])
        if dec.waited is not None:
            waits[dec.actor].append(dec.waited)
    out = [{**row, "decisions": row["accepted"] + row["rejected"],
            "with_wait": len(waits[user]), "median_days": median(waits[user])}
           for user, row in rows.items()]
    return sorted(out, key=lambda r: (-r["decisions"], r["username"]))


def overall(found: Iterable[Decision], contains: Callable[[dt.date], bool]) -> dict:
    """Every reviewer's decisions together: the same figures as a row of ``by_reviewer``.

    Examples
    --------
    >>> d = dt.date(2026, 3, 5)
    >>> overall([Decision("s", "accept", d, 2), Decision("t", "reject", d, 5),
    ...          Decision("t", "accept", d, 9)], lambda day: True)["median_days"]
    5
    """
    mine = [dec for dec in found if contains(dec.day)]
    waits = [dec.waited for dec in mine if dec.waited is not None]
    accepted = sum(dec.action == "accept" for dec in mine)
    return {"accepted": accepted, "rejected": len(mine) - accepted, "decisions": len(mine),
            "with_wait": len(waits), "median_days": median(waits)}
