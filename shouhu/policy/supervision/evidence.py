"""Evidence files (佐证材料) of a progress report: which files a unit may attach, and the
messages that say why one was refused. The checking itself is `shouhu.core.uploads`, shared
with children's documents; only the wording and the Excel types are the supervision pages' own.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError

from shouhu.core.uploads import (
    CONTENT_TYPES,
    HOSTILE_MESSAGE,
    MAX_UPLOAD_BYTES,
    Problem,
    extension_of,
    upload_problem,
)

MAX_EVIDENCE_BYTES = MAX_UPLOAD_BYTES
MAX_EVIDENCE_FILES_PER_SUBMISSION = 10
ALLOWED_EVIDENCE_EXTENSIONS = ("pdf", "jpg", "jpeg", "png", "doc", "docx", "xls", "xlsx")
_TYPE_LABEL = {
    "pdf": "PDF",
    "jpg": "JPG 图片",
    "jpeg": "JPG 图片",
    "png": "PNG 图片",
    "doc": "Word 文档",
    "docx": "Word 文档",
    "xls": "Excel 表格",
    "xlsx": "Excel 表格",
}


def check_evidence_file(upload: Any) -> tuple[str, str]:
    """Validate one upload by extension, size and content; returns (extension, content type).
    Raises ValidationError naming the file."""
    name = str(getattr(upload, "name", "") or "")
    display = name.rsplit("/", 1)[-1] or "（无名文件）"
    extension = extension_of(display)
    problem = upload_problem(upload, allowed=ALLOWED_EVIDENCE_EXTENSIONS, max_bytes=MAX_EVIDENCE_BYTES)
    if problem == Problem.TYPE:
        raise ValidationError(
            f"文件「{display}」的类型不允许上传：佐证材料只接受 PDF、JPG、PNG、Word（doc/docx）和 Excel（xls/xlsx）文件"
        )
    if problem == Problem.TOO_LARGE:
        size = int(getattr(upload, "size", 0) or 0)
        raise ValidationError(
            f"文件「{display}」大小为 {size / 1024 / 1024:.1f} MB，"
            f"超过每个文件 {MAX_EVIDENCE_BYTES // 1024 // 1024} MB 的上限"
        )
    if problem == Problem.EMPTY:
        raise ValidationError(f"文件「{display}」是空文件")
    if problem == Problem.HOSTILE:
        raise ValidationError(f"文件「{display}」{HOSTILE_MESSAGE}")
    if problem is not None:  # the content is not what the extension says
        raise ValidationError(
            f"文件「{display}」的内容不是{_TYPE_LABEL[extension]}（扩展名与文件内容不符），已拒绝上传"
        )
    return extension, CONTENT_TYPES[extension]


def check_evidence_files(files: Sequence[Any]) -> list[tuple[Any, str, str]]:
    """Every file of one submission, all problems at once (under "files")."""
    if len(files) > MAX_EVIDENCE_FILES_PER_SUBMISSION:
        raise ValidationError(f"一次最多上传 {MAX_EVIDENCE_FILES_PER_SUBMISSION} 个佐证材料")
    errors, checked = [], []
    for upload in files:
        try:
            extension, content_type = check_evidence_file(upload)
        except ValidationError as e:
            errors.extend(e.messages)
        else:
            checked.append((upload, extension, content_type))
    if errors:
        raise ValidationError({"files": errors})
    return checked
