"""What MBTiles and PMTiles share: the metadata the maps need, the checks, opening by content.

A file is recognised by its first bytes, never by its name: ``SQLite format 3`` is an
MBTiles, ``PMTiles`` + version 3 a PMTiles. Every refusal is a :class:`BadTileset`
whose text (marked for translation) names the problem, so an administrator knows
what to fix in the file.
"""

from __future__ import annotations

import gzip
from dataclasses import asdict, dataclass, field
from typing import Protocol

from geoapp.domain.texts import N_

# tile format → (content type, kind); "pbf" is Mapbox Vector Tiles (MVT)
FORMATS = {
    "png": ("image/png", "raster"),
    "jpg": ("image/jpeg", "raster"),
    "webp": ("image/webp", "raster"),
    "pbf": ("application/vnd.mapbox-vector-tile", "vector"),
}
# names a file may give its format, and the one used here
FORMAT_ALIASES = {"png": "png", "jpg": "jpg", "jpeg": "jpg", "webp": "webp", "pbf": "pbf",
                  "mvt": "pbf"}
# Web Mercator's latitude limit: the world when a file gives no bounds
WORLD = (-180.0, -85.0511, 180.0, 85.0511)
MAX_ZOOM = 24
UNSUPPORTED_FORMAT = N_("%(where)s：瓦片格式 “%(format)s” 不受支持（可用 png、jpg、webp、pbf）")


class BadTileset(ValueError):
    """A file that cannot be the basemap; ``text`` is translatable, ``args_`` fill it."""

    def __init__(self, text: str, **values):
        super().__init__(text % values if values else text)
        self.text, self.values = text, values


@dataclass(frozen=True)
class Meta:
    """What a map needs to draw the tileset (and the admin page shows)."""

    kind: str  # "mbtiles" | "pmtiles"
    format: str  # a key of FORMATS
    gzipped: bool  # vector tiles stored gzip-compressed (sent with Content-Encoding: gzip)
    minzoom: int
    maxzoom: int
    bounds: tuple[float, float, float, float]  # west, south, east, north (WGS84)
    name: str = ""
    attribution: str = ""
    vector_layers: list[str] = field(default_factory=list)  # MVT layer names

    @property
    def content_type(self) -> str:
        return FORMATS[self.format][0]

    @property
    def tiles(self) -> str:
        """raster | vector"""
        return FORMATS[self.format][1]

    def as_dict(self) -> dict:
        return {**asdict(self), "bounds": list(self.bounds), "tiles": self.tiles,
                "content_type": self.content_type}


class Tileset(Protocol):
    meta: Meta

    def tile(self, z: int, x: int, y: int) -> bytes | None: ...
    def sample(self) -> tuple[int, int, int, bytes] | None: ...
    def close(self) -> None: ...


def tile_format(raw: str | None, where: str) -> str:
    """A declared tile format as one of FORMATS, or BadTileset naming it."""
    fmt = FORMAT_ALIASES.get((raw or "").strip().lower())
    if fmt is None:
        raise BadTileset(UNSUPPORTED_FORMAT, where=where, format=raw or "")
    return fmt


def zoom_range(minzoom, maxzoom, where: str) -> tuple[int, int]:
    try:
        lo, hi = int(minzoom), int(maxzoom)
    except (TypeError, ValueError):
        raise BadTileset(N_("%(where)s：缩放级别不是整数"), where=where) from None
    if not 0 <= lo <= hi <= MAX_ZOOM:
        raise BadTileset(N_("%(where)s：缩放级别 %(lo)s–%(hi)s 不在 0–24 之内"),
                         where=where, lo=lo, hi=hi)
    return lo, hi


def check_bounds(bounds: list, where: str) -> tuple[float, float, float, float]:
    """west, south, east, north in degrees, or BadTileset naming what the file holds."""
    try:
        w, s, e, n = (float(v) for v in bounds)
        sound = -180 <= w < e <= 180 and -90 <= s < n <= 90
    except (TypeError, ValueError):
        sound = False
    if not sound:
        raise BadTileset(N_("%(where)s：范围 %(bounds)s 不是经纬度（西、南、东、北）"),
                         where=where, bounds=",".join(str(v) for v in bounds))
    return w, s, e, n


def check_tile(data: bytes, fmt: str, gzipped: bool) -> None:
    """The bytes of one tile are what the file says its tiles are (PNG, JPEG, WebP, MVT)."""
    if fmt == "pbf":
        body = data
        if data[:2] == b"\x1f\x8b":
            try:
                body = gzip.decompress(data)
            except (OSError, EOFError):
                raise BadTileset(N_("瓦片不是有效的 gzip 压缩矢量瓦片")) from None
        elif gzipped:
            raise BadTileset(N_("文件声明矢量瓦片经 gzip 压缩，但瓦片未压缩"))
        # an MVT is a protobuf whose fields are layers (field 3, length-delimited: 0x1a)
        if body and body[0] != 0x1A:
            raise BadTileset(N_("瓦片不是矢量瓦片（MVT），与文件声明的格式不符"))
        return
    magic = {"png": data[:8] == b"\x89PNG\r\n\x1a\n",
             "jpg": data[:3] == b"\xff\xd8\xff",
             "webp": data[:4] == b"RIFF" and data[8:12] == b"WEBP"}[fmt]
    if not magic:
        raise BadTileset(N_("瓦片不是 %(format)s 图片，与文件声明的格式不符"),
                         format=fmt.upper())
