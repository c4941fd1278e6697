"""The bulletin's issuing block: who issues it (发文单位), its number (文号) and the date.

Both texts come from settings (GEOAPP_BULLETIN_ISSUER, GEOAPP_BULLETIN_NUMBER) as
templates with placeholders ``{year}``, ``{month}``, ``{quarter}`` (of the period's
last day: the bulletin of 2026Q3 is numbered with month 9, quarter 3) and ``{place}``
(the towns the bulletin covers). The XLSX, the print page and the command write the
same block.
"""

from __future__ import annotations

import datetime as dt
import string

from geoapp.domain import periods

# unset: the office of the place's safety committee, numbered by the month
DEFAULT_ISSUER = "{place}安全生产委员会办公室"
DEFAULT_NUMBER = "安委办通报〔{year}〕{month}号"
FIELDS = ("year", "month", "quarter", "place")


class IssueSettingError(ValueError):
    """A template with a placeholder other than FIELDS, or a broken brace; names the
    setting."""


def check(template: str, setting: str) -> str:
    """``template`` if every placeholder is one of FIELDS, else IssueSettingError.

    Examples
    --------
    >>> check("〔{year}〕{month}号", "GEOAPP_BULLETIN_NUMBER")
    '〔{year}〕{month}号'
    >>> check("〔{yaer}〕", "GEOAPP_BULLETIN_NUMBER")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    geoapp.reports.issue.IssueSettingError: GEOAPP_BULLETIN_NUMBER: unknown placeholder {yaer}...
    """
    try:
        names = [name for _text, name, _spec, _conv in string.Formatter().parse(template)
                 if name is not None]
    except ValueError as exc:
        raise IssueSettingError(f"{setting}: {exc} (write a literal brace as {{{{ or }}}})")\
            from None
    for name in names:
        if name not in FIELDS:
            raise IssueSettingError(f"{setting}: unknown placeholder {{{name}}}; use "
                                    + ", ".join(f"{{{f}}}" for f in FIELDS))
    try:  # a bad format spec ({month:x}) fails here, not in a request
        template.format(year=2026, month=1, quarter=1, place="")
    except (ValueError, TypeError) as exc:
        raise IssueSettingError(f"{setting}: {exc}") from None
    return template


def block(period: periods.Period, place: str, today: dt.date, issuer: str | None = None,
          number: str | None = None) -> dict:
    """``{"issuer", "number", "date"}`` of a bulletin: the templates filled in for the
    period, and the day it is issued (``today``, ISO).

    Examples
    --------
    >>> b = block(periods.parse_quarter("2026Q3"), "示范镇（虚构）", dt.date(2026, 10, 3))
    >>> b["issuer"], b["number"], b["date"]
    ('示范镇（虚构）安全生产委员会办公室', '安委办通报〔2026〕9号', '2026-10-03')
    >>> block(periods.parse_month("2026-11"), "", dt.date(2026, 12, 2), "应急局",
    ...       "{year}年第{quarter}季度 {month:02}")["number"]
    '2026年第4季度 11'
    """
    end = period.end
    values = {"year": end.year, "month": end.month, "quarter": (end.month - 1) // 3 + 1,
              "place": place}
    issuer = check(issuer or DEFAULT_ISSUER, "GEOAPP_BULLETIN_ISSUER")
    number = check(number or DEFAULT_NUMBER, "GEOAPP_BULLETIN_NUMBER")
    return {"issuer": issuer.format(**values), "number": number.format(**values),
            "date": today.isoformat()}


def chinese_date(day: str) -> str:
    """2026-12-02 → 2026年12月2日 (the date line of a Chinese document).

    Examples
    --------
    >>> chinese_date("2026-12-02")
    '2026年12月2日'
    """
    d = dt.date.fromisoformat(day)
    return f"{d.year}年{d.month}月{d.day}日"
