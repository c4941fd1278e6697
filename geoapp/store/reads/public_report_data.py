"""Public reports as the office reads them: the triage queue, one report with its steps.

Who sees which is the web's decision (geoapp.web.public_reports): it passes
the cells a grid member may read, or None for every cell.
"""

from __future__ import annotations

from collections import defaultdict

import sqlalchemy as sa

from geoapp.store.models import Photo, PublicReport

WAITING = ("received", "checking")


def queue(session, state: str | None, cells: list[str] | None) -> list[PublicReport]:
    """Reports still waiting (待核查, 核查中) first, the oldest of them first; then the
    decided ones, the newest first. ``state`` filters; ``cells`` limits to those cells
    (an outside report belongs to its nearest cell), None: all."""
    query = sa.select(PublicReport).order_by(PublicReport.created_at, PublicReport.id)
    if state is not None:
        query = query.where(PublicReport.state == state)
    if cells is not None:
        query = query.where(PublicReport.cell_code.in_(cells))
    found = list(session.scalars(query))
    waiting = [r for r in found if r.state in WAITING]
    return waiting + [r for r in reversed(found) if r.state not in WAITING]


def photo_ids(session, report_ids: list[int]) -> dict[int, list[int]]:
    """Each report's photo ids, in the order they were sent."""
    out: dict[int, list[int]] = defaultdict(list)
    if report_ids:
        for report_id, photo_id in session.execute(
                sa.select(Photo.public_report_id, Photo.id)
                .where(Photo.public_report_id.in_(report_ids)).order_by(Photo.id)):
            out[report_id].append(photo_id)
    return out
