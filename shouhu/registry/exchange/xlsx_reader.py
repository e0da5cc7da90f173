"""Reading one sheet of an .xlsx row by row with bounded memory.

python-calamine (Rust) parses a whole sheet into memory before the first row comes out: about
2.5 KB per row of the roster's 33 columns, 2.5 GB for a million rows. A sheet whose XML is larger
than `FRAGMENT_BYTES` is therefore cut at row boundaries into fragments; each fragment becomes a
small in-memory workbook (the file's own workbook, relationships, styles and shared strings, and
the fragment as the sheet) that calamine reads in turn. Every cell is still converted by calamine,
exactly as for a whole file (dates by their number format, shared strings, booleans); Python only
splits the XML text at `</row>` and never looks inside a cell. Rows keep their sheet row numbers
(the `r` attribute), so errors point at the right line of the user's file.

Smaller sheets, and sheets the splitter does not recognise (no `r` on the rows, no sheetData), are
read whole.

What is buffered is capped: XML in which no `</row>` comes for `MAX_ROW_BYTES` is refused
(SheetError) instead of being held. Uploaded files reach this module only after
`core.office_guard.check_package` and inside `core.sandbox`'s memory-limited child
(`reading.xlsx_rows`).
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
from collections.abc import Iterator
from typing import Any
from xml.etree import ElementTree

FRAGMENT_BYTES = 4 * 1024 * 1024  # sheet XML per fragment: ~3,000 roster rows, ~20 MB while read
WHOLE_BYTES = 8 * 1024 * 1024  # sheets up to this much XML are read in one go
READ_BYTES = 1024 * 1024
MAX_ROW_BYTES = 16 * 1024 * 1024  # XML buffered while no </row> comes: a roster row is ~1.5 KB

_NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_NS_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_NS_PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
_SHEET_DATA = re.compile(rb"<(?:(\w+):)?sheetData\b[^>]*?(/?)>")
_ROW_TAG = re.compile(rb"<(?:\w+:)?row\b([^>]*)>")
_HAS_REF = re.compile(rb"\sr\s*=")
_DIMENSION = re.compile(rb"<(?:\w+:)?dimension\b[^>]*/>")

Row = tuple[int, list[Any]]


class SheetError(Exception):
    """The workbook or the sheet cannot be read."""


def sheet_names(path: str) -> list[str]:
    from python_calamine import CalamineWorkbook

    try:
        with CalamineWorkbook.from_path(path) as workbook:
            return list(workbook.sheet_names)
    except MemoryError:  # the memory limit of core.sandbox: not a damaged file
        raise
    except Exception as error:  # calamine raises its own error types for damaged or non-xlsx files
        raise SheetError(str(error)) from None


def iter_sheet(
    path: str,
    name: str,
    *,
    fragment_bytes: int = FRAGMENT_BYTES,
    whole_bytes: int = WHOLE_BYTES,
    max_row_bytes: int = MAX_ROW_BYTES,
) -> Iterator[Row]:
    """(sheet row number, cells) of the sheet `name`, in order; cells start at column A (None
    before the first used column, "" for empty cells inside the used area). An empty row may come
    out as a row of empty cells or not at all."""
    layout = _fragment_layout(path, name)
    if layout is None or layout.size <= whole_bytes:
        yield from _whole(path, name)
        return
    # Each fragment workbook parses the shared strings again: keep their share of the work small.
    yield from _fragments(path, name, layout, max(fragment_bytes, 2 * layout.shared_strings), max_row_bytes)


def _whole(path: str, name: str) -> Iterator[Row]:
    from python_calamine import CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_path(path)
        sheet = workbook.get_sheet_by_name(name)
    except MemoryError:  # the memory limit of core.sandbox: not a damaged file
        raise
    except Exception as error:
        raise SheetError(str(error)) from None
    start = sheet.start
    if start is None:
        return
    top, pad = start[0], [None] * start[1]
    # iter_rows() streams the range's rows to Python one at a time (to_python() would build them
    # all at once); it yields from the sheet's first row, columns from the first used one.
    for i, cells in enumerate(sheet.iter_rows()):
        if i >= top:
            yield i + 1, pad + cells if pad else cells


class _Layout:
    def __init__(self, size: int, sheet: str, keep: list[str], shared_strings: int) -> None:
        self.size = size  # the sheet part's uncompressed size
        self.sheet = sheet  # its name inside the zip
        self.keep = keep  # the parts each fragment workbook needs besides the sheet
        self.shared_strings = shared_strings  # uncompressed size of the shared strings part


def _fragment_layout(path: str, name: str) -> _Layout | None:
    """Where the sheet is inside the zip, or None when it cannot be found (read it whole)."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            workbook = _office_document(archive, names)
            if workbook is None:
                return None
            rels_path = _rels_of(workbook)
            if rels_path not in names:
                return None
            targets = _relationships(archive.read(rels_path), workbook)
            root = ElementTree.fromstring(archive.read(workbook))  # noqa: S314 (the workbook part: small)
            sheet_part = None
            for sheet in root.iter(f"{{{_NS_MAIN}}}sheet"):
                if sheet.get("name") == name:
                    sheet_part = targets.get(sheet.get(f"{{{_NS_REL}}}id") or "", (None, ""))[0]
            if sheet_part is None or sheet_part not in names:
                return None
            keep = ["[Content_Types].xml", "_rels/.rels", workbook, rels_path]
            strings = [part for part, kind in targets.values() if kind == "sharedStrings" and part in names]
            keep += strings + [part for part, kind in targets.values() if kind == "styles" and part in names]
            shared = sum(archive.getinfo(part).file_size for part in strings)
            size = archive.getinfo(sheet_part).file_size
            return _Layout(size, sheet_part, [p for p in keep if p in names], shared)
    except (zipfile.BadZipFile, KeyError, ElementTree.ParseError, OSError):
        return None


def _office_document(archive: zipfile.ZipFile, names: set[str]) -> str | None:
    if "_rels/.rels" in names:
        for part, kind in _relationships(archive.read("_rels/.rels"), "").values():
            if kind == "officeDocument" and part in names:
                return part
    return "xl/workbook.xml" if "xl/workbook.xml" in names else None


def _rels_of(part: str) -> str:
    folder, file = posixpath.split(part)
    return posixpath.join(folder, "_rels", f"{file}.rels")


def _relationships(xml: bytes, source: str) -> dict[str, tuple[str, str]]:
    """id → (part name in the zip, relationship kind: the last word of its type)."""
    root = ElementTree.fromstring(xml)  # noqa: S314 (a relationships part: small)
    folder = posixpath.dirname(source)
    found = {}
    for rel in root.iter(f"{{{_NS_PKG}}}Relationship"):
        target = rel.get("Target") or ""
        if rel.get("TargetMode") == "External":
            continue
        part = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(folder, target))
        found[rel.get("Id") or ""] = (part, (rel.get("Type") or "").rsplit("/", 1)[-1])
    return found


def _fragments(
    path: str, name: str, layout: _Layout, fragment_bytes: int, max_row_bytes: int = MAX_ROW_BYTES
) -> Iterator[Row]:
    with zipfile.ZipFile(path) as archive:
        parts = [(part, archive.read(part)) for part in layout.keep]
        with archive.open(layout.sheet) as sheet:
            head = b""
            match = None
            while match is None:
                block = sheet.read(READ_BYTES)
                if not block:
                    break
                head += block
                match = _SHEET_DATA.search(head)
                if match is None and len(head) > max_row_bytes:
                    raise SheetError("工作表的开头过长（文件格式异常）")
            if match is None or match.group(2):  # no sheetData, or <sheetData/>: no rows
                return
            while (first_row := _ROW_TAG.search(head, match.end())) is None and (block := sheet.read(READ_BYTES)):
                head += block
                if len(head) > max_row_bytes:
                    raise SheetError("工作表的开头过长（文件格式异常）")
            if first_row is not None and not _HAS_REF.search(first_row.group(1)):
                # Rows without their numbers: calamine would number each fragment from 1.
                yield from _whole(path, name)
                return
            prefix = match.group(1) + b":" if match.group(1) else b""
            opening = _DIMENSION.sub(b"", head[: match.end()])
            closing = b"</" + prefix + b"sheetData></" + prefix + b"worksheet>"
            end_row = b"</" + prefix + b"row>"
            pending = [head[match.end() :]]
            size, target = len(pending[0]), fragment_bytes
            done = False
            while not done:
                while size < target:
                    block = sheet.read(READ_BYTES)
                    if not block:
                        done = True
                        break
                    pending.append(block)
                    size += len(block)
                text = b"".join(pending)
                found = text.rfind(end_row)
                if found < 0 and not done:  # no row ends in this much XML: read on, up to a cap
                    if size > max_row_bytes:
                        raise SheetError(
                            f"工作表中有一行超过 {max_row_bytes // (1024 * 1024)} MB 仍未结束（文件格式异常）"
                        )
                    pending, target = [text], size + fragment_bytes
                    continue
                cut = len(text) if done else found + len(end_row)
                body, rest = text[:cut], text[cut:]
                target = fragment_bytes
                if done:
                    end = body.rfind(b"</" + prefix + b"sheetData>")
                    body = body[:end] if end >= 0 else body
                pending, size = [rest], len(rest)
                yield from _read_fragment(parts, layout.sheet, name, opening + body + closing)
                del text, body


def _read_fragment(parts: list[tuple[str, bytes]], sheet_part: str, name: str, xml: bytes) -> Iterator[Row]:
    from python_calamine import CalamineWorkbook

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as mini:
        for part, data in parts:
            mini.writestr(part, data)
        mini.writestr(sheet_part, xml)
    del xml
    buffer.seek(0)
    try:
        workbook = CalamineWorkbook.from_filelike(buffer)
        sheet = workbook.get_sheet_by_name(name)
    except MemoryError:  # the memory limit of core.sandbox: not a damaged file
        raise
    except Exception as error:
        raise SheetError(str(error)) from None
    start = sheet.start
    if start is None:
        return
    # to_python() skips the empty area above the fragment's first row (iter_rows() would yield
    # every row from the top of the sheet); a fragment is small enough to hold.
    rows = sheet.to_python()
    workbook.close()
    buffer.close()
    top, pad = start[0], [None] * start[1]
    for i, cells in enumerate(rows, start=top + 1):
        yield i, pad + cells if pad else cells
