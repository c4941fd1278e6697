"""Import: validate a whole file, then write it in one transaction.

``import_cells``, ``import_zones``, ``import_points`` and ``import_hazards``
share the same shape: read and check every row (geoapp.ingest.ledger,
geoapp.ingest.boundaries), raise ``ImportRejected`` listing every problem if there is
any, otherwise open one transaction, write, recompute what the change
touches (geoapp.store.assignment), and commit. A failure anywhere rolls it all
back, so the database is either updated completely or not at all.

Boundary files replace the whole set of cells (or zones); point and hazard
ledgers are merged by their stable key, so re-importing a corrected ledger
updates rows instead of duplicating them, and every row it changes appends
an event to the point's or hazard's history naming the changed fields
(geoapp.store.edits), with the actor ``import: <file name>``.

Each importer takes ``dry_run=True`` to do all of it in a transaction that is
rolled back (geoapp.store.import_summary): the summary then lists what the
import would change, and nothing is written.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import numpy as np
import shapely
import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from geoapp.domain import changes, hazarddates, major_hazard, workflow
from geoapp.domain import crs as crs_mod
from geoapp.domain.layers import Rules, TableFile
from geoapp.ingest.boundaries import read_boundaries
from geoapp.ingest.ledger import (
    CHINA_LAT,
    CHINA_LON,
    coordinate_columns,
    parse_coordinates,
    parse_records,
    read_table,
)
from geoapp.ingest.problems import ImportRejected, Problem
from geoapp.store import assignment, edits, hazardcodes, hazards, listings, pausepoints
from geoapp.store.database import Database
from geoapp.store.fingerprint import bump_data_version
from geoapp.store.import_summary import (
    LISTED,
    ImportSummary,
    Progress,
    dry_runnable,
    end_of_run,
)
from geoapp.store.models import Cell, Hazard, Point, Town, Village, Zone

_SPLIT_NAMES = re.compile(r"[、,，;；/\s]+")


# ---------------------------------------------------------------- boundaries

class DeletionNotConfirmed(ImportRejected):
    """A boundary import would delete cells (or zones) and was not told it may.

    ``codes`` lists them all, for a page that asks before importing again with
    ``allow_delete=True``.
    """

    def __init__(self, path, kind: str, codes: list[str]):
        self.codes = codes
        shown = "、".join(codes[:10]) + (f" 等 {len(codes)} 个" if len(codes) > 10 else "")
        why = (f"导入将删除 {len(codes)} 个{kind}（文件中没有：{shown}）；边界文件替换全部{kind}，"
               f"确认删除请加 --replace（管理页面：确认删除）")
        super().__init__(path, [Problem(None, None, why)])


@dry_runnable
def import_cells(db: Database, rules: Rules, path, crs: str | None = None,
                 layer: str | None = None, allow_delete: bool = False,
                 dry_run: bool = False, progress: Progress | None = None) -> ImportSummary:
    """Replace all grid cells with those of a boundary file; reassign every point.

    Cells missing from the file are deleted only with ``allow_delete``; else
    DeletionNotConfirmed names them and nothing is written. ``layer`` names
    the layer of a GeoPackage holding several.
    """
    progress = progress or Progress()
    progress.stage("read")
    frame, notes = read_boundaries(path, rules.tables["cell"], crs, layer)
    progress.stage("write", len(frame))
    summary = ImportSummary("网格", str(path), notes=notes)
    with db.transaction() as s:
        bump_data_version(s)  # every import: the map's cache sees in-place corrections
        towns = {t.name: t for t in s.scalars(sa.select(Town))}
        villages = {(v.town.name, v.name): v for v in s.scalars(sa.select(Village))}
        rows = []
        for rec, geom in zip(frame.to_dict("records"), frame.geometry, strict=True):
            town = towns.get(rec["town"])
            if town is None:
                town = towns[rec["town"]] = Town(name=rec["town"])
            village = villages.get((rec["town"], rec["village"]))
            if village is None:
                village = villages[rec["town"], rec["village"]] = Village(
                    town=town, name=rec["village"])
            if rec.get("village_code"):
                village.code = rec["village_code"]
            rows.append((rec["code"], dict(
                name=rec["name"], village=village, geom=geom,
                members=_members(rec.get("members"), rec.get("member_phones")),
                supervising_unit=rec.get("supervising_unit"), supervisor=rec.get("supervisor"),
            )))
        _replace_all(s, rules, Cell, rows, summary, allow_delete, progress)
        end_of_run(summary, dry_run)
    return summary


@dry_runnable
def import_zones(db: Database, rules: Rules, path, crs: str | None = None,
                 check_codes=None, layer: str | None = None,
                 allow_delete: bool = False, dry_run: bool = False,
                 progress: Progress | None = None) -> ImportSummary:
    """Replace all functional zones with those of a boundary file; reassign every point.

    ``layer`` and ``allow_delete`` as for ``import_cells``.

    ``check_codes(codes)``, when given, vets the new zone codes before anything is
    written (the admission catalogues must still name existing zones: see
    ``geoapp.domain.catalogue.check_zones``); a ValueError from it rejects the file.
    """
    progress = progress or Progress()
    progress.stage("read")
    frame, notes = read_boundaries(path, rules.tables["zone"], crs, layer)
    progress.stage("write", len(frame))
    if check_codes is not None:
        try:
            check_codes([str(code) for code in frame["code"]])
        except ValueError as exc:
            raise ImportRejected(path, [Problem(None, "功能区编码", str(exc))]) from exc
    summary = ImportSummary("功能区", str(path), notes=notes)
    with db.transaction() as s:
        bump_data_version(s)  # every import: the map's cache sees in-place corrections
        rows = [(rec["code"], dict(name=rec["name"], kind=rec["kind"],
                                   park_score=rec.get("park_score"), geom=geom))
                for rec, geom in zip(frame.to_dict("records"), frame.geometry, strict=True)]
        _replace_all(s, rules, Zone, rows, summary, allow_delete, progress)
        end_of_run(summary, dry_run)
    return summary


def _replace_all(s, rules: Rules, model, rows: list[tuple[str, dict]],
                 summary: ImportSummary, allow_delete: bool, progress: Progress) -> None:
    """Make the stored cells (or zones) exactly ``rows``, matched by code; reassign all points."""
    old = {row.code: row for row in s.scalars(sa.select(model))}
    gone = sorted(set(old) - {code for code, _ in rows})
    if gone and not allow_delete:  # raised in the transaction: it rolls back
        raise DeletionNotConfirmed(summary.path, summary.kind, gone)
    for code, values in rows:
        row = old.pop(code, None)
        if row is None:
            s.add(model(code=code, **values))
            summary.created += 1
            summary.change("added", code, values.get("name"))
            continue
        # the same vertices in another ring order or orientation are the same shape: a
        # Shapefile stores outer rings clockwise, GeoJSON anticlockwise (an exported
        # file re-imported must change nothing, geoapp.exports)
        fields = [k for k, v in values.items() if k != "geom" and getattr(row, k) != v]
        if not shapely.equals_exact(shapely.normalize(row.geom),
                                    shapely.normalize(values["geom"]), tolerance=0):
            fields.append("geom")
        changed = bool(fields)
        if changed:
            summary.change("updated", code, values.get("name"), fields)
            for k, v in values.items():
                setattr(row, k, v)
        summary.updated += changed
        summary.unchanged += not changed
    for code, row in old.items():
        summary.change("deleted", code, row.name)
        s.delete(row)
        summary.notes.append(f"删除了文件中没有的{summary.kind} {code}")
    s.flush()
    progress.stage("assign")
    summary.reassigned = assignment.reassign(s)
    assignment.refresh_area_levels(s, rules)
    summary.outside = s.scalar(sa.select(sa.func.count()).where(Point.outside))
    _list_outside(s, summary, sa.true())


def _list_outside(s, summary: ImportSummary, where) -> None:
    summary.outside_points = [
        {"layer": layer, "key": key, "name": name} for layer, key, name in s.execute(
            sa.select(Point.layer, Point.key, Point.name).where(Point.outside, where)
            .order_by(Point.layer, Point.key).limit(LISTED))]


def _members(names: str | None, phones: str | None) -> list[dict]:
    names_l = [n for n in _SPLIT_NAMES.split(names or "") if n]
    phones_l = [p for p in _SPLIT_NAMES.split(phones or "") if p]
    return [{"name": n, "phone": phones_l[i] if i < len(phones_l) else None}
            for i, n in enumerate(names_l)]


# -------------------------------------------------------------------- points

@dry_runnable
def import_points(db: Database, rules: Rules, path, layer: str,
                  crs: str = "wgs84", dry_run: bool = False,
                  progress: Progress | None = None) -> ImportSummary:
    """Merge a point ledger into a layer by stable key; assign only new or moved points."""
    spec = rules.layers.get(layer)
    if spec is None:
        raise ImportRejected(path, [Problem(None, "--layer", f"未知图层 {layer!r}"
                                            f"（可用：{', '.join(rules.layers)}）")])
    try:
        chosen = crs_mod.parse_crs(crs)
    except ValueError as exc:
        raise ImportRejected(path, [Problem(None, "--crs", str(exc))]) from None
    progress = progress or Progress()
    progress.stage("read")
    frame = read_table(path)
    progress.stage("check", len(frame))
    records, problems = parse_records(frame, spec)
    coords, coord_problems = parse_coordinates(frame, crs_mod.is_lonlat(chosen))
    problems += coord_problems
    if records and coords and not coord_problems:
        problems += _convert_coordinates(records, coords, chosen, frame)
    for rec in records:
        problems += _derived_fields(rec, spec, rules)
    if problems:
        raise ImportRejected(path, sorted(problems, key=lambda p: (p.row or 0)))

    summary = ImportSummary(spec.label, str(path), notes=[f"坐标系：{chosen.label}"])
    actor, now = f"import: {Path(path).name}", dt.datetime.now(dt.UTC)
    visit_field = spec.inspection.ledger_field if spec.inspection else None
    with db.transaction() as s:
        bump_data_version(s)  # every import: the map's cache sees in-place corrections
        existing = {p.key: p for p in s.scalars(sa.select(Point).where(Point.layer == layer))}
        moved, changed, new_points, new_days, visits = [], [], [], [], []
        progress.stage("write", len(records))
        for done, rec in enumerate(records):
            progress.step(done)
            attrs = {f.name: rec[f.name] for f in spec.fields if f.name != "name"}
            attrs.update(rec.get("_derived", {}))
            geom = shapely.Point(rec["_lon"], rec["_lat"])
            ledger_day = attrs.get(visit_field) if visit_field else None  # last inspection
            point = existing.get(rec["_key"])
            if point is None:
                new_points.append({"layer": layer, "key": rec["_key"], "name": rec["name"],
                                   "geom": geom, "attrs": attrs,
                                   "industry": attrs.get("industry"),
                                   "source_crs": chosen.code})
                new_days.append(ledger_day)
                summary.created += 1
                summary.change("added", rec["_key"], rec["name"])
                continue
            delta = edits.point_changes(point, rec["name"], attrs, geom)
            is_moved = not shapely.equals_exact(point.geom, geom, tolerance=1e-9)
            is_changed = bool(delta.keys() - {"coordinates"})
            if is_moved:
                point.geom = geom
                point.source_crs = chosen.code
                moved.append(point)
            if is_changed:
                point.attrs, point.name = attrs, rec["name"]
                point.industry = attrs.get("industry")
                changed.append(point)
            if delta:  # one event per changed row, naming each field: nothing changes silently
                edits.record_point(s, point, actor, delta, at=now)
                summary.change("updated", rec["_key"], rec["name"], list(delta))
            visits.append((point.id, ledger_day))
            summary.updated += is_moved or is_changed
            summary.unchanged += not (is_moved or is_changed)
        progress.stage("assign")
        s.flush()
        new_ids = _insert_points(s, new_points)
        visits += zip(new_ids, new_days, strict=True)
        edits.advance_last_visits(s, [(pid, day) for pid, day in visits if day])
        summary.reassigned = assignment.reassign(s, new_ids + [p.id for p in moved])
        assignment.refresh_levels(s, rules, new_ids + [p.id for p in changed])
        summary.outside = s.scalar(sa.select(sa.func.count()).where(
            Point.layer == layer, Point.outside))
        _list_outside(s, summary, Point.layer == layer)
        pausepoints.reach("import-points-before-commit")  # every row written, not committed
        end_of_run(summary, dry_run)
    return summary


def _insert_points(session, rows: list[dict]) -> list[int]:
    """New points in multi-row INSERTs, their ids in the rows' order: an ORM object per
    row, built, tracked and flushed by the session, cost seconds per 10,000 rows
    (bench/README.md). The columns' Python-side defaults apply as to objects."""
    if not rows:
        return []
    insert = sa.insert(Point).returning(Point.id, sort_by_parameter_order=True)
    return list(session.scalars(insert, rows))


def _convert_coordinates(records, coords, chosen, frame) -> list[Problem]:
    """Put WGS84 lon/lat on each record; problems for points that land outside China."""
    xy = np.array(coords, dtype=float)
    lon, lat = crs_mod.to_wgs84_xy(xy[:, 0], xy[:, 1], chosen)
    lon_col, lat_col = coordinate_columns(list(frame.columns))
    problems = []
    for rec, x, y in zip(records, lon, lat, strict=True):
        if not (CHINA_LON[0] <= x <= CHINA_LON[1] and CHINA_LAT[0] <= y <= CHINA_LAT[1]):
            problems.append(Problem(rec["_row"], f"{lon_col}/{lat_col}",
                                    f"按 {chosen.label} 换算后 ({x:.6f}, {y:.6f}) 不在中国范围内"))
        rec["_lon"], rec["_lat"] = round(float(x), 7), round(float(y), 7)
    return problems


def _derived_fields(rec: dict, spec: TableFile, rules: Rules) -> list[Problem]:
    """Values computed from others on import: a major hazard's S, R and grade.

    A layer with a ``substances`` field must also declare ``people_500m``,
    ``r_value`` and ``grade`` (see layers/major_hazard.toml).
    """
    sub_fields = [f for f in spec.fields if f.type == "substances"]
    if not sub_fields:
        return []
    f = sub_fields[0]
    label = {x.name: x.label for x in spec.fields}
    row = rec["_row"]
    text = rec.get(f.name)
    if text:
        if rec.get("people_500m") is None:
            return [Problem(row, label["people_500m"], "给出危险物质时须填写500米内人数（用于 α）")]
        try:
            parsed = major_hazard.parse_substances(text)
            result = major_hazard.assess(parsed, rec["people_500m"], rules.substances)
        except ValueError as exc:
            return [Problem(row, f.label, str(exc))]
        if not result.is_major:
            return [Problem(row, f.label, f"S = Σq/Q = {result.s:.3f} < 1，不构成重大危险源"
                                          "（GB 18218-2018 4.2）")]
        if rec.get("grade") and rec["grade"] != result.grade:
            return [Problem(row, label["grade"], f"填写的等级 {rec['grade']} 与按物质计算的 "
                                                 f"R = {result.r:.1f}（{result.grade}）不符")]
        rec["grade"] = result.grade
        rec["r_value"] = round(result.r, 2)
        rec["_derived"] = {"s_value": round(result.s, 3), "alpha": result.alpha,
                           "grade_source": "computed"}
        return []
    if rec.get("r_value") is not None:
        grade = major_hazard.grade_for_r(rec["r_value"])
        if rec.get("grade") and rec["grade"] != grade:
            return [Problem(row, label["grade"],
                            f"填写的等级 {rec['grade']} 与 R 值 {rec['r_value']}（{grade}）不符")]
        rec["grade"] = grade
        rec["_derived"] = {"grade_source": "r_value"}
        return []
    if not rec.get("grade"):
        return [Problem(row, None, f"需给出{f.label}、{label['r_value']}或{label['grade']}之一")]
    rec["_derived"] = {"grade_source": "ledger"}
    return []


# ------------------------------------------------------------------- hazards

_LEVEL = {v: k for k, v in workflow.LEVEL_LABELS.items()}
_SOURCE = {v: k for k, v in workflow.SOURCE_LABELS.items()}
_STATE = {v: k for k, v in workflow.STATE_LABELS.items()}


@dry_runnable
def import_hazards(db: Database, rules: Rules, path, actor: str | None = None,
                   dry_run: bool = False, progress: Progress | None = None) -> ImportSummary:
    """Merge a hazard ledger by 隐患编号; every new hazard, state change or edit is an event.

    A row that changes a stored hazard's fields appends one ``edit`` event
    listing exactly those fields with their old and new values; an unchanged
    row appends nothing. 挂牌督办=是 gives a hazard without a listing one of
    unknown date (geoapp.store.listings.carry_over); 否 leaves a stored
    listing as it is (摘牌 is a step of its own, after close-out). The actor
    is ``import: <file name>`` unless given.
    """
    spec = rules.tables["hazard"]
    progress = progress or Progress()
    progress.stage("read")
    frame = read_table(path)
    progress.stage("check", len(frame))
    records, problems = parse_records(frame, spec)
    label = {f.name: f.label for f in spec.fields}
    actor = actor or f"import: {Path(path).name}"
    today = workflow.today_in(rules.risk.hazards.timezone)
    with db.sessions() as s:
        point_ids = {(layer, key): pid for pid, layer, key in
                     s.execute(sa.select(Point.id, Point.layer, Point.key))}
    for rec in records:
        row = rec["_row"]
        layer = rules.layer_by_label(rec["point_layer"] or "")
        if layer and rec["point_key"]:
            rec["_point_id"] = point_ids.get((layer.layer, rec["point_key"]))
            if rec["_point_id"] is None:
                problems.append(Problem(row, label["point_key"],
                                        f"{layer.label}“{rec['point_key']}”不存在（请先导入其台账）"))
        found, deadline, closed = (_date(rec, k) for k in ("found_on", "deadline", "closed_on"))
        problems += [Problem(row, label[field], why)
                     for field, why in hazarddates.problems(found, deadline, closed, today)]
        if rec["state"] == "已销号" and closed is None:
            problems.append(Problem(row, label["closed_on"], "已销号的隐患须填写销号日期"))
        if rec["state"] and rec["state"] != "已销号" and closed is not None:
            problems.append(Problem(row, label["closed_on"], "未销号的隐患不应有销号日期"))
    if problems:
        raise ImportRejected(path, sorted(problems, key=lambda p: (p.row or 0)))

    summary = ImportSummary("隐患", str(path))
    now = dt.datetime.now(dt.UTC)
    touched = set()
    with db.transaction() as s:
        bump_data_version(s)  # every import: the map's cache sees in-place corrections
        hazardcodes.reserve_codes(s, (rec["code"] for rec in records))
        existing = {h.code: h for h in s.scalars(
            sa.select(Hazard).options(selectinload(Hazard.listing)))}
        progress.stage("write", len(records))
        for done, rec in enumerate(records):
            progress.step(done)
            values = dict(
                point_id=rec["_point_id"], level=_LEVEL[rec["level"]],
                source=_SOURCE[rec["source"]], description=rec["description"],
                found_on=_date(rec, "found_on"), deadline=_date(rec, "deadline"),
                responsible_unit=rec["responsible_unit"],
                responsible_person=rec["responsible_person"], listed=bool(rec["listed"]),
                closed_on=_date(rec, "closed_on"),
            )
            state = _STATE[rec["state"]]
            hazard = existing.get(rec["code"])
            if hazard is not None and hazard.original_deadline is not None \
                    and values["deadline"] == hazard.original_deadline:
                # the ledger still shows the deadline first set: the extension granted
                # here (延期, hazard.deadline) stays in force
                values["deadline"] = hazard.deadline
            if hazard is not None and hazard.listing is not None:
                # a listing is a record with its own steps: 否 in a ledger does not undo it
                values["listed"] = True
            if hazard is None:
                hazard = Hazard(code=rec["code"], state=state, **values)
                s.add(hazard)
                hazards.record(hazard, actor, "import", "台账导入", at=now)
                listings.carry_over(hazard)  # 挂牌督办=是: a listing of unknown date
                summary.created += 1
                summary.change("added", rec["code"], rec["description"])
                touched.add(values["point_id"])
                continue
            old_state, old_point = hazard.state, hazard.point_id
            delta = changes.diff({k: getattr(hazard, k) for k in values}, values)
            for k in delta:
                setattr(hazard, k, values[k])
            changed = bool(delta) or state != old_state
            if changed:
                summary.change("updated", rec["code"], rec["description"],
                               [*delta, *(["state"] if state != old_state else [])])
            if state != old_state:
                # the close-out date goes with the state it belongs to, in the same event
                closed = delta.pop("closed_on", None)
                hazard.state = state
                hazards.record(hazard, actor, "import", "台账导入更新状态", at=now,
                               from_state=old_state,
                               changes={"closed_on": closed} if closed else None)
            if delta:  # one edit event per changed row, naming exactly the changed fields
                hazards.record(hazard, actor, "edit", "台账导入", at=now, from_state=hazard.state,
                               changes=delta)
            listings.carry_over(hazard)  # now 挂牌督办=是: a listing of unknown date
            summary.updated += changed
            summary.unchanged += not changed
            if changed:
                touched |= {old_point, values["point_id"]}
        progress.stage("assign")
        s.flush()
        assignment.refresh_levels(s, rules, touched)
        end_of_run(summary, dry_run)
    return summary


def _date(rec, key) -> dt.date | None:
    return dt.date.fromisoformat(rec[key]) if rec.get(key) else None
