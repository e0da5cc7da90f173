"""Documents attached to a child: type and size checks, storage, audited download."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from shouhu.accounts.models import User
from shouhu.core.models import AuditEvent
from shouhu.registry.documents import MAX_DOCUMENT_BYTES, document_errors
from shouhu.registry.models import Child, ChildDocument

from .ui_factories import field_errors, form_data, register

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 32
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 64
DOC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64


def docx_bytes(*, word: bool = True) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        package.writestr("[Content_Types].xml", "<Types/>")
        package.writestr("word/document.xml" if word else "xl/workbook.xml", "<document/>")
    return buffer.getvalue()


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return Path(settings.MEDIA_ROOT)


def upload_url(child: Child) -> str:
    return reverse("registry:document_upload", kwargs={"child_id": child.pk})


def files_in(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("身份证.pdf", PDF),
        ("残疾证.PNG", PNG),
        ("户口簿.jpg", JPEG),
        ("户口簿.jpeg", JPEG),
        ("诊断.docx", docx_bytes()),
        ("判决书.doc", DOC),
    ],
)
def test_accepted_files(name: str, content: bytes) -> None:
    assert document_errors(SimpleUploadedFile(name, content)) == []


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("病毒.pdf", EXE, "文件「病毒.pdf」的内容不是 pdf 文件（扩展名与实际内容不符）"),
        ("setup.exe", EXE, "文件「setup.exe」的类型不允许上传，只接受 pdf、jpg、jpeg、png、docx、doc 文件"),
        ("照片.png", JPEG, "文件「照片.png」的内容不是 png 文件"),
        ("表格.docx", docx_bytes(word=False), "文件「表格.docx」不是有效的 Word（docx）文档"),
        ("空.pdf", b"", "文件「空.pdf」是空文件"),
        ("无扩展名", PDF, "文件「无扩展名」的类型不允许上传"),
    ],
)
def test_refused_files_are_named_in_the_message(name: str, content: bytes, message: str) -> None:
    errors = document_errors(SimpleUploadedFile(name, content))
    assert len(errors) == 1 and message in errors[0]


def test_a_file_over_10_mb_is_refused(personas: dict[str, User], login: Any, media: Path) -> None:
    child = register(personas["caseworker"])
    big = PDF + b"0" * (11 * 1024 * 1024)
    assert len(big) > MAX_DOCUMENT_BYTES
    response = login("director_a").post(
        upload_url(child), {"doc_type": "medical_record", "document": SimpleUploadedFile("病历.pdf", big)}
    )
    assert response.status_code == 200
    assert "文件「病历.pdf」大小为 11.0 MB，超过 10 MB 的上限" in field_errors(response.content.decode(), "document")
    assert ChildDocument.objects.count() == 0 and files_in(media) == []


def test_an_exe_renamed_pdf_is_refused_through_the_page(personas: dict[str, User], login: Any, media: Path) -> None:
    child = register(personas["caseworker"])
    response = login("director_a").post(
        upload_url(child), {"doc_type": "id_card", "document": SimpleUploadedFile("身份证.pdf", EXE)}
    )
    assert "扩展名与实际内容不符" in field_errors(response.content.decode(), "document")
    assert ChildDocument.objects.count() == 0 and files_in(media) == []
    assert not AuditEvent.objects.filter(action="children.document_attach").exists()


def test_upload_then_download_are_audited_and_scoped(personas: dict[str, User], login: Any, media: Path) -> None:
    child = register(personas["caseworker"])
    director = login("director_a")
    html = director.get(upload_url(child)).content.decode()
    assert 'accept=".pdf,.jpg,.jpeg,.png,.docx,.doc"' in html
    assert field_errors(director.post(upload_url(child), {"doc_type": "id_card"}).content.decode(), "document")
    response = director.post(
        upload_url(child), {"doc_type": "id_card", "document": SimpleUploadedFile("身份证.pdf", PDF)}
    )
    assert response.status_code == 302
    document = ChildDocument.objects.get()
    assert document.original_name == "身份证.pdf" and document.content_type == "application/pdf"
    assert document.size == len(PDF) and document.uploaded_by == personas["director_a"]
    stored = files_in(media)
    assert len(stored) == 1 and stored[0].read_bytes() == PDF and stored[0].suffix == ".pdf"
    assert "身份证" not in stored[0].name  # stored under a random name
    assert AuditEvent.objects.filter(action="children.document_attach", object_id=str(child.pk)).count() == 1

    page = director.get(reverse("registry:detail", kwargs={"child_id": child.pk})).content.decode()
    url = reverse("registry:document_download", kwargs={"child_id": child.pk, "document_id": document.pk})
    assert url in page and "身份证.pdf" in page
    response = login("supervisor_a").get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF  # type: ignore[attr-defined]
    assert response["Content-Type"] == "application/pdf" and "attachment" in response["Content-Disposition"]
    downloads = AuditEvent.objects.filter(action="children.document_download", object_id=str(child.pk))
    assert downloads.count() == 1 and downloads.get().actor == personas["supervisor_a"]
    assert login("director_b").get(url).status_code == 404
    assert login("officer_a").get(url).status_code == 403
    assert downloads.count() == 1
    # Not reachable as a static or media file.
    assert director.get(f"/media/{document.file.name}").status_code == 404


def test_a_document_can_come_with_the_registration(login: Any, media: Path) -> None:
    director = login("director_a")
    response = director.post(
        "/children/new/", {**form_data(), "doc_type": "id_card", "document": SimpleUploadedFile("身份证.jpg", JPEG)}
    )
    assert response.status_code == 302
    child = Child.objects.get()
    assert [d.original_name for d in child.documents.all()] == ["身份证.jpg"]


def test_a_bad_document_at_registration_writes_nothing(login: Any, media: Path) -> None:
    director = login("director_a")
    response = director.post(
        "/children/new/", {**form_data(), "doc_type": "id_card", "document": SimpleUploadedFile("身份证.pdf", EXE)}
    )
    assert "扩展名与实际内容不符" in field_errors(response.content.decode(), "document")
    assert Child.objects.count() == 0 and files_in(media) == []
    response = director.post("/children/new/", {**form_data(), "document": SimpleUploadedFile("身份证.pdf", PDF)})
    assert "请选择材料类型" in field_errors(response.content.decode(), "doc_type")
    assert Child.objects.count() == 0
