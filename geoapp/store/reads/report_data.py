"""The reports' data: read once (territory, points, hazards with their event logs).

``load`` is the one query layer of the reports (geoapp.reports.tables re-exports
it): ``Places`` (villages, cells, points) and the hazards as
statistics.HazardRecord, in a ``Dataset``. A dataset also keeps what is
computed from it once per day (states, snapshots, levels; ``Dataset.memo``),
so that a report asks for each only once; geoapp.web.report_parts keeps the dataset
per process while the data's fingerprint stays the same, and reuses the
places after a hazard move.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from types import SimpleNamespace

import numpy as np
import sqlalchemy as sa
from sqlalchemy.orm import Session

from geoapp.domain import review, timeline, workflow
from geoapp.domain.departments import FIELD
from geoapp.domain.divisions import division_of
from geoapp.domain.layers import Rules
from geoapp.memory import no_gc_pauses
from geoapp.store import zone_grading
from geoapp.store.models import Cell, Hazard, HazardEvent, Point, Town, Village, Zone
from geoapp.store.reads import territory


@dataclass
class Dataset:
    """Everything the reports read, loaded once per request or bulletin."""

    villages: list[dict]  # id, name, code, town
    cells: dict[str, dict]  # code → code, name, village_id, members, supervisor, …
    points: list[SimpleNamespace]  # id, layer, name, cell_code, inherent_level, division
    records: list[timeline.HazardRecord]
    rules: Rules
    places: Places | None = field(default=None, repr=False, compare=False)  # load's
    # cut to an area scope (within): rows of other areas, read beside the dataset
    # (visits, measures, extensions, public reports, reviews), are left out, not "outside"
    scoped: bool = False
    # what the reports compute once per dataset and day (geoapp.reports.history.remember)
    memos: dict = field(default_factory=dict, repr=False, compare=False)
    # made by ``patched``: each record's index in the dataset patched (-1: read again)
    origin: np.ndarray | None = field(default=None, repr=False, compare=False)
    _ids: np.ndarray | None = field(default=None, repr=False, compare=False)

    def record_ids(self) -> np.ndarray:
        """The records' ids, in their order (made once; ``patched`` hands them on)."""
        if self._ids is None:
            self._ids = np.fromiter((r.id for r in self.records), np.int64, len(self.records))
        return self._ids

    @property
    def tz(self) -> str:
        return self.rules.risk.hazards.timezone

    @property
    def cutoff(self) -> dt.date:
        return self.rules.risk.hazards.stock_cutoff

    def today(self) -> dt.date:
        return workflow.today_in(self.tz)


@dataclass(frozen=True)
class Places:
    """The territory and the points: what a hazard move does not change (``load_places``)."""

    villages: list[dict]
    cells: dict[str, dict]
    points: list[SimpleNamespace]
    by_id: dict[int, SimpleNamespace]
    # the functional zones with their grade in force (geoapp.reports.zones): code, name,
    # kind, grade, grade_source, assessed_on
    zones: list[dict] = field(default_factory=list)
    # what the reports compute from them alone (point groups, layers), for every dataset
    memos: dict = field(default_factory=dict, repr=False, compare=False)



def load_places(session: Session) -> Places:
    """Read villages, cells and points (with their industry division) for the reports."""
    conn = session.connection()
    villages = [
        {"id": vid, "name": name, "code": code, "town": town}
        for vid, name, code, town in conn.execute(
            territory.villages_in_towns(Village.id, Village.name, Village.code, Town.name)
            .order_by(Village.code, Village.name))
    ]
    cells = {
        r.code: {"code": r.code, "name": r.name, "village_id": r.village_id,
                 "members": r.members or [], "supervisor": r.supervisor,
                 "supervising_unit": r.supervising_unit}
        for r in conn.execute(
            sa.select(Cell.code, Cell.name, Cell.village_id, Cell.members, Cell.supervisor,
                      Cell.supervising_unit).order_by(Cell.code))
    }
    # the owner's USCC read in the database: decoding 10⁵ attrs documents costs 0.4 s
    rows = conn.execute(
        sa.select(Point.id, Point.layer, Point.key, Point.name, Point.cell_code,
                  Point.inherent_level, Point.industry, Point.zone_codes,
                  Point.attrs["enterprise_uscc"].as_string().label("owner"),
                  Point.attrs[FIELD].as_string().label("own_authority"))
    ).all()
    # an enterprise's USCC (its key) → its industry, for the points it owns
    owner_industry = {r.key: r.industry for r in rows if r.layer == "enterprise"}
    divisions: dict = {}  # industry code → division (codes repeat: compute each once)

    def division(code):
        if code not in divisions:
            divisions[code] = division_of(code)
        return divisions[code]

    points = [
        SimpleNamespace(
            id=r.id, layer=r.layer, name=r.name, cell_code=r.cell_code,
            inherent_level=r.inherent_level, zone_codes=tuple(r.zone_codes or ()),
            division=division(r.industry or owner_industry.get(r.owner or "")),
            # what its 行业主管部门 is derived from (geoapp.reports.tables.departments)
            industry=r.industry or owner_industry.get(r.owner or ""),
            layer_authority=r.own_authority)
        for r in rows
    ]
    graded = zone_grading.grades(session)
    zones = [{"code": z.code, "name": z.name, "kind": z.kind, "grade": graded[z.code]["grade"],
              "grade_source": graded[z.code]["source"],
              "assessed_on": graded[z.code]["assessed_on"]}
             for z in session.execute(sa.select(Zone.code, Zone.name, Zone.kind)
                                      .order_by(Zone.code))]
    return Places(villages, cells, points, {p.id: p for p in points}, zones)


REVIEW_ACTIONS = frozenset((review.SUBMIT, *review.DECISIONS))


class _UnknownPoint(LookupError):
    """A hazard at a point the given places do not have (added since they were read)."""


def load_hazards(session: Session, rules: Rules, places: Places,
                 ids=None) -> list[timeline.HazardRecord]:
    """Read the hazards (of ``ids``; None: all) with their event logs as
    statistics.HazardRecord, in code order."""
    tz = rules.risk.hazards.timezone
    # Core rows fetched at once (not ORM rows one by one): a third of the time at 10⁵ events
    conn = session.connection()
    events = defaultdict(list)
    # date order (statistics.history reads it so): a backdated event has a later id
    for e in conn.execute(sa.select(HazardEvent.hazard_id, HazardEvent.at, HazardEvent.to_state,
                                    HazardEvent.action, HazardEvent.actor)
                          .where(_among(HazardEvent.hazard_id, ids))
                          .order_by(HazardEvent.at, HazardEvent.id)).all():
        events[e.hazard_id].append(e)
    records = []
    for h in conn.execute(
            sa.select(Hazard.id, Hazard.code, Hazard.point_id, Hazard.level, Hazard.source,
                      Hazard.description, Hazard.found_on, Hazard.deadline,
                      Hazard.responsible_unit, Hazard.responsible_person, Hazard.listed,
                      Hazard.state, Hazard.closed_on).where(_among(Hazard.id, ids))
            .order_by(Hazard.code)).all():
        closes, steps = timeline.history(events[h.id], h.state, h.closed_on, h.found_on, tz)
        point = places.by_id.get(h.point_id)
        if point is None:
            raise _UnknownPoint(h.point_id)
        records.append(timeline.HazardRecord(
            id=h.id, level=h.level, source=h.source, found_on=h.found_on, deadline=h.deadline,
            listed=bool(h.listed), state=h.state, closes=closes, steps=steps,
            cell_code=point.cell_code, division=point.division, point_id=point.id,
            # the 审核 report's (geoapp.reports.reviewers): read with the rest, patched with it
            reviews=tuple(e for e in events[h.id] if e.action in REVIEW_ACTIONS),
            info={"code": h.code, "description": h.description, "point": point.name,
                  "responsible_unit": h.responsible_unit,
                  "responsible_person": h.responsible_person}))
    return records


def _among(column, ids) -> sa.ColumnElement[bool]:
    return sa.true() if ids is None else column.in_(sorted(ids))


def patched(session: Session, ds: Dataset, ids) -> Dataset | None:
    """``ds`` with the hazards ``ids`` (added or moved since it was read:
    geoapp.store.fingerprint.hazards_changed) read again, the others kept: a new
    Dataset (its memos start afresh) equal to a full ``load``. None when one of them
    is at a point ``ds`` does not have."""
    if ds.places is None:
        return None
    with no_gc_pauses():
        try:
            fresh = load_hazards(session, ds.rules, ds.places, ids)
        except _UnknownPoint:
            return None
    record_ids = ds.record_ids()
    records = list(ds.records)
    origin = np.arange(len(records))
    added = []
    for r, at in zip(fresh, _places_of(record_ids, [r.id for r in fresh]), strict=True):
        if at is None:
            added.append(r)
        else:
            records[at] = r
            origin[at] = -1
    for r in sorted(added, key=lambda r: r.info["code"], reverse=True):
        # before the hazard after it in the database's code order (its collation, not
        # Python's): one row read, not every hazard's
        after = session.scalar(sa.select(Hazard.id).where(Hazard.code > r.info["code"])
                               .order_by(Hazard.code).limit(1))
        at = len(records)
        if after is not None:
            hits = np.flatnonzero(record_ids == after)
            if not len(hits):  # one added meanwhile: every hazard's order read
                return _sorted(session, ds, records, added)
            at = int(hits[0])
        records.insert(at, r)
        record_ids, origin = np.insert(record_ids, at, r.id), np.insert(origin, at, -1)
    return Dataset(ds.villages, ds.cells, ds.points, records, ds.rules, places=ds.places,
                   origin=origin, _ids=record_ids)


def _places_of(record_ids: np.ndarray, ids: list[int]) -> list[int | None]:
    """Each of ``ids``' index in ``record_ids`` (None: not there). A few (a hazard write)
    by one numpy pass each: a dict of 10⁵ records' places cost more than their read."""
    if len(ids) <= 16:
        return [int(hits[0]) if len(hits := np.flatnonzero(record_ids == hid)) else None
                for hid in ids]
    at = dict(zip(record_ids.tolist(), range(len(record_ids)), strict=True))
    return [at.get(hid) for hid in ids]


def _sorted(session: Session, ds: Dataset, records: list, added: list) -> Dataset:
    """``patched``'s dataset with ``added`` put in the database's code order of every hazard."""
    new = {id(r) for r in added}
    records = [r for r in records if id(r) not in new] + added
    order = {hid: i for i, hid in enumerate(session.scalars(
        sa.select(Hazard.id).order_by(Hazard.code)))}
    records.sort(key=lambda r: order.get(r.id, -1))
    at = {id(r): i for i, r in enumerate(ds.records)}
    origin = np.fromiter((at.get(id(r), -1) for r in records), np.int64, len(records))
    return Dataset(ds.villages, ds.cells, ds.points, records, ds.rules, places=ds.places,
                   origin=origin)


def load(session: Session, rules: Rules, places: Places | None = None) -> Dataset:
    """Read territory, points and hazards (with their events) for the reports.

    ``places``: territory and points read before (load_places), reused unless
    a hazard is at a point they do not have.
    """
    with no_gc_pauses():
        return _load(session, rules, places)


def _load(session: Session, rules: Rules, places: Places | None) -> Dataset:
    if places is not None:
        try:
            return Dataset(places.villages, places.cells, places.points,
                           load_hazards(session, rules, places), rules, places=places)
        except _UnknownPoint:
            pass
    places = load_places(session)
    return Dataset(places.villages, places.cells, places.points,
                   load_hazards(session, rules, places), rules, places=places)


def within(ds: Dataset, cells) -> Dataset:
    """``ds`` cut to the cells ``cells`` (an account's area scope): their villages, towns,
    points and hazards only; points outside every cell belong to no area and are left out.
    What is computed once per dataset starts afresh (its own Places and memos)."""
    kept = {code: c for code, c in ds.cells.items() if code in cells}
    village_ids = {c["village_id"] for c in kept.values()}
    villages = [v for v in ds.villages if v["id"] in village_ids]
    points = [p for p in ds.points if p.cell_code in kept]
    places = Places(villages, kept, points, {p.id: p for p in points},
                    ds.places.zones if ds.places else [])
    return Dataset(villages, kept, points, [r for r in ds.records if r.cell_code in kept],
                   ds.rules, places=places, scoped=True)

