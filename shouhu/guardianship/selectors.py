"""Every read of guardianship intervention, already scoped through `shouhu.access`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from shouhu.access import (
    access_intervention,
    interventions_visible_to,
    may_start_intervention,
    may_take_guardianship_step,
)
from shouhu.accounts.models import User
from shouhu.core.dates import today
from shouhu.safeguarding.models import CaseState, SafetyCase

from .models import FollowUp, GuardianshipIntervention, InterventionState
from .transitions import OPEN_STATES, Step, allowed_from

PREFETCH = ("steps__unit", "steps__recorded_by", "steps__documents", "follow_ups")


@dataclass(frozen=True)
class Filters:
    state: str = ""  # an InterventionState, or "open"
    township: str = ""  # a township code
    follow_up_due: bool = False


def _follow_up_due() -> Exists:
    return Exists(FollowUp.objects.filter(intervention=OuterRef("pk"), done_on__isnull=True, due_on__lte=today()))


def intervention_list(user: User, filters: Filters) -> QuerySet[GuardianshipIntervention]:
    rows = (
        interventions_visible_to(user)
        .select_related("case", "child", "township")
        .annotate(follow_up_due=_follow_up_due())
    )
    if filters.state == "open":
        rows = rows.filter(state__in=OPEN_STATES)
    elif filters.state in InterventionState.values:
        rows = rows.filter(state=filters.state)
    if filters.township:
        rows = rows.filter(township__code=filters.township)
    if filters.follow_up_due:
        rows = rows.filter(_follow_up_due())
    return rows.order_by("-opened_at", "-id")


def for_case(case: SafetyCase) -> GuardianshipIntervention | None:
    """The case's intervention (the caller has checked the case may be seen)."""
    return GuardianshipIntervention.objects.filter(case=case).prefetch_related(*PREFETCH).first()


def intervention(user: User, intervention_id: int) -> GuardianshipIntervention:
    return access_intervention(user, intervention_id, related=("case", "child", "township"), prefetch=PREFETCH)


def steps_for(user: User, intervention: GuardianshipIntervention) -> list[Step]:
    """The next steps the user may record on the intervention, in the table's order."""
    return [s for s in allowed_from(intervention.state) if may_take_guardianship_step(user, intervention, s.party)]


def start_offered(user: User, case: SafetyCase) -> bool:
    """Whether the case page offers the start: a registered child, an open case, a starter."""
    return case.child_id is not None and case.state != CaseState.CLOSED and may_start_intervention(user, case)


def counts(user: User) -> dict[str, Any]:
    """Open interventions and those with a follow-up visit due, in the user's scope (one query)."""
    return interventions_visible_to(user).aggregate(
        open=Count("pk", filter=Q(state__in=OPEN_STATES)),
        follow_up_due=Count("pk", filter=Q(_follow_up_due())),
    )
