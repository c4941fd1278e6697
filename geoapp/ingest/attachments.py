"""A measure's attachment (the letter, the notice, the minutes): a PDF or an image, checked.

Judged by content, never by name: a file named ``.pdf`` that does not begin
with a PDF header (an ``.exe`` renamed) is refused, naming the file. An image
goes through geoapp.ingest.photos (decoded and re-encoded as a JPEG without
EXIF), so nothing of its uploaded bytes is kept. A PDF is kept as sent, but
only when it is one document: the header at the start, the end-of-file
marker at the end, and no script, launch action or embedded file in its
plain-text objects (such a PDF can run code or carry another file; a
scanned letter needs none of these). It is served only as a download, with
headers that keep a browser from running it (geoapp.web.measures).
The size is limited before this, on the request's body (``GEOAPP_MAX_UPLOAD_MB``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass

from geoapp.ingest.photos import PhotoRejected, prepare

PDF = "application/pdf"
# A PDF's end-of-file marker within its last bytes (incremental updates end with one too).
_PDF_TAIL = 1024
# Names of actions that run or launch something, or carry a file, in a PDF's objects.
_PDF_ACTIVE = re.compile(rb"/(?:JavaScript|JS|Launch|EmbeddedFile|RichMedia|XFA)\b")
_PDF_MARKUP = re.compile(rb"<(?:script|html|body|iframe|!doctype)", re.IGNORECASE)
_IMAGE_MAGIC = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"RIFF")


class AttachmentRejected(ValueError):
    """An upload that is not a PDF or an image we keep; the message names the file."""

    def __init__(self, filename: str, message: str):
        self.filename = filename
        self.message = message
        super().__init__(message)


@dataclass(frozen=True)
class PreparedAttachment:
    filename: str
    media_type: str  # application/pdf or image/jpeg (images are re-encoded)
    data: bytes
    sha256: str

    @property
    def size(self) -> int:
        return len(self.data)


def prepare_attachment(filename: str, raw: bytes,
                       tz: dt.tzinfo | None = None) -> PreparedAttachment:
    """Check one upload; raises AttachmentRejected naming ``filename``."""
    name = (filename or "").strip() or "attachment"
    if not raw:
        raise AttachmentRejected(name, f"{name}: 文件为空")
    if raw.startswith(b"%PDF-"):
        return _pdf(name, raw)
    if raw.startswith(_IMAGE_MAGIC):
        try:
            photo = prepare(name, raw, tz)
        except PhotoRejected as exc:
            raise AttachmentRejected(name, exc.message) from None
        # the stored image is a new JPEG: its name says so
        stem = name.rsplit(".", 1)[0] if "." in name else name
        return PreparedAttachment(filename=(stem[:250] + ".jpg"), media_type=photo.media_type,
                                  data=photo.data, sha256=photo.sha256)
    raise AttachmentRejected(name, f"{name}: 附件只接受 PDF 文件或 JPEG、PNG、WebP 图片"
                                   "（按文件内容判断，不看扩展名）")


def _pdf(name: str, raw: bytes) -> PreparedAttachment:
    if not re.match(rb"%PDF-[12]\.\d", raw):
        raise AttachmentRejected(name, f"{name}: 不是有效的 PDF 文件（文件头无版本号）")
    if b"%%EOF" not in raw[-_PDF_TAIL:]:
        raise AttachmentRejected(name, f"{name}: 不是完整的 PDF 文件（缺少文件结束标记）")
    if _PDF_ACTIVE.search(raw) or _PDF_MARKUP.search(raw):
        raise AttachmentRejected(name, f"{name}: PDF 中含有脚本、启动操作或嵌入文件，"
                                       "请另存为普通 PDF（如打印为 PDF）后再上传")
    safe = name if name.lower().endswith(".pdf") else name + ".pdf"
    return PreparedAttachment(filename=safe[:255], media_type=PDF, data=raw,
                              sha256=hashlib.sha256(raw).hexdigest())
