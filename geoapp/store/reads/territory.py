"""The territory joins every read side shares: cell ⋈ village ⋈ town, written once."""

from __future__ import annotations

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
    row = session.execute(
        cells_in_areas(Cell, Village.name, Town.name).where(Cell.code == code)).first()
    return None if row is None else tuple(row)


def home_cell():
    """A point's home cell: its cell, or for a point outside every cell the nearest one
    (whose member deals with it, and whose area scope it falls in)."""
    return sa.func.coalesce(Point.cell_code, Point.nearest_cell_code)


def points_in(cells) -> sa.ColumnElement[bool]:
    """Points whose home cell is one of ``cells`` (None: every point)."""
    if cells is None:
        return sa.true()
    return home_cell().in_(sorted(cells))


def cells_in(cells) -> sa.ColumnElement[bool]:
    """Cells among ``cells`` (None: every cell)."""
    if cells is None:
        return sa.true()
    return Cell.code.in_(sorted(cells))
