"""The accident register: import a ledger, record or edit one, list them, place them.

Every channel checks an accident's fields with geoapp.domain.accidents.check;
the ledger (layers/accident.toml, CSV or XLSX with Chinese headers) is read by
geoapp.ingest.ledger and refused whole with every row's problem, or written in
one transaction, merged by 事故编号. An accident with coordinates is placed in
its cell like a point (geoapp.domain.spatial: inside one, or outside with the
nearest); one with only an address takes its enterprise's cell when it names
an enterprise of the ledger, and has no cell otherwise (counted in the totals).
Every write bumps the data version, so the map's and the reports' caches see it.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import geopandas as gpd
import shapely
import sqlalchemy as sa
from sqlalchemy.orm import Session

from geoapp.domain import accidents as rules
from geoapp.domain import changes, spatial
from geoapp.domain.layers import Rules
from geoapp.ingest.ledger import coordinate_columns, parse_records, read_table
from geoapp.ingest.problems import ImportRejected, Problem
from geoapp.store.assignment import cells_frame
from geoapp.store.database import Database
from geoapp.store.fingerprint import bump_data_version
from geoapp.store.import_summary import ImportSummary, Progress, dry_runnable, end_of_run
from geoapp.store.models import Accident, Point

STORED = ("occurred_on", "occurred_time", "type", "deaths", "serious_injuries", "injuries",
          "loss", "state", "address", "enterprise", "note", "authority")


class UnknownEnterprise(ValueError):
    """The accident names an enterprise that is not in the ledger."""


def _values(fields: rules.AccidentFields) -> dict:
    out = {k: getattr(fields, k) for k in STORED}
    out["grade"] = fields.grade
    out["geom"] = (shapely.Point(fields.lon, fields.lat) if fields.lon is not None else None)
    return out


def _place(session: Session, rows: list[Accident]) -> None:
    """Each row's cell: by its point in the cells, else its enterprise's cell, else none."""
    located = [r for r in rows if r.geom is not None]
    cells = cells_frame(session) if located else None
    if located and len(cells):
        found = spatial.assign(gpd.GeoSeries([r.geom for r in located], crs=4326), cells)
        for row, rec in zip(located, found.itertuples(index=False), strict=True):
            row.cell_code, row.outside = rec.cell_code, bool(rec.outside)
            row.nearest_cell_code = rec.nearest_cell_code
    ids = {r.point_id for r in rows if r.geom is None and r.point_id is not None}
    home = {pid: cell for pid, cell in session.execute(
        sa.select(Point.id, Point.cell_code).where(Point.id.in_(ids)))} if ids else {}
    for row in rows:
        if row.geom is None:
            row.cell_code = home.get(row.point_id)
            row.outside, row.nearest_cell_code = False, None
        elif cells is None or not len(cells):
            row.cell_code, row.outside, row.nearest_cell_code = None, True, None


def enterprise_id(session: Session, value) -> int | None:
    """The enterprise point an accident links to, by its id (the form) or None."""
    if value in (None, ""):
        return None
    if isinstance(value, str) and value.isascii() and value.isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < 2**31:
        raise UnknownEnterprise("须为企业点位的编号")
    found = session.scalar(sa.select(Point.id).where(Point.id == value,
                                                     Point.layer == "enterprise"))
    if found is None:
        raise UnknownEnterprise(f"没有编号为 {value} 的企业")
    return found


def record(session: Session, fields: rules.AccidentFields, point_id: int | None, actor: str,
           accident: Accident | None = None) -> tuple[Accident, dict]:
    """Create (``accident`` None) or edit an accident; → the row and what changed
    ({field: [old, new]}, empty for a new one). The caller commits."""
    values = {**_values(fields), "point_id": point_id}
    now = dt.datetime.now(dt.UTC)
    if accident is None:
        accident = Accident(code=fields.code, recorded_by=actor, updated_at=now, **values)
        session.add(accident)
        delta = {}
    else:
        old = {k: getattr(accident, k) for k in values}
        delta = changes.diff({**old, "geom": _wkt(old["geom"])},
                             {**values, "geom": _wkt(values["geom"])})
        if fields.code != accident.code:
            delta["code"] = [accident.code, fields.code]
            accident.code = fields.code
        for k, v in values.items():
            setattr(accident, k, v)
        accident.recorded_by, accident.updated_at = actor, now
    _place(session, [accident])
    bump_data_version(session)
    session.flush()
    return accident, delta


def _wkt(geom) -> str | None:
    return None if geom is None else shapely.to_wkt(geom, rounding_precision=7)


def code_taken(session: Session, code: str, other_than: int | None = None) -> bool:
    query = sa.select(Accident.id).where(Accident.code == code)
    if other_than is not None:
        query = query.where(Accident.id != other_than)
    return session.scalar(query) is not None


@dry_runnable
def import_accidents(db: Database, rules_: Rules, path, today: dt.date, actor: str | None = None,
                     dry_run: bool = False, progress: Progress | None = None) -> ImportSummary:
    """Merge an accident ledger by 事故编号: every row checked first (row and column named,
    nothing stored on any problem), then written in one transaction."""
    spec = rules_.tables["accident"]
    progress = progress or Progress()
    progress.stage("read")
    frame = read_table(path)
    progress.stage("check", len(frame))
    records, problems = parse_records(frame, spec)
    lon_col, lat_col = coordinate_columns(list(frame.columns))
    labels = {f.name: f.label for f in spec.fields}
    with db.sessions() as s:
        enterprises = {key: pid for key, pid in s.execute(
            sa.select(Point.key, Point.id).where(Point.layer == "enterprise"))}
    checked = []
    for rec in records:
        row = rec["_row"]
        body = {k: rec.get(k) for k in labels}
        index = row - 2
        body["lon"] = frame[lon_col].iloc[index] if lon_col else None
        body["lat"] = frame[lat_col].iloc[index] if lat_col else None
        try:
            fields = rules.check(body, today, rules_.departments.names)
        except rules.AccidentInputError as exc:
            column = {"lon": lon_col, "lat": lat_col}.get(exc.field) or labels.get(exc.field)
            problems.append(Problem(row, column, exc.message))
            continue
        point_id = None
        if rec.get("enterprise_key"):
            point_id = enterprises.get(rec["enterprise_key"])
            if point_id is None:
                problems.append(Problem(row, labels["enterprise_key"],
                                        f"企业“{rec['enterprise_key']}”不在企业台账中"))
        checked.append((fields, point_id))
    if problems:
        raise ImportRejected(path, sorted(problems, key=lambda p: (p.row or 0)))
    actor = actor or f"import: {Path(path).name}"
    summary = ImportSummary("生产安全事故", str(path))
    with db.transaction() as s:
        bump_data_version(s)
        existing = {a.code: a for a in s.scalars(sa.select(Accident))}
        progress.stage("write", len(checked))
        touched = []
        now = dt.datetime.now(dt.UTC)
        for done, (fields, point_id) in enumerate(checked):
            progress.step(done)
            values = {**_values(fields), "point_id": point_id}
            row = existing.get(fields.code)
            if row is None:
                row = Accident(code=fields.code, recorded_by=actor, updated_at=now, **values)
                s.add(row)
                summary.created += 1
                summary.change("added", fields.code, fields.address or fields.enterprise)
                touched.append(row)
                continue
            old = {k: getattr(row, k) for k in values}
            delta = changes.diff({**old, "geom": _wkt(old["geom"])},
                                 {**values, "geom": _wkt(values["geom"])})
            if delta:
                for k, v in values.items():
                    setattr(row, k, v)
                row.recorded_by, row.updated_at = actor, now
                summary.updated += 1
                summary.change("updated", fields.code, fields.address, list(delta))
                touched.append(row)
            else:
                summary.unchanged += 1
        _place(s, touched)
        s.flush()
        end_of_run(summary, dry_run)
    return summary


def as_dict(row: Accident, enterprise_name: str | None = None) -> dict:
    """An accident as the API and the page give it (labels in Chinese; the web translates)."""
    return {"id": row.id, "code": row.code, "occurred_on": row.occurred_on.isoformat(),
            "occurred_time": row.occurred_time, "type": row.type,
            "type_label": rules.TYPES[row.type], "deaths": row.deaths,
            "serious_injuries": row.serious_injuries, "injuries": row.injuries,
            "loss": row.loss, "state": row.state, "state_label": rules.STATES[row.state],
            "grade": row.grade, "grade_label": rules.GRADE_LABELS[row.grade],
            "address": row.address, "lon": row.geom.x if row.geom is not None else None,
            "lat": row.geom.y if row.geom is not None else None,
            "enterprise": row.enterprise, "enterprise_id": row.point_id,
            "enterprise_name": enterprise_name, "note": row.note, "cell_code": row.cell_code,
            "outside": row.outside, "nearest_cell_code": row.nearest_cell_code,
            "recorded_by": row.recorded_by, "authority": row.authority}


def listed(session: Session, cells: frozenset[str] | None = None,
           year: int | None = None) -> list[dict]:
    """Accidents newest first; only those in ``cells`` when an area scope is given
    (an accident with no cell is the whole territory's: outside any scoped area)."""
    query = (sa.select(Accident, Point.name).outerjoin(Point, Point.id == Accident.point_id)
             .order_by(Accident.occurred_on.desc(), Accident.id.desc()))
    if year is not None:
        query = query.where(Accident.occurred_on.between(dt.date(year, 1, 1),
                                                         dt.date(year, 12, 31)))
    rows = session.execute(query).all()
    return [as_dict(a, name) for a, name in rows
            if cells is None or a.cell_code in cells]


def figures_rows(session: Session, start: dt.date, end: dt.date) -> list[tuple]:
    """(day, deaths, cell_code, point_id, authority) of the accidents from ``start`` to
    ``end``: the reports' read (the linked point, else 主管部门, gives the department)."""
    return [tuple(r) for r in session.execute(
        sa.select(Accident.occurred_on, Accident.deaths, Accident.cell_code, Accident.point_id,
                  Accident.authority)
        .where(Accident.occurred_on.between(start, end)))]
