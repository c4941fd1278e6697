"""The bundled synthetic demo: load data/demo.toml's files into an empty database."""

from __future__ import annotations

import tomllib
from pathlib import Path

import sqlalchemy as sa

from geoapp import importer, migrate
from geoapp.db import Database
from geoapp.layers import Rules
from geoapp.models import Cell
from geoapp.resources import bundled


def load_demo(database: Database, rules: Rules, data_dir: Path | None = None, echo=print) -> bool:
    """Load the demo files in manifest order unless the database already has cells.

    Returns True when data was loaded.
    """
    migrate.upgrade(database)
    with database.sessions() as s:
        if s.scalar(sa.select(sa.func.count()).select_from(Cell)):
            return False
    data_dir = Path(data_dir or bundled("data"))
    with (data_dir / "demo.toml").open("rb") as fh:
        manifest = tomllib.load(fh)
    for entry in manifest["files"]:
        path = data_dir / entry["path"]
        kind = entry["kind"]
        if kind == "cells":
            result = importer.import_cells(database, rules, path, entry.get("crs"))
        elif kind == "zones":
            result = importer.import_zones(database, rules, path, entry.get("crs"))
        elif kind == "points":
            result = importer.import_points(database, rules, path, entry["layer"],
                                            entry.get("crs", "wgs84"))
        elif kind == "hazards":
            result = importer.import_hazards(database, rules, path, actor="演示数据")
        else:
            raise ValueError(f"{data_dir / 'demo.toml'}: unknown kind {kind!r}")
        echo(str(result))
    return True
