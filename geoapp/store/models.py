"""The stored domain: territory (town → village → cell), zones, points, hazards.

Computed values (a point's cell and zones, every level) are stored on the rows
and recomputed when inputs change, so reads are attribute queries.
Point layers share one table: the fields a layer file declares beyond the
common ones live in ``attrs``, so a fifth layer needs no migration.
"""

from __future__ import annotations

import datetime as dt
import hashlib

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from geoapp.domain import duties
from geoapp.domain.layers import STORED_LENGTHS as LENGTH
from geoapp.store import outside
from geoapp.store.dialect import JSON, Geometry, UTCDateTime, append_only


class Base(DeclarativeBase):
    pass


class Town(Base):
    __tablename__ = "town"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(LENGTH["cell", "town"]), unique=True)


class Village(Base):
    __tablename__ = "village"
    __table_args__ = (sa.UniqueConstraint("town_id", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    town_id: Mapped[int] = mapped_column(sa.ForeignKey("town.id"))
    name: Mapped[str] = mapped_column(sa.String(LENGTH["cell", "village"]))
    code: Mapped[str | None] = mapped_column(sa.String(LENGTH["cell", "village_code"]))
    town: Mapped[Town] = relationship()


class Cell(Base):
    """A grid cell (网格): the unit of supervision."""

    __tablename__ = "cell"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(LENGTH["cell", "code"]), unique=True)
    name: Mapped[str] = mapped_column(sa.String(LENGTH["cell", "name"]))
    village_id: Mapped[int] = mapped_column(sa.ForeignKey("village.id"))
    geom = mapped_column(Geometry("MULTIPOLYGON"), nullable=False)
    # [{"name": …, "phone": …}]: a cell may have several grid members
    members: Mapped[list] = mapped_column(JSON, default=list)
    supervising_unit: Mapped[str | None] = mapped_column(
        sa.String(LENGTH["cell", "supervising_unit"]))
    supervisor: Mapped[str | None] = mapped_column(sa.String(LENGTH["cell", "supervisor"]))
    risk_level: Mapped[str] = mapped_column(sa.String(10), default="blue")
    village: Mapped[Village] = relationship()


class Zone(Base):
    """A functional zone (功能区) with its own admission catalogue."""

    __tablename__ = "zone"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(LENGTH["zone", "code"]), unique=True)
    name: Mapped[str] = mapped_column(sa.String(LENGTH["zone", "name"]))
    kind: Mapped[str] = mapped_column(sa.String(20))
    park_score: Mapped[float | None]
    geom = mapped_column(Geometry("MULTIPOLYGON"), nullable=False)
    risk_level: Mapped[str] = mapped_column(sa.String(10), default="blue")


class Point(Base):
    """A point of any layer: enterprise, idle site, confined space, major hazard…"""

    __tablename__ = "point"
    __table_args__ = (sa.UniqueConstraint("layer", "key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    layer: Mapped[str] = mapped_column(sa.String(40), index=True)
    # stable key from the ledger
    key: Mapped[str] = mapped_column(sa.String(LENGTH["point", "key"]))
    name: Mapped[str] = mapped_column(sa.String(LENGTH["point", "name"]))
    geom = mapped_column(Geometry("POINT"), nullable=False)
    attrs: Mapped[dict] = mapped_column(JSON, default=dict)
    industry: Mapped[str | None] = mapped_column(sa.String(8), index=True)
    source_crs: Mapped[str] = mapped_column(sa.String(40), default="wgs84")
    # spatial assignment (geoapp.domain.spatial)
    cell_code: Mapped[str | None] = mapped_column(sa.String(50), index=True)
    zone_codes: Mapped[list] = mapped_column(JSON, default=list)
    outside: Mapped[bool] = mapped_column(default=False)
    nearest_cell_code: Mapped[str | None] = mapped_column(sa.String(50), index=True)
    distance_m: Mapped[float | None]
    # risk (geoapp.domain.risk)
    inherent_level: Mapped[str] = mapped_column(sa.String(10), default="blue")
    risk_level: Mapped[str] = mapped_column(sa.String(10), default="blue")
    # the local date of the latest visit: the ledger's own value (the layer's
    # inspection.ledger_field) or the latest stored inspection, whichever is later
    last_visit_on: Mapped[dt.date | None]
    hazards: Mapped[list[Hazard]] = relationship(back_populates="point")


class Hazard(Base):
    """A hazard (隐患) found at a point, tracked to close-out."""

    __tablename__ = "hazard"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(LENGTH["hazard", "code"]), unique=True)
    point_id: Mapped[int] = mapped_column(sa.ForeignKey("point.id"), index=True)
    level: Mapped[str] = mapped_column(sa.String(10))  # general | major
    source: Mapped[str] = mapped_column(sa.String(20))  # self_check | inspection | public_report
    description: Mapped[str] = mapped_column(sa.Text)
    found_on: Mapped[dt.date]
    deadline: Mapped[dt.date]
    responsible_unit: Mapped[str | None] = mapped_column(
        sa.String(LENGTH["hazard", "responsible_unit"]))
    responsible_person: Mapped[str | None] = mapped_column(
        sa.String(LENGTH["hazard", "responsible_person"]))
    listed: Mapped[bool] = mapped_column(default=False)
    state: Mapped[str] = mapped_column(sa.String(24), index=True)
    closed_on: Mapped[dt.date | None]
    # the id a phone made for the save: a retried offline save is stored once
    client_id: Mapped[str | None] = mapped_column(sa.String(36), unique=True, index=True)
    # optimistic locking: a stale write raises StaleDataError instead of overwriting
    version: Mapped[int] = mapped_column(default=1)
    # the deadline first set, kept when a first extension (延期) is granted; ``deadline``
    # is then the deadline in force (geoapp.domain.extensions). None: never extended
    original_deadline: Mapped[dt.date | None]
    point: Mapped[Point] = relationship(back_populates="hazards")
    events: Mapped[list[HazardEvent]] = relationship(
        back_populates="hazard", order_by="HazardEvent.id"
    )
    # 挂牌督办, if the hazard was ever listed (``listed`` above is kept in step with it)
    listing: Mapped[Listing | None] = relationship(back_populates="hazard")
    __mapper_args__ = {"version_id_col": version}


class HazardEvent(Base):
    """One change of a hazard: append-only (see geoapp.domain.workflow)."""

    __tablename__ = "hazard_event"
    id: Mapped[int] = mapped_column(primary_key=True)
    hazard_id: Mapped[int] = mapped_column(sa.ForeignKey("hazard.id"), index=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    actor: Mapped[str] = mapped_column(sa.String(100))
    action: Mapped[str] = mapped_column(sa.String(20))
    from_state: Mapped[str | None] = mapped_column(sa.String(24))
    to_state: Mapped[str] = mapped_column(sa.String(24))
    note: Mapped[str] = mapped_column(sa.Text, default="")
    # an edit's fields: {field: [old, new]} (None for workflow steps)
    changes: Mapped[dict | None] = mapped_column(JSON)
    hazard: Mapped[Hazard] = relationship(back_populates="events")


class Listing(Base):
    """挂牌督办 of one hazard: listed, published, 摘牌 after close-out, published again.

    One per hazard, filled in step by step (geoapp.store.listings); each step is
    also a ``HazardEvent`` (``list``, ``publish``, ``delist``), which is the history.
    ``Hazard.listed`` stays the flag every figure reads: set by the listing and
    kept after 摘牌 (a 摘牌 follows close-out, so "listed and open" is "under
    supervision now", and the reports count 摘牌 as "closed while listed").
    A listing carried over from the old yes/no flag (migration 0009, a ledger's
    挂牌督办=是) has no known date, level, unit, deadline or lister: all None.
    """

    __tablename__ = "listing"
    id: Mapped[int] = mapped_column(primary_key=True)
    hazard_id: Mapped[int] = mapped_column(sa.ForeignKey("hazard.id"), unique=True)
    level: Mapped[str | None] = mapped_column(sa.String(10))  # county | town | park
    unit: Mapped[str | None] = mapped_column(sa.String(LENGTH["listing", "unit"]))
    listed_on: Mapped[dt.date | None]  # None: unknown (carried over from the old flag)
    deadline: Mapped[dt.date | None]
    listed_by: Mapped[str | None] = mapped_column(sa.String(100))
    listed_published_on: Mapped[dt.date | None]
    delisted_on: Mapped[dt.date | None]
    delisted_by: Mapped[str | None] = mapped_column(sa.String(100))
    delisted_published_on: Mapped[dt.date | None]
    hazard: Mapped[Hazard] = relationship(back_populates="listing")


class Extension(Base):
    """A request to extend a hazard's deadline (延期) and its decision (geoapp.domain.extensions).

    Asked by the responsible side with a reason and a new date (``until``),
    while ``old_deadline`` was in force; decided once by a supervisor. At most
    one request per hazard waits at a time (a partial unique index). The
    request and the decision are also events of the hazard's history.
    """

    __tablename__ = "extension"
    __table_args__ = (
        sa.CheckConstraint("state IN ('requested', 'approved', 'refused')",
                           name="ck_extension_state"),
        sa.Index("ux_extension_pending", "hazard_id", unique=True,
                 sqlite_where=sa.text("state = 'requested'"),
                 postgresql_where=sa.text("state = 'requested'")),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    hazard_id: Mapped[int] = mapped_column(sa.ForeignKey("hazard.id"), index=True)
    requested_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    requested_by: Mapped[str] = mapped_column(sa.String(64))  # a username
    reason: Mapped[str] = mapped_column(sa.Text)
    old_deadline: Mapped[dt.date]  # the deadline in force when asked
    until: Mapped[dt.date]  # the new date asked for
    state: Mapped[str] = mapped_column(sa.String(10), default="requested")
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    decided_by: Mapped[str | None] = mapped_column(sa.String(64))
    decision_note: Mapped[str] = mapped_column(sa.Text, default="")
    # a decision is taken once: two deciders at the same moment cannot both succeed
    version: Mapped[int] = mapped_column(default=1)
    hazard: Mapped[Hazard] = relationship()
    __mapper_args__ = {"version_id_col": version}


class PointEvent(Base):
    """One change of a point's fields (an edit, a ledger re-import): append-only."""

    __tablename__ = "point_event"
    id: Mapped[int] = mapped_column(primary_key=True)
    point_id: Mapped[int] = mapped_column(sa.ForeignKey("point.id"), index=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    actor: Mapped[str] = mapped_column(sa.String(100))  # a username or "import: <file>"
    action: Mapped[str] = mapped_column(sa.String(20))  # edit | import
    changes: Mapped[dict] = mapped_column(JSON, default=dict)  # {field: [old, new]}
    note: Mapped[str] = mapped_column(sa.Text, default="")


class Inspection(Base):
    """One visit to a point (巡查记录), with its checklist answers: append-only.

    ``checklist`` is {item key: {"result": "ok" | "fail" | "na", "label": str,
    "note": str}} (the label as asked that day: a later layer file may reword it);
    the position is the phone's, if it gave one, and ``distance_m`` its
    distance to the point, so a reader sees whether the visit was made on site.
    """

    __tablename__ = "inspection"
    id: Mapped[int] = mapped_column(primary_key=True)
    point_id: Mapped[int] = mapped_column(sa.ForeignKey("point.id"), index=True)
    client_id: Mapped[str | None] = mapped_column(sa.String(36), unique=True)
    inspected_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)
    inspector: Mapped[str] = mapped_column(sa.String(64))  # the account's username
    inspector_name: Mapped[str] = mapped_column(sa.String(100))  # the person's real name
    lon: Mapped[float | None]
    lat: Mapped[float | None]
    accuracy_m: Mapped[float | None]
    distance_m: Mapped[float | None]
    checklist: Mapped[dict] = mapped_column(JSON, default=dict)
    note: Mapped[str] = mapped_column(sa.Text, default="")
    # who made the visit: a grid member's or supervisor's inspection (巡查), or the
    # enterprise's own self-check (企业自查), recorded from its account
    source: Mapped[str] = mapped_column(
        sa.String(12), default="inspection", server_default="inspection", index=True)


class Photo(Base):
    """A photo kept as evidence, re-encoded without EXIF, with its thumbnail.

    Stored in the database, not in files: it is backed up with the record it
    proves (one dump, one SQLite file), written in the same transaction (no
    orphan or missing files), and served by every worker on every host.
    Belongs to an inspection, to a hazard (and then to the event it came
    with, if any) or to a public report. Append-only.
    """

    __tablename__ = "photo"
    id: Mapped[int] = mapped_column(primary_key=True)
    inspection_id: Mapped[int | None] = mapped_column(sa.ForeignKey("inspection.id"), index=True)
    hazard_id: Mapped[int | None] = mapped_column(sa.ForeignKey("hazard.id"), index=True)
    hazard_event_id: Mapped[int | None] = mapped_column(sa.ForeignKey("hazard_event.id"))
    # or to a public report (一键举报), sent with it by the reporter
    public_report_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("public_report.id"), index=True)
    uploaded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    uploaded_by: Mapped[str] = mapped_column(sa.String(64))
    filename: Mapped[str] = mapped_column(sa.String(255), default="")  # as uploaded
    media_type: Mapped[str] = mapped_column(sa.String(20))  # image/jpeg | image/png | image/webp
    width: Mapped[int]
    height: Mapped[int]
    sha256: Mapped[str] = mapped_column(sa.String(64))  # of the stored bytes
    # from the EXIF before it was stripped (the camera's clock and GPS)
    taken_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    gps_lon: Mapped[float | None]
    gps_lat: Mapped[float | None]
    data: Mapped[bytes] = mapped_column(sa.LargeBinary, deferred=True)
    thumb: Mapped[bytes] = mapped_column(sa.LargeBinary, deferred=True)


class Measure(Base):
    """A supervisory measure (督办措施: 函告, 通报, 约谈, 曝光, 三函一会, 移送执法): append-only.

    Against an enterprise (``point_id``, a point of layer enterprise) or one
    hazard (``hazard_id``, then also its ``measure`` event): exactly one.
    The kinds and the field rules are geoapp.domain.measures. An attachment
    (the letter, the minutes: a PDF, or an image re-encoded like a photo) is
    kept in the row, as photos are, with its name and type as checked by
    geoapp.ingest.attachments.
    """

    __tablename__ = "measure"
    __table_args__ = (
        sa.CheckConstraint("(point_id IS NULL) <> (hazard_id IS NULL)",
                           name="ck_measure_one_target"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(40), index=True)
    taken_on: Mapped[dt.date] = mapped_column(index=True)  # the day the measure was taken
    unit: Mapped[str] = mapped_column(sa.String(200))  # the issuing unit
    recipient: Mapped[str] = mapped_column(sa.String(200))
    # 移送执法: the department with enforcement powers it went to
    referred_to: Mapped[str | None] = mapped_column(sa.String(200))
    note: Mapped[str] = mapped_column(sa.Text, default="")
    point_id: Mapped[int | None] = mapped_column(sa.ForeignKey("point.id"), index=True)
    hazard_id: Mapped[int | None] = mapped_column(sa.ForeignKey("hazard.id"), index=True)
    hazard_event_id: Mapped[int | None] = mapped_column(sa.ForeignKey("hazard_event.id"))
    recorded_by: Mapped[str] = mapped_column(sa.String(64))
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    attachment_name: Mapped[str | None] = mapped_column(sa.String(255))
    attachment_type: Mapped[str | None] = mapped_column(sa.String(40))
    attachment_size: Mapped[int | None]
    attachment_sha256: Mapped[str | None] = mapped_column(sa.String(64))
    attachment: Mapped[bytes | None] = mapped_column(sa.LargeBinary, deferred=True)


class PublicReport(Base):
    """A report from the public (一键举报), filed without an account, tracked by its receipt code.

    The place is WGS84 as the reporter's phone or map tap gave it; ``cell_code``
    is the cell it falls into, or, when ``outside``, the nearest cell (and
    ``nearest_m`` its distance). States: received (待核查) → checking (核查中) →
    verified (查实: ``hazard_id`` is the hazard it became) | rejected (不属实).
    ``reply`` is what the reporter reads at /report/<code>; notes stay inside
    (``public_report_event``). ``phone`` is for feedback only and is shown to
    supervisors and admins alone. A verified report may carry a reward record
    (查实即奖) for the office's ledger.
    """

    __tablename__ = "public_report"
    __table_args__ = (
        sa.CheckConstraint("state IN ('received', 'checking', 'verified', 'rejected')",
                           name="ck_public_report_state"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(16), unique=True)  # the receipt code
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    lon: Mapped[float]
    lat: Mapped[float]
    cell_code: Mapped[str | None] = mapped_column(sa.String(50), index=True)
    outside: Mapped[bool] = mapped_column(default=False)
    nearest_m: Mapped[float | None]
    category: Mapped[str] = mapped_column(sa.String(40))
    description: Mapped[str] = mapped_column(sa.Text)
    phone: Mapped[str | None] = mapped_column(sa.String(20))
    state: Mapped[str] = mapped_column(sa.String(10), default="received", index=True)
    reply: Mapped[str] = mapped_column(sa.Text, default="")
    hazard_id: Mapped[int | None] = mapped_column(sa.ForeignKey("hazard.id"))
    point_id: Mapped[int | None] = mapped_column(sa.ForeignKey("point.id"))
    reward_amount: Mapped[float | None]  # yuan
    reward_on: Mapped[dt.date | None]
    reward_paid: Mapped[bool] = mapped_column(default=False)
    version: Mapped[int] = mapped_column(default=1)
    events: Mapped[list[PublicReportEvent]] = relationship(order_by="PublicReportEvent.id")
    __mapper_args__ = {"version_id_col": version}


class PublicReportEvent(Base):
    """One step of a public report's triage (received, start, verify, reject, reply, reward):
    append-only. ``note`` is internal; ``reply`` what the reporter was told."""

    __tablename__ = "public_report_event"
    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(sa.ForeignKey("public_report.id"), index=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    actor: Mapped[str] = mapped_column(sa.String(100))
    action: Mapped[str] = mapped_column(sa.String(20))
    from_state: Mapped[str | None] = mapped_column(sa.String(10))
    to_state: Mapped[str] = mapped_column(sa.String(10))
    note: Mapped[str] = mapped_column(sa.Text, default="")
    reply: Mapped[str] = mapped_column(sa.Text, default="")


class AuditEntry(Base):
    """One entry of the audit log (审计日志): who did what, when, from where. Append-only.

    ``action`` is one of geoapp.domain.audit.ACTIONS; ``target`` what it was done
    to (a username, a file name, a layer); ``detail`` its facts (a file's hash and
    counts, rows exported, the fields changed) — never a password, session id or
    token (geoapp.domain.audit.clean refuses them). ``via``: web or cli.
    """

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)
    actor: Mapped[str] = mapped_column(sa.String(100), index=True)
    action: Mapped[str] = mapped_column(sa.String(30), index=True)
    target: Mapped[str] = mapped_column(sa.String(255), default="")
    detail: Mapped[dict] = mapped_column(JSON, default=dict)
    ip: Mapped[str | None] = mapped_column(sa.String(45))
    via: Mapped[str] = mapped_column(sa.String(8), default="web")


class AdmissionCheck(Base):
    """One admission check as it was answered (准入核查登记): the register's row. Append-only.

    ``number`` is the sheet number 准入-YYYY-NNNNNN (``AdmissionCounter``);
    ``geom`` the site in WGS84 and ``site_input`` the site as typed (with
    ``crs``); ``result`` the whole answer, so a reprint shows what the planner
    saw even after the catalogues changed; ``catalogue_sha256`` and
    ``catalogues`` say which catalogue files (and their hashes) were in force.
    ``cells`` (``admission_check_cell``) scope the register like every read.
    """

    __tablename__ = "admission_check"
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(sa.String(20), unique=True)
    checked_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)
    actor: Mapped[str | None] = mapped_column(sa.String(100), index=True)  # None: no accounts
    geom = mapped_column(Geometry("GEOMETRY"), nullable=False)
    site_input: Mapped[dict] = mapped_column(JSON)
    crs: Mapped[str] = mapped_column(sa.String(10))
    industry_code: Mapped[str] = mapped_column(sa.String(8), index=True)
    industry_name: Mapped[str] = mapped_column(sa.String(200))
    verdict: Mapped[str] = mapped_column(sa.String(12), index=True)
    reasons: Mapped[list] = mapped_column(JSON, default=list)
    zone_codes: Mapped[list] = mapped_column(JSON, default=list)
    catalogue_sha256: Mapped[str] = mapped_column(sa.String(64))
    catalogues: Mapped[list] = mapped_column(JSON, default=list)  # [{zone, file, sha256}]
    result: Mapped[dict] = mapped_column(JSON)


class AdmissionCheckCell(Base):
    """The cells a checked site lies in: the register's area scope (as a point's cell)."""

    __tablename__ = "admission_check_cell"
    check_id: Mapped[int] = mapped_column(
        sa.ForeignKey("admission_check.id", ondelete="CASCADE"), primary_key=True)
    cell_code: Mapped[str] = mapped_column(sa.String(LENGTH["cell", "code"]), primary_key=True,
                                           index=True)


class AdmissionCounter(Base):
    """The last sheet number handed out per year (准入-2026-000001), taken like hazard codes
    (``dialect.take_number``: one upsert that locks the row until the taker commits)."""

    __tablename__ = "admission_counter"
    year: Mapped[str] = mapped_column(sa.String(4), primary_key=True)
    last: Mapped[int] = mapped_column(default=0)


for _table in (HazardEvent.__table__, PointEvent.__table__, Inspection.__table__,
               Photo.__table__, Measure.__table__, PublicReportEvent.__table__,
               AuditEntry.__table__, AdmissionCheck.__table__):
    append_only(_table)


@sa.event.listens_for(HazardEvent, "before_update")
@sa.event.listens_for(HazardEvent, "before_delete")
@sa.event.listens_for(PointEvent, "before_update")
@sa.event.listens_for(PointEvent, "before_delete")
@sa.event.listens_for(Inspection, "before_update")
@sa.event.listens_for(Inspection, "before_delete")
@sa.event.listens_for(Photo, "before_update")
@sa.event.listens_for(Photo, "before_delete")
@sa.event.listens_for(Measure, "before_update")
@sa.event.listens_for(Measure, "before_delete")
@sa.event.listens_for(PublicReportEvent, "before_update")
@sa.event.listens_for(PublicReportEvent, "before_delete")
@sa.event.listens_for(AuditEntry, "before_update")
@sa.event.listens_for(AuditEntry, "before_delete")
@sa.event.listens_for(AdmissionCheck, "before_update")
@sa.event.listens_for(AdmissionCheck, "before_delete")
def _history_is_append_only(_mapper, _conn, target):
    # history and evidence are never rewritten
    raise PermissionError(f"{target.__tablename__} {target.id} is history and cannot be changed")


class HazardCodeCounter(Base):
    """The last sequence number handed out per day for hazard codes (YH20260415-001).

    Taking a number is one upsert of this row (``dialect.take_number``), which
    locks the row until the taker commits: concurrent writers queue instead of
    colliding on the same code.
    """

    __tablename__ = "hazard_code_counter"
    day: Mapped[str] = mapped_column(sa.String(8), primary_key=True)  # yyyymmdd
    last: Mapped[int] = mapped_column(default=0)


class DataVersion(Base):
    """One row counting the imports: the map's cache sees in-place corrections by it.

    Row counts and highest ids (geoapp.store.fingerprint) show rows added or
    removed; an import that corrects rows in place (a moved point, a redrawn
    cell) changes neither, so every import also bumps this counter.
    """

    __tablename__ = "data_version"
    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(default=0)


# ---------------------------------------------------------------- accounts (geoapp.store.accounts)

ROLES = duties.ROLES  # leader, grid, planner, admin, supervisor, enterprise (geoapp.domain.duties)


class User(Base):
    """An account with one role; a grid member works the cells listed in ``user_cell``.

    Flask-Login needs ``is_authenticated``, ``is_active``, ``is_anonymous`` and
    ``get_id``; they are plain attributes here, so the model does not import Flask.
    """

    # "user" is a reserved word in PostgreSQL
    __tablename__ = "app_user"
    __table_args__ = (
        sa.CheckConstraint(f"role IN ({', '.join(map(repr, ROLES))})", name="ck_app_user_role"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(sa.String(255))  # argon2id, PHC string
    role: Mapped[str] = mapped_column(sa.String(10))
    display_name: Mapped[str | None] = mapped_column(sa.String(100))
    # where reminders are mailed (geoapp notify); None: the inbox only
    email: Mapped[str | None] = mapped_column(sa.String(254))
    # a work phone, shown to admins (who call a member about their account)
    phone: Mapped[str | None] = mapped_column(sa.String(20))
    # role enterprise: the USCC of the one enterprise the account speaks for
    enterprise_uscc: Mapped[str | None] = mapped_column(sa.String(18), index=True)
    # role supervisor: a sector department's account (三管三必须), one of layers/departments.toml;
    # it then reads and acts on that sector's points only (geoapp.store.departments)
    department: Mapped[str | None] = mapped_column(sa.String(40))
    active: Mapped[bool] = mapped_column(default=True)
    # part of every session's id (get_id): raising it ends all of the account's sessions
    session_generation: Mapped[int] = mapped_column(default=0, server_default="0")
    created_at: Mapped[dt.datetime] = mapped_column(
        UTCDateTime(), default=lambda: dt.datetime.now(dt.UTC))
    cell_links: Mapped[list[UserCell]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="UserCell.cell_code")
    # the areas the account reads (geoapp.store.scopes); none: the whole territory
    area_links: Mapped[list[UserArea]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="(UserArea.kind, UserArea.code)")

    is_authenticated = True
    is_anonymous = False

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def cell_codes(self) -> list[str]:
        return [link.cell_code for link in self.cell_links]

    def get_id(self) -> str:
        """The session's user id: id, session generation and a fingerprint of the password hash.

        Log-out, deactivation, activation and a password change raise the
        generation (geoapp.store.accounts.end_sessions); a changed hash changes the
        fingerprint. Either makes every session opened before unequal to this
        id, so it ends for good on the server (Flask-Login "alternative
        tokens"), even for a copy of the old cookie.
        """
        fingerprint = hashlib.sha256(self.password_hash.encode()).hexdigest()[:16]
        return f"{self.id}:{self.session_generation or 0}:{fingerprint}"


class UserCell(Base):
    """A cell a grid member works, by code: cells are replaced by boundary
    imports but their codes are stable, so there is no foreign key to ``cell``."""

    __tablename__ = "user_cell"
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("app_user.id", ondelete="CASCADE"), primary_key=True)
    cell_code: Mapped[str] = mapped_column(sa.String(50), primary_key=True, index=True)


class UserArea(Base):
    """An area an account is scoped to (geoapp.store.scopes): a town (its name or 9-digit
    code), a village (its 12-digit code), a cell (its code) or a functional zone (its
    code). By code, like ``user_cell``: areas outlive the boundary imports that redraw them.
    """

    __tablename__ = "user_area"
    __table_args__ = (
        sa.CheckConstraint("kind IN ('town', 'village', 'cell', 'zone')", name="ck_user_area_kind"),
    )
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("app_user.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(8), primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(100), primary_key=True)


class AccessToken(Base):
    """A personal access token (个人访问令牌) for desktop GIS clients (OGC API – Features).

    Only the SHA-256 of the token is stored: the token is 32 random bytes, so a
    slow hash adds nothing, and the clear text is shown once, when it is made.
    ``prefix`` (its first characters) lets the owner tell tokens apart. A token
    reads as its account reads, scope included, and never writes.
    """

    __tablename__ = "access_token"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    prefix: Mapped[str] = mapped_column(sa.String(12))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    last_used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class Outbox(Base):
    """A reminder queued for mailing (geoapp.notify): one row per account and reminder.

    ``key`` names the reminder for good (geoapp.domain.reminders: kind, hazard,
    the event or deadline), and (user, key) is unique, so a reminder seen by
    every run of ``geoapp notify`` is queued once and mailed once. ``state``:
    queued (not tried yet), failed (tried, ``last_error`` says why; tried again
    on the next run) or sent. ``item`` is what the message says, as it was
    when queued.
    """

    __tablename__ = "outbox"
    __table_args__ = (
        sa.UniqueConstraint("user_id", "key", name="uq_outbox_user_key"),
        sa.CheckConstraint("state IN ('queued', 'sent', 'failed')", name="ck_outbox_state"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("app_user.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(sa.String(120))
    kind: Mapped[str] = mapped_column(sa.String(24))
    hazard_id: Mapped[int] = mapped_column()
    item: Mapped[dict] = mapped_column(JSON, default=dict)
    state: Mapped[str] = mapped_column(sa.String(10), default="queued", index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    queued_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class ZoneAssessment(Base):
    """One assessment of a functional zone's safety risk (园区安全风险评估): the latest, by
    ``assessed_on`` then ``id``, gives the zone its grade (geoapp.domain.zone_grades).

    Keyed by the zone's code, not its row: a boundary import replaces zone rows,
    the history stays. Append-only: a correction is a newer assessment.
    """

    __tablename__ = "zone_assessment"
    id: Mapped[int] = mapped_column(primary_key=True)
    zone_code: Mapped[str] = mapped_column(sa.String(LENGTH["zone", "code"]), index=True)
    assessed_on: Mapped[dt.date]
    score: Mapped[float | None]
    grade: Mapped[str] = mapped_column(sa.String(1))
    body: Mapped[str] = mapped_column(sa.String(200))
    note: Mapped[str] = mapped_column(sa.Text, default="")
    recorded_by: Mapped[str] = mapped_column(sa.String(100))
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


append_only(ZoneAssessment.__table__)


@sa.event.listens_for(ZoneAssessment, "before_update")
@sa.event.listens_for(ZoneAssessment, "before_delete")
def _assessments_are_history(_mapper, _conn, target):
    raise PermissionError(f"zone_assessment {target.id} is history and cannot be changed")


class Accident(Base):
    """A production-safety accident (生产安全事故): its rules are geoapp.domain.accidents.

    Its place is a point (``geom``, assigned to a cell like the points are:
    ``cell_code``, ``outside``, ``nearest_cell_code``) or only an address, then
    placed by its enterprise's cell when it names one. ``grade`` is derived from
    the figures (条例第三条) and stored so lists and reports read it plainly.
    Rows are edited in place; each write is in the audit log.
    """

    __tablename__ = "accident"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(60), unique=True)
    occurred_on: Mapped[dt.date] = mapped_column(index=True)
    occurred_time: Mapped[str | None] = mapped_column(sa.String(5))
    type: Mapped[str] = mapped_column(sa.String(2))
    deaths: Mapped[int] = mapped_column(default=0)
    serious_injuries: Mapped[int] = mapped_column(default=0)
    injuries: Mapped[int] = mapped_column(default=0)
    loss: Mapped[float] = mapped_column(default=0.0)  # 万元
    state: Mapped[str] = mapped_column(sa.String(20), default="investigating")
    grade: Mapped[str] = mapped_column(sa.String(20))
    address: Mapped[str] = mapped_column(sa.String(300), default="")
    geom = mapped_column(Geometry("POINT"), nullable=True)
    enterprise: Mapped[str] = mapped_column(sa.String(200), default="")
    point_id: Mapped[int | None] = mapped_column(sa.ForeignKey("point.id"), index=True)
    note: Mapped[str] = mapped_column(sa.Text, default="")
    cell_code: Mapped[str | None] = mapped_column(sa.String(50), index=True)
    outside: Mapped[bool] = mapped_column(default=False)
    nearest_cell_code: Mapped[str | None] = mapped_column(sa.String(50))
    recorded_by: Mapped[str] = mapped_column(sa.String(100))
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    # 主管部门 as recorded ("" none); the linked enterprise's department wins (reports)
    authority: Mapped[str] = mapped_column(sa.String(40), default="", server_default="")

# PostgreSQL counts writes made outside geoapp into data_version (geoapp.store.outside)
outside.attach(Base.metadata)
