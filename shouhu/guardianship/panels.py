"""What guardianship adds to other pages (found by autodiscovery): the 监护干预 section of a safety
case's page — the steps taken with their units, documents and what the registry recorded, the
follow-up visits, and the next steps the viewer may record, as forms."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from shouhu.accounts.models import User
from shouhu.registry.labels import RELATIONSHIP_LABELS
from shouhu.safeguarding.models import SafetyCase
from shouhu.safeguarding.sections import case_section

from . import selectors
from .forms import StepForm
from .services import PARENTS


@case_section
def guardianship_section(request: HttpRequest, case: SafetyCase) -> list[dict[str, Any]]:
    user: User = request.user  # type: ignore[assignment]
    intervention = selectors.for_case(case)
    section: dict[str, Any] = {"template": "guardianship/_case_section.html", "intervention": intervention}
    if intervention is None:
        section["child_missing"] = case.child_id is None
        section["may_start"] = selectors.start_offered(user, case)
        return [section]
    steps = list(intervention.steps.all())
    for step in steps:
        step.guardian_label = RELATIONSHIP_LABELS.get(step.guardian, step.guardian)  # type: ignore[attr-defined]
        step.revoked_label = "、".join(  # type: ignore[attr-defined]
            PARENTS[p] for p in step.revoked_parents.split(",") if p in PARENTS
        )
    initial = {"version": intervention.version, "state": intervention.state}
    section.update(
        steps=steps,
        follow_ups=list(intervention.follow_ups.all()),
        forms=[(s, StepForm(step=s, initial=initial)) for s in selectors.steps_for(user, intervention)],
    )
    return [section]
