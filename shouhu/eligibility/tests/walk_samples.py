"""Persona-walk samples for the eligibility screens: a child in village A and one in village B,
a finished county-wide screening (by the admin) and one of township B (by its supervisor)."""

from __future__ import annotations

from typing import Any

from shouhu.accounts.models import User
from shouhu.accounts.personas import TOWNSHIP_A, TOWNSHIP_B, VILLAGE_A, VILLAGE_B
from shouhu.core.testing.walk import Sample
from shouhu.eligibility.screening import run_screening, screening_request

from .eligibility_factories import disabled_child, today

COUNTY = "210522000000"
COUNTY_WIDE = frozenset({"admin", "caseworker", "leader"})
SEES_COUNTY_RUN = COUNTY_WIDE | {"supervisor_a", "supervisor_b", "director_a", "director_b"}
SEES_TOWNSHIP_B_RUN = COUNTY_WIDE | {"supervisor_b", "director_b"}
SEES_A = frozenset({"admin", "caseworker", "supervisor_a", "director_a"})
SEES_B = frozenset({"admin", "caseworker", "supervisor_b", "director_b"})
COUNTS_OF_TOWNSHIP_A = COUNTY_WIDE | {"supervisor_a"}
LIST_OF_TOWNSHIP_A = frozenset({"admin", "caseworker", "supervisor_a"})


def setup(personas: dict[str, User]) -> dict[str, Any]:
    on = today()
    a = disabled_child(5, on, name="资格甲", region_code=VILLAGE_A)
    b = disabled_child(4, on, name="资格乙", region_code=VILLAGE_B)
    county = run_screening(screening_request(actor=personas["admin"], region_code=COUNTY, as_of=on))
    township = run_screening(screening_request(actor=personas["supervisor_b"], region_code=TOWNSHIP_B, as_of=on))
    return {"elig_a": a.pk, "elig_b": b.pk, "elig_county_run": county.pk, "elig_township_run": township.pk}


def _run(key: str) -> Any:
    return lambda ctx: {"run_id": ctx[key]}


def _start(ctx: dict[str, Any]) -> dict[str, str]:
    return {"region_code": TOWNSHIP_A, "as_of": today().isoformat()}


def _preview_rule(ctx: dict[str, Any]) -> dict[str, str]:
    return {"expression": "disabled and age <= 7", "effective_from": today().isoformat(), "preview": "1"}


def _preview_parameter(ctx: dict[str, Any]) -> dict[str, str]:
    return {"value": "7", "effective_from": today().isoformat(), "preview": "1"}


SAMPLES = {
    "eligibility:runs": [Sample(), Sample(query="page=2")],
    # Township B's supervisor cannot pick township A: the form comes back with the error (200).
    "eligibility:run_start": [Sample(method="post", data=_start, success=(200, 302))],
    "eligibility:run": [
        Sample(kwargs=_run("elig_county_run"), ok=SEES_COUNTY_RUN),
        Sample(kwargs=_run("elig_county_run"), ok=SEES_COUNTY_RUN, query="code=T21&change=gained"),
        Sample(kwargs=_run("elig_township_run"), ok=SEES_TOWNSHIP_B_RUN),
        Sample(kwargs={"run_id": 999999}, ok=frozenset()),
    ],
    "eligibility:run_progress": [
        Sample(kwargs=_run("elig_county_run"), ok=SEES_COUNTY_RUN),
        Sample(kwargs=_run("elig_township_run"), ok=SEES_TOWNSHIP_B_RUN),
    ],
    "eligibility:rules": [Sample(), Sample(query="on=2021-01-01")],
    "eligibility:rule": [Sample(kwargs={"code": "T21"}), Sample(kwargs={"code": "no_such_rule"}, ok=frozenset())],
    "eligibility:rule_edit": [
        Sample(kwargs={"code": "T21"}),
        Sample(kwargs={"code": "T21"}, method="post", data=_preview_rule),
        Sample(kwargs={"code": "no_such_rule"}, ok=frozenset()),
    ],
    "eligibility:parameters": [Sample()],
    "eligibility:parameter_edit": [
        Sample(kwargs={"name": "rehab_age_max"}),
        Sample(kwargs={"name": "rehab_age_max"}, method="post", data=_preview_parameter),
        Sample(kwargs={"name": "no_such_parameter"}, ok=frozenset()),
    ],
    "eligibility:counts": [
        Sample(),
        Sample(query="kind=measure"),
        Sample(query=f"region={TOWNSHIP_A}", ok=COUNTS_OF_TOWNSHIP_A),
    ],
    "eligibility:counts_export": [Sample(), Sample(query=f"region={TOWNSHIP_A}", ok=COUNTS_OF_TOWNSHIP_A)],
    "eligibility:counts_list": [
        Sample(query=f"region={COUNTY}&code=T21", ok=frozenset({"admin", "caseworker"})),
        Sample(query=f"region={TOWNSHIP_A}&code=T24", ok=LIST_OF_TOWNSHIP_A),
        Sample(query=f"region={VILLAGE_B}&code=disabled", ok=SEES_B),
    ],
    "eligibility:counts_list_export": [
        Sample(query=f"region={TOWNSHIP_A}&code=T21", ok=LIST_OF_TOWNSHIP_A),
        Sample(query=f"region={COUNTY}&code=T21", ok=frozenset({"admin", "caseworker"})),
    ],
    "eligibility:child": [
        Sample(kwargs=lambda ctx: {"child_id": ctx["elig_a"]}, ok=SEES_A),
        Sample(kwargs=lambda ctx: {"child_id": ctx["elig_b"]}, ok=SEES_B),
        Sample(kwargs=lambda ctx: {"child_id": ctx["elig_a"]}, ok=SEES_A, query="on=2020-06-01"),
        Sample(kwargs={"child_id": 999999}, ok=frozenset()),
    ],
}
