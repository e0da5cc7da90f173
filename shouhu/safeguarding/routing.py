"""Where a safety case goes: the units the task-division table names for the emergency task
(`SAFETY_TASK`, task 17: 县公安局 leads; 县民政局、县司法局、县法院、县检察院 cooperate), as of the
day the report arrives (reorganisations and transfers of a function applied, through policy's
`responsible_on`), and the child's township (各乡镇（街道）, answered by its supervisor).

Without a table (a fresh install), or a table without the task, county civil affairs leads: a
report is never left without someone to answer it, and the case says why it went there."""

from __future__ import annotations

from dataclasses import dataclass

from shouhu.accounts.models import Department, DepartmentKind
from shouhu.core.dates import today
from shouhu.policy.selectors import current_document, responsible_on

from .models import UnitRole

SAFETY_TASK = 17
FALLBACK_UNIT = "县民政局"


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


def route_case(task_number: int = SAFETY_TASK, lead: str = "") -> CaseRoute:
    """The units of `task_number` (task 17 unless told), the child's township last. `lead`: the unit
    that must act leads whatever the table says (a detention notice's case: 县民政局 arranges the
    care the police or the justice bureau asked for; the table's units cooperate)."""
    on = today()
    document = current_document()
    task = (
        document.tasks.prefetch_related("responsibilities__department").filter(number=task_number).first()
        if document is not None
        else None
    )
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
    townships = Department.objects.filter(kind=DepartmentKind.TOWNSHIPS).order_by("pk").first()
    if townships is None:
        raise Department.DoesNotExist("缺少“各乡镇（街道）”单位")
    units.append((townships, UnitRole.TOWNSHIP))
    return CaseRoute(units, note)
