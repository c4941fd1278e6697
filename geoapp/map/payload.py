"""A JSON answer built once and served many times: its bytes, its gzip form and an ETag.

The map's snapshot (geoapp.map.snapshot) keeps its documents as payloads; a
``Prefix`` lets documents that share their opening bytes write and compress
them once.
"""

from __future__ import annotations

import gzip
import hashlib
import zlib
from dataclasses import dataclass

import orjson


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
    def of(cls, doc) -> Payload:
        return cls.of_bytes(dumps(doc))

    @classmethod
    def of_bytes(cls, body: bytes) -> Payload:
        return cls.of_parts(body, gzip.compress(body, 6, mtime=0))

    @classmethod
    def of_parts(cls, body: bytes, gz: bytes) -> Payload:
        return cls(body=body, gz=gz, etag=hashlib.blake2b(body, digest_size=12).hexdigest())


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
