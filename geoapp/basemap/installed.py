"""The installed basemap: one file in the basemap folder, replaced atomically.

An install writes the new file next to the installed one under a temporary
name, opens and checks it (metadata, one tile of the declared format) and only
then renames it over ``basemap.tiles``: a bad file is refused with the reason
and the basemap in use stays as it was; a reader sees the old file or the new,
never half of one. ``basemap.json`` beside it says which file it was, who
installed it and when (for the admin page; the map reads the tiles file only).

Each process keeps the file open (:class:`Basemap`) and notices a replacement
or removal by another process through the file's identity (inode, size,
modification time), checked with one ``stat`` per request.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
import shutil
import threading
import uuid
from dataclasses import dataclass
from pathlib import Path

from geoapp.basemap import mbtiles, pmtiles_file
from geoapp.basemap.tileset import BadTileset, Tileset, check_tile
from geoapp.domain.audit import file_sha256
from geoapp.domain.texts import N_

TILES = "basemap.tiles"
INFO = "basemap.json"
log = logging.getLogger(__name__)


SQLITE = b"SQLite format 3\x00"


def _head(path: Path) -> bytes:
    with open(path, "rb") as f:
        return f.read(16)


def open_tileset(path: Path) -> Tileset:
    """The file as a tileset, checked: metadata sound and one tile of the declared format.

    Recognised by its first bytes, never by its name.
    """
    head = _head(path)
    if head == SQLITE:
        tileset: Tileset = mbtiles.MBTiles(path)
    elif head[:7] == b"PMTiles":
        tileset = pmtiles_file.PMTiles(path)
    else:
        raise BadTileset(N_("不是 MBTiles 或 PMTiles 文件（文件开头既非 SQLite 也非 PMTiles）"))
    try:
        sample = tileset.sample()
        if sample is None:
            raise BadTileset(N_("文件中没有瓦片"))
        check_tile(sample[3], tileset.meta.format, tileset.meta.gzipped)
    except BaseException:
        tileset.close()
        raise
    return tileset


def _info(folder: Path) -> dict:
    """basemap.json: filename, size, sha256, installed_at, by ({} for a file put by hand)."""
    try:
        return json.loads((folder / INFO).read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return {}


@dataclass(frozen=True)
class Installed:
    tileset: Tileset
    version: str  # new with every install: in the tile URLs and their ETags
    folder: Path

    def as_dict(self) -> dict:
        """What the admin page shows (basemap.json read now: written just after the file)."""
        return {**_info(self.folder), **self.tileset.meta.as_dict(), "version": self.version}


class Basemap:
    """The basemap folder of one process: its open tileset, install and remove."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self._lock = threading.Lock()
        self._key: tuple | None = None
        self._current: Installed | None = None
        # the tileset replaced last: closed at the next replacement, not at once, so
        # that a request still reading it finishes
        self._retired: Tileset | None = None

    def current(self) -> Installed | None:
        try:
            st = os.stat(self.folder / TILES)
        except FileNotFoundError:
            st = None
        key = (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns) if st else None
        with self._lock:
            if key != self._key:
                self._replace(key)
            return self._current

    def _replace(self, key: tuple | None) -> None:
        if self._retired is not None:
            self._retired.close()
        self._retired = self._current.tileset if self._current else None
        self._current, self._key = None, key
        if key is None:
            return
        try:
            tileset = open_tileset(self.folder / TILES)
        except (BadTileset, OSError) as exc:  # put there by hand: the maps go without
            log.error("basemap %s not used: %s", self.folder / TILES, exc)
            return
        version = hashlib.sha256(repr(key).encode()).hexdigest()[:12]
        self._current = Installed(tileset, version, self.folder)

    def staging_path(self) -> Path:
        """A new temporary name in the folder (same file system: the rename is atomic)."""
        self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        return self.folder / f"incoming-{uuid.uuid4().hex}.part"

    def install_staged(self, staged: Path, filename: str, by: str) -> Installed:
        """Check ``staged`` (a staging_path) and put it in place; BadTileset leaves all as
        it was, the staged file removed."""
        try:
            # the file as it came (before an index is added to it)
            info = {"filename": filename, "size": staged.stat().st_size,
                    "sha256": file_sha256(staged), "by": by,
                    "installed_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")}
            if _head(staged) == SQLITE:
                mbtiles.add_index(staged)
            open_tileset(staged).close()
            part = staged.with_suffix(".json")
            part.write_text(json.dumps(info, ensure_ascii=False), encoding="utf-8")
            os.replace(staged, self.folder / TILES)
            os.replace(part, self.folder / INFO)
        finally:
            staged.unlink(missing_ok=True)
            staged.with_suffix(".json").unlink(missing_ok=True)
        installed = self.current()
        if installed is None:  # checked a moment ago: only a concurrent removal gets here
            raise BadTileset(N_("底图安装后无法打开"))
        return installed

    def install_file(self, source: Path, by: str) -> Installed:
        """Install a file from anywhere (the command line): copied in, then as above."""
        staged = self.staging_path()
        try:
            shutil.copyfile(source, staged)
        except BaseException:
            staged.unlink(missing_ok=True)
            raise
        return self.install_staged(staged, Path(source).name, by)

    def remove(self) -> dict | None:
        """Remove the installed basemap; what it was (None: there was none)."""
        installed = self.current()
        if installed is None and not (self.folder / TILES).exists():
            return None
        removed = installed.as_dict() if installed else _info(self.folder)
        (self.folder / TILES).unlink(missing_ok=True)
        (self.folder / INFO).unlink(missing_ok=True)
        self.current()
        return removed
