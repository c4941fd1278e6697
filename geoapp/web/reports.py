"""The leaders' reports: ``/reports`` (tables and charts), the printable bulletin, the XLSX.

Thin views over geoapp.reports.tables; every page has a JSON twin under
``/api/reports`` (geoapp.web.reports_api). Periods, the same on every view:
``month=YYYY-MM``, ``quarter=YYYYQn`` (or ``period=`` a month, quarter or year),
``year=YYYY`` or ``from=YYYY-MM-DD&to=…`` (default: this month, in the configured time
zone, or the last full month in a month's first days: periods.default_period); a bad
one is a 400 naming the parameter (JSON under /api/, a message page otherwise).
Reading follows the app's read policy (every logged-in role).

The blueprint, the dataset and the reports kept per process, and the reports the pages
and the API share, are geoapp.web.report_parts.
"""

from __future__ import annotations

import datetime as dt
import io

from flask import Response, current_app, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _

from geoapp.domain import periods, ranks, workflow
from geoapp.memory import no_gc_pauses
from geoapp.reports import bulletin, charts, tables
from geoapp.reports import visits as visit_report
from geoapp.reports import zones as zone_report
from geoapp.store.reads import standing_data
from geoapp.web import (
    audit,
    auth,
    db,
    i18n,
    reports_api,  # noqa: F401  (its routes: on bp, the one blueprint)
    warmup,
)
from geoapp.web import report_parts as parts
from geoapp.web.report_parts import bp

__all__ = ["bp", "warm", "XLSX"]


@bp.record_once
def _warmed(state) -> None:
    state.app.extensions.setdefault(warmup.WARMERS, []).append(warm)


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _switcher(ds: tables.Dataset, period: periods.Period) -> dict:
    """The period switcher's choices: the month, quarter and year shown (or of the period's
    end), and the quarters and years from the first hazard's year (at most ten) to today's."""
    today = parts.today(ds)
    first = min((r.found_on.year for r in ds.records), default=today.year)
    years = list(range(today.year, max(min(first, today.year), today.year - 9) - 1, -1))
    quarters = [f"{y}Q{q}" for y in years for q in (4, 3, 2, 1)
                if periods.quarter_of(dt.date(y, 3 * q, 1)).start <= today]
    end = period.as_of(today)
    return {"month": periods.month_of(end).month, "quarter": periods.quarter_of(end).quarter,
            "year": periods.year_of(end).year, "years": [str(y) for y in years],
            "quarters": [(q, periods.label(periods.parse_quarter(q), _)) for q in quarters]}


def _words(period: periods.Period) -> dict:
    return {**periods.words(period, _), "label": periods.label(period, _)}


def _visit_cells(ds: tables.Dataset, period: periods.Period, village: dict | None) -> dict:
    """The page's per-cell visits rows: a village's all, else at most REPORT_PAGE_CELLS —
    past that the cells needing attention (visits.page_cells; the JSON and XLSX keep all)."""
    limit = current_app.config["REPORT_PAGE_CELLS"]
    return parts.cached(ds, "visit_cells", lambda: visit_report.page_cells(
        parts.visits(ds, period), parts.village_id(village), limit), period,
        parts.village_id(village), limit)


def _standing(ds: tables.Dataset, period: periods.Period) -> dict | None:
    """红黑榜 at the period's end in the account's scope (None without layers/standing.toml)."""
    spec = current_app.extensions["geoapp.rules"].standing
    if spec is None:
        return None
    day = period.as_of(parts.today(ds))
    return parts.cached(ds, "standing", lambda: standing_data.lists(
        db.session(), spec, day, auth.read_scope().cells), period)


def _drawn(ds: tables.Dataset, draw, title: str, labels: list, series: dict, **kw) -> str:
    """``draw(title, labels, series, **kw)`` (charts.bars or charts.line), kept by what it
    draws: a hazard move seldom changes a chart's figures, and drawing is a tenth of a
    second each."""
    return parts.cached(ds, "chart", lambda: draw(title, labels, series, **kw), draw.__name__,
                        title, tuple(labels),
                        tuple((name, tuple(v)) for name, v in series.items()),
                        tuple(sorted(kw.items())), beside=True)


def _charts(ds: tables.Dataset, data: dict) -> dict:
    villages = data["areas"]["villages"]
    vlabels = [v["name"] for v in villages]
    by_village = _drawn(ds, charts.bars, _("各村/社区隐患"), vlabels, {
        _("期内发现"): [v["hazards"]["found"] for v in villages],
        _("期内销号"): [v["hazards"]["closed"] for v in villages],
        _("期末未销号"): [v["hazards"]["open"] for v in villages],
        _("期末逾期"): [v["hazards"]["overdue"] for v in villages]},
        colours=("#1f3a5f", "#4caf50", "#f39800", "#e60012"))
    inds = [i for i in data["industries"] if i["hazards"]["total"]]
    # horizontal bars: the division's whole name fits beside its bars (codes told nobody
    # which industry it was)
    names = [i["name"] if i["division"] else _("未分类") for i in inds]
    by_industry = _drawn(ds, charts.bars, _("各行业隐患"), names, label_lang="zh", series={
        _("期内发现"): [i["hazards"]["found"] for i in inds],
        _("期内销号"): [i["hazards"]["closed"] for i in inds],
        _("期末未销号"): [i["hazards"]["open"] for i in inds],
        _("期末逾期"): [i["hazards"]["overdue"] for i in inds]},
        colours=("#1f3a5f", "#4caf50", "#f39800", "#e60012"))
    t = data["trend"]
    trend = _drawn(ds, charts.line, _("重大事故隐患月末未销号数"), t["months"], {
        _("重大隐患未销号"): t["major_open"], _("其中逾期"): t["major_overdue"]},
        colours=("#e60012", "#222222"))
    return {"villages": by_village, "industries": by_industry, "trend": trend}


def _labels() -> dict:
    return {"levels": {k: _(v) for k, v in workflow.LEVEL_LABELS.items()},
            "sources": {k: _(v) for k, v in workflow.SOURCE_LABELS.items()},
            "states": {**{k: _(v) for k, v in workflow.STATE_LABELS.items()}, None: ""}}


def warm() -> None:
    """Compute what /reports shows by default for the whole territory, in a request
    context without an account (geoapp.web.warmup): a leader's first visit finds it."""
    ds = parts.dataset()
    period = parts.asked_period(ds)
    data = parts.page_data(ds, period, None)
    for part in (parts.visits, parts.extensions, parts.reviewers, parts.channels):
        part(ds, period)
    parts.measures(ds, period, data["overdue"])
    parts.accidents(ds, period)
    _visit_cells(ds, period, None)
    parts.cached(ds, "charts", lambda: _charts(ds, data), period, None, str(get_locale()))
    # the reports' templates compiled (Jinja keeps them): else a quarter of a second of
    # the first page's
    env = current_app.jinja_env
    for name in env.list_templates(filter_func=lambda n: n.startswith("reports/")
                                   or n == "base.html"):
        env.get_template(name)


@bp.get("/reports")
def page():
    """Statistics by area and industry, ranking, trend, overdue list (twin: /api/reports)."""
    rules = current_app.extensions["geoapp.rules"]
    ds = parts.dataset()
    period = parts.asked_period(ds)
    village = parts.asked_village(ds)
    data = parts.page_data(ds, period, village)
    query = period.query()
    asked = any(request.args.get(p) is not None for p in periods.PARAMS)
    # a county's page is 10⁵ short-lived strings: each full collection on the way walks
    # the millions of objects the kept datasets hold (0.3–0.9 s at county scale)
    with no_gc_pauses():
        return render_template(
            "reports/page.html", data=data, labels=_labels(), query=query,
            charts=parts.cached(ds, "charts", lambda: _charts(ds, data), period,
                                parts.village_id(village), str(get_locale())),
            **_layer_labels(rules),
            villages=[{**v, "key": tables.village_key(v)} for v in ds.villages],
            village=village, tie_rule=_(ranks.TIE_RULE),
            visits=parts.visits(ds, period), coverage_rule=_(ranks.COVERAGE_TIE_RULE),
            visit_cells=_visit_cells(ds, period, village),
            # a county's thousands are nobody's reading on this page (and were most of its
            # rendering): the most overdue, the count, and /reports/overdue for them all
            overdue_rows=data["overdue"][:current_app.config["REPORT_PAGE_OVERDUE"]],
            extensions=parts.extensions(ds, period),
            measures=parts.measures(ds, period, data["overdue"]),
            reviewers=parts.reviewers(ds, period), channels=parts.channels(ds, period),
            channel_rule=_(ranks.SELF_CHECK_TIE_RULE), accidents=parts.accidents(ds, period),
            switcher=_switcher(ds, period),
            # no period asked for, and the default is not today's month: say why
            defaulted=not asked and period.end < parts.today(ds),
            grace_days=periods.DEFAULT_GRACE_DAYS,
            words=_words(period), previous_words=_words(periods.previous(period)),
            json_url=url_for("reports.api_page", **{k: v for k, v in request.args.items()
                                                     if k in (*periods.PARAMS, "village")}))


@bp.get("/reports/overdue")
def overdue_page():
    """Every hazard overdue at the end of the period (/reports lists the most overdue
    REPORT_PAGE_OVERDUE; twin: /api/reports/overdue)."""
    ds = parts.dataset()
    period = parts.asked_period(ds)
    overdue = parts.overdue(ds, period)
    query = period.query()
    with no_gc_pauses():  # as /reports: thousands of rows in a county
        return render_template(
            "reports/overdue_page.html", overdue=overdue, labels=_labels(), query=query,
            as_of=period.as_of(parts.today(ds)).isoformat(), words=_words(period),
            measures=parts.measures(ds, period, overdue),
            json_url=url_for("reports.api_overdue", **query))


@bp.get("/reports/print")
def print_page():
    """The bulletin (月通报, 季度通报, 年度总结) as one printable A4 page set
    (twin: /api/reports/bulletin)."""
    ds = parts.dataset()
    period = parts.asked_period(ds)
    data = parts.bulletin_data(ds, period)
    trend = data["trend"]
    chart = charts.line(_("重大事故隐患月末未销号数"), trend["months"], {
        _("重大隐患未销号"): trend["major_open"], _("其中逾期"): trend["major_overdue"]},
        width=900, height=260, colours=("#e60012", "#222222"))
    return render_template(
        "reports/print.html", data=data, labels=_labels(), tie_rule=_(ranks.TIE_RULE),
        chart=chart, query=period.query(), issue=parts.issue_block(data, period, ds),
        words=_words(period), previous_words=_words(periods.previous(period)),
        visits=parts.visits(ds, period), coverage_rule=_(ranks.COVERAGE_TIE_RULE),
        measures=parts.measures(ds, period, data["overdue"]),
        reviewers=parts.reviewers(ds, period), channels=parts.channels(ds, period),
        channel_rule=_(ranks.SELF_CHECK_TIE_RULE), zones=parts.zone_table(ds, period)[0],
        accidents=parts.accidents(ds, period), **_layer_labels(ds.rules))


def _layer_labels(rules) -> dict:
    """The point layers' and levels' names in the page's language (the by-layer tables)."""
    return {"layers": {c: i18n.localized(t) for c, t in rules.layers.items()},
            "level_labels": {lv.code: i18n.localized(lv) for lv in rules.risk.levels}}


@bp.get("/reports/bulletin.xlsx")
def bulletin_xlsx():
    """The bulletin as an XLSX workbook (any period; default this month)."""
    ds = parts.dataset()
    period = parts.asked_period(ds)
    buffer = io.BytesIO()
    data = parts.bulletin_data(ds, period)
    bulletin.write(data, buffer, issue=parts.issue_block(data, period, ds),
                   visits=parts.visits(ds, period), extensions=parts.extensions(ds, period),
                   measures=parts.measures(ds, period, data["overdue"]),
                   reviewers=parts.reviewers(ds, period), channels=parts.channels(ds, period),
                   standing=_standing(ds, period), zones=parts.zone_table(ds, period),
                   accidents=parts.accidents(ds, period))
    audit.log("export", target=f"bulletin-{bulletin.file_key(period)}.xlsx",
              detail={"what": "bulletin", "period": period.to_dict()["label"],
                      "overdue_rows": len(data["overdue"])})
    response = Response(buffer.getvalue(), mimetype=XLSX)
    response.headers["Content-Disposition"] = \
        f'attachment; filename="bulletin-{bulletin.file_key(period)}.xlsx"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/reports/zones.csv")
def zones_csv():
    """Figures by functional zone for the period (the /reports section as CSV)."""
    ds = parts.dataset()
    period = parts.asked_period(ds)
    rep, layers, grades = parts.zone_table(ds, period)
    name = f"zones-{bulletin.file_key(period)}.csv"
    audit.log("export", target=name, detail={"what": "zones", "period": period.to_dict()["label"],
                                              "rows": len(rep["zones"])})
    response = Response(zone_report.as_csv(rep, layers, grades), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response
