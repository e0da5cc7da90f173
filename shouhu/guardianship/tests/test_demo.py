"""The demo has an intervention at temporary guardianship, one revoked in long-term guardianship
and one returned home with a follow-up due, the registry naming each case, and loads once."""

from __future__ import annotations

import pytest

from shouhu.accounts.models import User
from shouhu.casework.tests.helpers import import_table
from shouhu.guardianship.demo import load_demo_interventions
from shouhu.guardianship.models import GuardianshipIntervention
from shouhu.guardianship.selectors import Filters, intervention_list
from shouhu.registry.models import Circumstance

pytestmark = pytest.mark.django_db


def test_the_demo_has_the_three_interventions_and_loads_once(personas: dict[str, User]) -> None:
    import_table()
    assert load_demo_interventions(personas)
    states = set(GuardianshipIntervention.objects.values_list("state", flat=True))
    assert states == {"temporary", "long_term", "returned"}
    due = intervention_list(personas["caseworker"], Filters(follow_up_due=True))
    assert [gi.state for gi in due] == ["returned"]
    assert Circumstance.objects.filter(status="guardianship_revoked", source__startswith="safety_case:").count() == 1
    assert load_demo_interventions(personas) is None
    assert GuardianshipIntervention.objects.count() == 3
