"""Exporting a version of the task-division table as JSON or Excel.

JSON: a list ordered by task number of
``{"number", "category", "text", "lead", "cooperating", "mode"}`` (docs/policy-import.md).
Unit names are as the table writes them, or with ``current_names=True`` today's short names,
following departments' reorganisations (县卫计局 → 县卫健局; 县国税局 + 县地税局 → 县税务局, once).
The Excel file has the 序号/项目/工作任务/责任单位 layout the importer reads, so exporting the
table as written and importing the file again gives the same table (no new version). Building an
export writes nothing; its audit row is `services.policy_export_record`.
"""

from __future__ import annotations

import datetime
from typing import Any

from shouhu.core.dates import today

from ..models import Mode, PolicyDocument, PolicyTask, ResponsibilityRole
from ..selectors import ReorganisationGraph, responsible_on, tasks_of
from .parsing import ParsedTask, tasks_to_xlsx

FORMATS = ("json", "xlsx")


def _units(
    task: PolicyTask, *, current_names: bool, on: datetime.date, graph: ReorganisationGraph | None
) -> tuple[list[str], list[str]]:
    """(lead, cooperating) names for a task; for modes other than lead-and-cooperating every
    unit is in lead."""
    if current_names:
        assert graph is not None
        lead: list[str] = []
        cooperating: list[str] = []
        for responsible in responsible_on(task, on=on, graph=graph):
            name = responsible.department.name
            target = lead if responsible.is_lead else cooperating
            if name not in lead and name not in target:  # a unit leading a task is not also listed as cooperating
                target.append(name)
    else:
        rows = sorted(task.responsibilities.all(), key=lambda r: r.position)
        lead = [r.name_as_written for r in rows if r.role == ResponsibilityRole.LEAD]
        cooperating = [r.name_as_written for r in rows if r.role == ResponsibilityRole.COOPERATING]
    if task.mode != Mode.LEAD_AND_COOPERATING:
        lead, cooperating = lead + [n for n in cooperating if n not in lead], []
    return lead, cooperating


def _rows(document: PolicyDocument, *, current_names: bool) -> list[tuple[PolicyTask, list[str], list[str]]]:
    graph = ReorganisationGraph() if current_names else None
    on = today()
    return [(task, *_units(task, current_names=current_names, on=on, graph=graph)) for task in tasks_of(document)]


def export_json(document: PolicyDocument, *, current_names: bool = False) -> list[dict[str, Any]]:
    """The table as a list of tasks ordered by number."""
    return [
        {
            "number": task.number,
            "category": task.area,
            "text": task.text,
            "lead": lead,
            "cooperating": cooperating,
            "mode": task.mode,
        }
        for task, lead, cooperating in _rows(document, current_names=current_names)
    ]


def responsibility_text(mode: str, lead: list[str], cooperating: list[str]) -> str:
    """A responsibility cell the parser reads back as (mode, lead, cooperating)."""
    if mode == Mode.LEAD_AND_COOPERATING:
        text = "牵头单位：" + "、".join(lead)
        return text + ("\n配合单位：" + "、".join(cooperating) if cooperating else "")
    units = "、".join(lead)
    if mode == Mode.EACH_BY_DUTY:
        return units + "按职责分别指导落实"
    if mode == Mode.EACH_TOWNSHIP:
        return units + "分头落实"
    return units


def export_xlsx(document: PolicyDocument, *, current_names: bool = False) -> bytes:
    """The table as .xlsx (序号/项目/工作任务/责任单位). As written, the responsibility cells are
    the original wording; with current names they are rewritten from today's units."""
    tasks = []
    for task, lead, cooperating in _rows(document, current_names=current_names):
        cell = responsibility_text(task.mode, lead, cooperating) if current_names else task.responsibility_text
        tasks.append(
            ParsedTask(
                number=task.number,
                area=task.area,
                text=task.text,
                responsibility=cell,
                mode=task.mode,
                lead=tuple(lead),
                cooperating=tuple(cooperating),
                row=0,
            )
        )
    return tasks_to_xlsx(tasks, title=document.title)


def export_filename(document: PolicyDocument, fmt: str, *, current_names: bool = False) -> str:
    suffix = "-现名称" if current_names else ""
    return f"{document.title}-第{document.version}版{suffix}.{fmt}"
