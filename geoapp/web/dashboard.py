"""The leader's dashboard (驾驶舱) for a big screen: ``/dashboard`` and its data.

``GET /api/dashboard?month=YYYY-MM`` (default: this month) is the state at
the month's end (geoapp.reports.dashboard: KPIs, series, red cells, overdue
hazards, every cell's level then); ``/api/dashboard/charts/<name>.svg`` its two
charts, drawn on the server like the reports' (geoapp.reports.charts). The
map's shapes are the leader's map's own (``/api/map/cells``); the page only
recolours them per month. Read-only; who may read it and what area follow
the reports: the same scoped dataset and the same cache (geoapp.web.report_parts,
keyed by the data's fingerprint), so a warm request computes nothing.
"""

from __future__ import annotations

from flask import Blueprint, Response, current_app, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _

from geoapp.domain import periods, workflow
from geoapp.map import snapshot
from geoapp.reports import charts
from geoapp.reports import dashboard as board
from geoapp.web import errors, params, prepared, report_parts
from geoapp.web.assets import vendor_url

bp = Blueprint("dashboard", __name__)

CHARTS = ("villages", "trend")
TOP_VILLAGES = 10  # villages a side panel shows legibly, above the trend, on one screen
CHART_WIDTH = 400  # about a side panel's width on a big screen: the labels keep their size


def _short_months(months: list[str]) -> list[str]:
    """A year of months on a narrow axis: ``MM``, and the year alone for a January (the
    chart's title names the first and last month).

    >>> _short_months(["2029-12", "2030-01", "2030-02"])
    ['12', '2030', '02']
    """
    return [m[:4] if m.endswith("-01") else m[5:] for m in months]


@bp.errorhandler(periods.PeriodError)
def _bad_month(exc: periods.PeriodError):
    if errors.is_api():
        return errors.error_json(400, "bad_request", str(exc), exc.param)
    return errors.error_page(400, _("参数 %(param)s：", param=exc.param) + exc.message)


def _month(today) -> periods.Period:
    """``month=YYYY-MM`` (this month when absent), never one that has not begun."""
    text = request.args.get("month")
    if text is None or text == "":
        return periods.month_of(today)
    return periods.not_future(periods.parse_month(text), today)


def _board():
    """((the dashboard's data, its JSON body), its month): from the reports' dataset cut to
    the account's area scope, kept in their cache with the body made (a county's takes
    longer to encode than the warm request takes in all)."""
    ds = report_parts.dataset()
    today = report_parts.today(ds)
    month = _month(today)

    def compute():
        data = board.data(ds, month, today)
        return data, snapshot.Payload.of(data)
    return report_parts.cached(ds, "dashboard", compute, month), month


@bp.get("/api/dashboard")
def api():
    """The dashboard at the end of ``month``: kpis, series (villages, trend), red_cells and
    overdue (per KPI card: items, lists, counts), cells (columnar: code, level, open,
    overdue, major_open) and the slider's months. gzip and ETag like the map's data."""
    (_data, payload), _month_shown = _board()
    return prepared.send(payload)


def _chart(name: str, data: dict) -> str:
    if name == "trend":
        t = data["series"]["trend"]
        title = f'{_("重大事故隐患月末未销号数")} {t["months"][0]} – {t["months"][-1]}'
        return charts.line(title, _short_months(t["months"]), {
            _("重大隐患未销号"): t["major_open"], _("其中逾期"): t["major_overdue"]},
            width=CHART_WIDTH, height=280, colours=("#e60012", "#222222"), legend_columns=2)
    villages = sorted(data["series"]["villages"], key=lambda v: (-v["open"], v["name"]))
    shown = villages[:TOP_VILLAGES]  # the largest first: bars() draws the first on top
    title = _("各村/社区隐患（月末）") if len(villages) <= TOP_VILLAGES else \
        _("各村/社区隐患（月末未销号最多的 %(n)d 个）", n=TOP_VILLAGES)
    return charts.bars(title, [v["name"] for v in shown], {
        _("未销号"): [v["open"] for v in shown], _("逾期"): [v["overdue"] for v in shown],
        _("重大未销号"): [v["major_open"] for v in shown]},
        width=CHART_WIDTH, height=max(240, 110 + 26 * len(shown)),
        colours=("#f39800", "#e60012", "#1f3a5f"))


@bp.get("/api/dashboard/charts/<name>.svg")
def chart(name: str):
    """One of the dashboard's charts for ``month`` as an SVG image (no script).

    Drawn from the cached dashboard on each request (tens of milliseconds) rather than
    kept beside it: the reports' cache holds six entries, and a slider's sweep would
    fill it three times over. Its ETag is the data's with the chart and language: a
    browser's copy is answered 304 without drawing.
    """
    if name not in CHARTS:
        raise params.bad("name", f"chart must be one of {', '.join(CHARTS)}")
    (data, payload), _month_shown = _board()
    etag = f"{payload.etag}-{name}-{get_locale()}"
    if request.if_none_match.contains_weak(etag):
        response = Response(status=304)
    else:
        response = Response(_chart(name, data), mimetype="image/svg+xml")
    response.set_etag(etag, weak=True)
    response.headers["Cache-Control"] = "private, no-cache"
    # an image with pygal's own <style> and no script (geoapp.web.headers keeps a view's CSP)
    response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    return response


def _strings(rules) -> dict:
    """Every text dashboard.js shows, translated here (the script has none of its own)."""
    english = str(get_locale() or "zh") == "en"
    return {
        "levels": {lv.code: lv.label_en if english else lv.label for lv in rules.risk.levels},
        "states": {k: _(v) for k, v in workflow.STATE_LABELS.items()},
        "hazard_levels": {k: _(v) for k, v in workflow.LEVEL_LABELS.items()},
        "month_end": _("月末状态"), "to_date": _("截至今日"), "days": _("天"),
        "open": _("未销号"), "overdue": _("逾期"), "major_open": _("重大未销号"),
        "listed": _("挂牌督办"), "open_cell_page": _("打开网格页"),
        "no_red": _("该月末没有红色网格"), "no_overdue": _("该月末没有逾期隐患"),
        "filtered": _("已按卡片筛选"), "not_in_data": _("不在辖区数据中"),
        "more": _("另有"),
    }


@bp.get("/dashboard")
def page():
    """The dashboard page; its data come from /api/dashboard and /api/map/cells."""
    (data, _payload), month = _board()
    rules = current_app.extensions["geoapp.rules"]
    config = {
        "urls": {"api": url_for("dashboard.api"), "cells": url_for("map.cells"),
                 "charts": url_for("dashboard.chart", name="x")[:-len("x.svg")],
                 "cell_page": url_for("cells.cell_page", code="x")[:-1]},
        "month": month.month, "months": data["months"],
        "colours": {lv.code: lv.colour for lv in rules.risk.levels},
        "t": _strings(rules),
    }
    english = str(get_locale() or "zh") == "en"
    levels = [{"label": lv.label_en if english else lv.label, "colour": lv.colour}
              for lv in rules.risk.levels]
    return render_template("dashboard/page.html", data=data, page_config=config,
                           config_levels=levels,
                           kpis=board.KPIS, leaflet_js=vendor_url("leaflet", "leaflet.js"),
                           leaflet_css=vendor_url("leaflet", "leaflet.css"))
