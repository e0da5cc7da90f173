"""Excel exports of eligibility counts and lists (xlsxwriter; every text cell written as a string,
so nothing is ever a formula). Each export is audited in the same transaction."""

from __future__ import annotations

import datetime
import io
from typing import Any

import xlsxwriter
from django.db import transaction

from shouhu.accounts.models import User
from shouhu.core import audit
from shouhu.regions.models import Region
from shouhu.registry.identity import age_on

from .labels import rule_display
from .selectors import CountsTable, eligible_children

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FIXED_CREATED = datetime.datetime(2026, 1, 1)  # noqa: DTZ001  (same rows, same bytes)


def _workbook(out: io.BytesIO, title: str) -> Any:
    workbook = xlsxwriter.Workbook(
        out, {"strings_to_numbers": False, "strings_to_formulas": False, "strings_to_urls": False, "in_memory": True}
    )
    workbook.set_properties({"title": title, "created": FIXED_CREATED})
    return workbook


def _text(sheet: Any, row: int, col: int, value: Any, fmt: Any = None) -> None:
    sheet.write_string(row, col, "" if value is None else str(value), fmt)


@transaction.atomic
def counts_export(*, actor: User, table: CountsTable, on: datetime.date) -> bytes:
    out = io.BytesIO()
    workbook = _workbook(out, "资格人数统计")
    bold = workbook.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True})
    sheet = workbook.add_worksheet("人数")
    headers = ["代码", "名称", "类型", *[c.name for c in table.columns], "合计"]
    for col, header in enumerate(headers):
        _text(sheet, 0, col, header, bold)
    kinds = {"category": "类别", "measure": "措施"}
    for r, (code, label, kind, values, total) in enumerate(table.rows, start=1):
        _text(sheet, r, 0, code)
        _text(sheet, r, 1, label)
        _text(sheet, r, 2, kinds.get(kind, kind))
        for c, value in enumerate([*(n for _column, n in values), total], start=3):
            sheet.write_number(r, c, value)
    sheet.set_column(1, 1, 28)
    sheet.freeze_panes(1, 2)
    _text(sheet, len(table.rows) + 2, 0, f"{table.region.name}，截至 {on}，在册儿童中当前符合的人数")
    workbook.close()
    audit.record(
        actor=actor,
        action="eligibility.counts_export",
        target=table.region,
        summary=f"导出资格人数统计：{table.region.name}（{len(table.rows)} 项）",
        detail={"region": table.region.code, "rows": len(table.rows)},
    )
    return out.getvalue()


@transaction.atomic
def list_export(*, actor: User, region: Region, code: str, label: str, on: datetime.date) -> tuple[bytes, int]:
    """The children (in the actor's scope) currently in a category or measure."""
    rows = eligible_children(actor, region, code)
    out = io.BytesIO()
    workbook = _workbook(out, f"{code} {label}")
    bold = workbook.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
    sheet = workbook.add_worksheet(code[:31])
    headers = ["姓名", "身份证号（脱敏）", "性别", "年龄", "乡镇（街道）", "村（社区）", "自", "规则版本", "筛查编号"]
    for col, header in enumerate(headers):
        _text(sheet, 0, col, header, bold)
    count = 0
    for r, row in enumerate(rows.iterator(chunk_size=2000), start=1):
        child = row.child
        township = child.region.parent.name if child.region.parent else ""
        values = [
            child.name,
            child.id_number_masked or "无",
            child.get_sex_display(),
            str(age_on(child.birth_date, on)),
            township,
            child.region.name,
            row.since.isoformat(),
            f"第 {row.rule_version} 版",
            f"#{row.found_by_id}",
        ]
        for col, value in enumerate(values):
            _text(sheet, r, col, value)
        count += 1
    sheet.set_column(0, 1, 20)
    sheet.freeze_panes(1, 1)
    workbook.close()
    audit.record(
        actor=actor,
        action="eligibility.list_export",
        target=region,
        summary=f"导出名单：{region.name} · {rule_display(code, label)}（{count} 名儿童）",
        detail={"region": region.code, "code": code, "children": count},
    )
    return out.getvalue(), count
