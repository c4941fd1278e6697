"""MBTiles 1.3: a SQLite file with a ``metadata`` name/value table and ``tiles`` rows.

Rows are TMS: row 0 is the south edge, so the map's XYZ ``y`` is flipped
(``row = 2**z - 1 - y``). The connection is opened read-only and kept for the
process; a lock lets the threads of one process share it.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from pathlib import Path

from geoapp.basemap.tileset import (
    WORLD,
    BadTileset,
    Meta,
    check_bounds,
    tile_format,
    zoom_range,
)
from geoapp.domain.texts import N_

WHERE = "MBTiles"


LOOKUP = ("SELECT tile_data FROM tiles WHERE zoom_level = ? AND tile_column = ? "
          "AND tile_row = ?")


def add_index(path: Path) -> bool:
    """Give a ``tiles`` table without an index on its address one (True if it did).

    Tools usually write it, but a hand-made file may lack it, and then every tile
    reads the whole file (a 250 MiB file: 80 ms a tile instead of a fraction of one).
    Done on the installing copy, before it is checked and put in place; a file with
    the deduplicated layout (``tiles`` a view) is left as it is.
    """
    db = sqlite3.connect(path)
    try:
        kind = db.execute("SELECT type FROM sqlite_master WHERE name = 'tiles'").fetchone()
        if kind != ("table",):
            return False
        plan = " ".join(str(row[-1]) for row in db.execute("EXPLAIN QUERY PLAN " + LOOKUP,
                                                           (0, 0, 0)))
        if "SCAN" not in plan:
            return False
        with db:
            db.execute("CREATE INDEX geoapp_tile_address ON tiles "
                       "(zoom_level, tile_column, tile_row)")
        return True
    except sqlite3.DatabaseError:
        return False  # not readable as SQLite: the check that follows says why
    finally:
        db.close()


class MBTiles:
    def __init__(self, path: Path):
        self._lock = threading.Lock()
        uri = Path(path).resolve().as_uri() + "?mode=ro"
        self._db = sqlite3.connect(uri, uri=True, check_same_thread=False)
        try:
            self.meta = self._read_meta()
        except sqlite3.DatabaseError as exc:
            self._db.close()
            raise BadTileset(N_("MBTiles：无法读取（%(reason)s）"), reason=str(exc)) from None
        except BaseException:
            self._db.close()
            raise

    def _read_meta(self) -> Meta:
        tables = {r[0] for r in self._db.execute(
            "SELECT name FROM sqlite_master WHERE type IN ('table', 'view')")}
        for table in ("metadata", "tiles"):
            if table not in tables:
                raise BadTileset(N_("MBTiles：缺少表 %(table)s"), table=table)
        meta = dict(self._db.execute("SELECT name, value FROM metadata"))
        fmt = tile_format(meta.get("format"), WHERE + " format")
        lo, hi = meta.get("minzoom"), meta.get("maxzoom")
        if lo is None or hi is None:  # optional in MBTiles 1.3: the rows tell
            lo, hi = self._db.execute(
                "SELECT min(zoom_level), max(zoom_level) FROM tiles").fetchone()
        minzoom, maxzoom = zoom_range(lo, hi, WHERE + " minzoom/maxzoom")
        bounds = WORLD
        if meta.get("bounds"):
            bounds = check_bounds(meta["bounds"].split(","), WHERE + " bounds")
        layers = []
        if fmt == "pbf" and meta.get("json"):
            try:
                layers = [str(v["id"]) for v in json.loads(meta["json"]).get("vector_layers", [])]
            except (ValueError, AttributeError, KeyError, TypeError):
                raise BadTileset(N_("MBTiles：metadata 中的 json 不是有效的 JSON")) from None
        sample = self._db.execute("SELECT tile_data FROM tiles LIMIT 1").fetchone()
        gzipped = fmt == "pbf" and bool(sample) and bytes(sample[0][:2]) == b"\x1f\x8b"
        return Meta(kind="mbtiles", format=fmt, gzipped=gzipped, minzoom=minzoom,
                    maxzoom=maxzoom, bounds=bounds, name=meta.get("name", ""),
                    attribution=meta.get("attribution", ""), vector_layers=layers)

    def tile(self, z: int, x: int, y: int) -> bytes | None:
        with self._lock:
            row = self._db.execute(LOOKUP, (z, x, (1 << z) - 1 - y)).fetchone()
        return bytes(row[0]) if row else None

    def sample(self) -> tuple[int, int, int, bytes] | None:
        with self._lock:
            row = self._db.execute(
                "SELECT zoom_level, tile_column, tile_row, tile_data FROM tiles LIMIT 1"
            ).fetchone()
        if row is None:
            return None
        z, x, tms_row, data = row
        return z, x, (1 << z) - 1 - tms_row, bytes(data)

    def close(self) -> None:
        self._db.close()
