"""The web app's "today": the date in the territory's time zone, pinnable by config.

Every figure a page or API shows (overdue, stock/increment, the report
periods) depends on the date. Routes take it from ``today(tz)`` here, never
from the system clock directly, so the ``TODAY`` setting (or the
``GEOAPP_TODAY`` environment variable, YYYY-MM-DD) can pin it: tests then
cannot break at a Shanghai midnight, and a demo can be shown "as of" a day.
Outside an app (the CLI) it is always the real date.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from flask import Flask, current_app, has_app_context

from geoapp import settings
from geoapp.domain import workflow


def init_app(app: Flask) -> None:
    """Read TODAY / GEOAPP_TODAY once; a malformed date stops start-up, naming the setting."""
    value = settings.get("TODAY", app.config)
    if value is not None and not isinstance(value, dt.date):
        try:
            value = dt.date.fromisoformat(str(value).strip())
        except ValueError:
            raise ValueError(
                f"TODAY / GEOAPP_TODAY 应为 YYYY-MM-DD 日期，而不是 {value!r}") from None
    app.config["TODAY"] = value


def today(tz: str) -> dt.date:
    """Today in ``tz``, unless the app pins it (see the module docstring)."""
    pinned = current_app.config.get("TODAY") if has_app_context() else None
    return pinned or workflow.today_in(tz)


def now(tz: str) -> dt.datetime:
    """The present instant (UTC); on a pinned day, that day at the real local time of day.

    So a record made in a pinned demo or test (a visit) falls on the app's
    today, as its figures assume, instead of on the real date.
    """
    real = dt.datetime.now(dt.UTC)
    pinned = current_app.config.get("TODAY") if has_app_context() else None
    if not pinned:
        return real
    local = real.astimezone(ZoneInfo(tz))
    return dt.datetime.combine(pinned, local.timetz()).astimezone(dt.UTC)
