"""What placements shows elsewhere (found by autodiscovery): the home panel of those who keep the
register and record placements (families awaiting assessment or approval, reviews due,
placements ending soon), and the temporary-care section of a safety case's page."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from shouhu.access import (
    Capability,
    can,
    may_record_temporary_care,
    may_see_temporary_care_of,
    placements_visible_to,
)
from shouhu.accounts.models import User
from shouhu.safeguarding.models import SafetyCase
from shouhu.safeguarding.sections import case_section
from shouhu.web.home import Panel, home_contributor

from . import selectors
from .forms import TemporaryCareForm


@home_contributor
def placement_panels(user: User) -> list[Panel]:
    if not can(user, Capability.MANAGE_PLACEMENTS):
        return []
    work = selectors.county_work(user)
    items = [
        (
            f"{p.child.name}：{p.get_kind_display()}"
            + (f"，预计 {p.planned_end:%Y-%m-%d} 结束" if p.planned_end else "，即将年满 18 周岁"),
            reverse("placements:child", args=[p.child_id]),
        )
        for p in work.ending_soon
    ]
    families = reverse("placements:families")
    text = f"即将结束的安置 {len(work.ending_soon)} 个"
    if can(user, Capability.MANAGE_FAMILIES):
        text = (
            f"待评估的家庭 {work.applied} 户，待批准 {work.assessed} 户，30 天内应复核 {work.reviews_due} 户；" + text
        )
        items = [
            (f"待评估 {work.applied} 户", f"{families}?state=applied"),
            (f"待批准 {work.assessed} 户", f"{families}?state=assessed"),
            *items,
        ]
    return [
        Panel(
            title="安置与爱心家庭",
            stat=work.applied + len(work.ending_soon),
            text=text,
            link=families,
            link_label="爱心家庭名册",
            items=items,
        )
    ]


@case_section
def temporary_care_section(request: HttpRequest, case: SafetyCase) -> list[dict[str, Any]]:
    user: User = request.user  # type: ignore[assignment]
    if not may_see_temporary_care_of(user, case):
        return []
    placements = []
    if case.child_id is not None:
        placements = list(
            placements_visible_to(user)
            .filter(child_id=case.child_id)
            .select_related("family", "decided_by_unit")
            .order_by("-valid_from", "-id")[:5]
        )
    may_record = may_record_temporary_care(user, case)
    return [
        {
            "template": "placements/_case_section.html",
            "case": case,
            "registered": case.child_id is not None,
            "placements": placements,
            "form": TemporaryCareForm(units=selectors.deciding_units(), prefix="tc") if may_record else None,
        }
    ]
