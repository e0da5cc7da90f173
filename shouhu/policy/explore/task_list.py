"""The task list: which version to show, its areas, search with highlighting, the tasks grouped
by area, one task, and one task's history through departments' reorganisations."""

from __future__ import annotations

import datetime
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Q, QuerySet
from django.http import Http404
from django.urls import NoReverseMatch, reverse
from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import SafeString

from shouhu.accounts.models import Department

from ..models import PolicyDocument, PolicyTask, Reorganisation, ReorganisationKind
from ..selectors import ReorganisationGraph, current_document, document_versions, reorganisation_graph, tasks_of
from .units import NameView, UnitCell, task_involves, units_for, units_on


def import_url() -> str | None:
    """The import page, when the import part is installed."""
    try:
        return reverse("policy:import")
    except NoReverseMatch:
        return None


def document_for(version: str | int | None) -> PolicyDocument | None:
    """The current table, or another version of it (`?version=N`; 404 if there is none)."""
    document = current_document()
    if document is None or version in (None, ""):
        return document
    try:
        number = int(version)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise Http404("没有这个版本") from None
    found = document_versions(document).filter(version=number).first()
    if found is None:
        raise Http404("没有这个版本")
    return found


def areas_of(document: PolicyDocument) -> list[str]:
    seen: dict[str, None] = {}
    for area in document.tasks.order_by("area_order", "number").values_list("area", flat=True):
        seen.setdefault(area, None)
    return list(seen)


def search_terms(q: str) -> list[str]:
    return [term for term in re.split(r"\s+", q.strip()) if term][:5]


def search_tasks(tasks: QuerySet[PolicyTask], q: str) -> QuerySet[PolicyTask]:
    """Every word must occur in the task's text, area or responsibility cell (case-insensitive;
    plain LIKE on both SQLite and PostgreSQL — the table has dozens of rows, not thousands)."""
    for term in search_terms(q):
        tasks = tasks.filter(Q(text__icontains=term) | Q(area__icontains=term) | Q(responsibility_text__icontains=term))
    return tasks


def highlight(text: str, q: str) -> SafeString:
    """`text` escaped, with each search word wrapped in <mark>."""
    terms = search_terms(q)
    if not terms:
        return escape(text)
    pattern = re.compile("|".join(re.escape(t) for t in sorted(terms, key=len, reverse=True)), re.IGNORECASE)
    pairs, last = [], 0
    for match in pattern.finditer(text):
        pairs.append((text[last : match.start()], match.group()))
        last = match.end()
    return format_html("{}{}", format_html_join("", "{}<mark>{}</mark>", pairs), text[last:])


@dataclass
class TaskRow:
    task: PolicyTask
    units: list[UnitCell]
    text_html: SafeString

    @property
    def mode_label(self) -> str:
        return self.task.get_mode_display()


@dataclass
class AreaGroup:
    area: str
    area_html: SafeString
    rows: list[TaskRow] = field(default_factory=list)


def filtered_tasks(
    document: PolicyDocument,
    *,
    q: str = "",
    area: str = "",
    department: Department | None = None,
    view: NameView,
    graph: ReorganisationGraph,
) -> list[PolicyTask]:
    tasks = search_tasks(tasks_of(document), q)
    if area:
        tasks = tasks.filter(area=area)
    result = list(tasks)
    if department is not None:
        result = [t for t in result if task_involves(t, department, view.date, graph)]
    return result


def task_groups(
    document: PolicyDocument,
    *,
    q: str = "",
    area: str = "",
    department: Department | None = None,
    view: NameView,
    graph: ReorganisationGraph | None = None,
) -> list[AreaGroup]:
    """The (filtered) tasks grouped by area, areas in the table's order. A fixed number of
    queries whatever the number of tasks (tasks, their units, the reorganisations)."""
    graph = graph or reorganisation_graph()
    groups: dict[str, AreaGroup] = {}
    tasks = filtered_tasks(document, q=q, area=area, department=department, view=view, graph=graph)
    for task in sorted(tasks, key=lambda t: (t.area_order, t.number)):
        group = groups.get(task.area)
        if group is None:
            group = groups[task.area] = AreaGroup(task.area, highlight(task.area, q))
        group.rows.append(TaskRow(task, units_for(task, view, graph), highlight(task.text, q)))
    return list(groups.values())


def task_for(document: PolicyDocument, number: int) -> PolicyTask:
    task = tasks_of(document).filter(number=number).first()
    if task is None:
        raise Http404("任务不存在")
    return task


# --- one task's history ---------------------------------------------------------------------------


@dataclass
class HistoryEntry:
    effective_on: datetime.date
    reorganisations: list[Reorganisation]
    units: list[UnitCell]


def reorganisations_reaching(department_ids: Iterable[int], task: int | None = None) -> list[Reorganisation]:
    """Every reorganisation that (directly or through later ones) took over a unit's duties;
    transfers of a function only when they name `task`."""
    by_predecessor: dict[int, list[Reorganisation]] = defaultdict(list)
    for reorganisation in Reorganisation.objects.prefetch_related("predecessors", "successors"):
        if reorganisation.kind == ReorganisationKind.TRANSFER and task not in (reorganisation.task_numbers or ()):
            continue
        for predecessor in reorganisation.predecessors.all():
            by_predecessor[predecessor.pk].append(reorganisation)
    found: dict[int, Reorganisation] = {}
    frontier, seen = list(department_ids), set()
    while frontier:
        current = frontier.pop()
        if current in seen:
            continue
        seen.add(current)
        for reorganisation in by_predecessor.get(current, []):
            found[reorganisation.pk] = reorganisation
            frontier.extend(d.pk for d in reorganisation.successors.all())
    return sorted(found.values(), key=lambda r: (r.effective_on, r.pk))


def task_history(task: PolicyTask, graph: ReorganisationGraph) -> list[HistoryEntry]:
    """One line per date a reorganisation changed who answers for the task."""
    reorganisations = reorganisations_reaching((r.department_id for r in task.responsibilities.all()), task.number)
    by_date: dict[datetime.date, list[Reorganisation]] = defaultdict(list)
    for reorganisation in reorganisations:
        by_date[reorganisation.effective_on].append(reorganisation)
    return [HistoryEntry(on, items, units_on(task, on, graph)) for on, items in sorted(by_date.items())]
