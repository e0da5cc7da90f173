"""Supervision workbooks: the rows and the .xlsx of one department's obligations over recent
periods, or of the whole county for a period. Written with xlsxwriter; every text cell is written
as a string (never a formula), so a narrative starting with "=" stays text. Building a workbook
writes nothing: the audited exports are `services.department_report_xlsx` and
`services.county_report_xlsx`, and who may download which is `shouhu.access.may_export_*`."""

from __future__ import annotations

import datetime
import io
from collections.abc import Sequence
from typing import Any

import xlsxwriter
from django.utils import timezone

from ..models import ResponsibilityRole
from .selectors import Obligation

DEPARTMENT_REPORT_PERIODS = 4  # default: the current period and the three before it
MAX_DEPARTMENT_REPORT_PERIODS = 24

HEADERS = (
    "报告期",
    "截止日期",
    "任务序号",
    "项目",
    "工作任务",
    "责任单位",
    "乡镇（街道）",
    "角色",
    "进展状态",
    "审核状态",
    "进展情况",
    "报告时间",
    "报告人",
    "审核意见",
    "审核人",
    "是否逾期",
)


def _local(value: datetime.datetime | None) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def obligation_row(obligation: Obligation) -> list[Any]:
    report = obligation.report
    return [
        obligation.period.label,
        obligation.due.isoformat(),
        obligation.task.number,
        obligation.task.area,
        obligation.task.text,
        obligation.department.name,
        obligation.township.name if obligation.township else "",
        ResponsibilityRole(obligation.unit.role).label,
        report.get_status_display() if report else "",
        obligation.state_label,
        report.narrative if report else "",
        _local(report.submitted_at) if report else "",
        report.submitted_by.display_name if report else "",
        report.review_comment if report else "",
        report.reviewed_by.display_name if report and report.reviewed_by else "",
        "是" if obligation.overdue else "否",
    ]


def _write_cell(sheet: Any, row: int, col: int, value: Any, fmt: Any = None) -> None:
    if value is None or value == "":
        sheet.write_blank(row, col, None, fmt)
    elif isinstance(value, int | float) and not isinstance(value, bool):
        sheet.write_number(row, col, value, fmt)
    else:
        # Always a string cell: text starting with = + - @ is never taken as a formula.
        sheet.write_string(row, col, str(value), fmt)


def workbook_bytes(title: str, rows: Sequence[Sequence[Any]], notes: Sequence[tuple[str, str]]) -> bytes:
    output = io.BytesIO()
    workbook = xlsxwriter.Workbook(
        output,
        {
            "in_memory": True,
            "strings_to_formulas": False,
            "strings_to_numbers": False,
            "strings_to_urls": False,
        },
    )
    bold = workbook.add_format({"bold": True, "bg_color": "#E3F2FD", "border": 1, "text_wrap": True})
    wrap = workbook.add_format({"text_wrap": True, "valign": "top"})
    sheet = workbook.add_worksheet("督办情况")
    for col, header in enumerate(HEADERS):
        sheet.write_string(0, col, header, bold)
    for r, values in enumerate(rows, start=1):
        for col, value in enumerate(values):
            _write_cell(sheet, r, col, value, wrap if col in (4, 10, 13) else None)
    widths = (14, 11, 8, 16, 50, 14, 12, 6, 10, 10, 50, 17, 10, 30, 10, 8)
    for col, width in enumerate(widths):
        sheet.set_column(col, col, width)
    sheet.freeze_panes(1, 0)
    sheet.autofilter(0, 0, max(len(rows), 1), len(HEADERS) - 1)
    info = workbook.add_worksheet("说明")
    info.set_column(0, 0, 14)
    info.set_column(1, 1, 60)
    info.write_string(0, 0, title, bold)
    for r, (label, value) in enumerate(notes, start=1):
        info.write_string(r, 0, label)
        _write_cell(info, r, 1, value)
    workbook.close()
    return output.getvalue()


def sorted_obligations(items: list[Obligation]) -> list[Obligation]:
    return sorted(
        items,
        key=lambda o: (
            -o.period.start.toordinal(),
            o.task.number,
            o.department.is_townships,
            o.department.pk,
            o.township.code if o.township else "",
        ),
    )


def summary_notes(items: list[Obligation]) -> list[tuple[str, str]]:
    reported = sum(1 for o in items if o.done)
    overdue = sum(1 for o in items if o.overdue)
    return [("应报告", str(len(items))), ("已报告", str(reported)), ("逾期未报", str(overdue))]
