"""Reading the task-division table: tasks by area with search and filters, units as written /
as today / as on a date, the department × task matrix (and its Excel export), one task's
history, a department's tasks and a township's tasks.

Everything here reads; the one write is the audit row of an export (`matrix_export`)."""

from __future__ import annotations

import datetime
import io
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import Http404
from django.urls import NoReverseMatch, reverse
from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import SafeString

from shouhu.access import COUNTY_WIDE_ROLES, jurisdiction
from shouhu.accounts.models import Department, DepartmentKind, User
from shouhu.core import audit
from shouhu.regions.models import Level, Region

from .models import Mode, PolicyDocument, PolicyTask, Reorganisation, ResponsibilityRole, TaskResponsibility
from .selectors import (
    ReorganisationGraph,
    current_document,
    document_versions,
    reorganisation_graph,
    task_list,
    tasks_of,
    today,
)

# How a unit answers for a task: the badge (and matrix letter) it gets.
LEAD, COOPERATING, EACH_BY_DUTY, EACH_TOWNSHIP, SOLE = "lead", "cooperating", "each_by_duty", "each_township", "sole"
KINDS = (LEAD, COOPERATING, EACH_BY_DUTY, EACH_TOWNSHIP, SOLE)
KIND_LABELS = {
    LEAD: "牵头",
    COOPERATING: "配合",
    EACH_BY_DUTY: "按职责",
    EACH_TOWNSHIP: "各乡镇分头",
    SOLE: "单独",
}
KIND_CODES = {LEAD: "L", COOPERATING: "C", EACH_BY_DUTY: "D", EACH_TOWNSHIP: "T", SOLE: "S"}
KIND_LEGEND = {
    LEAD: "牵头单位",
    COOPERATING: "配合单位",
    EACH_BY_DUTY: "按职责分别指导落实",
    EACH_TOWNSHIP: "各乡镇（街道）分头落实",
    SOLE: "单独负责",
}
_MODE_KIND = {Mode.EACH_BY_DUTY: EACH_BY_DUTY, Mode.EACH_TOWNSHIP: EACH_TOWNSHIP, Mode.SOLE: SOLE}


def responsibility_kind(mode: str, role: str) -> str:
    """牵头 / 配合 for lead-and-cooperating tasks; otherwise the task's mode."""
    if mode == Mode.LEAD_AND_COOPERATING or role == ResponsibilityRole.COOPERATING:
        return LEAD if role == ResponsibilityRole.LEAD else COOPERATING
    return _MODE_KIND.get(mode, LEAD)  # type: ignore[call-overload]


# ---------------------------------------------------------------------------
# Which names to show: as written, as today, as on a date
# ---------------------------------------------------------------------------

WRITTEN, CURRENT, DATED = "written", "current", "dated"


@dataclass(frozen=True)
class NameView:
    """`written`: units as the table names them; `current`: who answers today; `dated`: who
    answered on `on` (the history view)."""

    names: str = WRITTEN
    on: datetime.date | None = None

    @property
    def resolves(self) -> bool:
        return self.names != WRITTEN

    @property
    def date(self) -> datetime.date:
        """The date responsibility is resolved on (today for the written view's filters)."""
        return self.on or today()

    @property
    def label(self) -> str:
        if self.names == WRITTEN:
            return "按表中写法"
        if self.names == CURRENT:
            return "按现名称"
        return f"按 {self.date:%Y-%m-%d} 的单位"

    def params(self) -> dict[str, str]:
        if self.names == DATED and self.on is not None:
            return {"on": self.on.isoformat()}
        return {"names": self.names} if self.names == CURRENT else {}


def parse_name_view(params: Any) -> tuple[NameView, str]:
    """From `?names=written|current` and `?on=YYYY-MM-DD`. A bad date gives a message and
    the written view, never an error page."""
    on_raw = (params.get("on") or "").strip()
    if on_raw:
        try:
            return NameView(DATED, datetime.date.fromisoformat(on_raw)), ""
        except ValueError:
            return NameView(), f"「日期」格式应为 YYYY-MM-DD（如 2018-01-01），收到「{on_raw[:20]}」，已按表中写法显示"
    if params.get("names") == CURRENT:
        return NameView(CURRENT, today()), ""
    return NameView(), ""


# ---------------------------------------------------------------------------
# Units of a task
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class UnitCell:
    department: Department
    name: str  # what to show
    kind: str
    as_written: tuple[str, ...]  # the table's names this cell stands for (国税+地税 → 税务局: two)

    @property
    def label(self) -> str:
        return KIND_LABELS[self.kind]

    @property
    def code(self) -> str:
        return KIND_CODES[self.kind]

    @property
    def changed(self) -> bool:
        return self.as_written != (self.name,)

    @property
    def written_label(self) -> str:
        return "、".join(self.as_written)


def _ordered_rows(task: PolicyTask) -> list[TaskResponsibility]:
    return sorted(task.responsibilities.all(), key=lambda r: (r.role != ResponsibilityRole.LEAD, r.position))


def units_as_written(task: PolicyTask) -> list[UnitCell]:
    return [
        UnitCell(r.department, r.name_as_written, responsibility_kind(task.mode, r.role), (r.name_as_written,))
        for r in _ordered_rows(task)
    ]


def units_on(task: PolicyTask, on: datetime.date, graph: ReorganisationGraph) -> list[UnitCell]:
    """Who answered for `task` on `on`, in the order of `selectors.responsible_on`, keeping
    every written name a unit stands for. A unit reached as both lead and cooperating (a
    cooperating unit renamed into the lead) is shown once, as lead."""
    cells: dict[int, tuple[Department, str, list[str]]] = {}
    for row in _ordered_rows(task):
        for department in graph.resolve(row.department, on):
            if department.pk not in cells:
                cells[department.pk] = (department, row.role, [])
            if row.name_as_written not in cells[department.pk][2]:
                cells[department.pk][2].append(row.name_as_written)
    return [
        UnitCell(department, department.name, responsibility_kind(task.mode, role), tuple(written))
        for department, role, written in cells.values()
    ]


def units_for(task: PolicyTask, view: NameView, graph: ReorganisationGraph) -> list[UnitCell]:
    return units_on(task, view.date, graph) if view.resolves else units_as_written(task)


def task_involves(task: PolicyTask, department: Department, on: datetime.date, graph: ReorganisationGraph) -> bool:
    """The table names `department` for the task, or the task has passed to it by `on`."""
    for row in task.responsibilities.all():
        if row.department_id == department.pk or department.pk in graph.resolve_ids(row.department_id, on):
            return True
    return False


# ---------------------------------------------------------------------------
# Documents, areas, the task list
# ---------------------------------------------------------------------------


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


def department_choices() -> list[Department]:
    """Units for filters: those still in place first, then dissolved ones (history)."""
    return sorted(Department.objects.all(), key=lambda d: (d.dissolved_on is not None, d.pk))


def task_for(document: PolicyDocument, number: int) -> PolicyTask:
    task = tasks_of(document).filter(number=number).first()
    if task is None:
        raise Http404("任务不存在")
    return task


# ---------------------------------------------------------------------------
# One task's history
# ---------------------------------------------------------------------------


@dataclass
class HistoryEntry:
    effective_on: datetime.date
    reorganisations: list[Reorganisation]
    units: list[UnitCell]


def reorganisations_reaching(department_ids: Iterable[int]) -> list[Reorganisation]:
    """Every reorganisation that (directly or through later ones) took over a unit's duties."""
    by_predecessor: dict[int, list[Reorganisation]] = defaultdict(list)
    for reorganisation in Reorganisation.objects.prefetch_related("predecessors", "successors"):
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
    reorganisations = reorganisations_reaching(r.department_id for r in task.responsibilities.all())
    by_date: dict[datetime.date, list[Reorganisation]] = defaultdict(list)
    for reorganisation in reorganisations:
        by_date[reorganisation.effective_on].append(reorganisation)
    return [HistoryEntry(on, items, units_on(task, on, graph)) for on, items in sorted(by_date.items())]


# ---------------------------------------------------------------------------
# Department × task matrix
# ---------------------------------------------------------------------------


@dataclass
class MatrixRow:
    department: Department
    cells: list[str]  # one per column: L / C / D / T / S or ""
    counts: dict[str, int]
    written: list[str]  # the table's names this row stands for


@dataclass
class Matrix:
    tasks: list[PolicyTask]
    rows: list[MatrixRow]

    @property
    def kinds(self) -> list[tuple[str, str, str]]:
        return [(KIND_CODES[k], KIND_LABELS[k], KIND_LEGEND[k]) for k in KINDS]


def build_matrix(
    document: PolicyDocument,
    *,
    area: str = "",
    department: Department | None = None,
    view: NameView,
    graph: ReorganisationGraph | None = None,
) -> Matrix:
    """Rows: units (as written, or as resolved on the view's date) in order of first
    appearance; columns: tasks. With a department filter, only its row(s) and the tasks it
    answers for."""
    graph = graph or reorganisation_graph()
    tasks = filtered_tasks(document, area=area, view=view, graph=graph)
    cells: dict[int, dict[int, str]] = {}
    departments: dict[int, Department] = {}
    written: dict[int, list[str]] = defaultdict(list)
    for task in tasks:
        for unit in units_for(task, view, graph):
            pk = unit.department.pk
            departments.setdefault(pk, unit.department)
            for name in unit.as_written:
                if name not in written[pk]:
                    written[pk].append(name)
            row = cells.setdefault(pk, {})
            previous = row.get(task.pk)
            if previous is None or KINDS.index(unit.kind) < KINDS.index(previous):
                row[task.pk] = unit.kind
    order = list(departments)
    if department is not None:
        order = [pk for pk in order if pk == department.pk or department.pk in graph.resolve_ids(pk, view.date)]
        kept = {task_pk for pk in order for task_pk in cells[pk]}
        tasks = [t for t in tasks if t.pk in kept]
    rows = []
    for pk in order:
        kinds = [cells[pk].get(t.pk, "") for t in tasks]
        counts = {KIND_CODES[k]: kinds.count(k) for k in KINDS}
        rows.append(MatrixRow(departments[pk], [KIND_CODES[k] if k else "" for k in kinds], counts, written[pk]))
    return Matrix(tasks, rows)


def matrix_xlsx(matrix: Matrix, *, document: PolicyDocument, view: NameView, filters: Sequence[str]) -> bytes:
    """The matrix as an .xlsx: header row and first column frozen, a legend sheet and the
    task texts. Text is written with write_string, so nothing becomes a formula."""
    import xlsxwriter

    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    header = workbook.add_format(
        {"bold": True, "border": 1, "align": "center", "valign": "vcenter", "bg_color": "#E8EEF4"}
    )
    name_format = workbook.add_format({"border": 1, "valign": "vcenter"})
    formats = {
        "L": workbook.add_format(
            {"border": 1, "align": "center", "bold": True, "bg_color": "#1565C0", "font_color": "#FFFFFF"}
        ),
        "C": workbook.add_format({"border": 1, "align": "center", "bg_color": "#90CAF9"}),
        "D": workbook.add_format({"border": 1, "align": "center", "bg_color": "#E1BEE7"}),
        "T": workbook.add_format({"border": 1, "align": "center", "bg_color": "#A5D6A7"}),
        "S": workbook.add_format({"border": 1, "align": "center", "bg_color": "#CFD8DC"}),
        "": workbook.add_format({"border": 1}),
    }
    count_format = workbook.add_format({"border": 1, "align": "center"})
    wrap = workbook.add_format({"text_wrap": True, "valign": "top", "border": 1})

    sheet = workbook.add_worksheet("分工矩阵")
    sheet.write_string(0, 0, "单位", header)
    sheet.set_column(0, 0, 16)
    for col, task in enumerate(matrix.tasks, start=1):
        sheet.write_string(0, col, str(task.number), header)
        sheet.write_comment(0, col, f"{task.number}. {task.area}：{task.text}"[:1000])
    sheet.set_column(1, max(len(matrix.tasks), 1), 4)
    totals_at = len(matrix.tasks) + 1
    for offset, kind in enumerate(KINDS):
        sheet.write_string(0, totals_at + offset, KIND_LABELS[kind], header)
    sheet.set_column(totals_at, totals_at + len(KINDS) - 1, 8)
    for row_index, row in enumerate(matrix.rows, start=1):
        sheet.write_string(row_index, 0, row.department.name, name_format)
        for col, code in enumerate(row.cells, start=1):
            sheet.write_string(row_index, col, code, formats[code])
        for offset, kind in enumerate(KINDS):
            sheet.write_number(row_index, totals_at + offset, row.counts[KIND_CODES[kind]], count_format)
    sheet.freeze_panes(1, 1)

    legend = workbook.add_worksheet("说明")
    legend.set_column(0, 0, 14)
    legend.set_column(1, 1, 60)
    lines: list[tuple[str, str]] = [
        ("分工表", str(document)),
        ("单位名称", view.label),
        *[("筛选", f) for f in filters],
        ("", ""),
        ("图例", ""),
        *[(KIND_CODES[k], KIND_LEGEND[k]) for k in KINDS],
    ]
    for index, (key, value) in enumerate(lines):
        legend.write_string(index, 0, key, header if key == "图例" else name_format if key else formats[""])
        legend.write_string(index, 1, value)

    task_sheet = workbook.add_worksheet("任务")
    for col, (title, width) in enumerate((("序号", 6), ("项目", 18), ("工作任务", 70), ("责任单位（原文）", 40))):
        task_sheet.write_string(0, col, title, header)
        task_sheet.set_column(col, col, width)
    for index, task in enumerate(matrix.tasks, start=1):
        task_sheet.write_number(index, 0, task.number, count_format)
        task_sheet.write_string(index, 1, task.area, wrap)
        task_sheet.write_string(index, 2, task.text, wrap)
        task_sheet.write_string(index, 3, task.responsibility_text, wrap)
    task_sheet.freeze_panes(1, 0)
    workbook.close()
    return buffer.getvalue()


@transaction.atomic
def matrix_export(
    *, actor: User, document: PolicyDocument, view: NameView, area: str = "", department: Department | None = None
) -> bytes:
    """Build the (filtered) matrix workbook and record who exported what."""
    matrix = build_matrix(document, area=area, department=department, view=view)
    filters = []
    if area:
        filters.append(f"项目：{area}")
    if department is not None:
        filters.append(f"单位：{department.name}")
    data = matrix_xlsx(matrix, document=document, view=view, filters=filters)
    audit.record(
        actor=actor,
        action="policy.matrix_export",
        target=document,
        summary=f"导出分工矩阵（{len(matrix.rows)} 个单位 × {len(matrix.tasks)} 项任务，{view.label}）",
        detail={
            "version": document.version,
            "names": view.names,
            "on": view.on.isoformat() if view.on else None,
            "area": area,
            "department": department.pk if department else None,
            "rows": len(matrix.rows),
            "tasks": len(matrix.tasks),
        },
    )
    return data


# ---------------------------------------------------------------------------
# A department's tasks (department page, home panel)
# ---------------------------------------------------------------------------

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
    written_id: int, department_id: int, dates: list[datetime.date], graph: ReorganisationGraph
) -> datetime.date | None:
    for on in dates:
        if department_id in graph.resolve_ids(written_id, on):
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
        for row in _ordered_rows(task):
            resolved = graph.resolve_ids(row.department_id, on)
            if row.department_id == department.pk:
                now = [] if resolved == [department.pk] else graph.resolve(row.department, on)
                candidate = DepartmentTask(task, responsibility_kind(task.mode, row.role), [], None, now)
            elif department.pk in resolved:
                candidate = DepartmentTask(
                    task,
                    responsibility_kind(task.mode, row.role),
                    [row.name_as_written],
                    _since(row.department_id, department.pk, dates, graph),
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


# ---------------------------------------------------------------------------
# Townships
# ---------------------------------------------------------------------------


def township_of(user: User) -> Region | None:
    """The township (street) a supervisor or village director works in."""
    region = jurisdiction(user)
    if region is None or region.level == Level.COUNTY:
        return None
    if region.level == Level.TOWNSHIP:
        return region
    return Region.objects.filter(code=region.code[:9] + "000").first()


def access_township(user: User, code: str) -> Region:
    """The task-division table is not personal data: county-wide roles and department officers
    open any township; supervisors and village directors only their own (404 otherwise)."""
    region = Region.objects.filter(code=code, level=Level.TOWNSHIP).first()
    if region is None:
        raise Http404("乡镇（街道）不存在")
    if user.role in COUNTY_WIDE_ROLES:
        return region
    own = township_of(user)
    if own is None or own.pk != region.pk:
        raise Http404("乡镇（街道）不存在或不在您的辖区内")
    return region


def townships_visible_to(user: User) -> list[Region]:
    if user.role in COUNTY_WIDE_ROLES:
        return list(Region.objects.filter(level=Level.TOWNSHIP).order_by("code"))
    own = township_of(user)
    return [own] if own is not None else []


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
        for row in _ordered_rows(task):
            if row.department.kind == DepartmentKind.TOWNSHIPS:
                row_kind = responsibility_kind(task.mode, row.role)
                if kind is None or KINDS.index(row_kind) < KINDS.index(kind):
                    kind = row_kind
        if kind is None:
            continue
        others = [u for u in units_on(task, today(), graph) if u.department.kind != DepartmentKind.TOWNSHIPS]
        result.append(TownshipTask(task, kind, others))
    return result
