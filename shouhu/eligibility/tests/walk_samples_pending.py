"""Persona-walk samples for the 待补充信息 worklist: a child waiting for facts in village A and one
in village B (the rows screening would leave). Only those who may record a child's facts
(REGISTER_CHILDREN) may open it, each within their area; a region outside it is not found."""

from __future__ import annotations

from typing import Any

from shouhu.accounts.models import User
from shouhu.accounts.personas import TOWNSHIP_A, VILLAGE_A, VILLAGE_B
from shouhu.core.testing.walk import Sample
from shouhu.eligibility.models import PendingFacts

from .eligibility_factories import register, today

TOWNSHIP_A_LIST = frozenset({"admin", "caseworker", "supervisor_a"})
SEES_B = frozenset({"admin", "caseworker", "supervisor_b", "director_b"})


def setup(personas: dict[str, User]) -> dict[str, Any]:
    father_dead = [{"role": "father", "status": "deceased"}]
    a = register(name="待补甲", region_code=VILLAGE_A, parents=father_dead)
    b = register(name="待补乙", region_code=VILLAGE_B, guardian=None, parents=father_dead)
    PendingFacts.objects.create(child=a, codes="T01 orphan", mother=True, as_of=today())
    PendingFacts.objects.create(child=b, codes="T01 T16 orphan", mother=True, guardian=True, as_of=today())
    return {"pending_a": a.pk, "pending_b": b.pk}


SAMPLES = {
    "eligibility:pending": [
        Sample(),
        Sample(query="fact=mother"),
        Sample(query="page=2"),
        Sample(query=f"region={TOWNSHIP_A}", ok=TOWNSHIP_A_LIST),
        Sample(query=f"region={VILLAGE_B}&fact=guardian", ok=SEES_B),
    ],
}
