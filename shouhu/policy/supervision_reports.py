"""Supervision reports to Excel: one department's obligations over recent periods, and the
whole county for a period. Written with xlsxwriter; every text cell is written as a string
(never a formula), so a narrative starting with "=" stays text. Each export is audited."""

from __future__ import annotations

import datetime
import io
from collections.abc import Sequence
from typing import Any

import xlsxwriter
from django.db import transaction
from django.utils import timezone

from shouhu.access import Capability, can
from shouhu.accounts.models import Department, Role, User
from shouhu.core.audit import record

from .models import ResponsibilityRole
from .supervision import Period, today
from .supervision_selectors import Obligation, obligations_for_period, obligations_recent

DEPARTMENT_REPORT_PERIODS = 4  # default: the current period and the three before it
MAX_DEPARTMENT_REPORT_PERIODS = 24
COUNTY_EXPORT_ROLES = frozenset({Role.COUNTY_ADMIN, Role.CASEWORKER, Role.LEADER})

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


def may_export_county(user: User) -> bool:
    return can(user, Capability.VIEW_SUPERVISION) and user.role in COUNTY_EXPORT_ROLES


def may_export_department(user: User, department: Department) -> bool:
    if may_export_county(user):
        return True
    return (
        can(user, Capability.VIEW_SUPERVISION)
        and user.role == Role.DEPARTMENT_OFFICER
        and user.department_id == department.pk
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


def _sorted(items: list[Obligation]) -> list[Obligation]:
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


def _summary(items: list[Obligation]) -> list[tuple[str, str]]:
    reported = sum(1 for o in items if o.done)
    overdue = sum(1 for o in items if o.overdue)
    return [("应报告", str(len(items))), ("已报告", str(reported)), ("逾期未报", str(overdue))]


@transaction.atomic
def department_report_xlsx(
    *, actor: User, department: Department, periods: int = DEPARTMENT_REPORT_PERIODS, on: datetime.date | None = None
) -> tuple[bytes, str]:
    """One department's obligations and reports over its tasks' last `periods` periods."""
    on = on or today()
    items = _sorted(obligations_recent(periods, on=on, department=department))
    title = f"{department.name}任务落实督办情况（最近 {periods} 个报告期）"
    data = workbook_bytes(
        title,
        [obligation_row(o) for o in items],
        [
            ("单位", department.official_name),
            ("报告期数", str(periods)),
            ("统计日期", on.isoformat()),
            ("导出人", actor.display_name),
            *_summary(items),
        ],
    )
    record(
        actor=actor,
        action="supervision.export_department",
        target=department,
        summary=f"导出 {department.name} 督办报表（最近 {periods} 期，{len(items)} 行）",
        detail={"department": department.name, "periods": periods, "rows": len(items), "on": on.isoformat()},
    )
    return data, f"督办报表_{department.name}_{on:%Y%m%d}.xlsx"


@transaction.atomic
def county_report_xlsx(
    *, actor: User, chosen: Period | None = None, on: datetime.date | None = None
) -> tuple[bytes, str]:
    """All units' obligations for a period (None: each task's current period)."""
    on = on or today()
    items = _sorted(obligations_for_period(chosen, on=on))
    label = chosen.label if chosen else "本期"
    title = f"全县困境儿童保障重点任务督办情况（{label}）"
    data = workbook_bytes(
        title,
        [obligation_row(o) for o in items],
        [
            ("报告期", label),
            ("统计日期", on.isoformat()),
            ("导出人", actor.display_name),
            *_summary(items),
        ],
    )
    record(
        actor=actor,
        action="supervision.export_county",
        object_type="policy.supervision",
        object_id=chosen.key if chosen else "current",
        summary=f"导出全县督办报表（{label}，{len(items)} 行）",
        detail={"period": chosen.key if chosen else None, "rows": len(items), "on": on.isoformat()},
    )
    return data, f"督办报表_全县_{chosen.key if chosen else on.strftime('%Y%m%d')}.xlsx"
