"""The reports' views' shared parts: the blueprint, the dataset and the reports kept per
process, the period and village asked for, each report computed once.

The dataset and the last few computed reports are kept per process
(``ReportCache``) until the data's fingerprint changes: a hazard move shows
in the next request, and a page and its JSON twin are computed once. The
pages (geoapp.web.reports) and the JSON API (geoapp.web.reports_api) are
routes of the one blueprint here, ``reports``; the dashboard reads the same
dataset and cache (geoapp.web.dashboard).
"""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, Response, current_app, g, render_template, request

from geoapp import settings
from geoapp.domain import periods, zone_grades
from geoapp.map.payload import Payload, Rows
from geoapp.reports import accidents as accident_report
from geoapp.reports import cache, issue, tables
from geoapp.reports import channels as channel_report
from geoapp.reports import extensions as extension_report
from geoapp.reports import measures as report_measures
from geoapp.reports import page as reports_page
from geoapp.reports import reviewers as reviewer_report
from geoapp.reports import visits as visit_report
from geoapp.reports import zones as zone_report
from geoapp.store.fingerprint import beside_hazards
from geoapp.web import auth, clock, db, fresh_reports, params, prepared, warmup
from geoapp.web.errors import error_json, is_api

bp = Blueprint("reports", __name__)


@bp.record_once
def _configure(state) -> None:
    app = state.app
    # size: one /reports page keeps nine parts (page, charts, visits, …); fewer evicts
    # its own page while it is drawn
    app.extensions["geoapp.reportcache"] = cache.ReportCache(
        max_age=db.cache_seconds(app), size=24)
    app.extensions["geoapp.reportrows"] = {}  # as_json's encoded rows per report (Rows)
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


def issue_block(data: dict, period: periods.Period, ds: tables.Dataset) -> dict:
    """The bulletin's issuing unit, 文号 and date (geoapp.reports.issue) from the settings."""
    block = issue.block(period, data.get("place") or "", today(ds),
                        settings.get("BULLETIN_ISSUER", current_app.config),
                        settings.get("BULLETIN_NUMBER", current_app.config))
    return {**block, "chinese_date": issue.chinese_date(block["date"])}


def dataset() -> tables.Dataset:
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


def today(ds: tables.Dataset) -> dt.date:
    """The app's today (pinnable: geoapp.web.clock) in the territory's time zone."""
    return clock.today(ds.tz)


def cache_key(ds: tables.Dataset, what: str, params: tuple, beside: bool = False) -> tuple:
    """What the report ``what`` for ``params`` is kept under: the data's fingerprint (or
    what lies beside the hazards), the day, the account's scope, the report and its
    parameters."""
    fingerprint = g.report_fingerprint
    return (beside_hazards(fingerprint) if beside else fingerprint, today(ds), g.report_scope,
            what, *params)


def cached(ds: tables.Dataset, what: str, compute, *params, beside: bool = False):
    """The report ``what`` for ``params`` from the cache, computed by ``compute()`` if not there.

    Reports are shared between requests: views never change them. ``beside``: one that
    reads no hazard but through ``params`` (kept across hazard moves: ReportCache).
    """
    key = cache_key(ds, what, params, beside)
    kept: cache.ReportCache = current_app.extensions["geoapp.reportcache"]
    found, value = kept.lookup(key, beside)
    if not found:
        with kept.computing():
            value = compute()
        kept.keep(key, value, beside)
    return value


def as_json(ds: tables.Dataset, what: str, compute, *params, beside: bool = False,
            rows: tuple[str, ...] = ()) -> Response:
    """The report ``what`` as JSON (``cached``), its body encoded and gzipped once per change
    of the data: a county's areas report is 17 MB, whose encoding took longer than the
    report (1.2 s at 10⁶ points) on every request. ``rows``: its arrays of rows whose
    rows' bytes are kept from one change of the data to the next (payload.Rows)."""
    fresh_reports.note(auth.read_scope(), g.report_fingerprint)  # kept fresh after a change

    def encode() -> Payload:
        data = cached(ds, what, compute, *params, beside=beside)
        if not rows:
            return Payload.of(data, fast=True)
        kept: dict = current_app.extensions["geoapp.reportrows"]
        key = (g.report_scope, what, *params)
        encoder = kept.pop(key, None) or Rows(rows)
        kept[key] = encoder  # (last: the dict's order is the use's)
        while len(kept) > 16:
            kept.pop(next(iter(kept)), None)
        return Payload.of_bytes(encoder.dumps(data), fast=True)
    name = f"{what}.json"
    # (made once per host: a sibling worker's body is read, not made again)
    return prepared.send(cached(ds, name, lambda: fresh_reports.made(
        cache_key(ds, name, params, beside), encode), *params, beside=beside))


def village_id(village: dict | None):
    return village["id"] if village else None


def asked_period(ds: tables.Dataset) -> periods.Period:
    return params.period(today(ds))


def asked_village(ds: tables.Dataset) -> dict | None:
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


def page_data(ds: tables.Dataset, period: periods.Period, village: dict | None) -> dict:
    return cached(ds, "page", lambda: reports_page.page_data(ds, period, village, today(ds)),
                  period, village_id(village))


def reviewers(ds: tables.Dataset, period: periods.Period) -> dict:
    """Decisions per reviewer (the fingerprint counts events; names expire with max_age)."""
    return cached(ds, "reviewers",
                  lambda: reviewer_report.report(db.session(), ds, period, today(ds)), period)


def visits(ds: tables.Dataset, period: periods.Period) -> dict:
    """Visits per cell and member, coverage per village (the fingerprint counts visits).

    Kept across hazard moves: the report reads the hazards only through the cells' levels
    at the period's end (its ranking's red cells), which are part of its key."""
    levels = tables.cell_levels(ds, period.as_of(today(ds)))
    return cached(ds, "visits", lambda: visit_report.report(db.session(), ds, period, today(ds)),
                  period, tuple(levels.values()), beside=True)


def channels(ds: tables.Dataset, period: periods.Period) -> dict:
    """By channel: hazards per channel, public reports handled, enterprise self-checks (every
    report step and visit is counted in the fingerprint). What it reads beside the hazards,
    and its part that reads them only through the cells' levels (part of that key), are
    kept across hazard moves."""
    def compute():
        day = today(ds)
        levels = tables.cell_levels(ds, period.as_of(day))

        def rest():
            rows = cached(ds, "channel rows", lambda: channel_report.read(
                db.session(), ds, period, day), period, beside=True)
            return channel_report.beside_hazards(ds, period, day, *rows)
        return {**cached(ds, "channels beside", rest, period, tuple(levels.values()),
                         beside=True),
                "hazards": channel_report.by_source(ds, period, day)}
    return cached(ds, "channels", compute, period)


def extensions(ds: tables.Dataset, period: periods.Period) -> dict:
    """Extensions (延期) requested, granted, refused (every request and decision is an event:
    the fingerprint sees them)."""
    return cached(ds, "extensions",
                  lambda: extension_report.report(db.session(), ds, period, today(ds)), period)


def measures(ds: tables.Dataset, period: periods.Period, overdue: list[dict]) -> dict:
    """Measures of the period per kind and place, and those on the overdue hazards
    (geoapp.reports.measures; the fingerprint counts measures)."""
    day = period.as_of(today(ds))
    return cached(ds, "measures", lambda: report_measures.report(
        db.session(), ds, period, overdue, day), period)


def accidents(ds: tables.Dataset, period: periods.Period) -> dict:
    """双下降: accidents and deaths against a year before and the period before
    (geoapp.reports.accidents; every accident write bumps the data version)."""
    return cached(ds, "accidents", lambda: accident_report.report(db.session(), ds, period),
                  period)


def overdue(ds: tables.Dataset, period: periods.Period) -> list[dict]:
    """Hazards overdue at the end of the period, most overdue first (page_data's list: the
    dataset keeps it)."""
    return tables.overdue_list(ds, period.as_of(today(ds)))


def bulletin_data(ds: tables.Dataset, period: periods.Period) -> dict:
    # as of the app's today (pinnable: geoapp.web.clock), as the page is
    return cached(ds, "bulletin", lambda: tables.bulletin(ds, period, today(ds)), period)


def zone_table(ds: tables.Dataset, period: periods.Period) -> tuple:
    """The figures by zone with the Chinese labels the workbook and the CSV write."""
    rep = cached(ds, "zones", lambda: zone_report.report(ds, period, today(ds)), period)
    layers = {c: t.label for c, t in ds.rules.layers.items()}
    return rep, layers, dict(zone_grades.GRADE_LABELS)
