"""The read side: what the API and pages show, as plain dicts (GeoJSON where spatial).

One place for these queries, shared by every view and by the tests. Levels
and assignments are stored on the rows, so these are attribute queries plus
one pass over the hazards for the rectification figures (overdue depends on
today's date and is never stored).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections import defaultdict

import orjson
import shapely
import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from geoapp.domain import workflow
from geoapp.domain.layers import Rules, SupervisionFile
from geoapp.store import departments, measures
from geoapp.store.models import Cell, Hazard, Point, PointEvent, Town, Village, Zone
from geoapp.store.reads import level_reasons, territory, zone_data
from geoapp.store.reads.listing_data import listing_dict
from geoapp.store.reads.round_data import display_names, hazards_at, with_visits

# Coordinates are WGS84 degrees; 7 decimals is about 1 cm.
_PRECISION = 7


def _geometry(geom) -> dict:
    return _geometries([geom])[0]


def _geometries(geoms) -> list[dict]:
    """GeoJSON geometries, each to ``_PRECISION``: one call into GEOS for all of them (a
    cell page's hundred points one by one cost more than their query)."""
    if not len(geoms):
        return []
    texts = shapely.to_geojson(shapely.set_precision(geoms, 10**-_PRECISION))
    return [orjson.loads(t) for t in texts.tolist()]


def _layer_counts(session: Session, rules: Rules, only=None) -> dict[str, dict[str, int]]:
    counts: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(rules.layers, 0))
    for code, layer, n in session.execute(
        sa.select(Point.cell_code, Point.layer, sa.func.count())
        .where(territory.in_cells(only))
        .group_by(Point.cell_code, Point.layer)
    ):
        counts[code][layer] = n
    return counts


def hazard_rollups(session: Session, rules: Rules, today: dt.date, cell_code=None,
                   only=None) -> dict:
    q = (sa.select(Point.cell_code, Hazard.state, Hazard.level, Hazard.deadline,
                   Hazard.found_on, Hazard.listed)
         .join(Point, Hazard.point_id == Point.id)
         .where(territory.in_cells(only)))
    if cell_code is not None:
        q = q.where(Point.cell_code == cell_code)
    per_cell = defaultdict(list)
    for row in session.execute(q):
        per_cell[row.cell_code].append(row)
    cutoff = rules.risk.hazards.stock_cutoff
    return {code: workflow.rollup(rows, today, cutoff) for code, rows in per_cell.items()}


def _cell_properties(cell, village, town, counts, hazards, rules: Rules, today) -> dict:
    empty = workflow.rollup([], today, rules.risk.hazards.stock_cutoff)
    return {
        "code": cell.code,
        "name": cell.name,
        "village": village,
        "town": town,
        "risk_level": cell.risk_level,
        "members": cell.members,
        "supervising_unit": cell.supervising_unit,
        "supervisor": cell.supervisor,
        "counts": counts.get(cell.code, dict.fromkeys(rules.layers, 0)),
        "hazards": hazards.get(cell.code, empty),
    }


def cells_collection(session: Session, rules: Rules, today: dt.date, only=None) -> dict:
    """Every cell (of ``only``; None: all) as a GeoJSON Feature with its level, point counts
    and hazard figures."""
    counts = _layer_counts(session, rules, only)
    hazards = hazard_rollups(session, rules, today, only=only)
    rows = session.execute(
        territory.cells_in_areas(Cell, Village.name, Town.name)
        .where(territory.cells_in(only)).order_by(Cell.code)).all()
    features = [
        {"type": "Feature", "id": cell.code, "geometry": _geometry(cell.geom),
         "properties": _cell_properties(cell, v, t, counts, hazards, rules, today)}
        for cell, v, t in rows
    ]
    return {"type": "FeatureCollection", "features": features}


def point_properties(point: Point, rules: Rules, today: dt.date) -> dict:
    layer = rules.layers.get(point.layer)
    return {
        "id": point.id,
        "layer": point.layer,
        "layer_label": layer.label if layer else point.layer,
        "key": point.key,
        "name": point.name,
        "attrs": point.attrs,
        "cell_code": point.cell_code,
        "zone_codes": point.zone_codes,
        "outside": point.outside,
        "nearest_cell_code": point.nearest_cell_code,
        "distance_m": point.distance_m,
        "inherent_level": point.inherent_level,
        "risk_level": point.risk_level,
        "source_crs": point.source_crs,
        # the keys of its visit checklist (the layer's items, its industry's included)
        "checklist": [item.key for item in layer.inspection.items_for(point.industry)]
        if layer is not None and layer.inspection is not None else [],
    }


def hazard_dict(h: Hazard, today: dt.date, events: bool = False,
                supervision: SupervisionFile | None = None) -> dict:
    """A hazard for the API; with ``supervision`` (the rules' 挂牌督办 file) also its ``listing``
    (geoapp.store.reads.listing_data.listing_dict, null if never listed)."""
    out = {
        "id": h.id,
        "code": h.code,
        "point_id": h.point_id,
        "level": h.level,
        "level_label": workflow.LEVEL_LABELS[h.level],
        "source": h.source,
        "source_label": workflow.SOURCE_LABELS[h.source],
        "description": h.description,
        "found_on": h.found_on.isoformat(),
        "deadline": h.deadline.isoformat(),  # in force: extensions move it
        # the deadline first set (the same as ``deadline`` until an extension is granted)
        "original_deadline": (h.original_deadline or h.deadline).isoformat(),
        "responsible_unit": h.responsible_unit,
        "responsible_person": h.responsible_person,
        "listed": h.listed,
        "state": h.state,
        "state_label": workflow.STATE_LABELS[h.state],
        "closed_on": h.closed_on.isoformat() if h.closed_on else None,
        "overdue": workflow.is_overdue(h.state, h.deadline, today),
        "actions": workflow.allowed_actions(h.state),
        "version": h.version,
    }
    if supervision is not None:
        out["listing"] = listing_dict(h.listing, supervision, today)
    if events:  # oldest first; ``changes`` is an edit's {field: [old, new]}, else null
        out["events"] = [
            {"id": e.id, "kind": workflow.event_kind(e.action), "action": e.action,
             "at": e.at.isoformat(), "actor": e.actor, "from_state": e.from_state,
             "to_state": e.to_state, "note": e.note, "changes": e.changes}
            for e in h.events
        ]
        # who submitted it for acceptance (审核把关销号: not the one who accepts it)
        out["submitted_by"] = next((e["actor"] for e in reversed(out["events"])
                                    if e["action"] == "submit"), None)
    return out


def point_events(session: Session, point_id: int) -> list[dict] | None:
    """A point's history (ledger re-imports, edits), newest first; None for no such point."""
    if session.get(Point, point_id) is None:
        return None
    rows = session.scalars(sa.select(PointEvent).where(PointEvent.point_id == point_id)
                           .order_by(PointEvent.at.desc(), PointEvent.id.desc()))
    return [{"id": e.id, "kind": e.action, "action": e.action, "at": e.at.isoformat(),
             "actor": e.actor, "note": e.note, "changes": e.changes} for e in rows]


def _point_features(points, rules: Rules, today: dt.date) -> list[dict]:
    return [{"type": "Feature", "id": p.id, "geometry": g,
             "properties": point_properties(p, rules, today)}
            for p, g in zip(points, _geometries([p.geom for p in points]), strict=True)]


@functools.cache
def _cell_statements() -> tuple[sa.Select, sa.Select, sa.Select]:
    """``cell_detail``'s points, outside points nearby and hazards of the cell ``code``:
    built once (building them cost as much CPU as running them)."""
    code = sa.bindparam("code")
    return (
        sa.select(Point).where(Point.cell_code == code).order_by(Point.layer, Point.name),
        sa.select(Point).where(Point.outside, Point.nearest_cell_code == code)
        .order_by(Point.distance_m),
        sa.select(Hazard).join(Point, Hazard.point_id == Point.id)
        .where(Point.cell_code == code)
        .options(selectinload(Hazard.events), selectinload(Hazard.listing))
        .order_by(Hazard.found_on.desc(), Hazard.code),
    )


def cell_detail(session: Session, rules: Rules, code: str, today: dt.date,
                say: level_reasons.Say | None = None) -> dict | None:
    """One cell with its points, its hazards (with history) and the outside points nearest it;
    ``level_reasons`` (定级依据) for the cell and each point, in ``say``'s language."""
    row = territory.cell_with_names(session, code)
    if row is None:
        return None
    cell, village, town = row
    points_of, nearby_of, hazards_of = _cell_statements()
    points = session.scalars(points_of, {"code": code}).all()
    nearby = session.scalars(nearby_of, {"code": code}).all()
    hazards = session.scalars(hazards_of, {"code": code}).all()
    outside = hazards_at(session, (p.id for p in nearby))
    counts = {code: dict.fromkeys(rules.layers, 0)}
    for p in points:
        counts[code][p.layer] += 1
    rollups = {code: workflow.rollup(hazards, today, rules.risk.hazards.stock_cutoff)}
    # supervisory measures on these points (enterprises) and on their hazards
    taken = [measures.as_dict(r)
             for r in measures.for_cell(session, code)]
    say = say or level_reasons.Say(rules)
    majors = level_reasons.open_major_codes((*hazards, *outside))
    own = {p.id: level_reasons.point_reasons(p, rules, majors.get(p.id, ()))
           for p in (*points, *nearby)}
    # 行业主管部门 of each point, and of each hazard through its point
    authority = departments.authorities(session, rules, (*points, *nearby))

    def features(rows):
        out = _point_features(rows, rules, today)
        for f in out:
            f["properties"]["level_reasons"] = say(own[f["id"]], with_name=False)
            f["properties"]["authority"] = authority[f["id"]]
        return out

    def hazard_list(rows):
        return [{**hazard_dict(h, today, events=True, supervision=rules.supervision),
                 "authority": authority.get(h.point_id)} for h in rows]

    detail = {
        "type": "Feature",
        "id": cell.code,
        "geometry": _geometry(cell.geom),
        "properties": _cell_properties(cell, village, town, counts, rollups, rules, today),
        # why the cell has its level: its area rule, then the points that decide it
        "level_reasons": say(level_reasons.area_reasons(points, own, rules)),
        "points": {"type": "FeatureCollection",
                   "features": with_visits(session, features(points), rules, today, code)},
        "outside_points_nearby": {"type": "FeatureCollection", "features": features(nearby)},
        "hazard_list": hazard_list(hazards),
        # hazards at the outside points listed above: in no cell's figures
        "outside_hazard_list": hazard_list(outside),
        "measures": taken,
    }
    # the people in the history by name (an event records the account)
    detail["people"] = display_names(session, cell_actors(detail))
    return detail


def cell_actors(detail: dict) -> list[str]:
    """The accounts ``cell_detail``'s history and measures name (its ``people``' keys)."""
    return [*(e["actor"] for part in ("hazard_list", "outside_hazard_list")
              for h in detail[part] for e in h["events"]),
            *(m["recorded_by"] for m in detail["measures"])]


def zones_collection(session: Session, rules: Rules) -> dict:
    """Every functional zone as a GeoJSON Feature with kind, level and the grade in force.

    ``grade`` (and ``park_grade``, its older name) is the latest assessment's, else the
    ledger score's (geoapp.domain.zone_grades); ``grade_source`` says which;
    ``park_score`` stays the ledger's value.
    """
    graded = zone_data.grades(session)
    features = []
    for z in session.scalars(sa.select(Zone).order_by(Zone.code)):
        g = graded.get(z.code) or {"grade": None, "source": "none", "assessed_on": None}
        features.append({
            "type": "Feature", "id": z.code, "geometry": _geometry(z.geom),
            "properties": {
                "code": z.code, "name": z.name, "kind": z.kind, "risk_level": z.risk_level,
                "park_score": z.park_score, "park_grade": g["grade"], "grade": g["grade"],
                "grade_source": g["source"], "assessed_on": g["assessed_on"],
            },
        })
    return {"type": "FeatureCollection", "features": features}


def _rollup_columns() -> sa.Select:
    """What ``workflow.rollup`` reads of each hazard, joined to its point."""
    return (sa.select(Hazard.state, Hazard.level, Hazard.deadline, Hazard.found_on,
                      Hazard.listed).join(Point, Hazard.point_id == Point.id))


def outside_hazards(session: Session, only=None) -> list:
    """The rollup rows of hazards at points outside every cell whose nearest cell is
    among ``only`` (None: all): what the cells' own figures leave out of the headline
    (geoapp.map.headline)."""
    return session.execute(_rollup_columns().where(Point.cell_code.is_(None),
                                                   territory.points_in(only))).all()


def summary(session: Session, rules: Rules, today: dt.date, only=None) -> dict:
    """Headline figures of the territory (or of the cells ``only``): cells per colour,
    points, outside points (for ``only``: those whose nearest cell it holds), hazards.

    ``major`` has the open, overdue and listed open 重大事故隐患; ``zeroing`` the
    动态清零 position (stock left, this year's increment and how many of it
    closed) for major hazards and for all.
    """
    colours = dict.fromkeys(("red", "orange", "yellow", "blue"), 0)
    for level, n in session.execute(
        sa.select(Cell.risk_level, sa.func.count()).where(territory.cells_in(only))
        .group_by(Cell.risk_level)
    ):
        colours[level] = n
    points = dict.fromkeys(rules.layers, 0)
    mine = territory.points_in(only)
    for layer, n in session.execute(sa.select(Point.layer, sa.func.count()).where(mine)
                                    .group_by(Point.layer)):
        points[layer] = n
    outside = session.scalar(sa.select(sa.func.count()).where(Point.outside, mine))
    hazards = session.execute(_rollup_columns().where(mine)).all()
    cutoff = rules.risk.hazards.stock_cutoff
    return {
        "cells_by_level": colours,
        "points": points,
        "points_outside_cells": outside,
        **workflow.headline(workflow.rollup(hazards, today, cutoff), today, cutoff),
        "today": today.isoformat(),
    }


# ---- the leader's map (geoapp.web.map, geoapp.map.snapshot) ----------------------------------


def point_detail(session: Session, rules: Rules, point_id: int,
                 today: dt.date, english: bool = False,
                 say: level_reasons.Say | None = None) -> dict | None:
    """One point for its map popup: key fields with their labels, its cell, open hazards,
    ``level_reasons`` (定级依据, in ``say``'s language)."""
    point = session.get(Point, point_id)
    if point is None:
        return None
    layer = rules.layers.get(point.layer)
    fields = []
    if layer is not None:
        for spec in layer.fields:
            value = (point.attrs or {}).get(spec.name)
            # 主管部门 is shown once, as derived (``authority`` below: the ledger's wins there)
            if spec.name in ("name", departments.FIELD) or value in (None, "", []):
                continue
            if isinstance(value, list):
                value = "、".join(str(v) for v in value)
            elif isinstance(value, bool):  # as the ledgers write it, not Python's True
                value = ("Yes" if value else "No") if english else ("是" if value else "否")
            label = (spec.label_en or spec.name) if english else spec.label
            fields.append({"name": spec.name, "label": label, "value": str(value)})
    cell_code = point.cell_code or point.nearest_cell_code
    cell = None
    if cell_code:
        row = session.execute(territory.cells_in_areas(Cell.code, Cell.name, Village.name)
                              .where(Cell.code == cell_code)).first()
        if row is not None:
            cell = {"code": row[0], "name": row[1], "village": row[2]}
    hazards = session.scalars(
        sa.select(Hazard).where(Hazard.point_id == point_id,
                          Hazard.state.in_(workflow.OPEN_STATES))
        .order_by(Hazard.deadline, Hazard.code)
    ).all()
    props = point_properties(point, rules, today)
    props.pop("attrs")
    props["authority"] = departments.authority(session, rules, point)  # 行业主管部门
    if english and layer is not None:
        props["layer_label"] = layer.label_en
    own = level_reasons.point_reasons(
        point, rules, level_reasons.open_major_codes(hazards).get(point.id, ()))
    return {
        "type": "Feature", "id": point.id, "geometry": _geometry(point.geom),
        "properties": {**props, "fields": fields, "cell": cell,
                       "open_hazards": [hazard_dict(h, today) for h in hazards],
                       "level_reasons": (say or level_reasons.Say(rules, english))(
                           own, with_name=False)},
    }


def search_points(session: Session, text: str, layers: list[str] | None = None,
                  limit: int = 20, only=None) -> list[dict]:
    """Points (whose home cell is in ``only``; None: all) whose name contains ``text``
    (case-insensitive), shortest names first."""
    needle = text.strip().lower()
    if not needle:
        return []
    q = (sa.select(Point.id, Point.layer, Point.name, Point.geom, Point.risk_level,
                   Point.cell_code, Point.outside)
         .where(sa.func.lower(Point.name).contains(needle, autoescape=True),
                territory.points_in(only))
         .order_by(sa.func.length(Point.name), Point.name, Point.id).limit(limit))
    if layers:
        q = q.where(Point.layer.in_(layers))
    return [
        {"id": r.id, "layer": r.layer, "name": r.name, "lon": round(r.geom.x, 6),
         "lat": round(r.geom.y, 6), "risk_level": r.risk_level, "cell_code": r.cell_code,
         "outside": bool(r.outside)}
        for r in session.execute(q)
    ]
