"""Where a safety case goes: the units the task-division table names for the emergency task
(`SAFETY_TASK`, task 17: 县公安局 leads; 县民政局、县司法局、县法院、县检察院 cooperate), as of the
day the report arrives (reorganisations and transfers of a function applied, through policy's
`responsible_on`), and the child's township (各乡镇（街道）, answered by its supervisor).

Without a table (a fresh install), or a table without the task, county civil affairs leads: a
report is never left without someone to answer it, and the case says why it went there.

Task 28 (`DUTY_TASK`: 县民政局、县教育局、县卫计局、县公安局 按职责分别指导落实) makes the units that
supervise the reporting institutions answer for them "by duty". A reporter's report also goes to
the unit whose duty covers their kind of institution (`DUTY_BY_KIND`, keyed by the name the table
writes, so a renamed or merged unit is followed through `responsible_on`): schools and
kindergartens → 县教育局; nurseries (托育 has been the health commission's since 2019) and medical
institutions → 县卫计局 (now 县卫健局); welfare and rescue institutions → 县民政局. It is added with
the role `UnitRole.DUTY` (强制报告主管), unless the unit is on the case already. A telephone report
has no reporting institution and gets no duty unit."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from shouhu.accounts.models import Department, DepartmentKind, OrganisationKind
from shouhu.core.dates import today
from shouhu.policy.selectors import current_document, responsible_on

from .models import UnitRole

SAFETY_TASK = 17
DUTY_TASK = 28
FALLBACK_UNIT = "县民政局"
K = OrganisationKind
# The unit (as task 28 writes it) whose duty covers each kind of reporting institution.
DUTY_BY_KIND: dict[str, str] = {
    K.SCHOOL: "县教育局",
    K.KINDERGARTEN: "县教育局",
    K.NURSERY: "县卫计局",
    K.MEDICAL: "县卫计局",
    K.WELFARE: "县民政局",
    K.RESCUE: "县民政局",
}


@dataclass(frozen=True)
class CaseRoute:
    units: list[tuple[Department, str]]  # (unit, UnitRole), the lead first
    note: str

    @property
    def lead(self) -> Department:
        return self.units[0][0]

    @property
    def township_unit(self) -> Department:
        return next(d for d, role in self.units if role == UnitRole.TOWNSHIP)


def route_case(task_number: int = SAFETY_TASK, *, organisation_kind: str = "", lead: str = "") -> CaseRoute:
    """The units of a new case: those of `task_number` (task 17 unless told), the duty unit of the
    reporting institution's kind (`organisation_kind`, empty for a telephone report or a notice),
    and the child's township last. `lead`: the unit that must act leads whatever the table says (a
    detention notice's case: 县民政局 arranges the care the police or the justice bureau asked
    for; the table's units cooperate)."""
    on = today()
    document = current_document()
    tasks = (
        {
            t.number: t
            for t in document.tasks.prefetch_related("responsibilities__department").filter(
                number__in=(task_number, DUTY_TASK)
            )
        }
        if document is not None
        else {}
    )
    task = tasks.get(task_number)
    units: list[tuple[Department, str]] = []
    if task is not None:
        for responsible in responsible_on(task, on):
            if responsible.department.is_townships or any(d.pk == responsible.department.pk for d, _ in units):
                continue
            units.append((responsible.department, UnitRole.LEAD if responsible.is_lead else UnitRole.COOPERATING))
    if units and units[0][1] == UnitRole.LEAD:
        note = f"按任务分工表第 {task_number} 项（{document.title if document else ''}）分派"
    else:
        units = [(Department.objects.get(name=FALLBACK_UNIT), UnitRole.LEAD)]
        note = f"任务分工表未导入或没有第 {task_number} 项：由{FALLBACK_UNIT}牵头"
    if lead and units[0][0].name != lead:
        first = Department.objects.get(name=lead)
        rest = [(d, UnitRole.COOPERATING) for d, _role in units if d.pk != first.pk]
        units = [(first, UnitRole.LEAD), *rest]
        note += f"；由{lead}牵头安排照料"
    duty = _duty_unit(tasks.get(DUTY_TASK), organisation_kind, on) if organisation_kind else None
    if duty is not None:
        kind = OrganisationKind(organisation_kind).label
        if any(d.pk == duty.pk for d, _ in units):
            note += f"；报告单位为{kind}，按第 {DUTY_TASK} 项由{duty.name}按职责督促指导（已在承办单位中）"
        else:
            units.append((duty, UnitRole.DUTY))
            note += f"；报告单位为{kind}，按第 {DUTY_TASK} 项由{duty.name}按职责督促指导"
    townships = Department.objects.filter(kind=DepartmentKind.TOWNSHIPS).order_by("pk").first()
    if townships is None:
        raise Department.DoesNotExist("缺少“各乡镇（街道）”单位")
    units.append((townships, UnitRole.TOWNSHIP))
    return CaseRoute(units, note)


def _duty_unit(task: Any, organisation_kind: str, on: datetime.date) -> Department | None:
    """The unit task 28 gives the reporter's kind of institution, as of `on` (a renamed or merged
    unit followed); without the task in the table, the unit of that name if it still exists."""
    written = DUTY_BY_KIND.get(organisation_kind)
    if written is None:
        return None
    if task is not None:
        for responsible in responsible_on(task, on):
            if responsible.as_written == written and not responsible.department.is_townships:
                return responsible.department
    return Department.objects.filter(name=written, dissolved_on__isnull=True).first()
