"""Core reads of the policy table: which version is current, and who is responsible for a
task on a date (following departments' reorganisations).

The current table, its tasks, the reorganisation graph and the county's townships are the same for
every user and change only through a few services (an import, a change of a task's reporting
frequency, a reorganisation, a department's or region's edit), which call
`shouhu.web.caching.bump(POLICY)`: so they are built once and kept (`shared`) instead of rebuilt
by every page that needs them.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import QuerySet

from shouhu.accounts.models import Department
from shouhu.core.dates import today
from shouhu.web.caching import POLICY, shared

from .models import (
    PolicyDocument,
    PolicyTask,
    Reorganisation,
    ReorganisationKind,
    ResponsibilityRole,
    TaskResponsibility,
)


def current_document() -> PolicyDocument | None:
    """The newest version of the most recently imported table (kept until the table changes)."""
    return shared(POLICY, ("current_document",), _current_document)


def _current_document() -> PolicyDocument | None:
    latest = PolicyDocument.objects.order_by("-created_at", "-id").first()
    if latest is None:
        return None
    return PolicyDocument.objects.filter(title=latest.title).order_by("-version").first()


def document_versions(document: PolicyDocument) -> QuerySet[PolicyDocument]:
    return PolicyDocument.objects.filter(title=document.title).order_by("-version")


def tasks_of(document: PolicyDocument) -> QuerySet[PolicyTask]:
    return document.tasks.order_by("number").prefetch_related("responsibilities__department")


def task_list(document: PolicyDocument) -> list[PolicyTask]:
    """`tasks_of(document)` loaded, kept until the table changes (read-only: do not change them)."""
    return shared(POLICY, ("tasks", document.pk), lambda: list(tasks_of(document)))


def reorganisation_graph() -> ReorganisationGraph:
    """The reorganisation graph, kept until a reorganisation or a department changes."""
    return shared(POLICY, ("graph",), ReorganisationGraph)


@dataclass(frozen=True)
class _Step:
    effective_on: datetime.date
    successor_ids: tuple[int, ...]
    # A transfer of a function (职能划转) applies to these tasks and measures only; None: the whole unit.
    tasks: frozenset[int] | None = None
    measures: frozenset[str] = frozenset()
    note: str = ""

    def applies(self, task: int | None, measure: str | None) -> bool:
        if self.tasks is None:
            return True
        return (task is not None and task in self.tasks) or (measure is not None and measure in self.measures)


class ReorganisationGraph:
    """All reorganisations in memory (a county has a handful): resolves which units carry a
    unit's responsibilities on a given date.

    Given a task number (and, for routing, a measure code), a transfer of a function moves that
    task's duty from the day it takes effect; asked without one, only whole-unit reorganisations
    count (what a unit became). A unit's first transfer of a task is where that duty left it, so
    it wins over a later renaming of the unit, and over a renaming on the same day."""

    def __init__(self) -> None:
        self._steps: dict[int, list[_Step]] = defaultdict(list)
        dates: set[datetime.date] = set()
        for reorganisation in Reorganisation.objects.prefetch_related("predecessors", "successors"):
            dates.add(reorganisation.effective_on)
            successors = tuple(d.pk for d in reorganisation.successors.all())
            if reorganisation.kind == ReorganisationKind.TRANSFER:
                step = _Step(
                    reorganisation.effective_on,
                    successors,
                    frozenset(int(n) for n in reorganisation.task_numbers or ()),
                    frozenset(str(c) for c in reorganisation.measure_codes or ()),
                    reorganisation.note,
                )
            else:
                step = _Step(reorganisation.effective_on, successors)
            for predecessor in reorganisation.predecessors.all():
                self._steps[predecessor.pk].append(step)
        self._departments = {d.pk: d for d in Department.objects.all()}
        self.dates = sorted(dates)  # every reorganisation's effective date, oldest first

    def _step(self, department_id: int, on: datetime.date, task: int | None, measure: str | None) -> _Step | None:
        steps = [s for s in self._steps.get(department_id, []) if s.effective_on <= on and s.applies(task, measure)]
        whole = [s for s in steps if s.tasks is None]
        transfers = [s for s in steps if s.tasks is not None]
        latest_whole = max(whole, key=lambda s: s.effective_on) if whole else None
        first_transfer = min(transfers, key=lambda s: s.effective_on) if transfers else None
        if first_transfer is not None and (
            latest_whole is None or first_transfer.effective_on <= latest_whole.effective_on
        ):
            return first_transfer
        return latest_whole

    def resolve_ids(
        self, department_id: int, on: datetime.date, task: int | None = None, measure: str | None = None
    ) -> list[int]:
        result: list[int] = []
        frontier, seen = [department_id], set()
        while frontier:
            current = frontier.pop(0)
            if current in seen:
                continue
            seen.add(current)
            step = self._step(current, on, task, measure)
            if step is None:
                if current not in result:
                    result.append(current)
                continue
            frontier.extend(step.successor_ids)
        return result

    def resolve(
        self,
        department: Department,
        on: datetime.date | None = None,
        task: int | None = None,
        measure: str | None = None,
    ) -> list[Department]:
        return [self._departments[pk] for pk in self.resolve_ids(department.pk, on or today(), task, measure)]

    def department(self, pk: int) -> Department:
        return self._departments[pk]

    def transfers_of(self, task: int | None, measure: str | None = None) -> list[tuple[int, _Step]]:
        """The transfers of a function that apply to a task (or measure): (from unit, step)."""
        found = [
            (pk, step)
            for pk, steps in self._steps.items()
            for step in steps
            if step.tasks is not None and step.applies(task, measure)
        ]
        return sorted(found, key=lambda item: (item[1].effective_on, item[0]))


@dataclass(frozen=True)
class Responsible:
    """A unit responsible for a task on a date, with the unit the table names for it."""

    department: Department
    role: str
    as_written: str

    @property
    def is_lead(self) -> bool:
        return self.role == ResponsibilityRole.LEAD


def responsible_on(
    task: PolicyTask,
    on: datetime.date | None = None,
    graph: ReorganisationGraph | None = None,
    measure: str | None = None,
) -> list[Responsible]:
    """Lead units first, then cooperating, in table order; a unit reached twice (国税+地税 →
    税务局) appears once. Transfers of a function apply for this task (and `measure`, when
    routing one)."""
    graph = graph or reorganisation_graph()
    rows: list[TaskResponsibility] = sorted(
        task.responsibilities.all(), key=lambda r: (r.role != ResponsibilityRole.LEAD, r.position)
    )
    seen: set[tuple[int, str]] = set()
    result = []
    for row in rows:
        for department in graph.resolve(row.department, on, task.number, measure):
            key = (department.pk, row.role)
            if key not in seen:
                seen.add(key)
                result.append(Responsible(department, row.role, row.name_as_written))
    return result
