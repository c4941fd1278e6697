"""Plain values from a request's fields, checked one way for every input module.

A date is written YYYY-MM-DD and nothing else (``date.fromisoformat`` alone
would also take 20260415 and week dates such as 2026-W01-1); a text is trimmed,
may be required, and has a length limit. Each input module turns the
``ValueError`` into its own error naming the field.
"""

from __future__ import annotations

import datetime as dt
import unicodedata

DATE_FORMAT = "日期须为 YYYY-MM-DD 格式的有效日期"


class FieldError(ValueError):
    """An input's field is missing or invalid: ``field`` names it, ``message`` says why.
    Each input module's own error (e.g. ``accidents.AccidentInputError``) derives from it."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field, self.message = field, message


def iso_date(value) -> dt.date:
    """A date from ``YYYY-MM-DD`` text (a date passes as it is); else ValueError.

    Examples
    --------
    >>> iso_date("2026-04-30"), iso_date(dt.date(2026, 5, 1))
    (datetime.date(2026, 4, 30), datetime.date(2026, 5, 1))
    >>> for bad in ("20260430", "2026-W18-4", "2026-02-30", "２０２６-04-30", 20260430):
    ...     try:
    ...         iso_date(bad)
    ...     except ValueError as exc:
    ...         print(bad, exc)
    20260430 日期须为 YYYY-MM-DD 格式的有效日期
    2026-W18-4 日期须为 YYYY-MM-DD 格式的有效日期
    2026-02-30 日期须为 YYYY-MM-DD 格式的有效日期
    ２０２６-04-30 日期须为 YYYY-MM-DD 格式的有效日期
    20260430 日期须为 YYYY-MM-DD 格式的有效日期
    """
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    digits = value.replace("-", "") if isinstance(value, str) else ""
    if len(value if isinstance(value, str) else "") == 10 and value[4] == value[7] == "-" \
            and digits.isascii() and digits.isdigit():
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise ValueError(DATE_FORMAT)


def text(value, limit: int, required: bool = False) -> str:
    """``value`` trimmed ("" for None); ValueError if not text, empty when required, too long.

    Examples
    --------
    >>> text("  堵塞 ", 10), text(None, 10)
    ('堵塞', '')
    >>> for bad, required in ((5, False), ("  ", True), (" \u200b ", True), ("长" * 11, False)):
    ...     try:
    ...         text(bad, 10, required)
    ...     except ValueError as exc:
    ...         print(exc)
    须为文本
    不能为空
    不能为空
    不能超过 10 个字符
    """
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ValueError("须为文本")
    value = value.strip()
    # a text of nothing but invisible format characters (a zero-width space, a BOM) is empty
    if required and not "".join(c for c in value if unicodedata.category(c) != "Cf").strip():
        raise ValueError("不能为空")
    if len(value) > limit:
        raise ValueError(f"不能超过 {limit} 个字符")
    return value
