"""Checking and naming uploaded files (children's documents, supervision evidence, …).

One place knows what an accepted file looks like, so every upload is held to the same test:

- the extension must be one the caller accepts (`allowed`), each with the content type we
  store and send back;
- the size at most `max_bytes` (10 MB unless the caller says otherwise) and not empty;
- the first bytes must be what that kind of file starts with ("magic bytes": a program renamed
  `.pdf` is refused), and an Office Open XML file (docx, xlsx) must be a real package of its
  kind — a zip with `[Content_Types].xml` and the Word or Excel part — not any zip renamed —
  that `office_guard.check_package` accepts (no bzip2/lzma members, no zip bomb: what is kept
  is sent to the next person who opens it).

`upload_problem` answers with *what* is wrong (`Problem`), not with a sentence: each form words
its own message (the registry's and the supervision pages' wording differ and users know them).
Files are stored under MEDIA_ROOT with a random name (`stored_name`); the name the user gave is
kept in the model's `original_name` (`original_name`), never used as a path.
"""

from __future__ import annotations

import uuid
import zipfile
from collections.abc import Collection
from enum import StrEnum
from typing import Any

from . import office_guard

MAX_UPLOAD_BYTES = 10 * 1024 * 1024

CONTENT_TYPES = {
    "pdf": "application/pdf",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "doc": "application/msword",
    "xls": "application/vnd.ms-excel",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # compound file: Word / Excel 97–2003
SIGNATURES = {
    "pdf": (b"%PDF-",),
    "jpg": (b"\xff\xd8\xff",),
    "jpeg": (b"\xff\xd8\xff",),
    "png": (b"\x89PNG\r\n\x1a\n",),
    "doc": (_OLE2,),
    "xls": (_OLE2,),
    "docx": (b"PK\x03\x04",),
    "xlsx": (b"PK\x03\x04",),
}
# The part an Office Open XML package of each kind must contain.
OOXML_PARTS = {"docx": "word/", "xlsx": "xl/"}


class Problem(StrEnum):
    TYPE = "type"  # extension not accepted
    TOO_LARGE = "too_large"
    EMPTY = "empty"
    SIGNATURE = "signature"  # the first bytes are not what the extension says
    PACKAGE = "package"  # a zip, but not a Word / Excel package
    HOSTILE = "hostile"  # a Word / Excel package refused by core.office_guard (bomb, odd compression)


def extension_of(name: str) -> str:
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""


def original_name(upload: Any) -> str:
    """The file's own name, without any folder a browser sent with it (at most 255 characters)."""
    return str(getattr(upload, "name", "") or "").rsplit("/", 1)[-1].rsplit("\\", 1)[-1][:255]


def stored_name(extension: str) -> str:
    """A random storage name: users' names (Chinese, spaces, odd characters) never become paths."""
    return f"{uuid.uuid4().hex}.{extension}"


def _is_package(upload: Any, part: str) -> bool:
    upload.seek(0)
    try:
        with zipfile.ZipFile(upload) as package:
            names = set(package.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return False
    finally:
        upload.seek(0)
    return "[Content_Types].xml" in names and any(n.startswith(part) for n in names)


def upload_problem(upload: Any, *, allowed: Collection[str], max_bytes: int = MAX_UPLOAD_BYTES) -> Problem | None:
    """What is wrong with `upload` (a Django UploadedFile or any file with name and size),
    checked in this order: type, size, emptiness, magic bytes, package; None when it may be kept."""
    extension = extension_of(str(getattr(upload, "name", "") or ""))
    if extension not in allowed or extension not in SIGNATURES:
        return Problem.TYPE
    size = int(getattr(upload, "size", 0) or 0)
    if size > max_bytes:
        return Problem.TOO_LARGE
    if size == 0:
        return Problem.EMPTY
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    if not any(head.startswith(signature) for signature in SIGNATURES[extension]):
        return Problem.SIGNATURE
    if extension in OOXML_PARTS and not _is_package(upload, OOXML_PARTS[extension]):
        return Problem.PACKAGE
    if extension in OOXML_PARTS and hostile_reason(upload) is not None:
        return Problem.HOSTILE
    return None


HOSTILE_MESSAGE = "的压缩内容异常（解压后过大、压缩方式不允许或结构被篡改），已拒绝上传"


def hostile_reason(upload: Any) -> str | None:
    """Why `core.office_guard` refuses this Office package (a bounded streaming check: uploads are
    at most 10 MB and unpack to at most SHOUHU_DOCUMENT_MAX_UNPACKED_MB), or None."""
    upload.seek(0)
    try:
        office_guard.check_package(upload, limits=office_guard.document_limits())
    except office_guard.HostileFile as error:
        return str(error)
    finally:
        upload.seek(0)
    return None
