"""Departments' reorganisations (机构改革), the reads: the list, and what a unit was and became."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from shouhu.accounts.models import Department
from shouhu.core.dates import today

from ..models import Reorganisation, ReorganisationKind
from ..selectors import ReorganisationGraph


def reorganisation_list(*, department: Department | None = None) -> QuerySet[Reorganisation]:
    items = Reorganisation.objects.prefetch_related("predecessors", "successors").select_related("created_by")
    if department is not None:
        lineage = department_lineage(department)
        items = items.filter(pk__in=[r.pk for r in lineage.reorganisations])
    return items.order_by("effective_on", "id")


@dataclass
class Lineage:
    department: Department
    was: list[Department]  # units it came from (any number of steps back)
    became: list[Department]  # units it became (any number of steps on)
    today: list[Department]  # who carries its duties today
    reorganisations: list[Reorganisation]


def department_lineage(department: Department) -> Lineage:
    """What a unit was and what it became, through every recorded reorganisation."""
    items = list(Reorganisation.objects.prefetch_related("predecessors", "successors"))
    involved: dict[int, Reorganisation] = {}
    was: dict[int, Department] = {}
    became: dict[int, Department] = {}
    for direction in ("back", "forward"):
        frontier, seen = [department.pk], set()
        while frontier:
            current = frontier.pop()
            if current in seen:
                continue
            seen.add(current)
            for reorganisation in items:
                before = {d.pk: d for d in reorganisation.predecessors.all()}
                after = {d.pk: d for d in reorganisation.successors.all()}
                source, target, out = (after, before, was) if direction == "back" else (before, after, became)
                if reorganisation.kind == ReorganisationKind.TRANSFER:
                    # A function passed on: the unit did not become the other one.
                    if department.pk in before or department.pk in after:
                        involved[reorganisation.pk] = reorganisation
                    continue
                if current in source:
                    involved[reorganisation.pk] = reorganisation
                    for pk, unit in target.items():
                        if pk != department.pk:
                            out.setdefault(pk, unit)
                        frontier.append(pk)
    return Lineage(
        department=department,
        was=list(was.values()),
        became=list(became.values()),
        today=ReorganisationGraph().resolve(department, today()),
        reorganisations=sorted(involved.values(), key=lambda r: (r.effective_on, r.pk)),
    )
