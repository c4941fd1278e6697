"""Area scopes (辖区范围): which cells an account reads, resolved from its areas.

An account reads the whole territory (县/市 level: no areas), or the union of
its areas: towns (a town, a sub-district or a development zone's own office,
given by its name or by its 9-digit 统计用区划代码 — the first 9 digits of its
villages' 12-digit codes), villages (their 12-digit code), single cells, and
functional zones (the cells a zone's outline overlaps; a development zone drawn
as a zone becomes a unit of its own this way). Every read of the web side
filters by the resolved cell codes (``Scope.cells``); only a whole-territory
scope sees the points outside every cell, which belong to no area yet.

Grid members read their own cells (``user_cell``: the cells they work), admins
the whole territory whatever their areas say, enterprise accounts nothing by
area (geoapp.store.ownership gives them their own points).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import shapely
import sqlalchemy as sa
from sqlalchemy.orm import Session

from geoapp.store import fingerprint
from geoapp.store.models import Cell, Town, User, UserArea, Village, Zone
from geoapp.store.reads.territory import cells_in_areas

KINDS = ("town", "village", "cell", "zone")
# the roles an area narrows; grid members read the cells they work, admins everything,
# enterprise accounts their own points
AREA_ROLES = ("leader", "planner", "supervisor")
KIND_LABELS = {"town": "镇街", "village": "村社区", "cell": "网格", "zone": "功能区"}


class ScopeError(ValueError):
    """An area that names nothing in the territory; the message says which."""


@dataclass(frozen=True)
class Scope:
    """What an account reads: ``cells`` None is the whole territory (outside points too)."""

    level: str  # county | town | village | cell | zone | areas (mixed) | own_cells | enterprise
    areas: tuple[tuple[str, str], ...] = ()
    cells: frozenset[str] | None = None

    @property
    def whole(self) -> bool:
        return self.cells is None

    def has_cell(self, code: str | None) -> bool:
        """May the account read the cell ``code`` (None: a point outside every cell)?

        >>> town, whole = Scope("town", cells=frozenset({"A"})), Scope("county")
        >>> whole.has_cell(None), town.has_cell("A"), town.has_cell("B"), town.has_cell(None)
        (True, True, False, False)
        """
        if self.cells is None:
            return True
        return code is not None and code in self.cells

    def key(self) -> tuple:
        """A hashable key of what the scope reads (for caches)."""
        return ("all",) if self.cells is None else tuple(sorted(self.cells))

    def as_dict(self) -> dict:
        """The scope as /api/me shows it."""
        return {"level": self.level,
                "areas": [{"kind": kind, "code": code} for kind, code in self.areas],
                "cells": None if self.cells is None else sorted(self.cells)}


WHOLE = Scope("county")


def scope_of(session: Session, user) -> Scope:
    """The scope of ``user`` (None or anonymous: the whole territory, for the app without
    accounts; the web side refuses anonymous reads once accounts exist)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return WHOLE
    if user.role == "admin":
        return WHOLE
    if user.role == "enterprise":
        return Scope("enterprise", cells=frozenset())
    if user.role == "grid":
        codes = tuple(user.cell_codes)
        return Scope("own_cells", tuple(("cell", c) for c in codes), frozenset(codes))
    areas = tuple((link.kind, link.code) for link in user.area_links)
    if not areas:
        return WHOLE
    kinds = {kind for kind, _code in areas}
    level = kinds.pop() if len(kinds) == 1 else "areas"
    return Scope(level, areas, resolve(session, areas))


def resolve(session: Session, areas: Iterable[tuple[str, str]]) -> frozenset[str]:
    """The cell codes of ``areas`` (kind, code), as the territory is stored now."""
    cells: set[str] = set()
    for kind, code in areas:
        if kind == "town":
            cells |= _town_cells(session, code)
        elif kind == "village":
            cells |= set(session.scalars(cells_in_areas(Cell.code).where(Village.code == code)))
        elif kind == "cell":
            cells.add(code)
        elif kind == "zone":
            cells |= zone_cells(session, code)
    return frozenset(cells)


def _town_cells(session: Session, code: str) -> set[str]:
    by_code = Village.code.startswith(code) if code.isdigit() and len(code) == 9 else sa.false()
    return set(session.scalars(cells_in_areas(Cell.code).where(sa.or_(Town.name == code,
                                                                        by_code))))


def zone_cells(session: Session, zone_code: str) -> frozenset[str]:
    """The cells whose area overlaps the zone (touching along an edge is not overlapping).

    Kept per database, zone and territory version (cells and imports: the
    fingerprint's first places and its import counter), so a scoped request
    does not redo the overlay.
    """
    version = fingerprint.data_fingerprint(session)
    key = (str(session.get_bind().url), zone_code, version[:2], version[-1])
    found = _ZONE_CELLS.get(key)
    if found is None:
        found = _overlay(session, zone_code)
        if len(_ZONE_CELLS) > 256:
            _ZONE_CELLS.clear()
        _ZONE_CELLS[key] = found
    return found


_ZONE_CELLS: dict[tuple, frozenset[str]] = {}


def _overlay(session: Session, zone_code: str) -> frozenset[str]:
    zone = session.scalar(sa.select(Zone.geom).where(Zone.code == zone_code))
    if zone is None:
        return frozenset()
    rows = session.execute(sa.select(Cell.code, Cell.geom)).all()
    geoms = np.empty(len(rows), dtype=object)
    geoms[:] = [r[1] for r in rows]
    shared = shapely.area(shapely.intersection(zone, geoms))
    return frozenset(rows[i][0] for i in np.flatnonzero(shared > 0))


def checked_areas(session: Session, areas: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """``areas`` trimmed, de-duplicated and each found in the territory; else ScopeError
    naming every one that names nothing (a town by name or 9-digit code, a village by
    its 12-digit code, a cell or a zone by code)."""
    out, unknown = [], []
    for kind, code in areas:
        code = (code or "").strip()
        if kind not in KINDS:
            raise ScopeError(f"area kind {kind!r}: must be one of {', '.join(KINDS)}")
        if not code:
            raise ScopeError(f"--{kind}: give a code")
        if (kind, code) in out:
            continue
        if not _exists(session, kind, code):
            unknown.append(f"{kind} {code!r}")
        out.append((kind, code))
    if unknown:
        raise ScopeError("no such area: " + ", ".join(unknown))
    return out


def _exists(session: Session, kind: str, code: str) -> bool:
    if kind == "town":
        return bool(_town_cells(session, code)) or session.scalar(
            sa.select(Town.id).where(Town.name == code)) is not None
    model, column = {"village": (Village, Village.code), "cell": (Cell, Cell.code),
                     "zone": (Zone, Zone.code)}[kind]
    return session.scalar(sa.select(model.id).where(column == code).limit(1)) is not None


def parse_areas(value) -> list[tuple[str, str]]:
    """Areas as a request sends them: ``["town:示范镇", …]`` or ``[{"kind", "code"}, …]``
    (also one comma-separated text); ScopeError for any other shape.

    >>> parse_areas("town:示范镇, cell:SF-01-01"), parse_areas([{"kind": "zone", "code": "Z1"}])
    ([('town', '示范镇'), ('cell', 'SF-01-01')], [('zone', 'Z1')])
    """
    if isinstance(value, str):
        value = [v for v in value.replace("，", ",").split(",") if v.strip()]
    if not isinstance(value, list | tuple):
        raise ScopeError("areas: a list of kind:code (town, village, cell, zone)")
    out = []
    for item in value:
        if isinstance(item, dict) and isinstance(item.get("kind"), str) \
                and isinstance(item.get("code"), str):
            kind, code = item["kind"], item["code"]
        elif isinstance(item, str) and ":" in item:
            kind, _sep, code = item.partition(":")
        else:
            raise ScopeError(f"areas: {str(item)[:40]!r} is not kind:code "
                             "(town, village, cell, zone)")
        out.append((kind.strip(), code.strip()))
    return out


def set_areas(user: User, areas: Iterable[tuple[str, str]]) -> None:
    """Make ``areas`` the account's areas (checked first with checked_areas)."""
    wanted = list(dict.fromkeys(areas))
    kept = [link for link in user.area_links if (link.kind, link.code) in wanted]
    have = {(link.kind, link.code) for link in kept}
    user.area_links = kept + [UserArea(kind=k, code=c) for k, c in wanted if (k, c) not in have]


def area_options(session: Session) -> dict[str, list[dict]]:
    """Every area an admin can pick: towns, villages (with their town), zones."""
    towns = [{"code": name, "name": name} for name in
             session.scalars(sa.select(Town.name).order_by(Town.name))]
    villages = [{"code": code, "name": f"{town} {name}"} for code, name, town in session.execute(
        sa.select(Village.code, Village.name, Town.name).join(Town, Village.town_id == Town.id)
        .where(Village.code.is_not(None)).order_by(Village.code))]
    zones = [{"code": code, "name": name} for code, name in
             session.execute(sa.select(Zone.code, Zone.name).order_by(Zone.code))]
    return {"town": towns, "village": villages, "zone": zones}
