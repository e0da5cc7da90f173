"""Writing the column layout: canonical exchange-format objects as rows, an .xlsx with the
layout's formats, dropdowns and instructions (`LayoutWriter`), the import template, CSV cells."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Iterator, Sequence
from typing import IO, Any

import xlsxwriter
from xlsxwriter.worksheet import Worksheet

from ..labels import (
    DISABILITY_LABELS,
    LIVING_LABELS,
    NOBODY_LABEL,
    NOT_RECORDED_LABEL,
    PARENT_STATUS_LABELS,
    RELATIONSHIP_LABELS,
    STAGE_LABELS,
)
from ..record_keys import RECORD_KEY, RECORD_KEY_LABEL
from .format import NOT_RECORDED
from .layout import (
    COLUMNS,
    FIRST_DATE,
    FORMULA_STARTS,
    HEADERS,
    INSTRUCTIONS_SHEET,
    MAX_ROW,
    NO,
    PARENT_ROLE_NAMES,
    SEX_LABELS,
    SHEET_NAME,
    YES,
    Column,
)


def _date_value(text: str | None) -> datetime.date | None:
    return datetime.date.fromisoformat(text) if text else None


def _yes(value: Any) -> str:
    return YES if value else NO


def _answer(value: bool | None) -> str:
    """是, 否, or 未填写 for a yes-or-no fact that was not recorded."""
    return NOT_RECORDED_LABEL if value is None else _yes(value)


def _guardian_cells(obj: dict[str, Any]) -> tuple[str, str | None]:
    """监护人关系 and 监护人有监护能力: the key absent is not recorded, null is nobody (无人照料,
    whose ability does not apply)."""
    if "guardian" not in obj:
        return NOT_RECORDED_LABEL, NOT_RECORDED_LABEL
    guardian = obj["guardian"]
    if guardian is None:
        return NOBODY_LABEL, None
    relationship = guardian["relationship"]
    return RELATIONSHIP_LABELS.get(relationship, relationship), _answer(guardian.get("able"))


def _schooling_cells(schooling: dict[str, Any] | None) -> tuple[str, str]:
    """就学阶段 and 在读: 未填写 for what was not recorded."""
    if schooling is None:
        return NOT_RECORDED_LABEL, NOT_RECORDED_LABEL
    return STAGE_LABELS[schooling.get("stage") or "none"], _answer(schooling.get("enrolled"))


def dict_to_row(obj: dict[str, Any]) -> list[Any]:
    """A canonical exchange-format object as the layout's values (str, date, int or None)."""
    household, safety = obj.get("household") or {}, obj.get("safety") or {}
    # A parent written as not_recorded is as good as one left out: 未填写 either way.
    parents = {p["role"]: p for p in obj.get("parents") or [] if p.get("status") != NOT_RECORDED}
    disability = obj.get("disability")
    values: dict[str, Any] = {
        "姓名": obj["name"],
        "性别": SEX_LABELS.get(obj["sex"], obj["sex"]),
        "出生日期": _date_value(obj["birth_date"]),
        "身份证号": obj.get("id_number"),
        "无身份证号原因": obj.get("no_id_reason"),
        "居住地区划代码": obj["region_code"],
        "户籍地区划代码": obj.get("hukou_region_code"),
        "低保": _yes(household.get("low_income")),
        "特困": _yes(household.get("extreme_poverty")),
        "临时困难": _yes(household.get("temporary_hardship")),
        "残疾类别": DISABILITY_LABELS[disability["type"]] if disability else None,
        "残疾等级": disability["grade"] if disability else None,
        "重病": _yes(obj.get("serious_illness")),
        "生活安置": LIVING_LABELS[obj.get("living_arrangement") or "family"],
        "随迁": _yes(obj.get("migrant")),
        "留守": _yes(obj.get("left_behind")),
        "遭受虐待": _yes(safety.get("abuse")),
        "被忽视": _yes(safety.get("neglect")),
        "被遗弃": _yes(safety.get("abandoned")),
        RECORD_KEY_LABEL: obj.get(RECORD_KEY),
    }
    values["监护人关系"], values["监护人有监护能力"] = _guardian_cells(obj)
    values["就学阶段"], values["在读"] = _schooling_cells(obj.get("schooling"))
    for role, who in PARENT_ROLE_NAMES.items():
        p = parents.get(role)
        values[f"{who}状况"] = PARENT_STATUS_LABELS[p["status"]] if p else NOT_RECORDED_LABEL
        values[f"{who}状况起始"] = _date_value(p.get("since")) if p else None
        values[f"{who}状况结束"] = _date_value(p.get("until")) if p else None
        d_type = p.get("disability_type") if p else None
        values[f"{who}残疾类别"] = DISABILITY_LABELS.get(d_type, d_type) if d_type else None
        values[f"{who}残疾等级"] = p.get("disability_grade") if p else None
    return [values[h] for h in HEADERS]


def csv_value(value: Any) -> str:
    """A layout value as CSV text; text that a spreadsheet would run as a formula gets a leading '."""
    if value is None:
        return ""
    if isinstance(value, datetime.date):
        return value.isoformat()
    text = str(value)
    return "'" + text if text[:1] in FORMULA_STARTS else text


class LayoutWriter:
    """Writes the layout to an .xlsx: the data sheet (headers, formats, dropdowns) and the
    instructions sheet. Rows are streamed (constant memory); text is always written with
    `write_string`, so a value such as `=cmd()` is never a formula. The file's creation date is
    fixed, so the same rows give the same bytes."""

    def __init__(
        self,
        out: str | IO[bytes],
        *,
        extra_headers: Sequence[str] = (),
        tail_headers: Sequence[str] = (),
    ) -> None:
        options = {"constant_memory": True, "strings_to_numbers": False, "strings_to_formulas": False}
        self.workbook = xlsxwriter.Workbook(out, {**options, "strings_to_urls": False})
        self.workbook.set_properties({"title": "儿童名单", "created": datetime.datetime(2026, 1, 1)})  # noqa: DTZ001
        wb = self.workbook
        self.header_format = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True})
        self.text_format = wb.add_format({"num_format": "@"})
        self.date_format = wb.add_format({"num_format": "yyyy-mm-dd"})
        self.error_format = wb.add_format({"bg_color": "#FFC7CE", "font_color": "#9C0006"})
        self.error_date_format = wb.add_format(
            {"bg_color": "#FFC7CE", "font_color": "#9C0006", "num_format": "yyyy-mm-dd"}
        )
        self.error_text_format = wb.add_format({"font_color": "#9C0006", "text_wrap": True})
        self.sheet: Worksheet = wb.add_worksheet(SHEET_NAME)
        self.extra_headers = list(extra_headers)
        self.tail_headers = list(tail_headers)
        self.row = 0
        self._setup()
        self._instructions()

    def _setup(self) -> None:
        ws = self.sheet
        headers = [*self.extra_headers, *HEADERS, *self.tail_headers]
        offset = len(self.extra_headers)
        for i, header in enumerate(headers):
            ws.write_string(0, i, header, self.header_format)
        for i in range(len(self.extra_headers)):
            ws.set_column(i, i, 8)
        tail = offset + len(HEADERS)
        if self.tail_headers:
            ws.set_column(tail, tail + len(self.tail_headers) - 1, 60)
        for i, column in enumerate(COLUMNS, start=offset):
            fmt = self.date_format if column.kind == "date" else self.text_format
            ws.set_column(i, i, column.width, fmt)
        ws.freeze_panes(1, offset + 1)
        last = MAX_ROW
        for i, column in enumerate(COLUMNS, start=offset):
            options = self._validation(column)
            if options:
                ws.data_validation(1, i, last, i, options)
        self.row = 1

    def _validation(self, column: Column) -> dict[str, Any] | None:
        # 未填写 heads the list where the fact can be not recorded (for bools: after 是 and 否).
        if column.kind == "bool":
            return {
                "validate": "list",
                "source": [YES, NO, NOT_RECORDED_LABEL] if column.not_recorded else [YES, NO],
                "input_title": column.header,
                "input_message": column.help[:255],
                "error_message": "请填 是 或 否",
            }
        if column.kind == "choice":
            return {
                "validate": "list",
                "source": [NOT_RECORDED_LABEL] * column.not_recorded + list(column.labels.values()),
                "input_title": column.header,
                "input_message": column.help[:255],
                "show_error": not column.free_text,
                "error_message": "请从下拉列表中选择",
            }
        if column.kind == "grade":
            return {
                "validate": "integer",
                "criteria": "between",
                "minimum": 1,
                "maximum": 4,
                "input_title": column.header,
                "input_message": column.help[:255],
                "error_message": "请填写 1–4 的整数",
            }
        if column.kind == "date":
            return {
                "validate": "date",
                "criteria": "between",
                "minimum": FIRST_DATE,
                "maximum": datetime.date(2100, 12, 31),
                "input_title": column.header,
                "input_message": column.help[:255] + "（格式 YYYY-MM-DD）",
                "error_message": "请填写日期，如 2015-03-15",
            }
        return {"validate": "any", "input_title": column.header, "input_message": column.help[:255]}

    def _instructions(self) -> None:
        ws = self.workbook.add_worksheet(INSTRUCTIONS_SHEET)
        bold = self.header_format
        wrap = self.workbook.add_format({"text_wrap": True, "valign": "top"})
        ws.set_column(0, 0, 18)
        ws.set_column(1, 1, 80)
        ws.write_string(0, 0, "儿童名单导入模板", bold)
        lines = [
            f"在「{SHEET_NAME}」工作表中每行填写一名儿童，第一行是列名，请勿修改、删除或调换列名。",
            "所有列都必须保留；不适用的单元格留空即可。是/否 类的列留空按「否」处理，"
            "「在读」「监护人有监护能力」除外。",
            f"父母状况、监护人关系、监护人有监护能力、就学阶段、在读可选「{NOT_RECORDED_LABEL}」（留空也是未填写）："
            "表示尚未核实，系统不会据此认定孤儿、无人监护或辍学，会列入待补充信息清单。"
            f"它不同于「查找不到」（经查找确实找不到生父母）、「{NOBODY_LABEL}」（没有人实际照料儿童）"
            "和「否」（已核实不在读或无监护能力），这些都会据此认定。",
            "身份证号、区划代码请以文本格式填写，防止 Excel 把长数字改掉。",
            "导入前系统会逐行检查；有任何错误都不会写入数据，可下载标注了错误的表格修改后重新上传。",
            "身份证号已登记的儿童将按表中内容更新（导入前会列出每项变化），不会重复登记。",
        ]
        for i, text in enumerate(lines, start=1):
            ws.write_string(i, 0, f"{i}.", wrap)
            ws.write_string(i, 1, text, wrap)
        start = len(lines) + 2
        ws.write_string(start, 0, "列名", bold)
        ws.write_string(start, 1, "填写说明", bold)
        for i, column in enumerate(COLUMNS, start=start + 1):
            ws.write_string(i, 0, column.header, wrap)
            ws.write_string(i, 1, column.help, wrap)

    def write_row(
        self, values: Sequence[Any], *, extra: Sequence[Any] = (), bad: Iterable[int] = (), tail: Sequence[str] = ()
    ) -> None:
        """One row: `extra` values before the layout, `tail` text after it; columns in `bad`
        (indexes into the written row) are highlighted."""
        ws, r = self.sheet, self.row
        bad_cells = set(bad)
        for i, value in enumerate([*extra, *values]):
            self._write_cell(r, i, value, i in bad_cells)
        for j, text in enumerate(tail, start=len(extra) + len(values)):
            ws.write_string(r, j, text, self.error_text_format)
        self.row += 1

    def _write_cell(self, r: int, c: int, value: Any, bad: bool) -> None:
        ws = self.sheet
        if value is None or value == "":
            if bad:
                ws.write_blank(r, c, None, self.error_format)
            return
        if isinstance(value, bool):
            ws.write_string(r, c, YES if value else NO, self.error_format if bad else None)
        elif isinstance(value, datetime.date) and not isinstance(value, datetime.datetime) and value >= FIRST_DATE:
            ws.write_datetime(r, c, value, self.error_date_format if bad else self.date_format)
        elif isinstance(value, int | float):
            ws.write_number(r, c, value, self.error_format if bad else None)
        else:
            ws.write_string(r, c, str(value), self.error_format if bad else None)

    def close(self) -> None:
        self.workbook.close()


def write_template(out: str | IO[bytes]) -> None:
    """The empty import template: headers, dropdowns, date and text formats, instructions."""
    writer = LayoutWriter(out)
    writer.close()


def iter_layout_rows(rows: Iterable[dict[str, Any]]) -> Iterator[list[Any]]:
    for obj in rows:
        yield dict_to_row(obj)
