"""Reading a roster file row by row, whatever its format: JSON Lines (the exchange format) line
by line, Excel through `xlsx_reader` (python-calamine, a fragment of the sheet at a time for large
files), CSV through the csv module. Tabular rows are converted by the column layout
(`layout_reading.RowReader`); each row comes out as a `SourceRow` that names fields the way the
user's file does (the column header, or the exchange path with its Chinese name)."""

from __future__ import annotations

import codecs
import csv
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from shouhu.core import office_guard, sandbox

from . import layout, xlsx_reader
from .format import FIELD_LABELS, FieldError
from .layout_reading import RowReader, check_headers

FORMATS = ("jsonl", "xlsx", "csv")
EXTENSIONS = {".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl", ".xlsx": "xlsx", ".csv": "csv"}
WHOLE_ROW = "(整行)"
MAX_LINE_BYTES = 1024 * 1024  # one line of a CSV or JSON Lines file (a roster row is under 2 KB)


class ImportFileError(Exception):
    """The file as a whole cannot be read (format, encoding, no sheet)."""


def detect_format(filename: str) -> str:
    fmt = EXTENSIONS.get(Path(filename).suffix.lower())
    if fmt is None:
        raise ImportFileError("只能导入 .jsonl（交换格式）、.xlsx 或 .csv 文件")
    return fmt


@dataclass
class SourceRow:
    number: int  # line of the file / row of the sheet
    obj: Any  # the exchange-format object (None when the row could not be read)
    errors: list[FieldError]  # reading and conversion errors, field already named for the user
    tabular: bool
    parent_roles: list[str] = field(default_factory=list)
    is_header: bool = False

    def field_name(self, path: str) -> str:
        if self.tabular:
            return layout.column_of(path, self.parent_roles)
        return jsonl_field(path)

    def message(self, text: str) -> str:
        return layout.chinese_message(text) if self.tabular else text


def jsonl_field(path: str) -> str:
    """`birth_date（出生日期）`: the exchange-format path with its Chinese name."""
    top = path.split(".")[0].split("[")[0]
    label = FIELD_LABELS.get(top)
    return f"{path}（{label}）" if label else path


def iter_jsonl(path: Path) -> Iterator[SourceRow]:
    with path.open("rb") as f:
        for number, raw in enumerate(iter(lambda: f.readline(MAX_LINE_BYTES + 1), b""), start=1):
            if len(raw) > MAX_LINE_BYTES:
                raise ImportFileError(_line_too_long(number))
            line = raw.removeprefix(codecs.BOM_UTF8) if number == 1 else raw
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except UnicodeDecodeError:
                yield SourceRow(number, None, [FieldError(WHOLE_ROW, "不是 UTF-8 编码的文字")], tabular=False)
                continue
            except json.JSONDecodeError as error:
                message = f"不是有效的 JSON（第 {error.colno} 个字符附近：{error.msg}）"
                yield SourceRow(number, None, [FieldError(WHOLE_ROW, message)], tabular=False)
                continue
            yield SourceRow(number, obj, [], tabular=False)


def xlsx_rows(path: Path) -> Iterator[tuple[int, list[Any]]]:
    """(sheet row number, cells) of the 儿童名单 sheet (or the first sheet), streamed with bounded
    memory (xlsx_reader: large sheets are read a fragment at a time). The file is checked first
    (`core.office_guard`: compression, sizes, the rows and columns a roster may have) and read in
    a child process under the parse memory and time limits (`core.sandbox`)."""
    try:
        office_guard.check_package(path, limits=office_guard.roster_limits())
    except office_guard.HostileFile as error:
        raise ImportFileError(str(error)) from None
    try:
        yield from sandbox.iter_in_child(_sheet_rows, str(path))
    except sandbox.ParseLimitExceeded as error:
        raise ImportFileError(str(error)) from None


def _sheet_rows(path: str) -> Iterator[tuple[int, list[Any]]]:
    """Runs in the child process."""
    try:
        names = xlsx_reader.sheet_names(path)
        if not names:
            raise ImportFileError("Excel 文件中没有工作表")
        yield from xlsx_reader.iter_sheet(path, layout.SHEET_NAME if layout.SHEET_NAME in names else names[0])
    except xlsx_reader.SheetError as error:  # calamine's errors for damaged or non-xlsx files
        raise ImportFileError(f"无法读取 Excel 文件：{error}") from None


def detect_encoding(path: Path) -> str:
    """UTF-8 (with or without BOM) or GB18030, from the first 64 KB."""
    with path.open("rb") as f:
        head = f.read(65536)
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        return "gb18030"
    return "utf-8"


def _line_too_long(number: int) -> str:
    return f"第 {number} 行超过 {MAX_LINE_BYTES // 1024} KB，不是名单的一行（文件过大或格式异常）"


def check_line_lengths(path: Path) -> None:
    """Refuse a text file with a line longer than MAX_LINE_BYTES before the csv module holds one
    (a line of commas becomes a list of that many cells), reading a block at a time."""
    with path.open("rb") as f:
        number, length = 1, 0
        for block in iter(lambda: f.read(1024 * 1024), b""):
            start = 0
            while (end := block.find(b"\n", start)) >= 0:
                if length + end - start > MAX_LINE_BYTES:
                    raise ImportFileError(_line_too_long(number))
                number, length, start = number + 1, 0, end + 1
            length += len(block) - start
            if length > MAX_LINE_BYTES:
                raise ImportFileError(_line_too_long(number))


def csv_rows(path: Path) -> Iterator[tuple[int, list[Any]]]:
    check_line_lengths(path)
    encoding = detect_encoding(path)
    columns = office_guard.roster_limits().columns or 0
    try:
        with path.open(encoding=encoding, newline="") as f:
            reader = csv.reader(f)
            line = 0
            for cells in reader:
                first, line = line + 1, reader.line_num
                if len(cells) > columns:
                    raise ImportFileError(f"CSV 文件第 {first} 行有 {len(cells)} 列，超出名单允许的 {columns} 列")
                yield first, [_csv_cell(c) for c in cells]
    except UnicodeDecodeError:
        raise ImportFileError("CSV 文件的编码无法识别，请另存为 UTF-8 或 GB18030 编码") from None
    except csv.Error as error:
        raise ImportFileError(f"CSV 文件格式有误：{error}") from None


def _csv_cell(text: str) -> str:
    # A leading ' keeps spreadsheets from running text as a formula; it is not part of the value.
    return text[1:] if text[:1] == "'" and text[1:2] in layout.FORMULA_STARTS else text


def iter_table(rows: Iterator[tuple[int, list[Any]]]) -> Iterator[SourceRow]:
    first = next(rows, None)
    if first is None:
        return
    number, headers = first
    index, errors = check_headers(headers)
    if errors:
        yield SourceRow(number, None, errors, tabular=True, is_header=True)
        if any(e.field == "表头" for e in errors):
            return  # columns are missing: the rows cannot be read safely
    reader = RowReader(index)
    blank = layout.blank
    for number, cells in rows:
        if all(blank(c) for c in cells):
            continue
        flat = reader.read(cells)
        yield SourceRow(number, flat.obj, flat.errors, tabular=True, parent_roles=flat.parent_roles)


def iter_source(path: Path, fmt: str) -> Iterator[SourceRow]:
    if fmt == "jsonl":
        return iter_jsonl(path)
    if fmt == "xlsx":
        return iter_table(xlsx_rows(path))
    if fmt == "csv":
        return iter_table(csv_rows(path))
    raise ImportFileError(f"未知格式：{fmt}")


def file_sha256(f: IO[bytes]) -> str:
    digest = hashlib.sha256()
    for chunk in iter(lambda: f.read(1024 * 1024), b""):
        digest.update(chunk)
    return digest.hexdigest()


def path_sha256(path: Path) -> str:
    with path.open("rb") as f:
        return file_sha256(f)
