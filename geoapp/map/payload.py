"""A JSON answer built once and served many times: its bytes, its gzip form and an ETag.

The map's snapshot (geoapp.map.snapshot) keeps its documents as payloads; a
``Prefix`` lets documents that share their opening bytes write and compress
them once.
"""

from __future__ import annotations

import gzip
import hashlib
import operator
import zlib
from dataclasses import dataclass
from itertools import compress

import orjson
from isal import igzip


def dumps(doc) -> bytes:
    """Compact UTF-8 JSON. orjson: a county's 17 MB areas report took the standard library
    1.2 s; integer keys are written as strings, as json.dumps writes them."""
    return orjson.dumps(doc, option=orjson.OPT_NON_STR_KEYS | orjson.OPT_SERIALIZE_NUMPY)


@dataclass
class Payload:
    """A JSON body with its gzip form and an ETag, built once and served many times.

    ``body`` None: only the gzip form is kept (``packed``), for bodies kept by the
    thousand; ``plain`` decompresses it for a client that does not take gzip.
    """

    body: bytes | None
    gz: bytes
    etag: str

    def packed(self) -> Payload:
        return Payload(None, self.gz, self.etag)

    def plain(self) -> bytes:
        return self.body if self.body is not None else gzip.decompress(self.gz)

    @classmethod
    def of(cls, doc, fast: bool = False) -> Payload:
        return cls.of_bytes(dumps(doc), fast)

    @classmethod
    def of_bytes(cls, body: bytes, fast: bool = False) -> Payload:
        """``fast``: for bodies made again on every request or after every hazard write
        (the reports' JSON, a view's points), ISA-L's gzip (isal) at its level 1: a county's
        3.6 MB areas report in 1.1 ms of CPU, 195 kB sent, where zlib took 14 ms at level 6
        (120 kB) and 7 ms at level 3 (178 kB). Kept ones (the map's documents, its tiles)
        take zlib's level 6: made once per change, they are fetched over phones' links."""
        if not fast:
            return cls.of_parts(body, gzip.compress(body, 6, mtime=0))
        gz = igzip.compress(body, 1, mtime=0)
        # the ETag hashes the compressed form, a ninth to a twentieth of the body (2.7 of the
        # areas report's 3.8 ms was hashing its body), the same bytes for the same body in
        # every worker (one compressor, one level, no time stamp)
        return cls(body=body, gz=gz, etag=hashlib.blake2b(gz, digest_size=12).hexdigest())

    @classmethod
    def of_parts(cls, body: bytes, gz: bytes) -> Payload:
        return cls(body=body, gz=gz, etag=hashlib.blake2b(body, digest_size=12).hexdigest())


class Rows:
    """The JSON of a document's arrays of rows (dicts), each row's bytes kept while the next
    document's row in its place holds the same values: a county's areas report after a
    hazard write differs in a few of its 2,000 rows, whose encoding alone is done again
    (the rest written from the kept bytes: ``orjson.Fragment``). The body is the bytes
    ``dumps(doc)`` gives."""

    def __init__(self, arrays: tuple[str, ...]):
        self.arrays = arrays
        self._kept: dict[str, tuple] = {}  # array → (its rows, their encoded Fragments)

    def dumps(self, doc: dict) -> bytes:
        parts = {}
        for name in self.arrays:
            rows = doc[name]
            old_rows, old_parts = self._kept.get(name, ((), ()))
            n = min(len(rows), len(old_rows))
            fragments = list(old_parts[:n])
            # only the rows that are other objects than the last are looked at (a pass over
            # 10⁴ rows each looked at took 6 ms after every hazard write)
            for i in compress(range(n), map(operator.is_not, old_rows[:n], rows[:n])):
                if not _same(old_rows[i], rows[i]):
                    fragments[i] = orjson.Fragment(dumps(rows[i]))
            fragments.extend(orjson.Fragment(dumps(row)) for row in rows[n:])
            # (a request at a time may lose the race: no harm)
            self._kept[name] = (list(rows), fragments)
            parts[name] = fragments
        return dumps({key: parts.get(key, value) for key, value in doc.items()})


_SCALARS = (str, int, float, bool, type(None))


def _same(old: dict, new: dict) -> bool:
    """Whether ``new`` encodes as ``old`` did: the same keys in order, each value the same
    object (the rows' figures are shared while their counts stay: geoapp.reports.history)
    or an equal scalar of the same type (1 == 1.0 == True, whose JSON differ)."""
    return old is new or (list(old) == list(new) and all(
        a is b or (type(a) is type(b) and type(a) in _SCALARS and a == b)
        for a, b in zip(old.values(), new.values(), strict=True)))


@dataclass
class Prefix:
    """The opening bytes of a JSON body, written and gzip-compressed once; bodies that go on
    from it pay only for their own rest (zlib keeps its window in a copy of the compressor)."""

    body: bytes
    gz: bytes
    compressor: object

    @classmethod
    def of(cls, body: bytes) -> Prefix:
        compressor = zlib.compressobj(6, zlib.DEFLATED, 31)  # 31: the gzip container
        return cls(body, compressor.compress(body), compressor)

    def extended(self, more: bytes) -> Prefix:
        compressor = self.compressor.copy()
        return Prefix(self.body + more, self.gz + compressor.compress(more), compressor)

    def then(self, rest: bytes) -> Payload:
        """The payload of this prefix and ``rest``, which ends the body."""
        tail = self.compressor.copy()
        return Payload.of_parts(self.body + rest, self.gz + tail.compress(rest) + tail.flush())
