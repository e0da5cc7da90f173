"""The tasks every township answers for (the township page and the home panel). Which townships a
user may open is the access layer's (`shouhu.access.access_township`)."""

from __future__ import annotations

from dataclasses import dataclass

from shouhu.accounts.models import DepartmentKind
from shouhu.core.dates import today

from ..models import Mode, PolicyDocument, PolicyTask
from ..selectors import ReorganisationGraph, reorganisation_graph, task_list
from .units import EACH_TOWNSHIP, KIND_LABELS, KINDS, UnitCell, ordered_rows, responsibility_kind, units_on


@dataclass
class TownshipTask:
    task: PolicyTask
    kind: str  # how 各乡镇（街道） answers: each_township / lead / cooperating
    others: list[UnitCell]  # the other units, as today

    @property
    def label(self) -> str:
        return KIND_LABELS[self.kind]


def township_tasks(document: PolicyDocument, graph: ReorganisationGraph | None = None) -> list[TownshipTask]:
    """Tasks every township answers for: 各乡镇（街道）分头落实, or 各乡镇（街道） named as lead
    or cooperating unit."""
    graph = graph or reorganisation_graph()
    result = []
    for task in task_list(document):
        kind = EACH_TOWNSHIP if task.mode == Mode.EACH_TOWNSHIP else None
        for row in ordered_rows(task):
            if row.department.kind == DepartmentKind.TOWNSHIPS:
                row_kind = responsibility_kind(task.mode, row.role)
                if kind is None or KINDS.index(row_kind) < KINDS.index(kind):
                    kind = row_kind
        if kind is None:
            continue
        others = [u for u in units_on(task, today(), graph) if u.department.kind != DepartmentKind.TOWNSHIPS]
        result.append(TownshipTask(task, kind, others))
    return result
