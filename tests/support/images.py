"""Files a phone (or an attacker) uploads as photos, made in memory with Pillow.

Good ones: ``jpeg_with_gps`` (a camera JPEG with its time and GPS position in
EXIF), ``png``, ``webp``. Refused ones: ``pdf_renamed`` (a PDF), ``html_page``
(an HTML page), ``jpeg_zip_polyglot`` (a JPEG with a ZIP archive after it),
``jpeg_trailing_bytes`` (data after the end marker) and ``png_bomb`` (a PNG
whose header declares 100 000 × 100 000 pixels: small on the wire, 30 GB decoded).
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

# EXIF tags (Pillow's numbers): the camera's clock and the GPS block
DATETIME_ORIGINAL, OFFSET_TIME_ORIGINAL, EXIF_IFD, GPS_IFD = 0x9003, 0x9011, 0x8769, 0x8825


def _image(size=(64, 48), colour=(200, 60, 30)):
    from PIL import Image

    return Image.new("RGB", size, colour)


def jpeg(size=(64, 48), colour=(200, 60, 30)) -> bytes:
    out = io.BytesIO()
    _image(size, colour).save(out, "JPEG", quality=90)
    return out.getvalue()


def jpeg_with_gps(lon: float = 120.3405, lat: float = 31.5805,
                  taken: str = "2030:06:13 09:30:00", size=(64, 48)) -> bytes:
    """A JPEG with EXIF DateTimeOriginal (no zone: read as Beijing time), GPS and a camera name."""
    from PIL import Image

    def dms(value: float):
        degrees = int(value)
        minutes = int((value - degrees) * 60)
        seconds = round(((value - degrees) * 60 - minutes) * 60, 4)
        return (float(degrees), float(minutes), seconds)

    exif = Image.Exif()
    exif[0x010F] = "TestCam"  # Make
    exif[0x0110] = "Phone 12"  # Model
    exif.get_ifd(EXIF_IFD)[DATETIME_ORIGINAL] = taken
    gps = exif.get_ifd(GPS_IFD)
    gps[1], gps[2] = ("N" if lat >= 0 else "S"), dms(abs(lat))
    gps[3], gps[4] = ("E" if lon >= 0 else "W"), dms(abs(lon))
    out = io.BytesIO()
    _image(size).save(out, "JPEG", quality=90, exif=exif)
    return out.getvalue()


def png(size=(40, 30)) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGBA", size, (0, 128, 255, 128)).save(out, "PNG")
    return out.getvalue()


def webp(size=(40, 30)) -> bytes:
    out = io.BytesIO()
    _image(size, (20, 160, 20)).save(out, "WEBP", quality=80)
    return out.getvalue()


def pdf_renamed() -> bytes:
    """A minimal PDF (to be sent as ``scan.jpg``)."""
    return (b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
            b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n"
            b"trailer << /Root 1 0 R >>\n%%EOF\n")


def html_page() -> bytes:
    return b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"


def jpeg_zip_polyglot() -> bytes:
    """A real JPEG followed by a ZIP archive: opens as a photo and as an archive."""
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("payload.html", "<script>alert(1)</script>")
    return jpeg() + archive.getvalue()


def jpeg_trailing_bytes(count: int = 4096) -> bytes:
    return jpeg() + bytes(range(256)) * (count // 256)


def _chunk(kind: bytes, data: bytes) -> bytes:
    return (struct.pack(">I", len(data)) + kind + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))


def png_bomb(width: int = 100_000, height: int = 100_000) -> bytes:
    """A PNG whose header declares ``width`` × ``height`` pixels, with one compressed row.

    The header alone is what a decoder sizes its memory by: a checker must
    refuse it from the header, before decoding any pixel.
    """
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit greyscale
    row = zlib.compress(b"\x00" + bytes(width), 9)
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", row)
            + _chunk(b"IEND", b""))


# name of the upload → (its bytes): every file a photo upload must refuse
REFUSED = {
    "scan.jpg": pdf_renamed,
    "page.jpg": html_page,
    "polyglot.jpg": jpeg_zip_polyglot,
    "trailing.jpg": jpeg_trailing_bytes,
    "bomb.png": png_bomb,
}
