"""A photo upload made safe to keep and to serve: checked, re-encoded, thumbnailed.

Only JPEG, PNG and WebP files that Pillow decodes completely are taken. The
stored image is a new JPEG made from the decoded pixels, turned upright by its
EXIF orientation, so nothing of the uploaded bytes survives: no EXIF (the
camera's time and GPS position are read first and kept as fields), no
comments, no data hidden after the image. A file is refused, naming it, when
it is not such an image (a renamed PDF, an HTML page), when it carries markup
or bytes after the image's end (a polyglot that a browser or another tool could
read as a page or an archive), or when its pixel count could exhaust memory (a
decompression bomb: the header is read before any pixel is).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
import warnings
from dataclasses import dataclass

from PIL import Image, UnidentifiedImageError

FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
MAX_PIXELS = 50_000_000  # a 48 MP phone camera passes; a bomb's 20 000² does not
MAX_EDGE = 2560  # longest edge kept: enough to read a label, small to keep
THUMB_EDGE = 320
QUALITY = 85
# What a browser sniffs as markup, or an archive's headers, anywhere in the file.
_MARKUP = re.compile(rb"<(?:script|html|svg|body|iframe|!doctype)|PK\x03\x04", re.IGNORECASE)


class PhotoRejected(ValueError):
    """An upload that is not a photo we keep; the message names the file."""

    def __init__(self, filename: str, message: str):
        self.filename = filename
        self.message = message
        super().__init__(message)


@dataclass(frozen=True)
class PreparedPhoto:
    filename: str
    media_type: str  # of the stored bytes: always image/jpeg
    data: bytes
    thumb: bytes
    width: int
    height: int
    sha256: str
    taken_at: dt.datetime | None  # the camera's clock, read as UTC+08:00 when it says no zone
    gps_lon: float | None
    gps_lat: float | None


def prepare(filename: str, raw: bytes, tz: dt.tzinfo | None = None) -> PreparedPhoto:
    """Check and re-encode one upload; raises PhotoRejected naming ``filename``.

    ``tz`` is the zone a camera's clock is read in when the EXIF gives no
    offset (default UTC+08:00, China's one civil time).
    """
    name = (filename or "").strip() or "photo"
    if not raw:
        raise PhotoRejected(name, f"{name}: 文件为空")
    if _MARKUP.search(raw):
        raise PhotoRejected(name, f"{name}: 文件中含有网页或压缩包内容，不是单纯的图片")
    try:
        with warnings.catch_warnings():
            # Pillow warns (then raises) on large images; we decide from the header below
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            warnings.simplefilter("ignore", UserWarning)  # a corrupt EXIF: see below
            image = Image.open(io.BytesIO(raw), formats=list(FORMATS))
        if image.width * image.height > MAX_PIXELS:
            raise PhotoRejected(name, f"{name}: 图片像素过多（{image.width}×{image.height}），"
                                      f"最多 {MAX_PIXELS // 1_000_000} 百万像素")
        if image.format not in FORMATS:
            raise PhotoRejected(name, f"{name}: 只接受 JPEG、PNG 或 WebP 图片")
        _no_trailing_bytes(name, image.format, raw)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            # Pillow warns of a corrupt or truncated EXIF and reads what it can; so do we
            warnings.simplefilter("ignore", UserWarning)
            exif = image.getexif()
            image.load()
    except PhotoRejected:
        raise
    except Image.DecompressionBombError as exc:
        raise PhotoRejected(name, f"{name}: 图片像素过多，最多 {MAX_PIXELS // 1_000_000} 百万像素"
                            ) from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise PhotoRejected(name, f"{name}: 不是可以识别的 JPEG、PNG 或 WebP 图片") from exc
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # as above: the EXIF is read lazily
        taken_at = _taken_at(exif, tz or dt.timezone(dt.timedelta(hours=8)))
        lon, lat = _gps(exif)
        orientation = exif.get(_ORIENTATION)
    upright = _upright(_flatten(image), orientation)
    upright.thumbnail((MAX_EDGE, MAX_EDGE), Image.Resampling.LANCZOS)
    data = _jpeg(upright)
    thumb_image = upright.copy()
    thumb_image.thumbnail((THUMB_EDGE, THUMB_EDGE), Image.Resampling.LANCZOS)
    return PreparedPhoto(
        filename=name[:255], media_type="image/jpeg", data=data, thumb=_jpeg(thumb_image),
        width=upright.width, height=upright.height, sha256=hashlib.sha256(data).hexdigest(),
        taken_at=taken_at, gps_lon=lon, gps_lat=lat)


def _no_trailing_bytes(name: str, fmt: str, raw: bytes) -> None:
    """Refuse data after the image's own end marker (JPEG EOI, PNG IEND, WebP RIFF size)."""
    if fmt == "PNG":
        end = raw.rfind(b"IEND")
        extra = len(raw) - (end + 8) if end >= 0 else 0  # the chunk type, then its 4-byte CRC
    elif fmt == "JPEG":
        end = raw.rfind(b"\xff\xd9")
        extra = len(raw) - (end + 2) if end >= 0 else 0
    else:  # RIFF: bytes 4–8 give the size of what follows the first 8
        extra = len(raw) - (8 + int.from_bytes(raw[4:8], "little"))
    if extra > 16:  # a few padding bytes are common; a payload is not
        raise PhotoRejected(name, f"{name}: 图片结尾之后还有 {extra} 字节的其他数据")


def _flatten(image: Image.Image) -> Image.Image:
    """RGB pixels for JPEG: transparency on white, palettes and greys expanded."""
    if image.mode.startswith("I"):
        # a 16-bit grey PNG: converted directly, every value over 255 would become white
        image = image.convert("I").point(lambda v: v / 256).convert("L")
    if image.mode in ("RGBA", "LA", "P", "PA") or "transparency" in image.info:
        # a PNG may also make one grey or colour transparent (its tRNS key) without alpha
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, "white")
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image.convert("RGB") if image.mode != "RGB" else image


# EXIF orientation → the turn that makes the picture upright. Not ImageOps.exif_transpose:
# it writes the EXIF back into the image, and a camera's (or a forger's) malformed EXIF
# then raises ValueError, TypeError or struct.error; the stored JPEG has no EXIF anyway.
_TURNS = {2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180,
          4: Image.Transpose.FLIP_TOP_BOTTOM, 5: Image.Transpose.TRANSPOSE,
          6: Image.Transpose.ROTATE_270, 7: Image.Transpose.TRANSVERSE,
          8: Image.Transpose.ROTATE_90}


def _upright(image: Image.Image, orientation) -> Image.Image:
    turn = _TURNS.get(orientation) if isinstance(orientation, int) else None
    return image.transpose(turn) if turn is not None else image


def _jpeg(image: Image.Image) -> bytes:
    out = io.BytesIO()
    # no exif= argument: the new file carries no metadata at all
    image.save(out, "JPEG", quality=QUALITY, optimize=True)
    return out.getvalue()


_ORIENTATION = 0x0112
_DATETIME_ORIGINAL = 0x9003
_OFFSET_TIME_ORIGINAL = 0x9011
_EXIF_IFD = 0x8769
_GPS_IFD = 0x8825


def _taken_at(exif: Image.Exif, tz: dt.tzinfo) -> dt.datetime | None:
    sub = exif.get_ifd(_EXIF_IFD)
    text = sub.get(_DATETIME_ORIGINAL) or exif.get(0x0132)  # DateTime as a fallback
    if not isinstance(text, str):
        return None
    try:
        moment = dt.datetime.strptime(text.strip("\x00 "), "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None
    offset = sub.get(_OFFSET_TIME_ORIGINAL)
    zone = tz
    if isinstance(offset, str) and re.fullmatch(r"[+-]\d\d:\d\d", offset.strip("\x00 ")):
        sign = -1 if offset.startswith("-") else 1
        hours, minutes = int(offset[1:3]), int(offset[4:6])
        zone = dt.timezone(sign * dt.timedelta(hours=hours, minutes=minutes))
    return moment.replace(tzinfo=zone).astimezone(dt.UTC)


def _gps(exif: Image.Exif) -> tuple[float | None, float | None]:
    gps = exif.get_ifd(_GPS_IFD)
    try:
        lat = _degrees(gps[2], gps.get(1, "N"), "S")
        lon = _degrees(gps[4], gps.get(3, "E"), "W")
    except (KeyError, TypeError, ValueError, ZeroDivisionError, IndexError):
        return None, None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None, None
    return lon, lat


def _degrees(dms, ref, negative: str) -> float:
    if not isinstance(dms, tuple):  # e.g. bytes, from a tag of the wrong type: no position
        raise ValueError(f"not degrees, minutes, seconds: {dms!r}")
    d, m, s = (float(v) for v in dms)
    value = d + m / 60 + s / 3600
    return -value if str(ref).strip("\x00 ").upper() == negative else value
