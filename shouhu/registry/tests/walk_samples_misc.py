"""Persona-walk samples for the duplicates review and the children API."""

from __future__ import annotations

from typing import Any

from shouhu.accounts.personas import VILLAGE_A, VILLAGE_B
from shouhu.core.testing.walk import Sample
from shouhu.registry.models import DuplicateCandidate

from .misc_helpers import child_data, register

SEES_A = frozenset({"admin", "caseworker", "supervisor_a", "director_a"})
SEES_B = frozenset({"admin", "caseworker", "supervisor_b", "director_b"})


def setup(personas: dict[str, Any]) -> dict[str, Any]:
    first = register(None, child_data("乔沐宸", "2013-07-19", 731, region_code=VILLAGE_A))
    second = register(None, child_data("乔沐辰", "2013-07-19", 733, region_code=VILLAGE_A, parents=[]))
    other = register(None, child_data("隗若溪", "2012-02-23", 642, sex="female", region_code=VILLAGE_B))
    pair = DuplicateCandidate.objects.get(child_a=first, child_b=second)
    return {"misc_child_a": first.pk, "misc_child_a2": second.pk, "misc_child_b": other.pk, "misc_pair": pair.pk}


def _pair(ctx: dict[str, Any]) -> dict[str, Any]:
    return {"candidate_id": ctx["misc_pair"]}


def _merge_form(ctx: dict[str, Any]) -> dict[str, Any]:
    return {"survivor": ctx["misc_child_a"], "version_a": 1, "version_b": 1, "confirm": "1"}


SAMPLES = {
    "registry:duplicates": [Sample(), Sample(query="state=dismissed")],
    "registry:duplicate_merge": [
        Sample(kwargs=_pair),
        Sample(kwargs=_pair, query="survivor=0"),
        Sample(kwargs=_pair, method="post", data=_merge_form, success=(302,)),
        Sample(kwargs={"candidate_id": 999999}, ok=frozenset()),
    ],
    "registry:duplicate_dismiss": [
        Sample(kwargs=_pair, method="post", success=(302,)),
        Sample(kwargs={"candidate_id": 999999}, method="post", ok=frozenset()),
    ],
}


def _child(key: str) -> Any:
    return lambda ctx: {"child_id": ctx[key]}


API_SAMPLES = {
    "/children": [
        Sample(),
        Sample(query="q=qmc&flags=low_income"),
        # The walk posts form data, not JSON: the create endpoint answers 422 to whoever may register.
        Sample(method="post", success=(422,)),
    ],
    "/children/{child_id}": [
        Sample(kwargs=_child("misc_child_a"), ok=SEES_A),
        Sample(kwargs=_child("misc_child_b"), ok=SEES_B),
        Sample(kwargs={"child_id": 999999}, ok=frozenset()),
        # No body: in scope 422 (the record is checked after the child is found), out of scope 404.
        Sample(kwargs=_child("misc_child_b"), ok=SEES_B, method="put", success=(422,)),
    ],
    "/children/{child_id}/circumstances": [
        Sample(kwargs=_child("misc_child_a"), ok=SEES_A),
        Sample(kwargs=_child("misc_child_b"), ok=SEES_B),
    ],
}
