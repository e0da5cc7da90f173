"""The demo has a family in every state, placements over time (temporary care from a safety case,
foster care after the welfare home, an adoption after its assessment), and loads once."""

from __future__ import annotations

from shouhu.accounts.models import User
from shouhu.placements.demo import load_demo_placements
from shouhu.placements.models import Family, FamilyState, Outcome, Placement, PlacementKind


def test_the_demo_has_every_family_state_and_placements_and_loads_once(personas: dict[str, User]) -> None:
    assert load_demo_placements(personas)
    assert set(Family.objects.values_list("state", flat=True)) == set(FamilyState.values) - {FamilyState.WITHDRAWN}
    temporary = Placement.objects.get(kind=PlacementKind.TEMPORARY_CARE)
    assert temporary.source_case is not None and temporary.source_case.child_id == temporary.child_id
    adopted = Placement.objects.get(kind=PlacementKind.ADOPTION)
    assert adopted.adoptive_assessment is not None and adopted.adoptive_assessment.result == "qualified"
    assert Placement.objects.filter(child=adopted.child, outcome=Outcome.ADOPTED).count() == 1
    assert load_demo_placements(personas) is None
    assert Placement.objects.count() == 6
