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

# How far below a table's highest id the fingerprint counts rows (see data_fingerprint)
WINDOW = 2000
# where a session keeps the last fingerprint it read (``Session.info``: seen_fingerprint)
_SEEN = "geoapp.fingerprint"


def data_fingerprint(session: Session) -> tuple:
    """A cheap tuple that changes when the map's data change.

    For cells, points, hazards and hazard events (a hazard's every move appends an
    event, every import of new rows adds ids), inspections and point events (a visit,
    which also moves the point's ``last_visit_on``, and an edit of a point's fields
    each append a row: the map's visit statuses follow), supervisory measures (the
    reports count them, and one against an enterprise adds no hazard event) and
    public reports' steps (their filing, triage and reward each append one): the
    number of rows among the ``WINDOW`` ids below the highest, and the highest id;
    last the import counter (``models.DataVersion``: imports that correct rows in
    place, the ledger's last visit dates among them).

    Why a window and not every row: counting a table of millions of events took
    over 100 ms on PostGIS, on every map tile. The count is there for one case the
    highest id misses: a write that took its id before another's and commits after
    it (two workers writing at once). Such a row lands just below the highest id,
    inside the window, so the count moves. Rows are never removed by geoapp except
    by an import of boundaries, which moves the import counter; the events, visits,
    measures and public reports' steps are append-only (models.append_only).

    The caches' places keys take the pairs of cells and points and the counter
    (``fingerprint[:4]``, ``fingerprint[-1:]``): keep those in place. Visit
    statuses also change with the day alone, so the caches key on today as well.
    On PostgreSQL a write made outside geoapp bumps the import counter too
    (geoapp.store.outside: a trigger on every table); the embedded database cannot
    tell, so there the caches also expire after ``MAP_CACHE_SECONDS``.
    """
    value = session.info[_SEEN] = tuple(session.execute(_STATEMENT).one())
    return value


def seen_fingerprint(session: Session) -> tuple | None:
    """The last fingerprint ``session`` read (None: it read none): what a request saw, for
    work after its answer (geoapp.web.fresh_reports) without asking the database again."""
    return session.info.get(_SEEN)


def _statement() -> sa.Select:
    """The fingerprint's one SELECT: built once, as building it took 2 ms of CPU on every
    request that checks the caches, ten times the query's own."""
    parts = []
    for model in (Cell, Point, Hazard, HazardEvent, Inspection, PointEvent, Measure,
                  PublicReportEvent):
        highest = sa.select(sa.func.max(model.id)).scalar_subquery()
        # (ordered and limited: PostgreSQL guesses a third of the table for "id > a
        # subquery's value" and would read all of it; the limit makes the index its plan)
        window = (sa.select(model.id).where(model.id > sa.func.coalesce(highest, 0) - WINDOW)
                  .order_by(model.id.desc()).limit(WINDOW).subquery())
        # each subquery an index range scan of at most WINDOW ids; one round trip in all
        parts.append(sa.select(sa.func.count()).select_from(window).scalar_subquery())
        parts.append(sa.select(sa.func.max(model.id)).scalar_subquery())
    parts.append(sa.select(DataVersion.version).where(DataVersion.id == 1).scalar_subquery())
    return sa.select(*parts)


_STATEMENT = _statement()


# the fingerprint's (count in the window, max id) pairs, in order; the import counter comes last
PARTS = ("cell", "point", "hazard", "hazard_event", "inspection", "point_event", "measure",
         "public_report_event")


def _pair(fingerprint: tuple, part: str) -> tuple:
    at = 2 * PARTS.index(part)
    return fingerprint[at:at + 2]


def beside_hazards(fingerprint: tuple) -> tuple:
    """The fingerprint without its hazards' and hazard events' parts: it stays the same
    over a hazard move, for what the reports read beside the hazards (visits, public
    reports, self-checks) and may keep across one."""
    drop = {2 * PARTS.index(part) + i for part in ("hazard", "hazard_event") for i in (0, 1)}
    return tuple(v for i, v in enumerate(fingerprint) if i not in drop)


def hazards_changed(session: Session, before: tuple, now: tuple) -> dict[int, int] | None:
    """The hazards added or moved between two fingerprints: {hazard id: its point id}.

    None when anything else the map and reports draw changed: cells, points, point
    edits, visits, an import, or a row that committed late below ``before``'s highest
    id (the window's count at ``before`` no longer matches). Hazards and their events
    get growing ids, events are append-only, and every change of a hazard (a step, an
    edit, an extension, a listing) appends an event, so the rows with ids above
    ``before``'s show every hazard that changed; a hazard's point never changes. The
    caches (geoapp.map.snapshot, geoapp.reports.cache) then re-read those hazards
    alone instead of every row.
    """
    if len(before) != len(now) or before[-1] != now[-1] or any(
            _pair(before, part) != _pair(now, part)
            for part in ("cell", "point", "inspection", "point_event")):
        return None
    for model, part in ((Hazard, "hazard"), (HazardEvent, "hazard_event")):
        count0, highest0 = _pair(before, part)
        late = session.scalar(sa.select(sa.func.count()).select_from(model).where(
            model.id > (highest0 or 0) - WINDOW, model.id <= (highest0 or 0)))
        if late != count0:
            return None
    hmax0, emax0 = _pair(before, "hazard")[1] or 0, _pair(before, "hazard_event")[1] or 0
    added = sa.select(Hazard.id).where(Hazard.id > hmax0)
    events = sa.select(HazardEvent.hazard_id).where(HazardEvent.id > emax0)
    return dict(session.execute(sa.select(Hazard.id, Hazard.point_id)
                                .where(Hazard.id.in_(added.union(events)))).all())


def bump_data_version(session) -> None:
    """Count one more import (in the importer's transaction)."""
    done = session.execute(sa.update(DataVersion).where(DataVersion.id == 1)
                           .values(version=DataVersion.version + 1))
    if done.rowcount == 0:  # a database made by create_all has no row yet
        session.add(DataVersion(id=1, version=1))
