"""What the channel report reads: public reports with their steps, enterprises' self-checks.

geoapp.reports.channels turns these into figures (the rules are
geoapp.domain.channels).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session

from geoapp.domain.channels import ReportRecord
from geoapp.store.models import Inspection, Point, PublicReport, PublicReportEvent
from geoapp.store.ownership import ENTERPRISE_LAYER, OWNER_FIELD  # what an enterprise owns


def public_reports(session: Session, until: dt.datetime) -> list[ReportRecord]:
    """The public reports filed before ``until`` with their steps (time order)."""
    steps = defaultdict(list)
    for e in session.execute(
            sa.select(PublicReportEvent.report_id, PublicReportEvent.at, PublicReportEvent.action)
            .join(PublicReport, PublicReport.id == PublicReportEvent.report_id)
            .where(PublicReport.created_at < until)
            .order_by(PublicReportEvent.at, PublicReportEvent.id)):
        steps[e.report_id].append((e.at, e.action))
    # amounts are stored to the fen as floats; the figures add them as decimals
    return [ReportRecord(r.id, r.created_at, r.cell_code, tuple(steps[r.id]),
                         None if r.reward_amount is None else Decimal(f"{r.reward_amount:.2f}"),
                         r.reward_on, bool(r.reward_paid))
            for r in session.execute(
                sa.select(PublicReport.id, PublicReport.created_at, PublicReport.cell_code,
                          PublicReport.reward_amount, PublicReport.reward_on,
                          PublicReport.reward_paid)
                .where(PublicReport.created_at < until).order_by(PublicReport.id))]


def enterprises(session: Session) -> list[dict]:
    """Every enterprise point: id, key (its USCC or ledger code), name, cell."""
    return [{"id": r.id, "key": r.key, "name": r.name, "cell_code": r.cell_code}
            for r in session.execute(
                sa.select(Point.id, Point.key, Point.name, Point.cell_code)
                .where(Point.layer == "enterprise").order_by(Point.key))]


def self_checks(session: Session, tz: str, start: dt.date,
                end: dt.date) -> list[tuple[str, dt.date]]:
    """(owner, local day) of the self-checks made on local days ``start`` … ``end``.

    The owner is the enterprise's key: its own point's key, or the
    ``enterprise_uscc`` of the point of another layer checked (geoapp.store.ownership).
    """
    zone = ZoneInfo(tz)
    since = dt.datetime.combine(start, dt.time(), zone)
    until = dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), zone)
    owner = sa.case((Point.layer == ENTERPRISE_LAYER, Point.key),
                    else_=Point.attrs[OWNER_FIELD].as_string())
    rows = session.execute(
        sa.select(owner.label("owner"), Inspection.inspected_at)
        .join(Point, Point.id == Inspection.point_id)
        .where(Inspection.source == "self_check",
               Inspection.inspected_at >= since, Inspection.inspected_at < until)
        .order_by(Inspection.inspected_at, Inspection.id))
    return [(r.owner, r.inspected_at.astimezone(zone).date()) for r in rows if r.owner]
