"""How units answer for a task and which names to show for them: as the table writes them, as
they are today, or as they were on a date (following departments' reorganisations). The base of
the explore modules: the task list, the matrix and the department and township pages build on it."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from shouhu.accounts.models import Department
from shouhu.core.dates import today

from ..models import Mode, PolicyTask, ResponsibilityRole, TaskResponsibility
from ..selectors import ReorganisationGraph

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


def ordered_rows(task: PolicyTask) -> list[TaskResponsibility]:
    return sorted(task.responsibilities.all(), key=lambda r: (r.role != ResponsibilityRole.LEAD, r.position))


def units_as_written(task: PolicyTask) -> list[UnitCell]:
    return [
        UnitCell(r.department, r.name_as_written, responsibility_kind(task.mode, r.role), (r.name_as_written,))
        for r in ordered_rows(task)
    ]


def units_on(task: PolicyTask, on: datetime.date, graph: ReorganisationGraph) -> list[UnitCell]:
    """Who answered for `task` on `on`, in the order of `selectors.responsible_on`, keeping
    every written name a unit stands for. A unit reached as both lead and cooperating (a
    cooperating unit renamed into the lead) is shown once, as lead."""
    cells: dict[int, tuple[Department, str, list[str]]] = {}
    for row in ordered_rows(task):
        for department in graph.resolve(row.department, on, task.number):
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
        if row.department_id == department.pk or department.pk in graph.resolve_ids(row.department_id, on, task.number):
            return True
    return False
