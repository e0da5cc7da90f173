"""The demo has a case in every state (assessed, planned with referrals, reviewed included),
escalations on the one nobody answered, and loads once."""

from __future__ import annotations

import pytest

from shouhu.accounts.models import User
from shouhu.casework.models import Referral
from shouhu.casework.tests.helpers import import_table
from shouhu.safeguarding.demo import load_demo_safety_cases
from shouhu.safeguarding.models import (
    CaseReview,
    CaseState,
    ClockEscalation,
    FollowUpQuestion,
    PlanAction,
    SafetyCase,
)

pytestmark = pytest.mark.django_db


def test_the_demo_has_every_state_and_loads_once(personas: dict[str, User]) -> None:
    import_table()
    assert load_demo_safety_cases(personas)
    assert set(SafetyCase.objects.values_list("state", flat=True)) == set(CaseState.values)
    assert ClockEscalation.objects.filter(level="leader").exists()
    assert FollowUpQuestion.objects.filter(
        answered_at__isnull=True, report__reported_by=personas["reporter_a"]
    ).exists()
    planned = SafetyCase.objects.get(state=CaseState.PLANNED)
    assert planned.child is not None and planned.child.name == "陈小燕"
    assert PlanAction.objects.filter(case=planned).count() == 2
    assert Referral.objects.filter(intake__safety_plan_action__case=planned, child=planned.child).count() >= 2
    review = CaseReview.objects.get(case=planned)
    assert review.assessment is not None and review.assessment.level == "high"
    # The review clock restarted: round 2 runs (高: 10 working days), round 1 is done.
    rounds = dict(planned.clocks.filter(step="review").values_list("round", "done_at"))
    assert rounds[1] is not None and rounds[2] is None
    assert planned.clocks.get(step="review", round=2).working_days == 10
    assert load_demo_safety_cases(personas) is None
    assert SafetyCase.objects.count() == 7
