"""Parser for the county's task-division table (重点任务分工表).

Pure Python (no Django; the limits of `core.office_guard` come from settings when they are
configured).  Three input formats give the same result:

* the plain-text export of the Word table (every cell starts with a tab, a cell
  may run over several lines, blank area / responsibility cells continue the
  cell above — vertically merged cells in the original);
* a Word ``.docx`` file containing the table;
* an ``.xlsx`` sheet with the columns 序号 / 项目 / 工作任务 / 责任单位
  (or number / area / task / units).

A .docx or .xlsx is checked by `core.office_guard.check_package` before python-docx or
python-calamine sees it; callers that parse an upload run the parser in a memory-limited child
process (`core.sandbox`, see `preview.policy_import_preview`).

The document-level functions never raise for bad input: problems are reported
as :class:`ParseError` values (in Chinese, naming row and column) and whatever
tasks could be parsed are still returned.

Kept whole: longer than most modules on purpose, it is one pipeline read top to
bottom — the responsibility-cell grammar, the shared row model that turns raw rows
into tasks and row/column messages, the three readers that all feed that model, and
the dispatcher that sniffs the format. The readers share the private row model and
message helpers; split apart, each piece would need the others' internals.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from shouhu.core import office_guard

MODES = ("lead_and_cooperating", "each_by_duty", "each_township", "sole")

MAX_DOCUMENT_BYTES = 20 * 1024 * 1024

TOWNSHIPS = "各乡镇（街道）"

F_NUMBER = "序号"
F_AREA = "项目"
F_TEXT = "工作任务"
F_RESP = "责任单位"
FIELDS = (F_NUMBER, F_AREA, F_TEXT, F_RESP)


@dataclass(frozen=True)
class ParsedTask:
    number: int
    area: str
    text: str
    responsibility: str  # responsibility cell as written (after inheritance), whitespace-normalised
    mode: str
    lead: tuple[str, ...]
    cooperating: tuple[str, ...]
    row: int  # 1-based row in the document's table (header row = 1), for messages


@dataclass(frozen=True)
class ParseError:
    row: int | None  # table row (None for document-level errors)
    field: str | None  # "序号" | "项目" | "工作任务" | "责任单位" | None
    message: str


@dataclass
class ParseResult:
    title: str | None
    tasks: list[ParsedTask] = field(default_factory=list)
    errors: list[ParseError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors and bool(self.tasks)

    @property
    def areas(self) -> list[str]:
        """Distinct areas in order of first appearance."""
        seen: dict[str, None] = {}
        for task in self.tasks:
            seen.setdefault(task.area, None)
        return list(seen)


class ResponsibilityError(ValueError):
    """Raised by :func:`parse_responsibility` for a cell that names no units."""


# ---------------------------------------------------------------------------
# Responsibility cells and unit names
# ---------------------------------------------------------------------------

_PUNCT_MAP = str.maketrans(
    {
        ":": "：",
        "(": "（",
        ")": "）",
        "\u3000": " ",
        "\xa0": " ",
        "\u2002": " ",
        "\u2003": " ",
        "\u2009": " ",
        "\ufeff": "",
        "\u200b": "",
    }
)

_UNIT_SEPARATORS = re.compile(r"[、，,；;､\s]+")
_TRAILING_PUNCT = "。.，,；;、：:"


def normalise_unit_name(name: str) -> str:
    """Full-width brackets/colon as in the table, no whitespace, no stray punctuation."""
    name = name.translate(_PUNCT_MAP)
    name = re.sub(r"\s+", "", name)
    return name.strip(_TRAILING_PUNCT)


def split_units(text: str) -> tuple[str, ...]:
    """Split a unit list on 、，,；; and whitespace; normalise and de-duplicate names."""
    text = text.translate(_PUNCT_MAP)
    # "各乡镇 （街道）" — whitespace next to a bracket is not a separator.
    text = re.sub(r"\s*（\s*", "（", text)
    text = re.sub(r"\s*）", "）", text)
    units: dict[str, None] = {}
    for piece in _UNIT_SEPARATORS.split(text):
        name = normalise_unit_name(piece)
        if name:
            units.setdefault(name, None)
    return tuple(units)


_LABEL_RE = re.compile(r"(牵头单位|牵头部门|配合单位|配合部门|协办单位)\s*：?")
_PREFIX_LABEL_RE = re.compile(r"^(责任单位|责任部门|主责单位|负责单位)\s*：")
_EACH_BY_DUTY_RE = re.compile(
    r"^(?P<units>.*?)\s*(按职责)?(分别|分头)(指导落实|落实指导)$|"
    r"^(?P<units2>.*?)\s*(按职责)?分别落实$",
    re.S,
)
_EACH_TOWNSHIP_RE = re.compile(r"^(?P<units>.*?)\s*(按职责)?分头落实$", re.S)
_LEAD_VERB_RE = re.compile(r"^(?P<lead>.+?)牵头(?:[，,；;、\s]*(?P<coop>.+?)(?:共同)?配合)?$", re.S)


def parse_responsibility(cell: str) -> tuple[str, tuple[str, ...], tuple[str, ...]]:
    """Return ``(mode, lead, cooperating)`` for a responsibility cell.

    Raises :class:`ResponsibilityError` (a ``ValueError`` with a Chinese
    message) when the cell names no unit; the document parsers turn that into
    a :class:`ParseError`.
    """
    text = cell.translate(_PUNCT_MAP).strip()
    text = _PREFIX_LABEL_RE.sub("", text).strip()
    text = text.rstrip("。.").strip()
    if not text:
        raise ResponsibilityError("责任单位为空")

    labels = list(_LABEL_RE.finditer(text))
    if labels:
        prefix = text[: labels[0].start()].strip(" \n；;，,。")
        if prefix:
            raise ResponsibilityError(f"无法识别「{prefix}」（应写在「牵头单位：」或「配合单位：」之后）")
        lead: list[str] = []
        coop: list[str] = []
        for i, m in enumerate(labels):
            end = labels[i + 1].start() if i + 1 < len(labels) else len(text)
            units = split_units(text[m.end() : end])
            (lead if m.group(1).startswith("牵头") else coop).extend(units)
        if not lead:
            raise ResponsibilityError("写了「牵头单位」但没有写明具体单位")
        return "lead_and_cooperating", _dedupe(lead), _dedupe(coop)

    township = _EACH_TOWNSHIP_RE.match(text)
    if township:
        units = split_units(township.group("units"))
        if not units:
            raise ResponsibilityError("「分头落实」前没有写明单位")
        return "each_township", units, ()

    by_duty = _EACH_BY_DUTY_RE.match(text)
    if by_duty:
        units = split_units(by_duty.group("units") or by_duty.group("units2") or "")
        if not units:
            raise ResponsibilityError("「分别指导落实」前没有写明单位")
        return "each_by_duty", units, ()

    lead_verb = _LEAD_VERB_RE.match(text)  # 「县民政局牵头，县财政局配合」
    if lead_verb:
        lead_units = split_units(lead_verb.group("lead"))
        if lead_units:
            return "lead_and_cooperating", lead_units, split_units(lead_verb.group("coop") or "")

    units = split_units(text)
    if not units:
        raise ResponsibilityError("责任单位为空")
    return "sole", units, ()


def _dedupe(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))


# ---------------------------------------------------------------------------
# Shared row model
# ---------------------------------------------------------------------------

_HEADER_ALIASES: dict[str, str] = {
    "序号": F_NUMBER,
    "编号": F_NUMBER,
    "number": F_NUMBER,
    "no": F_NUMBER,
    "no.": F_NUMBER,
    "#": F_NUMBER,
    "项目": F_AREA,
    "领域": F_AREA,
    "area": F_AREA,
    "工作任务": F_TEXT,
    "重点任务": F_TEXT,
    "任务": F_TEXT,
    "task": F_TEXT,
    "tasks": F_TEXT,
    "text": F_TEXT,
    "责任单位": F_RESP,
    "责任部门": F_RESP,
    "units": F_RESP,
    "unit": F_RESP,
    "responsibleunits": F_RESP,
    "responsibility": F_RESP,
}


def _header_field(value: object) -> str | None:
    if value is None:
        return None
    key = re.sub(r"[\s_\-]+", "", str(value).translate(_PUNCT_MAP)).strip("：").lower()
    return _HEADER_ALIASES.get(key)


def _header_columns(values: Sequence[object]) -> dict[str, int]:
    """Map field → column index for the recognised header cells of a row."""
    columns: dict[str, int] = {}
    for index, value in enumerate(values):
        name = _header_field(value)
        if name and name not in columns:
            columns[name] = index
    return columns


@dataclass
class _RawRow:
    row: int
    cells: dict[str, str]  # field → raw cell text (lines separated by "\n")
    cell_count: int | None = None  # text export only: how many cells the row really had


def _lines(value: str) -> list[str]:
    return [line.strip() for line in value.splitlines() if line.strip()]


def _join_text(value: str) -> str:
    """Join a wrapped text/area cell: lines are concatenated without inventing characters.

    Chinese text wraps between characters, so nothing is inserted; only when both
    sides of a break are Latin letters/digits a single space is put back (that is
    where the wrapped space was).
    """
    out = ""
    for line in _lines(value):
        if out and out[-1].isascii() and out[-1].isalnum() and line[0].isascii() and line[0].isalnum():
            out += " "
        out += line
    return out


def _join_responsibility(value: str) -> str:
    """Responsibility text as written: lines kept (牵头单位 / 配合单位), blank lines dropped,
    runs of spaces collapsed."""
    return "\n".join(re.sub(r"[ \t\u3000\xa0]+", " ", line) for line in _lines(value))


_NUMBER_RE = re.compile(r"^(\d+)[.．、]?$")


def _parse_number(value: str) -> int | None:
    m = _NUMBER_RE.match(value.strip())
    if not m:
        return None
    return int(m.group(1))


def _message(row: int | None, field_name: str | None, detail: str) -> str:
    if row is None:
        return detail
    if field_name is None:
        return f"第 {row} 行：{detail}"
    return f"第 {row} 行「{field_name}」：{detail}"


def _error(row: int | None, field_name: str | None, detail: str) -> ParseError:
    return ParseError(row=row, field=field_name, message=_message(row, field_name, detail))


def _build_tasks(rows: Iterable[_RawRow], title: str | None, errors: list[ParseError]) -> ParseResult:
    tasks: list[ParsedTask] = []
    area: str | None = None
    resp: str | None = None
    resp_row: int | None = None
    seen: dict[int, int] = {}  # number → row
    last_number: int | None = None

    for raw in rows:
        number_cell = raw.cells.get(F_NUMBER, "").strip()
        area_cell = _join_text(raw.cells.get(F_AREA, ""))
        text_cell = _join_text(raw.cells.get(F_TEXT, ""))
        resp_cell = _join_responsibility(raw.cells.get(F_RESP, ""))
        if not (number_cell or area_cell or text_cell or resp_cell):
            continue  # empty row
        if len(_header_columns([number_cell, area_cell, text_cell, resp_cell])) == len(FIELDS):
            continue  # header repeated (e.g. on every printed page)
        row = raw.row
        row_ok = True

        if raw.cell_count is not None and raw.cell_count < len(FIELDS):
            errors.append(_error(row, None, f"行不完整：只有 {raw.cell_count} 个单元格，应有 {len(FIELDS)} 个"))
            row_ok = False

        number: int | None = None
        if not number_cell:
            errors.append(_error(row, F_NUMBER, "序号为空"))
            row_ok = False
        else:
            number = _parse_number(number_cell)
            if number is None:
                errors.append(_error(row, F_NUMBER, f"「{number_cell}」不是整数"))
                row_ok = False
            elif number <= 0:
                errors.append(_error(row, F_NUMBER, f"序号应为正整数，实际为 {number}"))
                row_ok = False
            elif number in seen:
                errors.append(_error(row, F_NUMBER, f"序号 {number} 与第 {seen[number]} 行重复"))
                row_ok = False
            else:
                if last_number is not None and number < last_number:
                    errors.append(
                        _error(row, F_NUMBER, f"序号 {number} 小于上一条任务的序号 {last_number}（序号应递增）")
                    )
                seen[number] = row
                last_number = number

        # Blank area / responsibility continue the cell above (vertically merged cells).
        if area_cell:
            area = area_cell
        elif area is None:
            errors.append(_error(row, F_AREA, "项目为空，且上方没有可沿用的项目（行不完整）"))
            row_ok = False
        inherited_from: int | None = None
        if resp_cell:
            resp, resp_row = resp_cell, row
        elif resp is None:
            errors.append(_error(row, F_RESP, "责任单位为空，且上方没有可沿用的责任单位（行不完整）"))
            row_ok = False
        else:
            inherited_from = resp_row

        if not text_cell:
            label = f"序号 {number} 的" if number is not None else ""
            errors.append(_error(row, F_TEXT, f"{label}工作任务为空（行不完整）"))
            row_ok = False

        mode = ""
        lead: tuple[str, ...] = ()
        coop: tuple[str, ...] = ()
        if resp is not None:
            try:
                mode, lead, coop = parse_responsibility(resp)
            except ResponsibilityError as exc:
                detail = str(exc)
                if inherited_from is not None:
                    detail += f"（沿用第 {inherited_from} 行的责任单位）"
                errors.append(_error(row, F_RESP, detail))
                row_ok = False

        if row_ok and number is not None and area is not None and resp is not None:
            tasks.append(
                ParsedTask(
                    number=number,
                    area=area,
                    text=text_cell,
                    responsibility=resp,
                    mode=mode,
                    lead=lead,
                    cooperating=coop,
                    row=row,
                )
            )

    if not tasks:
        errors.append(_error(None, None, "没有找到任何任务（表格应有 序号、项目、工作任务、责任单位 四列）"))
    return ParseResult(title=title, tasks=tasks, errors=errors)


_ATTACHMENT_RE = re.compile(r"^附件\s*[0-9０-９一二三四五六七八九十]*\s*[：:]?\s*$")


def _title_from_lines(lines: Sequence[str]) -> str | None:
    """Title = the short lines right above the table (up to 3), stopping at 「附件：」."""
    picked: list[str] = []
    for line in reversed([line.strip() for line in lines if line.strip()]):
        if _ATTACHMENT_RE.match(line) or len(line) > 60 or len(picked) == 3:
            break
        picked.append(line)
    return "".join(reversed(picked)) or None


# ---------------------------------------------------------------------------
# Plain-text export
# ---------------------------------------------------------------------------


@dataclass
class _TextCell:
    lines: list[str]
    blank_before: bool


def parse_text_export(text: str) -> ParseResult:
    """Parse the plain-text export of the Word table."""
    text = text.lstrip("\ufeff")
    lines = text.splitlines()
    errors: list[ParseError] = []

    header_line, columns = _find_text_header(lines)
    if header_line is None:
        if any(line.strip() for line in lines):
            errors.append(_error(None, None, "没有找到表头（应有 序号、项目、工作任务、责任单位 四列）"))
        else:
            errors.append(_error(None, None, "文件为空"))
            return ParseResult(title=None, tasks=[], errors=errors)
        first_cell = next((i for i, line in enumerate(lines) if line.startswith("\t")), len(lines))
        title = _title_from_lines(lines[:first_cell])
        body_start = first_cell
        order = list(FIELDS)
    else:
        title = _title_from_lines(lines[: header_line[0]])
        body_start = header_line[1]
        order = [name for name, _ in sorted(columns.items(), key=lambda item: item[1])]

    cells: list[_TextCell] = []
    pending_blank = True
    for line in lines[body_start:]:
        if line.startswith("\t"):
            for piece in line.split("\t")[1:]:
                cells.append(_TextCell([piece], pending_blank))
                pending_blank = False
        elif not line.strip():
            pending_blank = True
        elif cells:
            cells[-1].lines.append(line)
            pending_blank = False

    width = len(order)
    grouped: list[list[_TextCell]] = []
    for cell in cells:
        starts_row = (
            not grouped or len(grouped[-1]) >= width or (cell.blank_before and _parse_number(cell.lines[0]) is not None)
        )
        if starts_row:
            grouped.append([cell])
        else:
            grouped[-1].append(cell)

    first_row = 2 if header_line is not None else 1
    raw_rows = []
    for index, group in enumerate(grouped):
        values = {name: "\n".join(cell.lines) for name, cell in zip(order, group, strict=False)}
        raw_rows.append(_RawRow(row=first_row + index, cells=values, cell_count=len(group)))
    return _build_tasks(raw_rows, title, errors)


def _find_text_header(lines: Sequence[str]) -> tuple[tuple[int, int] | None, dict[str, int]]:
    """Locate the header cells; returns ((first line, line after header), field → position)."""
    for start, line in enumerate(lines):
        if not line.startswith("\t"):
            continue
        values: list[str] = []
        end = start
        while end < len(lines) and lines[end].startswith("\t") and len(values) < len(FIELDS):
            values.extend(lines[end].split("\t")[1:])
            end += 1
        columns = _header_columns(values[: len(FIELDS)])
        if len(columns) == len(FIELDS):
            return (start, end), columns
    return None, {}


def _decode_text(data: bytes) -> str | None:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            return None
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if _looks_binary(text):
            return None
        return text
    return None


_CONTROL_RE = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")


def _looks_binary(text: str) -> bool:
    """Control characters other than whitespace never occur in a text export."""
    return _CONTROL_RE.search(text) is not None


# ---------------------------------------------------------------------------
# Word .docx
# ---------------------------------------------------------------------------


def parse_docx(data: bytes) -> ParseResult:
    """Parse a .docx whose (first) table with a 序号/项目/工作任务/责任单位 header holds the tasks."""
    problem = _check_zip(data, "word/document.xml", "Word 文档（.docx）")
    if problem:
        return ParseResult(title=None, tasks=[], errors=[_error(None, None, problem)])
    try:
        import docx
        from docx.table import Table, _Cell
        from docx.text.paragraph import Paragraph

        document = docx.Document(io.BytesIO(data))
    except MemoryError:  # the memory limit of core.sandbox: not a damaged file
        raise
    except Exception:  # python-docx raises many kinds of errors for broken files
        return ParseResult(title=None, tasks=[], errors=[_error(None, None, "无法读取 Word 文件，文件可能已损坏")])

    errors: list[ParseError] = []
    before: list[str] = []
    raw_rows: list[_RawRow] = []
    title: str | None = None
    found = False
    row_counter = 0
    for block in document.iter_inner_content():
        if isinstance(block, Paragraph):
            if not found:
                before.append(block.text)
            continue
        if not isinstance(block, Table):
            continue
        grid = [_docx_row_values(tr, block, _Cell) for tr in block._tbl.tr_lst]
        header_index = next(
            (i for i, (values, _) in enumerate(grid) if len(_header_columns(values)) == len(FIELDS)), None
        )
        if header_index is None:
            continue
        columns = _header_columns(grid[header_index][0])
        if not found:
            above = [values[0] for values, spans_all in grid[:header_index] if spans_all or values[0]]
            title = _title_from_lines(before + above)
            found = True
        for index, (values, spans_all) in enumerate(grid):
            row_no = row_counter + index + 1
            if index <= header_index or spans_all:
                continue  # header, title rows and full-width section rows are not tasks
            if len(_header_columns(values)) == len(FIELDS):
                continue  # repeated header
            cells = {name: values[col] if col < len(values) else "" for name, col in columns.items()}
            raw_rows.append(_RawRow(row=row_no, cells=cells))
        row_counter += len(grid)

    if not found:
        errors.append(_error(None, None, "Word 文件中没有找到含 序号、项目、工作任务、责任单位 表头的表格"))
        return ParseResult(title=_title_from_lines(before), tasks=[], errors=errors)
    return _build_tasks(raw_rows, title, errors)


def _docx_row_values(tr: Any, table: Any, cell_class: Any) -> tuple[list[str], bool]:
    """Cell texts by grid column. Vertically merged continuation cells and the extra
    columns of horizontally merged cells are blank. Second value: one cell spans the row."""
    values: list[str] = [""] * (tr.grid_before or 0)
    tcs = list(tr.tc_lst)
    for tc in tcs:
        span = tc.grid_span or 1
        text = "" if tc.vMerge == "continue" else cell_class(tc, table).text
        values.append(text)
        values.extend([""] * (span - 1))
    spans_all = len(tcs) == 1 and (tcs[0].grid_span or 1) > 1
    return values, spans_all


# ---------------------------------------------------------------------------
# Excel .xlsx
# ---------------------------------------------------------------------------


def parse_xlsx(data: bytes) -> ParseResult:
    """Parse the first sheet that has a 序号/项目/工作任务/责任单位 (or number/area/task/units) header."""
    problem = _check_zip(data, "xl/workbook.xml", "Excel 表格（.xlsx）")
    if problem:
        return ParseResult(title=None, tasks=[], errors=[_error(None, None, problem)])
    try:
        from python_calamine import CalamineWorkbook

        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        sheets = []
        for name in workbook.sheet_names:
            sheet = workbook.get_sheet_by_name(name)
            sheets.append((name, sheet.to_python(skip_empty_area=False)))
    except MemoryError:  # the memory limit of core.sandbox: not a damaged file
        raise
    except Exception:  # calamine raises its own error types for broken files
        return ParseResult(title=None, tasks=[], errors=[_error(None, None, "无法读取 Excel 文件，文件可能已损坏")])

    best: tuple[int, str, int, dict[str, int]] | None = None  # (matches, sheet, header row index, columns)
    for name, rows in sheets:
        for index, values in enumerate(rows[:30]):
            columns = _header_columns(values)
            if columns and (best is None or len(columns) > best[0]):
                best = (len(columns), name, index, columns)
        if best is not None and best[0] == len(FIELDS):
            break

    if best is None or best[0] < len(FIELDS):
        if best is None or best[0] < 2:
            detail = "没有找到表头，缺少列：" + "、".join(FIELDS)
        else:
            missing = [name for name in FIELDS if name not in best[3]]
            detail = f"工作表「{best[1]}」第 {best[2] + 1} 行的表头缺少列：" + "、".join(missing)
        detail += "（表头应为 序号、项目、工作任务、责任单位，或 number、area、task、units）"
        return ParseResult(title=None, tasks=[], errors=[_error(None, None, detail)])

    _, sheet_name, header_index, columns = best
    rows = dict(sheets)[sheet_name]
    above = [_cell_text(next((v for v in values if _cell_text(v)), "")) for values in rows[:header_index]]
    title = _title_from_lines(above)
    raw_rows = []
    for index in range(header_index + 1, len(rows)):
        values = rows[index]
        cells = {name: _cell_text(values[col]) if col < len(values) else "" for name, col in columns.items()}
        raw_rows.append(_RawRow(row=index + 1, cells=cells))
    return _build_tasks(raw_rows, title, [])


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).replace("\r\n", "\n")


def tasks_to_xlsx(tasks: Sequence[ParsedTask], *, title: str | None = None) -> bytes:
    """Write tasks as an .xlsx (序号/项目/工作任务/责任单位) that re-imports to the same tasks."""
    import xlsxwriter

    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = workbook.add_worksheet("重点任务分工表")
    title_format = workbook.add_format({"bold": True, "font_size": 14, "align": "center", "valign": "vcenter"})
    header_format = workbook.add_format(
        {"bold": True, "border": 1, "align": "center", "valign": "vcenter", "bg_color": "#E8EEF4"}
    )
    cell_format = workbook.add_format({"border": 1, "text_wrap": True, "valign": "top"})
    number_format = workbook.add_format({"border": 1, "align": "center", "valign": "top"})
    sheet.set_column(0, 0, 6)
    sheet.set_column(1, 1, 18)
    sheet.set_column(2, 2, 60)
    sheet.set_column(3, 3, 40)
    row = 0
    if title:
        sheet.merge_range(0, 0, 0, len(FIELDS) - 1, title, title_format)
        sheet.set_row(0, 28)
        row = 1
    for col, name in enumerate(FIELDS):
        sheet.write_string(row, col, name, header_format)
    sheet.freeze_panes(row + 1, 0)
    for task in tasks:
        row += 1
        sheet.write_number(row, 0, task.number, number_format)
        # write_string: never let a cell starting with "=" become a formula.
        sheet.write_string(row, 1, task.area, cell_format)
        sheet.write_string(row, 2, task.text, cell_format)
        sheet.write_string(row, 3, task.responsibility, cell_format)
    workbook.close()
    return buffer.getvalue()


# ---------------------------------------------------------------------------
# Dispatch
# ---------------------------------------------------------------------------

_KIND_LABELS = {
    "docx": "Word 文档（.docx）",
    "xlsx": "Excel 表格（.xlsx）",
    "zip": "压缩包（zip）",
    "ole": "旧版 Office 文件（.doc/.xls）",
    "pdf": "PDF 文件",
    "image": "图片",
    "text": "文本文件",
    "binary": "二进制文件",
}


def _check_zip(data: bytes, required_member: str, label: str) -> str | None:
    if not data.startswith(b"PK\x03\x04"):
        return f"不是有效的{label}：文件不是 Office Open XML（zip）格式"
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        return f"不是有效的{label}：压缩结构已损坏"
    if required_member not in {info.filename for info in infos}:
        return f"不是有效的{label}：缺少 {required_member}"
    try:  # compression methods, real unpacked sizes and ratios, the sheet's rows and columns
        office_guard.check_package(io.BytesIO(data), limits=office_guard.table_limits())
    except office_guard.HostileFile as error:
        return f"{label}：{error}"
    return None


def _sniff(data: bytes) -> str:
    if data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                names = set(archive.namelist())
        except (zipfile.BadZipFile, ValueError, OSError):
            return "zip"
        if "word/document.xml" in names:
            return "docx"
        if "xl/workbook.xml" in names:
            return "xlsx"
        return "zip"
    if data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "ole"
    if data.startswith(b"%PDF"):
        return "pdf"
    if data.startswith((b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF87a", b"GIF89a", b"BM")) or (
        data[:4] == b"RIFF" and data[8:12] == b"WEBP"
    ):
        return "image"
    return "text" if _decode_text(data) is not None else "binary"


def parse_policy_document(data: bytes, filename: str) -> ParseResult:
    """Parse an uploaded task table (.txt / .docx / .xlsx), checking size and content first."""

    def fail(detail: str) -> ParseResult:
        return ParseResult(title=None, tasks=[], errors=[_error(None, None, detail)])

    name = filename or "文件"
    if len(data) > MAX_DOCUMENT_BYTES:
        size_mb = len(data) / (1024 * 1024)
        return fail(f"文件「{name}」过大（{size_mb:.1f} MB），上限为 {MAX_DOCUMENT_BYTES // (1024 * 1024)} MB")
    if not data or not data.strip():
        return fail(f"文件「{name}」为空")

    ext = ""
    if "." in filename.rsplit("/", 1)[-1]:
        ext = "." + filename.rsplit(".", 1)[-1].lower()
    kind = _sniff(data)
    expected = {".txt": "text", ".text": "text", ".docx": "docx", ".xlsx": "xlsx"}
    if ext and ext not in expected:
        hint = "；旧版 .doc/.xls 请先另存为 .docx/.xlsx" if ext in (".doc", ".xls", ".wps", ".et") else ""
        return fail(f"不支持的文件类型「{ext}」，请上传 .txt、.docx 或 .xlsx 文件{hint}")
    if ext and kind != expected[ext]:
        wanted = _KIND_LABELS[expected[ext]]
        return fail(f"文件「{name}」不是有效的{wanted}：内容是{_KIND_LABELS[kind]}，与扩展名「{ext}」不符")

    if kind == "docx":
        return parse_docx(data)
    if kind == "xlsx":
        return parse_xlsx(data)
    if kind == "text":
        text = _decode_text(data)
        assert text is not None  # _sniff decoded it already
        return parse_text_export(text)
    return fail(f"文件「{name}」不是可识别的文档（{_KIND_LABELS[kind]}），请上传 .txt、.docx 或 .xlsx 文件")


def detect_format(data: bytes) -> str:
    """The table's file format from its content: "txt", "docx", "xlsx", or "" when it is none
    of them (added for the import service, which records it on the imported version)."""
    return {"text": "txt", "docx": "docx", "xlsx": "xlsx"}.get(_sniff(data), "")
