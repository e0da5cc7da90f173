"""The unit responsible for a step: the unit the task-division table names for the step's task
(task 17 临时监护与追责: 县公安局 leads; 县民政局、县司法局、县法院、县检察院 cooperate; task 16
收留抚养: 县民政局 leads), as of the step's date, with reorganisations and transfers of a function
applied (`policy.selectors.responsible_on`). Without a table, or a table without the task or the
unit, the unit of that name today, and the step says so (`basis`)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from shouhu.accounts.models import Department, DepartmentKind
from shouhu.policy.selectors import current_document, responsible_on

from .transitions import TOWNSHIPS_UNIT


@dataclass(frozen=True)
class ResolvedUnit:
    department: Department
    basis: str


def responsible_unit(task_number: int, unit: str, on: datetime.date) -> ResolvedUnit:
    document = current_document()
    task = (
        document.tasks.prefetch_related("responsibilities__department").filter(number=task_number).first()
        if document is not None
        else None
    )
    if task is not None:
        for responsible in responsible_on(task, on):
            if unit in (responsible.as_written, responsible.department.name):
                return ResolvedUnit(responsible.department, f"按任务分工表第 {task_number} 项")
    if unit == TOWNSHIPS_UNIT:
        townships = Department.objects.filter(kind=DepartmentKind.TOWNSHIPS).order_by("pk").first()
        if townships is not None:
            return ResolvedUnit(townships, "属地乡镇（街道）")
    return ResolvedUnit(Department.objects.get(name=unit), f"任务分工表未列明第 {task_number} 项的{unit}，按单位名称")
