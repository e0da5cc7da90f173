"""The annotated error workbook: the original rows with an extra 错误 column, bad cells
highlighted and commented (.xlsx and .csv); for JSON Lines, the bad lines with their errors."""

from __future__ import annotations

from pathlib import Path
from typing import IO, Any

import xlsxwriter

from . import layout
from .layout_reading import check_headers
from .layout_writing import LayoutWriter
from .reading import csv_rows, xlsx_rows


def errors_by_row(errors: list[dict[str, Any]]) -> dict[int, list[tuple[str, str]]]:
    rows: dict[int, list[tuple[str, str]]] = {}
    for e in errors:
        rows.setdefault(int(e["row"]), []).append((str(e["field"]), str(e["message"])))
    return rows


MAX_COMMENTS = 5000


def write_error_workbook(path: Path, *, fmt: str, errors: list[dict[str, Any]], out: str | IO[bytes]) -> None:
    """The original rows with an extra 错误 column, bad cells highlighted and commented (.xlsx
    and .csv); for JSON Lines the bad lines with their errors."""
    by_row = errors_by_row(errors)
    if fmt == "jsonl":
        _write_jsonl_errors(path, by_row, out)
        return
    raw = xlsx_rows(path) if fmt == "xlsx" else csv_rows(path)
    first = next(raw, None)
    index, header_errors = check_headers(first[1] if first else [])
    writer = LayoutWriter(out, extra_headers=(layout.ROW_HEADER,), tail_headers=(layout.ERROR_HEADER,))
    header_row = first[0] if first else 1
    if header_row in by_row:
        text = "；".join(f"「{f}」{m}" for f, m in by_row[header_row])
        writer.write_row([None] * len(layout.HEADERS), extra=[header_row], tail=[text])
    if any(e.field == "表头" for e in header_errors):
        writer.close()
        return
    comments = 0
    for number, cells in raw:
        if all(layout.blank(c) for c in cells):
            continue
        values = [cells[index[h]] if index[h] < len(cells) else None for h in layout.HEADERS]
        values = [None if layout.blank(v) else v for v in values]
        problems = by_row.get(number, [])
        bad = {layout.HEADERS.index(f) + 1 for f, _ in problems if f in layout.BY_HEADER}
        text = "；".join(f"「{f}」{m}" for f, m in problems)
        row_index = writer.row
        writer.write_row(values, extra=[number], bad=bad, tail=[text] if text else [])
        for f, m in problems:
            if f in layout.BY_HEADER and comments < MAX_COMMENTS:
                writer.sheet.write_comment(row_index, layout.HEADERS.index(f) + 1, m, {"x_scale": 2})
                comments += 1
    writer.close()


def _write_jsonl_errors(path: Path, by_row: dict[int, list[tuple[str, str]]], out: str | IO[bytes]) -> None:
    workbook = xlsxwriter.Workbook(
        out,
        {"constant_memory": True, "strings_to_formulas": False, "strings_to_numbers": False, "strings_to_urls": False},
    )
    sheet = workbook.add_worksheet("错误")
    bold = workbook.add_format({"bold": True, "bg_color": "#DDEBF7"})
    bad = workbook.add_format({"bg_color": "#FFC7CE", "font_color": "#9C0006", "text_wrap": True})
    for i, (title, width) in enumerate(
        ((layout.ROW_HEADER, 8), ("字段", 28), (layout.ERROR_HEADER, 60), ("原始内容", 80))
    ):
        sheet.write_string(0, i, title, bold)
        sheet.set_column(i, i, width)
    r = 1
    with path.open("rb") as f:
        for number, raw in enumerate(f, start=1):
            for field_name, message in by_row.get(number, []):
                sheet.write_number(r, 0, number)
                sheet.write_string(r, 1, field_name, bad)
                sheet.write_string(r, 2, message, bad)
                sheet.write_string(r, 3, raw.decode("utf-8", errors="replace").strip()[:32000])
                r += 1
    workbook.close()
