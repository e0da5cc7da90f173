"""The demo has a case in every state, escalations on the one nobody answered, and loads once."""

from __future__ import annotations

import pytest

from shouhu.accounts.models import User
from shouhu.casework.tests.helpers import import_table
from shouhu.safeguarding.demo import load_demo_safety_cases
from shouhu.safeguarding.models import CaseState, ClockEscalation, FollowUpQuestion, SafetyCase

pytestmark = pytest.mark.django_db


def test_the_demo_has_every_state_and_loads_once(personas: dict[str, User]) -> None:
    import_table()
    assert load_demo_safety_cases(personas)
    assert set(SafetyCase.objects.values_list("state", flat=True)) == set(CaseState.values)
    assert ClockEscalation.objects.filter(level="leader").exists()
    assert FollowUpQuestion.objects.filter(
        answered_at__isnull=True, report__reported_by=personas["reporter_a"]
    ).exists()
    assert load_demo_safety_cases(personas) is None
    assert SafetyCase.objects.count() == 5
