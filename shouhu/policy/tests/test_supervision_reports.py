"""Supervision reports to Excel, read back with python-calamine."""

from __future__ import annotations

import datetime
import io
from typing import Any

import pytest
from python_calamine import CalamineWorkbook

from shouhu.accounts.models import User
from shouhu.core.models import AuditEvent
from shouhu.policy.models import PolicyDocument
from shouhu.policy.supervision.periods import parse_period
from shouhu.policy.supervision.reports import HEADERS
from shouhu.policy.supervision.services import (
    county_report_xlsx,
    department_report_xlsx,
    progress_report_review,
    progress_report_submit,
)

from .supervision_factories import create_table, department, task


@pytest.fixture
def table(db: None) -> PolicyDocument:
    return create_table()


def rows_of(data: bytes, sheet: str = "督办情况") -> list[list[Any]]:
    return CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_name(sheet).to_python()


def test_county_report(table: PolicyDocument, personas: dict[str, User]) -> None:
    report = progress_report_submit(
        actor=personas["officer_a"],
        task=task(table, 9),
        department=department("县教育局"),
        period="2026Q3",
        status="done",
        narrative='=HYPERLINK("http://evil")',
        files=(),
    )
    progress_report_review(actor=personas["caseworker"], report=report, decision="accept")
    data, filename = county_report_xlsx(
        actor=personas["leader"], chosen=parse_period("2026Q3"), on=datetime.date(2026, 11, 28)
    )
    assert filename == "督办报表_全县_2026Q3.xlsx"
    rows = rows_of(data)
    assert tuple(rows[0]) == HEADERS
    body = [dict(zip(HEADERS, r, strict=True)) for r in rows[1:]]
    row_9 = next(r for r in body if r["任务序号"] == 9 and r["责任单位"] == "县教育局")
    assert row_9["进展情况"] == '=HYPERLINK("http://evil")'  # text, not a formula
    assert row_9["进展状态"] == "已完成" and row_9["审核状态"] == "已通过" and row_9["是否逾期"] == "否"
    assert row_9["报告人"] == "赵教育" and row_9["审核人"] == "李业务" and row_9["报告期"] == "2026年第三季度"
    row_5 = next(r for r in body if r["任务序号"] == 5 and r["责任单位"] == "县卫健局")
    assert row_5["审核状态"] == "逾期未报" and row_5["是否逾期"] == "是" and row_5["进展情况"] == ""
    assert len([r for r in body if r["任务序号"] == 25]) == 13
    notes = dict((r[0], r[1]) for r in rows_of(data, "说明")[1:])
    assert notes["已报告"] == "1" and notes["应报告"] == str(len(body))
    event = AuditEvent.objects.get(action="supervision.export_county")
    assert event.actor == personas["leader"] and event.detail["rows"] == len(body)


def test_department_report(table: PolicyDocument, personas: dict[str, User]) -> None:
    data, filename = department_report_xlsx(
        actor=personas["officer_b"], department=department("县卫健局"), periods=4, on=datetime.date(2026, 11, 28)
    )
    assert filename == "督办报表_县卫健局_20261128.xlsx"
    rows = rows_of(data)[1:]
    assert {r[5] for r in rows} == {"县卫健局"}
    assert {r[0] for r in rows} == {"2026年第四季度", "2026年第三季度", "2026年第二季度", "2026年第一季度"}
    assert len(rows) == 4 * 12  # 卫健's tasks; 7 and 8 passed to 县医保局
    assert {r[15] for r in rows if r[0] == "2026年第四季度"} == {"否"}
    assert {r[15] for r in rows if r[0] == "2026年第三季度"} == {"是"}
    assert AuditEvent.objects.filter(action="supervision.export_department", actor=personas["officer_b"]).exists()


def test_townships_department_report_lists_each_township(table: PolicyDocument, personas: dict[str, User]) -> None:
    data, _ = department_report_xlsx(
        actor=personas["admin"], department=department("各乡镇（街道）"), periods=1, on=datetime.date(2026, 11, 28)
    )
    rows = rows_of(data)[1:]
    assert len(rows) == 5 * 13 and len({r[6] for r in rows}) == 13


def test_export_access(table: PolicyDocument, login: Any) -> None:
    education, health = department("县教育局").pk, department("县卫健局").pk
    own = login("officer_a").get(f"/policy/supervision/export/department/{education}/")
    assert own.status_code == 200 and own["Content-Type"].startswith("application/vnd.openxmlformats")
    assert rows_of(own.content)[0][0] == "报告期"
    assert login("officer_a").get(f"/policy/supervision/export/department/{health}/").status_code == 404
    assert login("officer_a").get("/policy/supervision/export/county/").status_code == 404
    assert login("supervisor_a").get(f"/policy/supervision/export/department/{education}/").status_code == 404
    for key in ("admin", "caseworker", "leader"):
        assert login(key).get("/policy/supervision/export/county/?period=2026Q3").status_code == 200
        assert login(key).get(f"/policy/supervision/export/department/{health}/?periods=2").status_code == 200
    assert login("leader").get("/policy/supervision/export/county/?period=bad").status_code == 404
    assert login("director_a").get("/policy/supervision/export/county/").status_code == 403
    assert AuditEvent.objects.filter(action__startswith="supervision.export").count() == 7
