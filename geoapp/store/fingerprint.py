"""The data's fingerprint: a cheap tuple that changes whenever what the map and reports show may.

The per-process caches of the map (geoapp.map.cache.MapCache) and of the
reports (geoapp.reports.cache.ReportCache) compare it on every request and
rebuild what it says has changed.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from geoapp.store.models import (
    Cell,
    DataVersion,
    Hazard,
    HazardEvent,
    Inspection,
    Measure,
    Point,
    PointEvent,
    PublicReportEvent,
)


def data_fingerprint(session: Session) -> tuple:
    """A cheap tuple that changes when the map's data change.

    Row counts and highest ids of cells, points, hazards and hazard events (a
    hazard's every move appends an event, every import of new rows adds ids),
    of inspections and point events (a visit, which also moves the point's
    ``last_visit_on``, and an edit of a point's fields each append a row: the
    map's visit statuses follow), of supervisory measures (the reports count
    them, and one against an enterprise adds no hazard event), of public reports' steps (their
    filing, triage and reward each append one; the reports count them), and last the import counter
    (``models.DataVersion``: imports that correct rows in place, the ledger's
    last visit dates among them). The caches' places keys take the pairs of
    cells and points and the counter (``fingerprint[:4]``, ``fingerprint[-1:]``):
    keep those in place. Visit statuses also change with the day alone, so the
    caches key on today as well. Changes made outside geoapp are not seen here;
    the map's cache also expires after a while for those (``MAP_CACHE_SECONDS``).
    """
    # one round trip; each subquery alone, so the database answers it from an index
    parts = []
    for model in (Cell, Point, Hazard, HazardEvent, Inspection, PointEvent, Measure,
                  PublicReportEvent):
        parts.append(sa.select(sa.func.count()).select_from(model).scalar_subquery())
        parts.append(sa.select(sa.func.max(model.id)).scalar_subquery())
    parts.append(sa.select(DataVersion.version).where(DataVersion.id == 1).scalar_subquery())
    return tuple(session.execute(sa.select(*parts)).one())


# the fingerprint's (count, max id) pairs, in order; the import counter comes last
PARTS = ("cell", "point", "hazard", "hazard_event", "inspection", "point_event", "measure",
         "public_report_event")


def _pair(fingerprint: tuple, part: str) -> tuple:
    at = 2 * PARTS.index(part)
    return fingerprint[at:at + 2]


def hazards_changed(session: Session, before: tuple, now: tuple) -> dict[int, int] | None:
    """The hazards added or moved between two fingerprints: {hazard id: its point id}.

    None when anything else the map and reports draw changed: cells, points, point
    edits, visits, an import, or rows removed (a count that does not match the rows
    added). Hazards and their events are append-only with growing ids, and every change
    of a hazard (a step, an edit, an extension, a listing) appends an event, so the
    rows with ids above ``before``'s show every hazard that changed; a hazard's point
    never changes. The caches (geoapp.map.snapshot, geoapp.reports.cache) then re-read
    those hazards alone instead of every row.
    """
    if len(before) != len(now) or before[-1] != now[-1] or any(
            _pair(before, part) != _pair(now, part)
            for part in ("cell", "point", "inspection", "point_event")):
        return None
    (h0, hmax0), (h1, _hmax1) = _pair(before, "hazard"), _pair(now, "hazard")
    (e0, emax0), (e1, _emax1) = _pair(before, "hazard_event"), _pair(now, "hazard_event")
    added = sa.select(Hazard.id).where(Hazard.id > (hmax0 or 0))
    events = sa.select(HazardEvent.hazard_id).where(HazardEvent.id > (emax0 or 0))
    n_added = session.scalar(sa.select(sa.func.count()).select_from(added.subquery()))
    n_events = session.scalar(sa.select(sa.func.count()).select_from(events.subquery()))
    if n_added != h1 - h0 or n_events != e1 - e0:
        return None
    return dict(session.execute(sa.select(Hazard.id, Hazard.point_id)
                                .where(Hazard.id.in_(added.union(events)))).all())


def bump_data_version(session) -> None:
    """Count one more import (in the importer's transaction)."""
    done = session.execute(sa.update(DataVersion).where(DataVersion.id == 1)
                           .values(version=DataVersion.version + 1))
    if done.rowcount == 0:  # a database made by create_all has no row yet
        session.add(DataVersion(id=1, version=1))
