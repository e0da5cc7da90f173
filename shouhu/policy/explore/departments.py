"""A department's tasks (its page, the home panel): what it leads, cooperates in and answers for
by its duty, including tasks the table writes against its predecessors; and the units to filter by."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from shouhu.accounts.models import Department
from shouhu.core.dates import today

from ..models import PolicyDocument, PolicyTask
from ..selectors import ReorganisationGraph, reorganisation_graph, task_list
from .units import (
    COOPERATING,
    EACH_BY_DUTY,
    EACH_TOWNSHIP,
    KIND_LABELS,
    KINDS,
    LEAD,
    SOLE,
    ordered_rows,
    responsibility_kind,
)


def department_choices() -> list[Department]:
    """Units for filters: those still in place first, then dissolved ones (history)."""
    return sorted(Department.objects.all(), key=lambda d: (d.dissolved_on is not None, d.pk))


LEADS, COOPERATES, BY_DUTY = "leads", "cooperates", "by_duty"
GROUP_OF_KIND = {LEAD: LEADS, COOPERATING: COOPERATES, EACH_BY_DUTY: BY_DUTY, EACH_TOWNSHIP: BY_DUTY, SOLE: BY_DUTY}
GROUP_TITLES = {LEADS: "牵头的任务", COOPERATES: "配合的任务", BY_DUTY: "按职责落实的任务"}


@dataclass
class DepartmentTask:
    task: PolicyTask
    kind: str
    as_written: list[str]  # the table's names, when not the department's own
    since: datetime.date | None  # when it passed to this department (written against a predecessor)
    now: list[Department]  # who answers today, when no longer this department (dissolved)

    @property
    def label(self) -> str:
        return KIND_LABELS[self.kind]


def _since(
    written_id: int, department_id: int, dates: list[datetime.date], graph: ReorganisationGraph, task: int
) -> datetime.date | None:
    for on in dates:
        if department_id in graph.resolve_ids(written_id, on, task):
            return on
    return None


def department_tasks(
    department: Department,
    document: PolicyDocument,
    graph: ReorganisationGraph | None = None,
    on: datetime.date | None = None,
) -> dict[str, list[DepartmentTask]]:
    """What `department` leads, cooperates in or answers for by its duty in `document` on
    `on` (today), including tasks the table writes against its predecessors. A dissolved
    unit's page still lists what the table gave it, with who carries it now."""
    graph = graph or reorganisation_graph()
    on = on or today()
    dates = [d for d in graph.dates if d <= on]
    groups: dict[str, list[DepartmentTask]] = {LEADS: [], COOPERATES: [], BY_DUTY: []}
    for task in task_list(document):
        best: DepartmentTask | None = None
        for row in ordered_rows(task):
            resolved = graph.resolve_ids(row.department_id, on, task.number)
            if row.department_id == department.pk:
                now = [] if resolved == [department.pk] else graph.resolve(row.department, on, task.number)
                candidate = DepartmentTask(task, responsibility_kind(task.mode, row.role), [], None, now)
            elif department.pk in resolved:
                candidate = DepartmentTask(
                    task,
                    responsibility_kind(task.mode, row.role),
                    [row.name_as_written],
                    _since(row.department_id, department.pk, dates, graph, task.number),
                    [],
                )
            else:
                continue
            if best is None or KINDS.index(candidate.kind) < KINDS.index(best.kind):
                best = candidate
            elif KINDS.index(candidate.kind) == KINDS.index(best.kind):
                best.as_written.extend(n for n in candidate.as_written if n not in best.as_written)
        if best is not None:
            groups[GROUP_OF_KIND[best.kind]].append(best)
    return groups
