"""挂牌督办 as the API and pages show it: one hazard's listing, and what is due for publication.

The publication clocks are geoapp.domain.listing.clock over the calendar of
``rules.supervision`` (layers/supervision.toml); a listing of unknown date
(carried over from the old flag) has none and is counted apart, never late.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Session

from geoapp.domain import listing as rules_of
from geoapp.domain.layers import SupervisionFile
from geoapp.store.models import Hazard, Listing, Point
from geoapp.store.reads import territory


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


def listing_dict(listing: Listing | None, supervision: SupervisionFile,
                 today: dt.date) -> dict | None:
    """One hazard's listing: its fields, each publication's due date and lateness; None if none.

    ``listed_on`` is null for a listing carried over from the old yes/no flag:
    ``listed_on_known`` is then false and ``listed_on_label`` says the date is
    unknown. ``active``: listed and not yet 摘牌.
    """
    if listing is None:
        return None
    rule, calendar = supervision.listing, supervision.calendar
    listed = rules_of.clock(listing.listed_on, listing.listed_published_on,
                            rule.publish_within_working_days, calendar, today)
    delisted = rules_of.clock(listing.delisted_on, listing.delisted_published_on,
                              rule.delist_publish_within_working_days, calendar, today)
    return {
        "level": listing.level,
        "level_label": rules_of.LEVELS.get(listing.level) if listing.level else None,
        "unit": listing.unit,
        "listed_on": _iso(listing.listed_on),
        "listed_on_known": listing.listed_on is not None,
        "listed_on_label": None if listing.listed_on else rules_of.UNKNOWN_DATE,
        "deadline": _iso(listing.deadline),
        "listed_by": listing.listed_by,
        "published_on": _iso(listing.listed_published_on),
        "publish_due_on": _iso(listed["due_on"]),
        "publish_late": listed["late"],
        "delisted_on": _iso(listing.delisted_on),
        "delisted_by": listing.delisted_by,
        "delisting_published_on": _iso(listing.delisted_published_on),
        "delisting_publish_due_on": _iso(delisted["due_on"]),
        "delisting_publish_late": delisted["late"],
        "active": listing.delisted_on is None,
    }


def due_for_publication(session: Session, supervision: SupervisionFile, today: dt.date,
                        only=None) -> dict:
    """Listings and 摘牌 not yet published, by due date (then code): ``items``, ``undated``;
    of the points whose home cell is in ``only`` (None: all).

    Each item: the hazard (id, code, description, point, cell), ``kind``
    (listed | delisted), ``done_on`` (the day of the step), ``due_on``,
    ``late`` and ``days_late`` (calendar days past the due date, 0 if in
    time), level and unit. ``undated`` counts the listings of unknown date
    not yet published: they have no clock, so they are not on the list.
    """
    rule, calendar = supervision.listing, supervision.calendar
    rows = session.execute(
        sa.select(Listing, Hazard.code, Hazard.description, Point.name, Point.cell_code)
        .join(Hazard, Listing.hazard_id == Hazard.id).join(Point, Hazard.point_id == Point.id)
        .where(sa.or_(Listing.listed_published_on.is_(None),
                      sa.and_(Listing.delisted_on.is_not(None),
                              Listing.delisted_published_on.is_(None))),
               territory.points_in(only))
    ).all()
    items, undated = [], 0
    for listing, code, description, point_name, cell_code in rows:
        steps = []
        if listing.listed_published_on is None:
            if listing.listed_on is None:
                undated += 1
            else:
                steps.append(("listed", listing.listed_on, rule.publish_within_working_days))
        if listing.delisted_on is not None and listing.delisted_published_on is None:
            steps.append(("delisted", listing.delisted_on,
                          rule.delist_publish_within_working_days))
        for kind, done_on, within in steps:
            clock = rules_of.clock(done_on, None, within, calendar, today)
            items.append({
                "hazard_id": listing.hazard_id, "code": code, "description": description,
                "point_name": point_name, "cell_code": cell_code, "kind": kind,
                "kind_label": rules_of.KINDS[kind], "done_on": done_on.isoformat(),
                "due_on": clock["due_on"].isoformat(), "late": clock["late"],
                "days_late": max(0, (today - clock["due_on"]).days),
                "level": listing.level,
                "level_label": rules_of.LEVELS.get(listing.level) if listing.level else None,
                "unit": listing.unit})
    items.sort(key=lambda i: (i["due_on"], i["code"], i["kind"]))
    return {"today": today.isoformat(), "items": items, "undated": undated,
            "late": sum(i["late"] for i in items)}
