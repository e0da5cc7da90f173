"""Documents attached to a child (ID card, disability certificate, …): checks and the writes.

Files are checked before anything is written: the extension must be one we accept, the size at
most `MAX_DOCUMENT_BYTES`, and the first bytes must be what that kind of file starts with (a
program renamed `.pdf` is refused). Stored under MEDIA_ROOT with a random name — never served
statically: the download view streams them after the access check, and every download is audited.
"""

from __future__ import annotations

import datetime
import uuid
import zipfile
from typing import IO

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from shouhu.accounts.models import User
from shouhu.core import audit

from . import services
from .exchange.format import ChildRecord
from .models import Child, ChildDocument, DocumentType

ALLOWED_EXTENSIONS = ("pdf", "jpg", "jpeg", "png", "docx", "doc")
MAX_DOCUMENT_BYTES = 10 * 1024 * 1024
MAX_DOCUMENT_MB = MAX_DOCUMENT_BYTES // (1024 * 1024)
CONTENT_TYPES = {
    "pdf": "application/pdf",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "doc": "application/msword",
}
# What each kind of file starts with ("magic bytes").
SIGNATURES = {
    "pdf": (b"%PDF-",),
    "jpg": (b"\xff\xd8\xff",),
    "jpeg": (b"\xff\xd8\xff",),
    "png": (b"\x89PNG\r\n\x1a\n",),
    "docx": (b"PK\x03\x04",),
    "doc": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",),  # OLE2 compound file (Word 97–2003)
}
ACCEPT_ATTRIBUTE = ",".join(f".{ext}" for ext in ALLOWED_EXTENSIONS)


def extension_of(name: str) -> str:
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""


def _is_word_package(upload: IO[bytes]) -> bool:
    try:
        with zipfile.ZipFile(upload) as package:
            names = set(package.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return False
    finally:
        upload.seek(0)
    return "[Content_Types].xml" in names and any(n.startswith("word/") for n in names)


def document_errors(upload: UploadedFile) -> list[str]:
    """Chinese messages naming the file; empty when the file may be attached."""
    name = upload.name or "（未命名文件）"
    ext = extension_of(name)
    if ext not in ALLOWED_EXTENSIONS:
        allowed = "、".join(ALLOWED_EXTENSIONS)
        return [f"文件「{name}」的类型不允许上传，只接受 {allowed} 文件"]
    size = upload.size or 0
    if size > MAX_DOCUMENT_BYTES:
        return [f"文件「{name}」大小为 {size / 1024 / 1024:.1f} MB，超过 {MAX_DOCUMENT_MB} MB 的上限"]
    if size == 0:
        return [f"文件「{name}」是空文件"]
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    if not any(head.startswith(signature) for signature in SIGNATURES[ext]):
        return [f"文件「{name}」的内容不是 {ext} 文件（扩展名与实际内容不符），请上传原始文件"]
    if ext == "docx" and not _is_word_package(upload):
        return [f"文件「{name}」不是有效的 Word（docx）文档"]
    return []


@transaction.atomic
def document_attach(*, actor: User, child: Child, doc_type: str, upload: UploadedFile) -> ChildDocument:
    """Attach one checked file to a child (audited)."""
    if doc_type not in DocumentType.values:
        raise ValidationError({"doc_type": "「材料类型」无效"})
    errors = document_errors(upload)
    if errors:
        raise ValidationError({"document": errors})
    original = (upload.name or "").rsplit("/", 1)[-1].rsplit("\\", 1)[-1][:255]
    ext = extension_of(original)
    document = ChildDocument(
        child=child,
        doc_type=doc_type,
        original_name=original,
        content_type=CONTENT_TYPES[ext],
        size=upload.size or 0,
        uploaded_by=actor,
    )
    document.file.save(f"{uuid.uuid4().hex}.{ext}", upload, save=False)
    document.save()
    audit.record(
        actor=actor,
        action="children.document_attach",
        target=child,
        summary=f"为 {child.name} 上传{DocumentType(doc_type).label}「{original}」",
        detail={"document": document.pk, "doc_type": doc_type, "size": document.size},
    )
    return document


def document_open(*, actor: User, document: ChildDocument) -> IO[bytes]:
    """Open a document for download; the download is audited. The caller has checked access."""
    handle = document.file.open("rb")
    with transaction.atomic():
        audit.record(
            actor=actor,
            action="children.document_download",
            target=document.child,
            summary=f"下载 {document.child.name} 的{document.get_doc_type_display()}「{document.original_name}」",
            detail={"document": document.pk},
        )
    return handle  # type: ignore[return-value]


@transaction.atomic
def child_register_with_documents(
    *,
    actor: User,
    record: ChildRecord,
    phone: str = "",
    address: str = "",
    documents: list[tuple[str, UploadedFile]] | None = None,
    effective: datetime.date | None = None,
) -> Child:
    """Register a child and attach the documents given with the form, all or nothing."""
    child = services.child_register(actor=actor, record=record, phone=phone, address=address, effective=effective)
    for doc_type, upload in documents or []:
        document_attach(actor=actor, child=child, doc_type=doc_type, upload=upload)
    return child
