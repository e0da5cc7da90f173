"""The shared upload checker: type, size, emptiness, magic bytes and Office packages, and the
names files are stored under (children's documents and supervision evidence both rely on it)."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from shouhu.core.uploads import (
    CONTENT_TYPES,
    MAX_UPLOAD_BYTES,
    SIGNATURES,
    Problem,
    extension_of,
    original_name,
    stored_name,
    upload_problem,
)

ALL = tuple(SIGNATURES)
PDF = b"%PDF-1.4\n%%EOF\n"
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64
EXE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 64


def package(*names: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in names:
            archive.writestr(name, "<x/>")
    return buffer.getvalue()


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("报告.pdf", PDF),
        ("照片.JPG", b"\xff\xd8\xff\xe0" + b"\x00" * 16),
        ("照片.jpeg", b"\xff\xd8\xff\xe0" + b"\x00" * 16),
        ("截图.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 16),
        ("旧文档.doc", OLE2),
        ("旧表格.xls", OLE2),
        ("文档.docx", package("[Content_Types].xml", "word/document.xml")),
        ("表格.xlsx", package("[Content_Types].xml", "xl/workbook.xml")),
    ],
)
def test_accepts_each_known_type(name: str, content: bytes) -> None:
    assert upload_problem(upload(name, content), allowed=ALL) is None
    assert CONTENT_TYPES[extension_of(name)]


@pytest.mark.parametrize(
    ("name", "content", "allowed", "problem"),
    [
        ("setup.exe", EXE, ALL, Problem.TYPE),
        ("无扩展名", PDF, ALL, Problem.TYPE),
        ("台账.xlsx", package("[Content_Types].xml", "xl/workbook.xml"), ("pdf", "docx"), Problem.TYPE),
        ("空.pdf", b"", ALL, Problem.EMPTY),
        ("病毒.pdf", EXE, ALL, Problem.SIGNATURE),
        ("照片.jpg", b"\x89PNG\r\n\x1a\n0000", ALL, Problem.SIGNATURE),
        ("文档.docx", package("[Content_Types].xml", "xl/workbook.xml"), ALL, Problem.PACKAGE),
        ("表格.xlsx", package("[Content_Types].xml", "word/document.xml"), ALL, Problem.PACKAGE),
        ("文档.docx", package("word/document.xml"), ALL, Problem.PACKAGE),  # no [Content_Types].xml
        ("文档.docx", b"PK\x03\x04broken", ALL, Problem.PACKAGE),
    ],
)
def test_refuses(name: str, content: bytes, allowed: tuple[str, ...], problem: Problem) -> None:
    assert upload_problem(upload(name, content), allowed=allowed) == problem


def test_size_limit_is_checked_before_the_content() -> None:
    big = upload("大文件.pdf", PDF + b"\x00" * MAX_UPLOAD_BYTES)
    assert upload_problem(big, allowed=ALL) == Problem.TOO_LARGE
    assert upload_problem(upload("小文件.pdf", PDF + b"\x00" * 100), allowed=ALL, max_bytes=50) == Problem.TOO_LARGE


def test_checking_leaves_the_file_at_its_start() -> None:
    docx = upload("文档.docx", package("[Content_Types].xml", "word/document.xml"))
    assert upload_problem(docx, allowed=ALL) is None
    assert docx.read(4) == b"PK\x03\x04"


def test_names() -> None:
    assert extension_of("Report.Final.PDF") == "pdf"
    assert extension_of("README") == ""
    assert original_name(upload("C:\\Users\\张三\\身份证.jpg", b"x")) == "身份证.jpg"
    first, second = stored_name("pdf"), stored_name("pdf")
    assert first != second and first.endswith(".pdf") and len(first) == 36
