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

from .models import PolicyDocument, PolicyTask, Reorganisation, ResponsibilityRole, TaskResponsibility


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


class ReorganisationGraph:
    """All reorganisations in memory (a county has a handful): resolves which units carry a
    unit's responsibilities on a given date."""

    def __init__(self) -> None:
        self._steps: dict[int, list[_Step]] = defaultdict(list)
        dates: set[datetime.date] = set()
        for reorganisation in Reorganisation.objects.prefetch_related("predecessors", "successors"):
            dates.add(reorganisation.effective_on)
            successors = tuple(d.pk for d in reorganisation.successors.all())
            for predecessor in reorganisation.predecessors.all():
                self._steps[predecessor.pk].append(_Step(reorganisation.effective_on, successors))
        self._departments = {d.pk: d for d in Department.objects.all()}
        self.dates = sorted(dates)  # every reorganisation's effective date, oldest first

    def resolve_ids(self, department_id: int, on: datetime.date) -> list[int]:
        result: list[int] = []
        frontier, seen = [department_id], set()
        while frontier:
            current = frontier.pop(0)
            if current in seen:
                continue
            seen.add(current)
            steps = [s for s in self._steps.get(current, []) if s.effective_on <= on]
            if not steps:
                result.append(current)
                continue
            latest = max(steps, key=lambda s: s.effective_on)
            frontier.extend(latest.successor_ids)
        return result

    def resolve(self, department: Department, on: datetime.date | None = None) -> list[Department]:
        return [self._departments[pk] for pk in self.resolve_ids(department.pk, on or today())]


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
    task: PolicyTask, on: datetime.date | None = None, graph: ReorganisationGraph | None = None
) -> list[Responsible]:
    """Lead units first, then cooperating, in table order; a unit reached twice (国税+地税 →
    税务局) appears once."""
    graph = graph or reorganisation_graph()
    rows: list[TaskResponsibility] = sorted(
        task.responsibilities.all(), key=lambda r: (r.role != ResponsibilityRole.LEAD, r.position)
    )
    seen: set[tuple[int, str]] = set()
    result = []
    for row in rows:
        for department in graph.resolve(row.department, on):
            key = (department.pk, row.role)
            if key not in seen:
                seen.add(key)
                result.append(Responsible(department, row.role, row.name_as_written))
    return result
