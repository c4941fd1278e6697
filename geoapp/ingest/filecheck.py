"""Checks on an uploaded file before any parser sees it: there, not a zip bomb,
decodable text.

Shapefiles arrive zipped and XLSX workbooks are zips too. A zip's central
directory declares each member's size before anything is inflated, so a bomb
(a 1 MB archive whose .dbf inflates to 1 GiB) is refused from the directory
alone. The limits, read from the environment at each import:

- ``GEOAPP_IMPORT_MAX_UNZIPPED_MB`` (default 1024): all members together. The
  importer holds every feature or row in memory, several times its file size;
  a county's grid or a 200,000-row ledger is well under 100 MB unzipped.
- ``GEOAPP_IMPORT_MAX_ZIP_RATIO`` (default 100): inflated ÷ compressed size of
  one member above 1 MiB. A .dbf pads every text field with blanks and sheet
  XML repeats its tags, so real files compress 5–30×; bombs are made of one
  byte repeated and reach 1000×.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from geoapp import settings
from geoapp.ingest.problems import ImportRejected, Problem

RATIO_FLOOR = 1 << 20  # smaller members are not judged by ratio: they cannot hurt
ENCODING_SAMPLE = 1 << 20  # bytes of .dbf records read to guess their encoding


def require_file(path: Path) -> None:
    """A clear report instead of FileNotFoundError/IsADirectoryError from a parser."""
    if not path.exists():
        raise ImportRejected(path, [Problem(None, None, "文件不存在")])
    if not path.is_file():
        raise ImportRejected(path, [Problem(None, None, "不是文件（是文件夹？）")])


def _limit(key: str) -> float:
    raw = settings.get(key)
    try:
        value = float(raw)
    except ValueError:
        value = -1
    if value <= 0:
        name = settings.variable(key)
        raise ImportRejected(name, [Problem(None, name, f"应为正数，而不是 {raw!r}")])
    return value


def check_zip(path: Path, kind: str = "zip 压缩包") -> zipfile.ZipFile:
    """The open archive, once its declared sizes are within the limits.

    ``kind`` names the file in the report ("XLSX 文件" for a workbook).
    """
    require_file(path)
    max_total = _limit("IMPORT_MAX_UNZIPPED_MB") * (1 << 20)
    max_ratio = _limit("IMPORT_MAX_ZIP_RATIO")
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise ImportRejected(path, [Problem(None, None, f"不是有效的 {kind}（{exc}）")]) from None
    total = 0
    for info in zf.infolist():
        total += info.file_size
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > RATIO_FLOOR and ratio > max_ratio:
            zf.close()
            why = (f"成员“{info.filename}”的压缩比 {ratio:.0f}:1 超过上限 {max_ratio:g}:1"
                   f"（解压后 {_mb(info.file_size)}），疑似“压缩炸弹”，未解压"
                   "（上限见 GEOAPP_IMPORT_MAX_ZIP_RATIO）")
            raise ImportRejected(path, [Problem(None, None, why)])
        if total > max_total:
            zf.close()
            why = (f"解压后合计超过 {_mb(max_total)}（到成员“{info.filename}”已达 {_mb(total)}），"
                   "未解压（上限见 GEOAPP_IMPORT_MAX_UNZIPPED_MB）")
            raise ImportRejected(path, [Problem(None, None, why)])
    return zf


def _mb(size: float) -> str:
    return f"{size / (1 << 20):.4g} MB"


def dbf_encoding(head: bytes, truncated: bool) -> str:
    """UTF-8 or GB18030 for a .dbf, from its first bytes (header and a sample of records).

    The header (32 bytes + 32 per field + terminator) is ASCII; records follow.
    A sample cut in the middle of a UTF-8 character is still UTF-8.
    """
    header_len = int.from_bytes(head[8:10], "little")
    records = head[header_len:]
    try:
        records.decode("utf-8")
    except UnicodeDecodeError as exc:
        if not (truncated and exc.start >= len(records) - 3 and exc.reason.startswith("unexp")):
            return "GB18030"
    return "UTF-8"


def decode_text(raw: bytes, path: Path) -> str:
    """A CSV's text: UTF-8 (with or without BOM), else GB18030 (Chinese Excel's CSV).

    Rows pasted from two exports mix UTF-8 and GBK; decoding such a file
    either way garbles one half, headers included. The header decides what
    the file meant to be: a header of Chinese labels that is valid UTF-8 makes
    every line that is not UTF-8 an error; in a file whose header is GBK, a
    line holding much Chinese text as valid UTF-8 is one. Short rows cannot
    decide (see ROW_EVIDENCE). A line GB18030 cannot decode is named, saying
    whether it is UTF-8.
    """
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    lines = raw.removeprefix(b"\xef\xbb\xbf").split(b"\n")
    header = _utf8_chinese(lines[0])
    for number, line in enumerate(lines[1:], start=2):
        if header >= HEADER_EVIDENCE and _utf8_chinese(line) < 0:
            why = "文件编码混杂：表头是 UTF-8，本行不是（疑似 GBK）"
        elif header < 0 and _utf8_chinese(line) >= ROW_EVIDENCE:
            why = "文件编码混杂：表头是 GBK，本行是 UTF-8"
        else:
            continue
        raise ImportRejected(path, [Problem(number, None, why + "；请将整个文件统一另存为 UTF-8")])
    try:
        return raw.decode("gb18030")
    except UnicodeDecodeError as exc:
        row = raw[:exc.start].count(b"\n") + 1
        if _utf8_chinese(lines[row - 1]) > 0:
            why = ("文件编码混杂：前面的行是 GBK，本行是 UTF-8；"
                   "请将整个文件统一另存为 UTF-8 后再导入")
        else:
            why = "无法识别文件编码（应为 UTF-8 或 GBK）：本行有无法解码的字节，可能不是文本文件"
        raise ImportRejected(path, [Problem(row, None, why)]) from None


# Non-ASCII characters a line needs before it counts as UTF-8 in a file that
# is not: GBK text passes as UTF-8 by chance 18 % of the time for one character,
# 0.1 % for four, never in 200,000 random lines of eight.
HEADER_EVIDENCE = 4
ROW_EVIDENCE = 10


def _utf8_chinese(line: bytes) -> int:
    """How many non-ASCII characters a line holds as UTF-8; -1 if it is not UTF-8."""
    try:
        return sum(ord(c) > 127 for c in line.decode("utf-8"))
    except UnicodeDecodeError:
        return -1
