"""CSV read and written column by column through pyarrow (no Python call per cell).

A million-row ledger is three million cells: reading them through pandas'
object columns and stripping each in Python took a third of ``geoapp assign``.
Here the text is split into string columns by pyarrow's reader and trimmed
with one compute call per column.

Only well-formed files take this path: a row with more or fewer fields than
the header, or anything else pyarrow's reader refuses, returns None and the
caller reads the file with pandas as before, which pads short rows and names
the line of a long one (geoapp.ingest.ledger.read_table). So problems are
reported the same way whichever reader ran.
"""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

# What Python's str.strip() removes (the reader's contract since it was pandas + strip):
# ASCII blanks, the ideographic space U+3000 and the other Unicode spaces (every
# character whose str.isspace() is true; tests/store/test_csv_columns.py checks the list).
WHITESPACE = ("\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003"
              "\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000")
# Their first bytes in UTF-8 (besides \n and \r, which end lines): a file without any
# of these bytes has no cell to trim, which saves a pass over every column. Each is
# looked for with bytes.find (memchr): a byte histogram of the file cost 20 times more.
_BLANK_BYTES = tuple(bytes([b]) for b in
                     sorted({c.encode("utf-8")[0] for c in WHITESPACE} - {10, 13}))
# pyarrow names generated columns f0, f1, …; every one of them is read as text
_MAX_COLUMNS = 16384
_LEADING_NEWLINES = re.compile(rb"[\r\n]*")


def read_text_columns(data: bytes) -> tuple[list[str], pd.DataFrame] | None:
    """(header, rows as trimmed text columns) of a UTF-8 CSV, or None if not well-formed
    (or not UTF-8).

    The columns are pandas' ``str`` dtype backed by Arrow: values are never
    missing (an empty cell is ""), as with ``pd.read_csv(dtype=str,
    keep_default_na=False)``.
    """
    if not data.strip():
        return None  # pandas' reader says "no header row"
    quoted = b'"' in data  # only a quoted value can hold a line break or a comma
    # every column read as text: without quotes the header line (the first that is not
    # empty: the reader skips empty lines) says how many there are
    first = _LEADING_NEWLINES.match(data).end()
    end = data.find(b"\n", first)
    header_commas = data.count(b",", first, len(data) if end < 0 else end)
    width = _MAX_COLUMNS if quoted else min(header_commas + 1, _MAX_COLUMNS)
    try:
        table = pacsv.read_csv(
            pa.py_buffer(data),
            # one thread: `geoapp assign` reads the points while GDAL parses the cells on
            # the other core, and the reader's own threads cost twice the CPU time
            read_options=pacsv.ReadOptions(autogenerate_column_names=True, use_threads=False),
            parse_options=pacsv.ParseOptions(newlines_in_values=quoted),
            convert_options=pacsv.ConvertOptions(
                column_types={f"f{i}": pa.string() for i in range(width)},
                strings_can_be_null=False, quoted_strings_can_be_null=False),
        )
    except pa.ArrowInvalid:  # a row with more or fewer fields than the header, not UTF-8…
        return None
    if table.num_columns >= _MAX_COLUMNS:
        return None
    columns = table.columns
    if quoted or any(blank in data for blank in _BLANK_BYTES):
        columns = [pc.utf8_trim(col, characters=WHITESPACE) for col in columns]
    header = [col[0].as_py() if len(col) else "" for col in columns]
    rows = pd.DataFrame({i: pd.Series(col.slice(1), dtype="str")
                         for i, col in enumerate(columns)})
    return header, rows


def write_csv(path: str | Path, columns: dict[str, pa.Array | np.ndarray]) -> None:
    """A UTF-8 CSV with a plain header line; values quoted only when they must be.

    pyarrow's writer quotes every header and string unless told never to quote;
    "never" refuses a value holding a comma, quote or newline, and only then are
    the rows formatted again with every string quoted. Rows are formatted in
    chunks on two threads (pyarrow releases the GIL; numbers are most of the
    work) and written in order.
    """
    table = pa.table(columns)
    header = ",".join(_quoted(name) for name in table.column_names) + "\n"
    for style in ("none", "needed"):
        try:
            parts = _formatted(table, pacsv.WriteOptions(include_header=False,
                                                         quoting_style=style))
        except pa.ArrowInvalid:
            if style == "needed":
                raise
            continue
        with open(path, "wb") as sink:
            sink.write(header.encode("utf-8"))
            for part in parts:
                sink.write(part)
        return


_WRITE_THREADS = 2
_WRITE_ROWS = 200_000  # rows per chunk: a few MB of text each


def _formatted(table: pa.Table, options: pacsv.WriteOptions) -> list[pa.Buffer]:
    def one(start: int) -> pa.Buffer:
        sink = pa.BufferOutputStream()
        pacsv.write_csv(table.slice(start, _WRITE_ROWS), sink, options)
        return sink.getvalue()

    with ThreadPoolExecutor(_WRITE_THREADS) as pool:
        return list(pool.map(one, range(0, table.num_rows, _WRITE_ROWS)))


def _quoted(name: str) -> str:
    if any(c in name for c in ',"\r\n'):
        return '"' + name.replace('"', '""') + '"'
    return name
