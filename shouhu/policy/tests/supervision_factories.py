"""Test helpers for supervision: the county's real task-division table written straight into
the database (parser + plain rows, independent of the importer), and small evidence files."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile

from shouhu.accounts.models import Department
from shouhu.policy.importing.parsing import parse_text_export
from shouhu.policy.models import PolicyDocument, PolicyTask, ResponsibilityRole, TaskResponsibility
from shouhu.policy.selectors import current_document

SOURCE = Path("/work/shared/source/000_9b469a6b42db3913.txt")


def create_table(*, title: str | None = None) -> PolicyDocument:
    """Parse the county's text export and write a new version of it."""
    result = parse_text_export(SOURCE.read_text(encoding="utf-8"))
    assert result.ok, [e.message for e in result.errors]
    title = title or result.title or "重点任务分工表"
    digest = hashlib.sha256(
        json.dumps(
            [[t.number, t.area, t.text, t.mode, t.lead, t.cooperating] for t in result.tasks],
            ensure_ascii=False,
        ).encode()
    ).hexdigest()
    latest = PolicyDocument.objects.filter(title=title).order_by("-version").first()
    document = PolicyDocument.objects.create(
        title=title,
        version=(latest.version + 1) if latest else 1,
        source_filename=SOURCE.name,
        source_format="txt",
        content_hash=digest,
    )
    departments = {d.name: d for d in Department.objects.all()}
    areas = result.areas
    rows: list[TaskResponsibility] = []
    for parsed in result.tasks:
        task = PolicyTask.objects.create(
            document=document,
            number=parsed.number,
            area=parsed.area,
            area_order=areas.index(parsed.area) + 1,
            text=parsed.text,
            responsibility_text=parsed.responsibility,
            mode=parsed.mode,
        )
        for role, names in (
            (ResponsibilityRole.LEAD, parsed.lead),
            (ResponsibilityRole.COOPERATING, parsed.cooperating),
        ):
            rows.extend(
                TaskResponsibility(
                    task=task, department=departments[name], role=role, name_as_written=name, position=position
                )
                for position, name in enumerate(names, start=1)
            )
    TaskResponsibility.objects.bulk_create(rows)
    return document


def ensure_table() -> PolicyDocument:
    """The current table, creating it from the county's text export when there is none."""
    return current_document() or create_table()


def task(document: PolicyDocument, number: int) -> PolicyTask:
    return document.tasks.get(number=number)


def department(name: str) -> Department:
    return Department.objects.get(name=name)


# --- evidence files --------------------------------------------------------------------------

PDF_BYTES = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPG_BYTES = b"\xff\xd8\xff\xe0" + b"\x00" * 64
EXE_BYTES = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 120


def docx_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def upload(name: str, content: bytes, content_type: str = "application/octet-stream") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def pdf(name: str = "进展材料.pdf") -> SimpleUploadedFile:
    return upload(name, PDF_BYTES, "application/pdf")
