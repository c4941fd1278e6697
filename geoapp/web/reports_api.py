"""The reports' JSON API, ``/api/reports/…``: the twins of the pages (geoapp.web.reports)
and the reports by area, industry, ranking and trend, routes of the one blueprint
(geoapp.web.report_parts, whose period and village parameters they read: a bad one is
a 400 naming it)."""

from __future__ import annotations

from flask import Response, jsonify

from geoapp.domain import ranks
from geoapp.reports import measures as report_measures
from geoapp.reports import tables
from geoapp.web import db, params
from geoapp.web import report_parts as parts
from geoapp.web.report_parts import bp


@bp.get("/api/reports")
def api_page():
    """The JSON twin of /reports."""
    ds = parts.dataset()
    period = parts.asked_period(ds)
    village = parts.asked_village(ds)
    data = parts.page_data(ds, period, village)
    return jsonify({**data, "tie_rule": ranks.TIE_RULE,
                    "extensions": parts.extensions(ds, period),
                    "measures": parts.measures(ds, period, data["overdue"]),
                    "accidents": parts.accidents(ds, period)})


@bp.get("/api/reports/areas")
def api_areas():
    """Figures for the territory, towns, villages (and 网格外) and cells for a period.

    Encoded once per dataset and period and kept so (report_parts.as_json, which after a
    hazard write encodes again only the rows that changed): a county's is megabytes of
    JSON; gzip when the client takes it, ETag and 304 like the map's data."""
    ds = parts.dataset()
    period = parts.asked_period(ds)
    return parts.as_json(ds, "areas", lambda: tables.areas(ds, period, parts.today(ds)),
                         period, rows=("villages", "cells"))


@bp.get("/api/reports/industries")
def api_industries():
    """Figures per GB/T 4754 division for a period."""
    ds = parts.dataset()
    period = parts.asked_period(ds)
    return parts.as_json(ds, "industries",
                         lambda: tables.industries(ds, period, parts.today(ds)), period)


@bp.get("/api/reports/ranking")
def api_ranking():
    """Villages (or with ``village``, its cells) ranked at the end of the period, with their
    ranks at the end of the period before."""
    ds = parts.dataset()
    period, village = parts.asked_period(ds), parts.asked_village(ds)
    return parts.as_json(ds, "ranking",
                         lambda: tables.ranking(ds, period, parts.today(ds), village=village),
                         period, parts.village_id(village))


@bp.get("/api/reports/trend")
def api_trend():
    """Open (and overdue) major hazards at the end of each month up to the period's end."""
    ds = parts.dataset()
    period, count = parts.asked_period(ds), params.months()
    return parts.as_json(ds, "trend",
                         lambda: tables.trend(ds, period, parts.today(ds), count), period, count)


@bp.get("/api/reports/overdue")
def api_overdue():
    """Hazards overdue at the end of the period, with the people responsible."""
    ds = parts.dataset()
    period = parts.asked_period(ds)
    overdue = parts.overdue(ds, period)
    taken = parts.measures(ds, period, overdue)["overdue"]
    return jsonify({"as_of": period.as_of(parts.today(ds)).isoformat(),
                    "hazards": [{**h, "measures": taken.get(h["code"], [])} for h in overdue]})


@bp.get("/api/reports/measures")
def api_measures():
    """Supervisory measures taken in the period per kind: total, per town, per village."""
    ds = parts.dataset()
    period = parts.asked_period(ds)
    return parts.as_json(ds, "measure_counts",
                         lambda: report_measures.counts(db.session(), ds, period), period)


def _of_period(report) -> Response:
    """``report(ds, period)`` of the dataset and the period asked, as JSON."""
    ds = parts.dataset()
    return jsonify(report(ds, parts.asked_period(ds)))


@bp.get("/api/reports/accidents")
def api_accidents():
    """双下降: accidents and deaths of the period, a year before and the period before, for
    the territory, each town and each village."""
    return _of_period(parts.accidents)


@bp.get("/api/reports/visits")
def api_visits():
    """Visits in the period per cell and per grid member; coverage per village, ranked."""
    return _of_period(parts.visits)


@bp.get("/api/reports/extensions")
def api_extensions():
    """Extensions (延期) requested, granted and refused in the period, pending at its end."""
    return _of_period(parts.extensions)


@bp.get("/api/reports/reviewers")
def api_reviewers():
    """Per account, hazards accepted and rejected in the period, median days waited."""
    return _of_period(parts.reviewers)


@bp.get("/api/reports/channels")
def api_channels():
    """By channel: hazards found per channel (per town), public reports received, verified,
    rejected and the median hours to a first response, enterprise self-check coverage ranked."""
    return _of_period(parts.channels)


@bp.get("/api/reports/bulletin")
def api_bulletin():
    """The bulletin's data (twin of /reports/print and bulletin.xlsx)."""
    ds = parts.dataset()
    period = parts.asked_period(ds)
    data = parts.bulletin_data(ds, period)
    return jsonify({**data, "tie_rule": ranks.TIE_RULE,
                    "issue": parts.issue_block(data, period, ds),
                    "measures": parts.measures(ds, period, data["overdue"]),
                    "accidents": parts.accidents(ds, period)})


@bp.get("/api/reports/zones")
def api_zones():
    """Figures by functional zone for a period: points by layer and level at its end,
    hazards found, closed, open, overdue; each zone's grade in force."""
    ds = parts.dataset()
    period = parts.asked_period(ds)
    return jsonify(parts.zone_table(ds, period)[0])
