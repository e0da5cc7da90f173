"""A report's attachments: checked before anything is written (by the one upload checker,
`core.uploads`, through the registry's wording, which names the file), stored under MEDIA_ROOT with
a random name, and opened only through the access-checked download view, each download audited."""

from __future__ import annotations

from collections.abc import Sequence
from typing import IO

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from shouhu.accounts.models import User
from shouhu.core import audit
from shouhu.core.uploads import CONTENT_TYPES, extension_of, original_name, stored_name
from shouhu.registry.documents import ALLOWED_EXTENSIONS, MAX_DOCUMENT_MB, document_errors

from ..models import ReportAttachment, ReportSupplement, SafetyReport

# At most this many files with one filing or one supplement (each at most MAX_DOCUMENT_MB).
MAX_ATTACHMENTS = 5
ATTACHMENT_TYPES = ALLOWED_EXTENSIONS
MAX_ATTACHMENT_MB = MAX_DOCUMENT_MB


def attachment_problems(uploads: Sequence[UploadedFile]) -> list[str]:
    """Chinese messages, each naming its file; empty when every file may be kept."""
    problems: list[str] = []
    if len(uploads) > MAX_ATTACHMENTS:
        problems.append(f"「附件」一次最多上传 {MAX_ATTACHMENTS} 个文件，您选择了 {len(uploads)} 个")
    for upload in uploads:
        problems.extend(document_errors(upload))
    return problems


def attach_files(
    *,
    actor: User,
    report: SafetyReport,
    uploads: Sequence[UploadedFile],
    supplement: ReportSupplement | None = None,
) -> list[ReportAttachment]:
    """Store checked files (the caller has run `attachment_problems` and holds the transaction;
    its audit row lists them)."""
    kept = []
    for upload in uploads:
        name = original_name(upload)
        ext = extension_of(name)
        attachment = ReportAttachment(
            report=report,
            supplement=supplement,
            original_name=name,
            content_type=CONTENT_TYPES[ext],
            size=upload.size or 0,
            uploaded_by=actor,
        )
        attachment.file.save(stored_name(ext), upload, save=False)
        attachment.save()
        kept.append(attachment)
    return kept


def attachment_open(*, actor: User, attachment: ReportAttachment) -> IO[bytes]:
    """Open an attachment for download; the download is audited. The caller has checked access."""
    handle = attachment.file.open("rb")
    with transaction.atomic():
        audit.record(
            actor=actor,
            action="safety.attachment_download",
            target=attachment.report,
            summary=f"下载强制报告 {attachment.report.reference} 的附件「{attachment.original_name}」",
            detail={"attachment": attachment.pk},
        )
    return handle  # type: ignore[return-value]
