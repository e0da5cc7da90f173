"""Hostile Office files for the tests (and docs/security.md's measurements), built here rather
than stored: a workbook with one cell at XFD1048576, a dimension that lies, members compressed
with bzip2 or lzma, deflate bombs streamed into the zip a block at a time (1 GB of spaces is
~1 MB on disk and is never held in memory while it is written), a sheet whose one row never
ends, a zip of too many members, a Word document bomb, a CSV of one endless line.

Every builder writes a real file at `path` (and returns it) that Excel, Word or calamine would
try to open; only the part that makes it hostile differs from a normal file.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterable
from pathlib import Path

CONTENT_TYPES_XLSX = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    "</Types>"
)
ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Target="xl/workbook.xml" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"/>'
    "</Relationships>"
)
WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="儿童名单" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Target="worksheets/sheet1.xml" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"/>'
    "</Relationships>"
)
SHEET_HEAD = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
)
CONTENT_TYPES_DOCX = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
    "</Types>"
)
DOCX_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Target="word/document.xml" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"/>'
    "</Relationships>"
)
BLOCK = 1024 * 1024


def _cell(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def sheet_xml(cells: Iterable[tuple[str, str]], *, dimension: str | None = None) -> str:
    """A worksheet with the given (reference, text) cells, one row per distinct row number."""
    rows: dict[int, list[str]] = {}
    for ref, text in cells:
        number = int("".join(ch for ch in ref if ch.isdigit()))
        rows.setdefault(number, []).append(_cell(ref, text))
    body = "".join(f'<row r="{n}">{"".join(cs)}</row>' for n, cs in sorted(rows.items()))
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    return f"{SHEET_HEAD}{dim}<sheetData>{body}</sheetData></worksheet>"


def _workbook(path: Path, sheet: str | bytes, *, method: int = zipfile.ZIP_DEFLATED) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES_XLSX)
        archive.writestr("_rels/.rels", ROOT_RELS)
        archive.writestr("xl/workbook.xml", WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        archive.writestr("xl/worksheets/sheet1.xml", sheet, compress_type=method)
    return path


def workbook(path: Path, cells: Iterable[tuple[str, str]], *, dimension: str | None = None) -> Path:
    """An ordinary small workbook: the baseline the hostile ones differ from."""
    return _workbook(path, sheet_xml(cells, dimension=dimension))


def far_cell(path: Path, ref: str = "XFD1048576") -> Path:
    """A1 and one more cell at `ref` (10 KB on disk; the reader allocates the whole range)."""
    return workbook(path, [("A1", "姓名"), (ref, "x")])


def dimension_lie(path: Path, declared: str = "A1:XFD1048576") -> Path:
    """Two cells, but the sheet declares that it spans `declared`."""
    return workbook(path, [("A1", "姓名"), ("B1", "身份证号")], dimension=declared)


def compressed_member(path: Path, method: int, unpacked: int = 4 * BLOCK) -> Path:
    """The sheet compressed with `method` (zipfile.ZIP_BZIP2, ZIP_LZMA), padded with spaces."""
    text = sheet_xml([("A1", "姓名")]).replace("<sheetData>", "<sheetData>" + " " * unpacked)
    return _workbook(path, text, method=method)


def _streamed(
    path: Path, parts: dict[str, str], member: str, head: str, unpacked: int, tail: str, *, extra: int = 0
) -> Path:
    """A package whose `member` is head + `unpacked` spaces + tail, deflated as it is written."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in parts.items():
            archive.writestr(name, text)
        with archive.open(member, "w", force_zip64=True) as out:
            out.write(head.encode())
            spaces = b" " * BLOCK
            left = unpacked
            while left > 0:
                out.write(spaces[: min(BLOCK, left)])
                left -= BLOCK
            out.write(tail.encode())
        for i in range(extra):
            archive.writestr(f"xl/extra/part{i}.xml", "<x/>")
    return path


_XLSX_PARTS = {
    "[Content_Types].xml": CONTENT_TYPES_XLSX,
    "_rels/.rels": ROOT_RELS,
    "xl/workbook.xml": WORKBOOK,
    "xl/_rels/workbook.xml.rels": WORKBOOK_RELS,
}


def deflate_bomb(path: Path, unpacked: int = 1024 * BLOCK) -> Path:
    """A sheet of `unpacked` bytes of spaces between two rows (1 GB → about 1 MB of file)."""
    head = SHEET_HEAD + '<sheetData><row r="1">' + _cell("A1", "姓名") + "</row>"
    tail = '<row r="2">' + _cell("A2", "x") + "</row></sheetData></worksheet>"
    return _streamed(path, _XLSX_PARTS, "xl/worksheets/sheet1.xml", head, unpacked, tail)


def endless_row(path: Path, unpacked: int = 256 * BLOCK) -> Path:
    """A sheet whose first row never ends: `unpacked` bytes of spaces inside one cell's text,
    no </row> (the fragment reader once buffered all of it)."""
    head = SHEET_HEAD + '<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>'
    return _streamed(path, _XLSX_PARTS, "xl/worksheets/sheet1.xml", head, unpacked, "")


def many_members(path: Path, count: int = 5000) -> Path:
    """An otherwise ordinary workbook carrying `count` tiny extra parts."""
    text = sheet_xml([("A1", "姓名")])
    return _streamed(path, _XLSX_PARTS, "xl/worksheets/sheet1.xml", text, 0, "", extra=count)


def docx_bomb(path: Path, unpacked: int = 1024 * BLOCK) -> Path:
    """A Word document whose body is `unpacked` bytes of spaces inside one paragraph."""
    head = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        '<w:body><w:p><w:r><w:t xml:space="preserve">'
    )
    tail = "</w:t></w:r></w:p></w:body></w:document>"
    parts = {"[Content_Types].xml": CONTENT_TYPES_DOCX, "_rels/.rels": DOCX_RELS}
    return _streamed(path, parts, "word/document.xml", head, unpacked, tail)


def csv_bomb(path: Path, commas: int = 64 * BLOCK) -> Path:
    """A CSV header followed by one line of `commas` commas (a list of that many cells)."""
    with path.open("wb") as f:
        f.write("姓名,身份证号\n".encode())
        left = commas
        while left > 0:
            f.write(b"," * min(BLOCK, left))
            left -= BLOCK
        f.write(b"\n")
    return path
