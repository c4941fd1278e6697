"""The leaders' reports: ``/reports`` (tables and charts), the printable bulletin, the XLSX.

Thin views over geoapp.reports.tables; every page has a JSON twin under
``/api/reports``. Periods, the same on every view: ``month=YYYY-MM``,
``quarter=YYYYQn`` (or ``period=`` a month, quarter or year), ``year=YYYY``
or ``from=YYYY-MM-DD&to=…`` (default: this month, in the configured time
zone, or the last full month in a month's first days: periods.default_period); a bad
one is a 400 naming the parameter (JSON under /api/, a message page otherwise).
Reading follows the app's read policy (every logged-in role).

The dataset and the last few computed reports are kept per process
(``ReportCache``) until the data's fingerprint changes: a hazard move shows
in the next request, and a page and its JSON twin are computed once.
"""

from __future__ import annotations

import datetime as dt
import io

from flask import Blueprint, Response, current_app, g, jsonify, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _

from geoapp import settings
from geoapp.domain import periods, ranks, workflow, zone_grades
from geoapp.map.payload import REPORT_LEVEL, Payload, Rows
from geoapp.memory import no_gc_pauses
from geoapp.reports import accidents as accident_report
from geoapp.reports import bulletin, cache, channels, charts, issue, reviewers, tables, visits
from geoapp.reports import extensions as extension_report
from geoapp.reports import measures as report_measures
from geoapp.reports import page as reports_page
from geoapp.reports import zones as zone_report
from geoapp.store.fingerprint import beside_hazards
from geoapp.store.reads import standing_data
from geoapp.web import audit, auth, clock, db, i18n, params, prepared, warmup
from geoapp.web.errors import error_json, is_api

bp = Blueprint("reports", __name__)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@bp.record_once
def _configure(state) -> None:
    app = state.app
    # size: one /reports page keeps nine parts (page, charts, visits, …); fewer evicts
    # its own page while it is drawn
    app.extensions["geoapp.reportcache"] = cache.ReportCache(
        max_age=db.cache_seconds(app), size=24)
    app.extensions["geoapp.reportrows"] = {}  # _json's encoded rows per report (Rows)
    app.extensions.setdefault(warmup.WARMERS, []).append(warm)
    for key, what in (("REPORT_PAGE_CELLS", "cells"), ("REPORT_PAGE_OVERDUE", "hazards")):
        value = settings.get(key, app.config)
        if not str(value).isdigit() or int(value) < 1:  # a bad one stops start-up, named
            raise ValueError(f"{settings.variable(key)}: a whole number of {what} from 1, "
                             f"not {value!r}")
        app.config[key] = int(value)
    # a bad 文号 template stops start-up, naming the setting, rather than a bulletin
    for key in ("BULLETIN_ISSUER", "BULLETIN_NUMBER"):
        if settings.get(key, app.config):
            issue.check(settings.get(key, app.config), f"GEOAPP_{key}")


def _issue(data: dict, period: periods.Period, ds: tables.Dataset) -> dict:
    """The bulletin's issuing unit, 文号 and date (geoapp.reports.issue) from the settings."""
    block = issue.block(period, data.get("place") or "", _today(ds),
                        settings.get("BULLETIN_ISSUER", current_app.config),
                        settings.get("BULLETIN_NUMBER", current_app.config))
    return {**block, "chinese_date": issue.chinese_date(block["date"])}


def _dataset() -> tables.Dataset:
    """The reports' dataset, cut to the account's area scope (a town's leader reads the
    town: its villages ranked, its figures)."""
    warmup.gate()  # 503 while this process still builds it (geoapp.web.warmup)
    report_cache: cache.ReportCache = current_app.extensions["geoapp.reportcache"]
    fingerprint, ds = report_cache.dataset(db.session(), current_app.extensions["geoapp.rules"])
    g.report_fingerprint = fingerprint
    scope = auth.read_scope()
    g.report_scope = scope.key()
    if scope.cells is not None:
        ds = report_cache.within(fingerprint, ds, frozenset(scope.cells))
    return ds


def _today(ds: tables.Dataset) -> dt.date:
    """The app's today (pinnable: geoapp.web.clock) in the territory's time zone."""
    return clock.today(ds.tz)


def _cached(ds: tables.Dataset, what: str, compute, *params, beside: bool = False):
    """The report ``what`` for ``params`` from the cache, computed by ``compute()`` if not there.

    Reports are shared between requests: views never change them. ``beside``: one that
    reads no hazard but through ``params`` (kept across hazard moves: ReportCache).
    """
    fingerprint = g.report_fingerprint
    key = (beside_hazards(fingerprint) if beside else fingerprint, _today(ds), g.report_scope,
           what, *params)
    kept: cache.ReportCache = current_app.extensions["geoapp.reportcache"]
    found, value = kept.lookup(key, beside)
    if not found:
        with kept.computing():
            value = compute()
        kept.keep(key, value, beside)
    return value


def _json(ds: tables.Dataset, what: str, compute, *params, beside: bool = False,
          rows: tuple[str, ...] = ()) -> Response:
    """The report ``what`` as JSON (``_cached``), its body encoded and gzipped once per change
    of the data: a county's areas report is 17 MB, whose encoding took longer than the
    report (1.2 s at 10⁶ points) on every request. ``rows``: its arrays of rows whose
    rows' bytes are kept from one change of the data to the next (payload.Rows)."""
    data = _cached(ds, what, compute, *params, beside=beside)

    def encode() -> Payload:
        if not rows:
            return Payload.of(data, REPORT_LEVEL)
        kept: dict = current_app.extensions["geoapp.reportrows"]
        key = (g.report_scope, what, *params)
        encoder = kept.pop(key, None) or Rows(rows)
        kept[key] = encoder  # (last: the dict's order is the use's)
        while len(kept) > 16:
            kept.pop(next(iter(kept)), None)
        return Payload.of_bytes(encoder.dumps(data), REPORT_LEVEL)
    return prepared.send(_cached(ds, f"{what}.json", encode, *params, beside=beside))


def _village_id(village: dict | None):
    return village["id"] if village else None


def _period(ds: tables.Dataset) -> periods.Period:
    return params.period(_today(ds))


def _switcher(ds: tables.Dataset, period: periods.Period) -> dict:
    """The period switcher's choices: the month, quarter and year shown (or of the period's
    end), and the quarters and years from the first hazard's year (at most ten) to today's."""
    today = _today(ds)
    first = min((r.found_on.year for r in ds.records), default=today.year)
    years = list(range(today.year, max(min(first, today.year), today.year - 9) - 1, -1))
    quarters = [f"{y}Q{q}" for y in years for q in (4, 3, 2, 1)
                if periods.quarter_of(dt.date(y, 3 * q, 1)).start <= today]
    end = period.as_of(today)
    return {"month": periods.month_of(end).month, "quarter": periods.quarter_of(end).quarter,
            "year": periods.year_of(end).year, "years": [str(y) for y in years],
            "quarters": [(q, periods.label(periods.parse_quarter(q), _)) for q in quarters]}


def _village(ds: tables.Dataset) -> dict | None:
    text = request.args.get("village")
    if text is None or text == "":
        return None
    found = tables.find_village(ds, text)
    if found is None:
        if sum(v["name"] == text for v in ds.villages) > 1:
            raise periods.PeriodError("village", f"有多个名为“{text}”的村/社区，请用代码指定")
        raise periods.PeriodError("village", f"没有代码或名称为“{text}”的村/社区")
    return found


@bp.errorhandler(periods.PeriodError)
def _bad_parameter(exc: periods.PeriodError):
    if is_api():
        return error_json(400, "bad_request", str(exc), exc.param)
    return render_template("reports/error.html", param=exc.param, message=exc.message), 400


def _page_data(ds: tables.Dataset, period: periods.Period, village: dict | None) -> dict:
    return _cached(ds, "page", lambda: reports_page.page_data(ds, period, village, _today(ds)),
                   period, _village_id(village))


def _reviewers(ds: tables.Dataset, period: periods.Period) -> dict:
    """Decisions per reviewer (the fingerprint counts events; names expire with max_age)."""
    return _cached(ds, "reviewers",
                   lambda: reviewers.report(db.session(), ds, period, _today(ds)), period)


def _words(period: periods.Period) -> dict:
    return {**periods.words(period, _), "label": periods.label(period, _)}


def _visits(ds: tables.Dataset, period: periods.Period) -> dict:
    """Visits per cell and member, coverage per village (the fingerprint counts visits).

    Kept across hazard moves: the report reads the hazards only through the cells' levels
    at the period's end (its ranking's red cells), which are part of its key."""
    levels = tables.cell_levels(ds, period.as_of(_today(ds)))
    return _cached(ds, "visits", lambda: visits.report(db.session(), ds, period, _today(ds)),
                   period, tuple(levels.values()), beside=True)


def _visit_cells(ds: tables.Dataset, period: periods.Period, village: dict | None) -> dict:
    """The page's per-cell visits rows: a village's all, else at most REPORT_PAGE_CELLS —
    past that the cells needing attention (visits.page_cells; the JSON and XLSX keep all)."""
    limit = current_app.config["REPORT_PAGE_CELLS"]
    return _cached(ds, "visit_cells", lambda: visits.page_cells(
        _visits(ds, period), _village_id(village), limit), period, _village_id(village), limit)


def _channels(ds: tables.Dataset, period: periods.Period) -> dict:
    """By channel: hazards per channel, public reports handled, enterprise self-checks (every
    report step and visit is counted in the fingerprint). What it reads beside the hazards,
    and its part that reads them only through the cells' levels (part of that key), are
    kept across hazard moves."""
    def compute():
        today = _today(ds)
        levels = tables.cell_levels(ds, period.as_of(today))

        def rest():
            rows = _cached(ds, "channel rows", lambda: channels.read(db.session(), ds, period,
                                                                     today), period, beside=True)
            return channels.beside_hazards(ds, period, today, *rows)
        return {**_cached(ds, "channels beside", rest, period, tuple(levels.values()),
                          beside=True),
                "hazards": channels.by_source(ds, period, today)}
    return _cached(ds, "channels", compute, period)


def _extensions(ds: tables.Dataset, period: periods.Period) -> dict:
    """Extensions (延期) requested, granted, refused (every request and decision is an event:
    the fingerprint sees them)."""
    return _cached(ds, "extensions",
                   lambda: extension_report.report(db.session(), ds, period, _today(ds)), period)


def _standing(ds: tables.Dataset, period: periods.Period) -> dict | None:
    """红黑榜 at the period's end in the account's scope (None without layers/standing.toml)."""
    spec = current_app.extensions["geoapp.rules"].standing
    if spec is None:
        return None
    day = period.as_of(_today(ds))
    return _cached(ds, "standing", lambda: standing_data.lists(
        db.session(), spec, day, auth.read_scope().cells), period)


def _measures(ds: tables.Dataset, period: periods.Period, overdue: list[dict]) -> dict:
    """Measures of the period per kind and place, and those on the overdue hazards
    (geoapp.reports.measures; the fingerprint counts measures)."""
    day = period.as_of(_today(ds))
    return _cached(ds, "measures", lambda: report_measures.report(
        db.session(), ds, period, overdue, day), period)


def _accidents(ds: tables.Dataset, period: periods.Period) -> dict:
    """双下降: accidents and deaths against a year before and the period before
    (geoapp.reports.accidents; every accident write bumps the data version)."""
    return _cached(ds, "accidents", lambda: accident_report.report(db.session(), ds, period),
                   period)


def _drawn(ds: tables.Dataset, draw, title: str, labels: list, series: dict, **kw) -> str:
    """``draw(title, labels, series, **kw)`` (charts.bars or charts.line), kept by what it
    draws: a hazard move seldom changes a chart's figures, and drawing is a tenth of a
    second each."""
    return _cached(ds, "chart", lambda: draw(title, labels, series, **kw), draw.__name__, title,
                   tuple(labels), tuple((name, tuple(v)) for name, v in series.items()),
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
    ds = _dataset()
    period = _period(ds)
    data = _page_data(ds, period, None)
    for part in (_visits, _extensions, _reviewers, _channels):
        part(ds, period)
    _measures(ds, period, data["overdue"])
    _accidents(ds, period)
    _visit_cells(ds, period, None)
    _cached(ds, "charts", lambda: _charts(ds, data), period, None, str(get_locale()))
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
    ds = _dataset()
    period = _period(ds)
    village = _village(ds)
    data = _page_data(ds, period, village)
    query = period.query()
    asked = any(request.args.get(p) is not None for p in periods.PARAMS)
    # a county's page is 10⁵ short-lived strings: each full collection on the way walks
    # the millions of objects the kept datasets hold (0.3–0.9 s at county scale)
    with no_gc_pauses():
        return render_template(
            "reports/page.html", data=data, labels=_labels(), query=query,
            charts=_cached(ds, "charts", lambda: _charts(ds, data), period, _village_id(village),
                           str(get_locale())),
            **_layer_labels(rules),
            villages=[{**v, "key": tables.village_key(v)} for v in ds.villages],
            village=village, tie_rule=_(ranks.TIE_RULE),
            visits=_visits(ds, period), coverage_rule=_(ranks.COVERAGE_TIE_RULE),
            visit_cells=_visit_cells(ds, period, village),
            # a county's thousands are nobody's reading on this page (and were most of its
            # rendering): the most overdue, the count, and /reports/overdue for them all
            overdue_rows=data["overdue"][:current_app.config["REPORT_PAGE_OVERDUE"]],
            extensions=_extensions(ds, period),
            measures=_measures(ds, period, data["overdue"]),
            reviewers=_reviewers(ds, period), channels=_channels(ds, period),
            channel_rule=_(ranks.SELF_CHECK_TIE_RULE), accidents=_accidents(ds, period),
            switcher=_switcher(ds, period),
            # no period asked for, and the default is not today's month: say why
            defaulted=not asked and period.end < _today(ds),
            grace_days=periods.DEFAULT_GRACE_DAYS,
            words=_words(period), previous_words=_words(periods.previous(period)),
            json_url=url_for("reports.api_page", **{k: v for k, v in request.args.items()
                                                     if k in (*periods.PARAMS, "village")}))


@bp.get("/api/reports")
def api_page():
    """The JSON twin of /reports."""
    ds = _dataset()
    period = _period(ds)
    village = _village(ds)
    data = _page_data(ds, period, village)
    return jsonify({**data, "tie_rule": ranks.TIE_RULE,
                    "extensions": _extensions(ds, period),
                    "measures": _measures(ds, period, data["overdue"]),
                    "accidents": _accidents(ds, period)})


@bp.get("/api/reports/areas")
def api_areas():
    """Figures for the territory, towns, villages (and 网格外) and cells for a period.

    Encoded once per dataset and period and kept so (``_json``): a county's is 16.7 MB
    of JSON; gzip when the client takes it (0.5 MB), ETag and 304 like the map's data."""
    ds = _dataset()
    period = _period(ds)
    return _json(ds, "areas", lambda: tables.areas(ds, period, _today(ds)), period,
                 rows=("villages", "cells"))


@bp.get("/api/reports/industries")
def api_industries():
    """Figures per GB/T 4754 division for a period."""
    ds = _dataset()
    period = _period(ds)
    return _json(ds, "industries", lambda: tables.industries(ds, period, _today(ds)), period)


@bp.get("/api/reports/ranking")
def api_ranking():
    """Villages (or with ``village``, its cells) ranked at the end of the period, with their
    ranks at the end of the period before."""
    ds = _dataset()
    period, village = _period(ds), _village(ds)
    return _json(ds, "ranking",
                 lambda: tables.ranking(ds, period, _today(ds), village=village),
                 period, _village_id(village))


@bp.get("/api/reports/trend")
def api_trend():
    """Open (and overdue) major hazards at the end of each month up to the period's end."""
    ds = _dataset()
    period, count = _period(ds), params.months()
    return _json(ds, "trend", lambda: tables.trend(ds, period, _today(ds), count),
                 period, count)


def _overdue(ds: tables.Dataset, period: periods.Period) -> list[dict]:
    """Hazards overdue at the end of the period, most overdue first (page_data's list: the
    dataset keeps it)."""
    return tables.overdue_list(ds, period.as_of(_today(ds)))


@bp.get("/reports/overdue")
def overdue_page():
    """Every hazard overdue at the end of the period (/reports lists the most overdue
    REPORT_PAGE_OVERDUE; twin: /api/reports/overdue)."""
    ds = _dataset()
    period = _period(ds)
    overdue = _overdue(ds, period)
    query = period.query()
    with no_gc_pauses():  # as /reports: thousands of rows in a county
        return render_template(
            "reports/overdue_page.html", overdue=overdue, labels=_labels(), query=query,
            as_of=period.as_of(_today(ds)).isoformat(), words=_words(period),
            measures=_measures(ds, period, overdue),
            json_url=url_for("reports.api_overdue", **query))


@bp.get("/api/reports/overdue")
def api_overdue():
    """Hazards overdue at the end of the period, with the people responsible."""
    ds = _dataset()
    period = _period(ds)
    overdue = _overdue(ds, period)
    taken = _measures(ds, period, overdue)["overdue"]
    return jsonify({"as_of": period.as_of(_today(ds)).isoformat(),
                    "hazards": [{**h, "measures": taken.get(h["code"], [])} for h in overdue]})


@bp.get("/api/reports/measures")
def api_measures():
    """Supervisory measures taken in the period per kind: total, per town, per village."""
    ds = _dataset()
    period = _period(ds)
    return _json(ds, "measure_counts",
                 lambda: report_measures.counts(db.session(), ds, period), period)


@bp.get("/api/reports/accidents")
def api_accidents():
    """双下降: accidents and deaths of the period, a year before and the period before, for
    the territory, each town and each village."""
    ds = _dataset()
    return jsonify(_accidents(ds, _period(ds)))


@bp.get("/api/reports/visits")
def api_visits():
    """Visits in the period per cell and per grid member; coverage per village, ranked."""
    ds = _dataset()
    return jsonify(_visits(ds, _period(ds)))


@bp.get("/api/reports/extensions")
def api_extensions():
    """Extensions (延期) requested, granted and refused in the period, pending at its end."""
    ds = _dataset()
    return jsonify(_extensions(ds, _period(ds)))


@bp.get("/api/reports/reviewers")
def api_reviewers():
    """Per account, hazards accepted and rejected in the period, median days waited."""
    ds = _dataset()
    return jsonify(_reviewers(ds, _period(ds)))


@bp.get("/api/reports/channels")
def api_channels():
    """By channel: hazards found per channel (per town), public reports received, verified,
    rejected and the median hours to a first response, enterprise self-check coverage ranked."""
    ds = _dataset()
    return jsonify(_channels(ds, _period(ds)))


@bp.get("/api/reports/bulletin")
def api_bulletin():
    """The bulletin's data (twin of /reports/print and bulletin.xlsx)."""
    ds = _dataset()
    period = _period(ds)
    data = _bulletin(ds, period)
    return jsonify({**data, "tie_rule": ranks.TIE_RULE, "issue": _issue(data, period, ds),
                    "measures": _measures(ds, period, data["overdue"]),
                    "accidents": _accidents(ds, period)})


def _bulletin(ds: tables.Dataset, period: periods.Period) -> dict:
    # as of the app's today (pinnable: geoapp.web.clock), as the page is
    return _cached(ds, "bulletin", lambda: tables.bulletin(ds, period, _today(ds)), period)


@bp.get("/reports/print")
def print_page():
    """The bulletin (月通报, 季度通报, 年度总结) as one printable A4 page set
    (twin: /api/reports/bulletin)."""
    ds = _dataset()
    period = _period(ds)
    data = _bulletin(ds, period)
    trend = data["trend"]
    chart = charts.line(_("重大事故隐患月末未销号数"), trend["months"], {
        _("重大隐患未销号"): trend["major_open"], _("其中逾期"): trend["major_overdue"]},
        width=900, height=260, colours=("#e60012", "#222222"))
    return render_template("reports/print.html", data=data, labels=_labels(),
                           tie_rule=_(ranks.TIE_RULE), chart=chart, query=period.query(),
                           issue=_issue(data, period, ds),
                           words=_words(period),
                           previous_words=_words(periods.previous(period)),
                           visits=_visits(ds, period), coverage_rule=_(ranks.COVERAGE_TIE_RULE),
                           measures=_measures(ds, period, data["overdue"]),
                           reviewers=_reviewers(ds, period), channels=_channels(ds, period),
                           channel_rule=_(ranks.SELF_CHECK_TIE_RULE),
                           zones=_zone_table(ds, period)[0], accidents=_accidents(ds, period),
                           **_layer_labels(ds.rules))


def _layer_labels(rules) -> dict:
    """The point layers' and levels' names in the page's language (the by-layer tables)."""
    return {"layers": {c: i18n.localized(t) for c, t in rules.layers.items()},
            "level_labels": {lv.code: i18n.localized(lv) for lv in rules.risk.levels}}


@bp.get("/reports/bulletin.xlsx")
def bulletin_xlsx():
    """The bulletin as an XLSX workbook (any period; default this month)."""
    ds = _dataset()
    period = _period(ds)
    buffer = io.BytesIO()
    data = _bulletin(ds, period)
    bulletin.write(data, buffer, issue=_issue(data, period, ds),
                   visits=_visits(ds, period), extensions=_extensions(ds, period),
                   measures=_measures(ds, period, data["overdue"]),
                   reviewers=_reviewers(ds, period), channels=_channels(ds, period),
                   standing=_standing(ds, period), zones=_zone_table(ds, period),
                   accidents=_accidents(ds, period))
    audit.log("export", target=f"bulletin-{bulletin.file_key(period)}.xlsx",
              detail={"what": "bulletin", "period": period.to_dict()["label"],
                      "overdue_rows": len(data["overdue"])})
    response = Response(buffer.getvalue(), mimetype=XLSX)
    response.headers["Content-Disposition"] = \
        f'attachment; filename="bulletin-{bulletin.file_key(period)}.xlsx"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _zone_table(ds: tables.Dataset, period: periods.Period) -> tuple:
    """The figures by zone with the Chinese labels the workbook and the CSV write."""
    rep = _cached(ds, "zones", lambda: zone_report.report(ds, period, _today(ds)), period)
    layers = {c: t.label for c, t in ds.rules.layers.items()}
    return rep, layers, dict(zone_grades.GRADE_LABELS)


@bp.get("/reports/zones.csv")
def zones_csv():
    """Figures by functional zone for the period (the /reports section as CSV)."""
    ds = _dataset()
    period = _period(ds)
    rep, layers, grades = _zone_table(ds, period)
    name = f"zones-{bulletin.file_key(period)}.csv"
    audit.log("export", target=name, detail={"what": "zones", "period": period.to_dict()["label"],
                                              "rows": len(rep["zones"])})
    response = Response(zone_report.as_csv(rep, layers, grades), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/api/reports/zones")
def api_zones():
    """Figures by functional zone for a period: points by layer and level at its end,
    hazards found, closed, open, overdue; each zone's grade in force."""
    ds = _dataset()
    period = _period(ds)
    return jsonify(_zone_table(ds, period)[0])
