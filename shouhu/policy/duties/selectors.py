"""Reading the duty map: a measure's version in force on a date, its history, and the categories
a measure's rule reads (what the map may be keyed by)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import QuerySet

from shouhu.core.dates import today
from shouhu.eligibility import language as L
from shouhu.eligibility.engine import RuleSet

from ..models import DutyAssignment, DutyMapVersion


def duty_maps_on(on: datetime.date | None = None) -> dict[str, DutyMapVersion]:
    """Every measure's duty map in force on `on` (today): its newest version effective by then,
    with its assignments and their units loaded. One query for the versions, one for the rows."""
    on = on or today()
    versions = (
        DutyMapVersion.objects.filter(effective_from__lte=on)
        .order_by("measure", "-effective_from", "-version")
        .prefetch_related("assignments__department")
    )
    result: dict[str, DutyMapVersion] = {}
    for version in versions:
        result.setdefault(version.measure, version)
    return result


def duty_history(measure: str) -> QuerySet[DutyMapVersion]:
    """A measure's versions, newest first, with who made each."""
    return (
        DutyMapVersion.objects.filter(measure=measure)
        .select_related("created_by")
        .prefetch_related("assignments__department")
        .order_by("-version")
    )


def assignments_of(version: DutyMapVersion | None) -> list[DutyAssignment]:
    return sorted(version.assignments.all(), key=lambda a: (a.position, a.pk)) if version is not None else []


def measure_categories(ruleset: RuleSet, code: str) -> list[str]:
    """The categories a measure's rule names, directly or through building blocks (not through
    other categories: 困境儿童 counts as itself), in the rule set's order."""
    found: list[str] = []
    seen: set[str] = set()

    def visit(name: str) -> None:
        if name in seen or name not in ruleset.trees:
            return
        seen.add(name)
        for ref in sorted(L.references(ruleset.trees[name])):
            rule = ruleset.rules.get(ref)
            if rule is None:
                continue
            if rule.kind == "category" and ref not in found:
                found.append(ref)
            elif rule.kind == "block":
                visit(ref)

    visit(code)
    order = list(ruleset.rules)
    return sorted(found, key=order.index)


@dataclass(frozen=True)
class DutyRow:
    """One row of the duty map page: a measure, its task's mode, its map in force and its units."""

    code: str
    label: str
    task_number: int | None
    version: DutyMapVersion | None
    assignments: list[DutyAssignment]
