"""PMTiles v3: one file of tiles addressed by a Hilbert tile id through directories.

The ``pmtiles`` package decodes the header and directories; its own ``Reader``
decodes the root directory again for every tile, so this one keeps decoded
directories (the root and the leaves last used) for the process. Bytes are read
with ``os.pread`` on one descriptor: no shared file position, no lock.
"""

from __future__ import annotations

import gzip
import json
import os
import threading
from collections import OrderedDict
from pathlib import Path

from pmtiles.tile import (
    Compression,
    MagicNumberNotFound,
    SpecVersionUnsupported,
    TileType,
    deserialize_directory,
    deserialize_header,
    find_tile,
    zxy_to_tileid,
)

from geoapp.basemap.tileset import (
    UNSUPPORTED_FORMAT,
    BadTileset,
    Meta,
    check_bounds,
    zoom_range,
)
from geoapp.domain.texts import N_

WHERE = "PMTiles"
TYPES = {TileType.MVT: "pbf", TileType.PNG: "png", TileType.JPEG: "jpg", TileType.WEBP: "webp"}
LEAVES_KEPT = 64  # decoded leaf directories kept (each a few thousand entries)
MAX_DEPTH = 4  # root + three levels of leaves: the format's limit


class PMTiles:
    def __init__(self, path: Path):
        self._fd = os.open(path, os.O_RDONLY)
        self._leaves: OrderedDict[tuple[int, int], list] = OrderedDict()
        self._lock = threading.Lock()  # guards the leaf cache only
        try:
            self._size = os.fstat(self._fd).st_size
            self.meta = self._read_meta()
        except BaseException:
            os.close(self._fd)
            raise

    def _bytes(self, offset: int, length: int) -> bytes:
        if offset < 0 or length < 0 or offset + length > self._size:
            raise BadTileset(N_("PMTiles：文件不完整（引用了文件末尾之外的数据）"))
        return os.pread(self._fd, length, offset)

    def _read_meta(self) -> Meta:
        head = self._bytes(0, 127) if self._size >= 127 else b""
        if len(head) == 127 and head[7] != 3:
            raise BadTileset(N_("PMTiles：只支持第 3 版（此文件为第 %(v)s 版）"), v=head[7])
        try:
            header = deserialize_header(head)
        except (ValueError, IndexError, MagicNumberNotFound, SpecVersionUnsupported):
            raise BadTileset(N_("PMTiles：文件头无法读取")) from None
        self._header = header
        fmt = TYPES.get(header["tile_type"])
        if fmt is None:
            raise BadTileset(UNSUPPORTED_FORMAT, where=WHERE + " tile_type",
                             format=header["tile_type"].name)
        compression = header["tile_compression"]
        if compression not in (Compression.NONE, Compression.GZIP) or (
                fmt != "pbf" and compression == Compression.GZIP):
            raise BadTileset(
                N_("PMTiles：瓦片压缩方式 %(c)s 不受支持（矢量瓦片可用 gzip 或不压缩）"),
                c=compression.name)
        if header["internal_compression"] not in (Compression.NONE, Compression.GZIP):
            raise BadTileset(N_("PMTiles：目录压缩方式 %(c)s 不受支持（可用 gzip 或不压缩）"),
                             c=header["internal_compression"].name)
        minzoom, maxzoom = zoom_range(header["min_zoom"], header["max_zoom"],
                                      WHERE + " min_zoom/max_zoom")
        bounds = check_bounds([header[k] / 1e7 for k in ("min_lon_e7", "min_lat_e7",
                                                         "max_lon_e7", "max_lat_e7")],
                              WHERE + " bounds")
        metadata = {}
        if header["metadata_length"]:
            raw = self._bytes(header["metadata_offset"], header["metadata_length"])
            try:
                if header["internal_compression"] == Compression.GZIP:
                    raw = gzip.decompress(raw)
                metadata = json.loads(raw)
            except (ValueError, OSError, EOFError):
                raise BadTileset(N_("PMTiles：元数据不是有效的 JSON")) from None
        if not isinstance(metadata, dict):
            metadata = {}
        layers = [str(v.get("id")) for v in metadata.get("vector_layers") or []
                  if isinstance(v, dict)]
        self._root = self._directory(header["root_offset"], header["root_length"])
        return Meta(kind="pmtiles", format=fmt, gzipped=compression == Compression.GZIP,
                    minzoom=minzoom, maxzoom=maxzoom, bounds=bounds,
                    name=str(metadata.get("name") or ""),
                    attribution=str(metadata.get("attribution") or ""), vector_layers=layers)

    def _directory(self, offset: int, length: int) -> list:
        data = self._bytes(offset, length)
        try:
            if self._header["internal_compression"] != Compression.GZIP:
                data = gzip.compress(data, 1)  # deserialize_directory expects gzip
            return deserialize_directory(data)
        except (ValueError, OSError, EOFError, IndexError):
            raise BadTileset(N_("PMTiles：目录无法读取")) from None

    def _leaf(self, offset: int, length: int) -> list:
        key = (offset, length)
        with self._lock:
            entries = self._leaves.get(key)
            if entries is not None:
                self._leaves.move_to_end(key)
                return entries
        entries = self._directory(self._header["leaf_directory_offset"] + offset, length)
        with self._lock:
            self._leaves[key] = entries
            while len(self._leaves) > LEAVES_KEPT:
                self._leaves.popitem(last=False)
        return entries

    def _find(self, tile_id: int):
        entries = self._root
        for _depth in range(MAX_DEPTH):
            entry = find_tile(entries, tile_id)
            if entry is None:
                return None
            if entry.run_length > 0:
                return entry
            entries = self._leaf(entry.offset, entry.length)
        return None

    def tile(self, z: int, x: int, y: int) -> bytes | None:
        entry = self._find(zxy_to_tileid(z, x, y))
        if entry is None:
            return None
        return self._bytes(self._header["tile_data_offset"] + entry.offset, entry.length)

    def sample(self) -> tuple[int, int, int, bytes] | None:
        """The first tile stored (the first entry that is a tile, through the leaves)."""
        entries = self._root
        for _depth in range(MAX_DEPTH):
            if not entries:
                return None
            entry = entries[0]
            if entry.run_length > 0:
                data = self._bytes(self._header["tile_data_offset"] + entry.offset,
                                   entry.length)
                return (0, 0, 0, data)  # the place is not needed, only the bytes
            entries = self._leaf(entry.offset, entry.length)
        return None

    def close(self) -> None:
        os.close(self._fd)
