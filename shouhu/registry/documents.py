"""Documents attached to a child (ID card, disability certificate, …): checks and the writes.

Files are checked before anything is written, by `shouhu.core.uploads` (the one checker of
uploads: extension, size at most `MAX_DOCUMENT_BYTES`, magic bytes — a program renamed `.pdf` is
refused — and a real Word package for docx); the messages here are the registry's own wording.
Stored under MEDIA_ROOT with a random name — never served statically: the download view streams
them after the access check, and every download is audited.
"""

from __future__ import annotations

import datetime
from typing import IO

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from shouhu.accounts.models import User
from shouhu.core import audit
from shouhu.core.uploads import (
    CONTENT_TYPES,
    HOSTILE_MESSAGE,
    MAX_UPLOAD_BYTES,
    Problem,
    extension_of,
    original_name,
    stored_name,
    upload_problem,
)

from . import services
from .exchange.format import ChildRecord
from .models import Child, ChildDocument, DocumentType

ALLOWED_EXTENSIONS = ("pdf", "jpg", "jpeg", "png", "docx", "doc")
MAX_DOCUMENT_BYTES = MAX_UPLOAD_BYTES
MAX_DOCUMENT_MB = MAX_DOCUMENT_BYTES // (1024 * 1024)
ACCEPT_ATTRIBUTE = ",".join(f".{ext}" for ext in ALLOWED_EXTENSIONS)


def document_errors(upload: UploadedFile) -> list[str]:
    """Chinese messages naming the file; empty when the file may be attached."""
    name = upload.name or "（未命名文件）"
    ext = extension_of(name)
    problem = upload_problem(upload, allowed=ALLOWED_EXTENSIONS, max_bytes=MAX_DOCUMENT_BYTES)
    if problem == Problem.TYPE:
        allowed = "、".join(ALLOWED_EXTENSIONS)
        return [f"文件「{name}」的类型不允许上传，只接受 {allowed} 文件"]
    if problem == Problem.TOO_LARGE:
        size = upload.size or 0
        return [f"文件「{name}」大小为 {size / 1024 / 1024:.1f} MB，超过 {MAX_DOCUMENT_MB} MB 的上限"]
    if problem == Problem.EMPTY:
        return [f"文件「{name}」是空文件"]
    if problem == Problem.SIGNATURE:
        return [f"文件「{name}」的内容不是 {ext} 文件（扩展名与实际内容不符），请上传原始文件"]
    if problem == Problem.PACKAGE:
        return [f"文件「{name}」不是有效的 Word（docx）文档"]
    if problem == Problem.HOSTILE:
        return [f"文件「{name}」{HOSTILE_MESSAGE}"]
    return []


@transaction.atomic
def document_attach(*, actor: User, child: Child, doc_type: str, upload: UploadedFile) -> ChildDocument:
    """Attach one checked file to a child (audited)."""
    if doc_type not in DocumentType.values:
        raise ValidationError({"doc_type": "「材料类型」无效"})
    errors = document_errors(upload)
    if errors:
        raise ValidationError({"document": errors})
    original = original_name(upload)
    ext = extension_of(original)
    document = ChildDocument(
        child=child,
        doc_type=doc_type,
        original_name=original,
        content_type=CONTENT_TYPES[ext],
        size=upload.size or 0,
        uploaded_by=actor,
    )
    document.file.save(stored_name(ext), upload, save=False)
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
    announce: bool = False,
) -> Child:
    """Register a child and attach the documents given with the form, all or nothing (`announce`:
    as for `services.child_register`)."""
    child = services.child_register(
        actor=actor, record=record, phone=phone, address=address, effective=effective, announce=announce
    )
    for doc_type, upload in documents or []:
        document_attach(actor=actor, child=child, doc_type=doc_type, upload=upload)
    return child
