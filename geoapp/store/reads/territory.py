"""The territory joins every read side shares: cell ⋈ village ⋈ town, written once."""

from __future__ import annotations

import functools

import sqlalchemy as sa
from sqlalchemy.orm import Session

from geoapp.store.models import Cell, Point, Town, Village


def cells_in_areas(*columns) -> sa.Select:
    """``SELECT columns`` over every cell joined to its village and town."""
    return (sa.select(*columns)
            .join(Village, Cell.village_id == Village.id)
            .join(Town, Village.town_id == Town.id))


def villages_in_towns(*columns) -> sa.Select:
    """``SELECT columns`` over every village joined to its town."""
    return sa.select(*columns).join(Town, Village.town_id == Town.id)


def cell_with_names(session: Session, code: str) -> tuple[Cell, str, str] | None:
    """The cell with this code, with its village's and town's names; None if there is none."""
    row = session.execute(_cell_with_names(), {"code": code}).first()
    return None if row is None else tuple(row)


@functools.cache
def _cell_with_names() -> sa.Select:
    """``cell_with_names``' SELECT, built once (every cell page and popup asks it)."""
    return cells_in_areas(Cell, Village.name, Town.name).where(Cell.code == sa.bindparam("code"))


def home_cell():
    """A point's home cell: its cell, or for a point outside every cell the nearest one
    (whose member deals with it, and whose area scope it falls in)."""
    return sa.func.coalesce(Point.cell_code, Point.nearest_cell_code)


def points_in(cells) -> sa.ColumnElement[bool]:
    """Points whose home cell is one of ``cells`` (None: every point).

    Written as two conditions on indexed columns rather than on ``home_cell()``,
    an expression no index holds (PostgreSQL read every point for it).
    """
    if cells is None:
        return sa.true()
    codes = sorted(cells)
    return sa.or_(Point.cell_code.in_(codes),
                  sa.and_(Point.cell_code.is_(None), Point.nearest_cell_code.in_(codes)))


def in_cells(cells) -> sa.ColumnElement[bool]:
    """Points in one of ``cells`` (None: in any cell; never a point outside every cell).

    What ``points_in`` gives with ``cell_code IS NOT NULL``, but on the indexed
    column: the home cell's ``coalesce`` has no index, so PostgreSQL read every
    point for it (20 ms for one cell's hazards at 60,000 points, after every write).
    """
    if cells is None:
        return Point.cell_code.is_not(None)
    return Point.cell_code.in_(sorted(cells))


def cells_in(cells) -> sa.ColumnElement[bool]:
    """Cells among ``cells`` (None: every cell)."""
    if cells is None:
        return sa.true()
    return Cell.code.in_(sorted(cells))
