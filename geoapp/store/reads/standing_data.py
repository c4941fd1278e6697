"""红黑榜 read side: every enterprise in an area scope with the facts its rules read.

An enterprise's hazards and measures are those of its points as
geoapp.store.ownership counts them (its own point and the confined spaces and
major hazard installations it owns by its USCC), so the enterprise page and the
list agree. Five queries whatever the number of enterprises; the rules are
applied by geoapp.domain.standing.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import sqlalchemy as sa
from sqlalchemy.orm import Session

from geoapp.domain import standing
from geoapp.store.models import Cell, Hazard, Measure, Point, Town, Village
from geoapp.store.ownership import ENTERPRISE_LAYER, OWNER_FIELD
from geoapp.store.reads.territory import cells_in, cells_in_areas, home_cell, points_in


def _owners(session: Session, cells) -> tuple[list[sa.Row], dict[int, int]]:
    """The enterprises (with cell, village, town) and point id → enterprise point id."""
    rows = session.execute(
        sa.select(Point.id, Point.key, Point.name, Point.attrs, home_cell().label("cell"))
        .where(Point.layer == "enterprise", points_in(cells)).order_by(Point.key)).all()
    by_uscc = {r.key: r.id for r in rows}
    owner = {r.id: r.id for r in rows}
    # any layer whose ledger names its enterprise (geoapp.store.ownership)
    for pid, attrs in session.execute(sa.select(Point.id, Point.attrs)
                                      .where(Point.layer != ENTERPRISE_LAYER)):
        ent = by_uscc.get((attrs or {}).get(OWNER_FIELD))
        if ent is not None:
            owner[pid] = ent
    return rows, owner


def facts(session: Session, cells=None) -> list[tuple[dict, standing.Facts]]:
    """[(enterprise, facts)] for the enterprises whose home cell is in ``cells`` (None: all).

    ``enterprise``: id, key, name, cell, village, town, attrs.
    """
    rows, owner = _owners(session, cells)
    if not rows:
        return []
    areas = {c: (v, t) for c, v, t in session.execute(
        cells_in_areas(Cell.code, Village.name, Town.name))}
    hazards, measures = defaultdict(list), defaultdict(list)
    ids = sorted(owner)
    by_hazard = {}
    for h in session.execute(sa.select(Hazard.id, Hazard.point_id, Hazard.code, Hazard.level,
                                       Hazard.found_on, Hazard.deadline, Hazard.closed_on)
                             .where(Hazard.point_id.in_(ids))):
        by_hazard[h.id] = owner[h.point_id]
        hazards[owner[h.point_id]].append(standing.HazardFact(
            h.code, h.level, h.found_on, h.deadline, h.closed_on))
    for kind, day, pid, hid in session.execute(
            sa.select(Measure.kind, Measure.taken_on, Measure.point_id, Measure.hazard_id)):
        ent = owner.get(pid) if pid is not None else by_hazard.get(hid)
        if ent is not None:
            measures[ent].append((kind, day))
    out = []
    for r in rows:
        village, town = areas.get(r.cell, (None, None))
        ent = {"id": r.id, "key": r.key, "name": r.name, "cell": r.cell, "village": village,
               "town": town, "attrs": dict(r.attrs or {})}
        out.append((ent, standing.Facts(ent["attrs"], tuple(hazards[r.id]),
                                        tuple(measures[r.id]))))
    return out


def lists(session: Session, spec: standing.StandingFile, today: dt.date, cells=None,
          town: str | None = None, village: str | None = None) -> dict:
    """{"red": [...], "black": [...], "enterprises": n, "as_of"}: each entry the enterprise's
    row with its ``reasons``; ``town``/``village`` (names) narrow the rows after the scope."""
    out = {"red": [], "black": [], "enterprises": 0, "as_of": today.isoformat()}
    for ent, f in facts(session, cells):
        if (town and ent["town"] != town) or (village and ent["village"] != village):
            continue
        out["enterprises"] += 1
        verdict = standing.evaluate(spec, f, today)
        if verdict.list is not None:
            out[verdict.list].append({**ent, "reasons": _reasons(verdict)})
    for name in standing.LISTS:
        out[name].sort(key=lambda e: (e["town"] or "", e["village"] or "", e["name"]))
    return out


def of_enterprise(session: Session, spec: standing.StandingFile, today: dt.date,
                  point_id: int) -> dict | None:
    """One enterprise's standing ({list, reasons}), read like the lists (its cell only)."""
    point = session.get(Point, point_id)
    if point is None or point.layer != "enterprise":
        return None
    for ent, f in facts(session, {point.cell_code or point.nearest_cell_code}):
        if ent["id"] == point_id:
            verdict = standing.evaluate(spec, f, today)
            return {"list": verdict.list, "reasons": _reasons(verdict)}
    return None


def _reasons(verdict: standing.Standing) -> list[dict]:
    return [{"key": r.key, "label": r.label, "label_en": r.label_en, "detail": r.detail}
            for r in verdict.reasons]


def areas(session: Session, cells=None) -> list[dict]:
    """[{town, villages}] of the cells in ``cells`` (None: all): the filter's choices."""
    towns: dict[str, list[str]] = {}
    for town, village in session.execute(
            cells_in_areas(Town.name, Village.name).select_from(Cell).where(cells_in(cells))
            .distinct().order_by(Town.name, Village.name)):
        towns.setdefault(town, []).append(village)
    return [{"town": t, "villages": v} for t, v in towns.items()]
