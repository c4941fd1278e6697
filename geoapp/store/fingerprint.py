"""The data's fingerprint: a cheap tuple that changes whenever what the map and reports show may.

The per-process caches of the map (geoapp.map.snapshot.MapCache) and of the
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


def bump_data_version(session) -> None:
    """Count one more import (in the importer's transaction)."""
    done = session.execute(sa.update(DataVersion).where(DataVersion.id == 1)
                           .values(version=DataVersion.version + 1))
    if done.rowcount == 0:  # a database made by create_all has no row yet
        session.add(DataVersion(id=1, version=1))
