"""Ranking (晾晒): the one tie rule, and the change against last month.

Places with no hazards are not ranked (rank_apart): they are listed apart as
本期无隐患.

The rule is stated once here and shown as ``TIE_RULE`` on the page, in the
JSON and in the bulletin. Rows come from geoapp.reports.tables (villages, or the
cells of one village) with their figures at the end of a month.
"""

from __future__ import annotations

from collections.abc import Iterable
from fractions import Fraction

from geoapp.domain.texts import N_

# The one tie rule, shown on the page and in the bulletin (the bulletin stays in Chinese).
# A place with no hazards at all is not ranked: a rate of 100 % would put a village with
# nothing to rectify above one that closed every hazard it had (see rank_apart).
TIE_RULE = N_("按整改率从高到低排名；整改率相同的，逾期隐患少者在前；仍相同的，红色网格少者在前；"
              "再相同的，按代码（无代码时按名称）升序。名次不并列。截至期末从未有过隐患的，"
              "不参加排名，另列为“本期无隐患”。")
# The heading of the places listed apart
NO_HAZARDS = N_("本期无隐患")
# The same rule for the visits' coverage (geoapp.reports.visits): rank_key over on-time
# points ÷ points (as closed_total ÷ total) and the points overdue for a visit.
COVERAGE_TIE_RULE = N_("按巡查覆盖率（期末未逾期巡查的点位数÷点位数）从高到低排名；覆盖率相同的，"
                       "逾期未巡查点位少者在前；仍相同的，红色网格少者在前；再相同的，按代码"
                       "（无代码时按名称）升序。无点位的按覆盖率100%计。名次不并列。")
# The same rule for enterprises' self-check coverage (geoapp.reports.channels): enterprises
# that self-checked ÷ enterprises (as closed_total ÷ total), then those that did not.
SELF_CHECK_TIE_RULE = N_("按企业自查覆盖率（期内自查的企业数÷企业数）从高到低排名；覆盖率相同的，"
                         "未自查企业少者在前；仍相同的，红色网格少者在前；再相同的，按代码"
                         "（无代码时按名称）升序。无企业的村（社区）列在最后，不参加排名。名次不并列。")


def rank_key(row: dict) -> tuple:
    """Sort key of the tie rule: rate desc, overdue asc, red cells asc, code (or name) asc.

    The rate is compared exactly (closed/total as a fraction, not rounded);
    an area with no hazards counts as 100 % (nothing left to rectify). A row
    without a code is placed by its name among the codes, as the rule says
    (not ahead of them all); name and town only make equal keys deterministic.

    Examples
    --------
    >>> rows = [{"code": "V9", "name": "甲村"}, {"code": None, "name": "A村"},
    ...         {"code": None, "name": "Z村"}]
    >>> [r["code"] or r["name"] for r in sorted(
    ...     ({**r, "closed_total": 0, "total": 0, "overdue": 0, "red_cells": 0} for r in rows),
    ...     key=rank_key)]
    ['A村', 'V9', 'Z村']
    """
    rate = Fraction(row["closed_total"], row["total"]) if row["total"] else Fraction(1)
    return (-rate, row["overdue"], row["red_cells"], row["code"] or row["name"], row["name"],
            row.get("town") or "")


def rank(rows: Iterable[dict]) -> list[dict]:
    """Rows sorted by the tie rule, each given ``rank`` 1…n (no shared ranks).

    Rows need ``closed_total``, ``total``, ``overdue``, ``red_cells``, ``code``, ``name``.

    Examples
    --------
    >>> row = lambda code, closed, total, overdue, red: {"code": code, "name": code,
    ...     "closed_total": closed, "total": total, "overdue": overdue, "red_cells": red}
    >>> ranked = rank([row("03", 1, 2, 0, 0), row("01", 2, 4, 0, 1), row("02", 2, 4, 0, 0),
    ...                row("04", 0, 0, 0, 0)])
    >>> [(r["code"], r["rank"]) for r in ranked]
    [('04', 1), ('02', 2), ('03', 3), ('01', 4)]
    """
    ordered = sorted(rows, key=rank_key)
    for i, row in enumerate(ordered, 1):
        row["rank"] = i
    return ordered


def rank_apart(rows: Iterable[dict]) -> tuple[list[dict], list[dict]]:
    """The rows with hazards ranked (rank), and those with none (``total`` 0) apart, in
    code (or name) order, without a rank.

    Examples
    --------
    >>> row = lambda code, closed, total: {"code": code, "name": code, "closed_total": closed,
    ...     "total": total, "overdue": 0, "red_cells": 0}
    >>> ranked, apart = rank_apart([row("01", 1, 2), row("02", 0, 0), row("03", 2, 2)])
    >>> [(r["code"], r["rank"]) for r in ranked], [(r["code"], r.get("rank")) for r in apart]
    ([('03', 1), ('01', 2)], [('02', None)])
    """
    rows = list(rows)
    apart = sorted((r for r in rows if not r["total"]),
                   key=lambda r: (r["code"] or r["name"], r["name"], r.get("town") or ""))
    return rank(r for r in rows if r["total"]), apart


def compare(current: list[dict], previous: list[dict], key: str = "code") -> list[dict]:
    """Add last month's rank and rate to each ranked row, and the changes.

    ``rank_change`` > 0 means the row moved up; ``rate_change`` is in
    percentage points. Both are None for a row not ranked last month.
    """
    before = {r[key]: r for r in previous}
    for row in current:
        prev = before.get(row[key])
        row["prev_rank"] = prev["rank"] if prev else None
        row["rank_change"] = prev["rank"] - row["rank"] if prev else None
        row["prev_rate"] = prev["rectification_rate"] if prev else None
        row["rate_change"] = (
            round((row["rectification_rate"] - prev["rectification_rate"]) * 100, 2)
            if prev and row["rectification_rate"] is not None
            and prev["rectification_rate"] is not None else None)
    return current
