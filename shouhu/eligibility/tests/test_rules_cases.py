"""Every category and measure of the contract, with at least one child who matches and one who
just misses (a day, a grade, a status), decided in memory for the exchange record, and in the
database for the registered child by both SQL targets (`screen_database`: a query per rule;
`screen_facts`: expressions over the child's facts row, as screening runs them), which must also
agree with the in-memory decision on everything else."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

import pytest

from shouhu.eligibility.engine import Screened, contract_ruleset, screen_database
from shouhu.eligibility.rules import ruleset_on
from shouhu.eligibility.screening import screen_facts
from shouhu.registry.exchange.format import parse_record
from shouhu.registry.models import Child
from shouhu.registry.selectors import situation_on

from .eligibility_factories import child_data, register

AS_OF = datetime.date(2026, 11, 28)
RULES = contract_ruleset()


@dataclass(frozen=True)
class Case:
    id: str
    code: str
    expected: bool
    child: dict[str, Any] = field(default_factory=dict)
    as_of: datetime.date = AS_OF


def born(years: int, days: int = 0, on: datetime.date = AS_OF) -> str:
    """The birth date of a child whose `years`th birthday is `days` after `on` (0: on the day)."""
    return (on.replace(year=on.year - years) + datetime.timedelta(days=days)).isoformat()


def parents(father: str | dict[str, Any] | None, mother: str | dict[str, Any] | None) -> list[dict[str, Any]]:
    items = []
    for role, value in (("father", father), ("mother", mother)):
        if value is None:
            continue  # missing from the list: not recorded
        items.append({"role": role, "status": value} if isinstance(value, str) else {"role": role, **value})
    return items


def restricted(status: str, since: str, until: str | None = None) -> dict[str, Any]:
    return {"status": status, "since": since, **({"until": until} if until else {})}


LOW = {"household": {"low_income": True}}
SCHOOL = {"schooling": {"stage": "primary", "enrolled": True}}
HEARING = {"disability": {"type": "hearing", "grade": 3}}
NOBODY = {"guardian": None}
UNABLE_GUARDIAN = {"guardian": {"relationship": "grandparent", "able": False}}
ABLE_GUARDIAN = {"guardian": {"relationship": "grandparent", "able": True}}
ORPHAN = {"parents": parents("deceased", "deceased"), **ABLE_GUARDIAN}

CASES = [
    # -- categories ----------------------------------------------------------------------------
    Case("orphan: both parents deceased", "orphan", True, ORPHAN),
    Case("orphan: mother recorded as unknown (查找不到)", "orphan", True, {"parents": parents("deceased", "unknown")}),
    Case(
        "orphan miss: mother missing from the list is not recorded",
        "orphan",
        False,
        {"parents": parents("deceased", None)},
    ),
    Case(
        "orphan miss: mother declared missing is not gone",
        "orphan",
        False,
        {"parents": parents("deceased", "declared_missing")},
    ),
    Case("orphan miss: mother alive", "orphan", False, {"parents": parents("deceased", "alive")}),
    Case(
        "de facto: father dead, mother imprisoned open-ended",
        "de_facto_unsupported",
        True,
        {"parents": parents("deceased", restricted("imprisoned", "2024-01-01"))},
    ),
    Case(
        "de facto: imprisoned exactly 6 months (2024-01-31 to 2024-07-31)",
        "de_facto_unsupported",
        True,
        {"parents": parents("deceased", restricted("imprisoned", "2024-01-31", "2024-07-31"))},
    ),
    Case(
        "de facto miss: imprisoned one day short of 6 months",
        "de_facto_unsupported",
        False,
        {"parents": parents("deceased", restricted("imprisoned", "2024-01-31", "2024-07-30"))},
    ),
    Case(
        "de facto: lost contact 2024-08-31, 6 months on 2025-02-28 (month end)",
        "de_facto_unsupported",
        True,
        {"parents": parents("declared_missing", restricted("lost_contact", "2024-08-31"))},
        datetime.date(2025, 2, 28),
    ),
    Case(
        "de facto miss: lost contact one day short of 6 months",
        "de_facto_unsupported",
        False,
        {"parents": parents("declared_missing", restricted("lost_contact", "2024-08-31"))},
        datetime.date(2025, 2, 27),
    ),
    Case(
        "de facto: both parents severely disabled (intellectual grade 4)",
        "de_facto_unsupported",
        True,
        {
            "parents": parents(
                {"status": "severe_disability", "disability_type": "intellectual", "disability_grade": 4},
                "serious_illness",
            )
        },
    ),
    Case(
        "de facto miss: father physical disability grade 3",
        "de_facto_unsupported",
        False,
        {
            "parents": parents(
                {"status": "severe_disability", "disability_type": "physical", "disability_grade": 3}, "serious_illness"
            )
        },
    ),
    Case("de facto miss: an orphan is not also de facto unsupported", "de_facto_unsupported", False, ORPHAN),
    Case("low income", "low_income", True, LOW),
    Case("low income miss: household not on 低保", "low_income", False),
    Case("low income: 17 the day before the 18th birthday", "low_income", True, {**LOW, "birth_date": born(18, 1)}),
    Case("adult_age: the 18th birthday excludes", "low_income", False, {**LOW, "birth_date": born(18)}),
    Case("extreme poverty", "extreme_poverty", True, {"household": {"extreme_poverty": True}}),
    Case("extreme poverty miss", "extreme_poverty", False, LOW),
    Case("temporary hardship", "temporary_hardship", True, {"household": {"temporary_hardship": True}}),
    Case("temporary hardship miss", "temporary_hardship", False, LOW),
    Case("seriously ill", "seriously_ill", True, {"serious_illness": True}),
    Case("seriously ill miss", "seriously_ill", False),
    Case("severely disabled: grade 2", "severely_disabled", True, {"disability": {"type": "physical", "grade": 2}}),
    Case(
        "severely disabled miss: grade 3", "severely_disabled", False, {"disability": {"type": "physical", "grade": 3}}
    ),
    Case("disabled: grade 4", "disabled", True, {"disability": {"type": "vision", "grade": 4}}),
    Case("disabled miss: no disability", "disabled", False),
    Case("guardianship at risk: neglect", "guardianship_at_risk", True, {"safety": {"neglect": True}}),
    Case(
        "guardianship at risk: father imprisoned, mother dead, guardian unable",
        "guardianship_at_risk",
        True,
        {"parents": parents(restricted("imprisoned", "2026-10-01"), "deceased"), **UNABLE_GUARDIAN},
    ),
    Case(
        "guardianship at risk miss: the guardian is able",
        "guardianship_at_risk",
        False,
        {"parents": parents(restricted("imprisoned", "2026-10-01"), "deceased"), **ABLE_GUARDIAN},
    ),
    Case(
        "guardianship at risk miss: the mother is alive",
        "guardianship_at_risk",
        False,
        {"parents": parents(restricted("imprisoned", "2026-10-01"), "alive"), **UNABLE_GUARDIAN},
    ),
    Case("migrant", "migrant", True, {"migrant": True}),
    Case("migrant miss", "migrant", False, {"left_behind": True}),
    Case("left behind", "left_behind", True, {"left_behind": True}),
    Case("left behind miss", "left_behind", False, {"migrant": True}),
    Case("in difficulty: seriously ill", "in_difficulty", True, {"serious_illness": True}),
    Case("in difficulty miss: only left behind", "in_difficulty", False, {"left_behind": True}),
    # -- measures ------------------------------------------------------------------------------
    Case("T01: orphan", "T01", True, ORPHAN),
    Case(
        "T01: de facto unsupported",
        "T01",
        True,
        {"parents": parents("deceased", restricted("drug_rehab", "2024-01-01"))},
    ),
    Case(
        "T01 miss: mother in drug rehab for 5 months",
        "T01",
        False,
        {"parents": parents("deceased", restricted("drug_rehab", "2024-01-01", "2024-06-30"))},
    ),
    Case("T02: low income", "T02", True, LOW),
    Case("T02 miss", "T02", False, {"household": {"temporary_hardship": True}}),
    Case("T03: temporary hardship", "T03", True, {"household": {"temporary_hardship": True}}),
    Case("T03 miss", "T03", False, LOW),
    Case("T04: disabled, no other basic support", "T04", True, HEARING),
    Case("T04 miss: excluded by T02", "T04", False, {**HEARING, **LOW}),
    Case("T05: seriously ill in a low-income household", "T05", True, {"serious_illness": True, **LOW}),
    Case("T05 miss: seriously ill, not economically difficult", "T05", False, {"serious_illness": True}),
    Case("T06: hearing", "T06", True, HEARING),
    Case("T06 miss: vision", "T06", False, {"disability": {"type": "vision", "grade": 1}}),
    Case("T07: severely disabled (grade 1)", "T07", True, {"disability": {"type": "vision", "grade": 1}}),
    Case("T07 miss: grade 3, not low income", "T07", False, HEARING),
    Case("T09: low income and at school", "T09", True, {**LOW, **SCHOOL}),
    Case(
        "T09 miss: low income, not enrolled",
        "T09",
        False,
        {**LOW, "schooling": {"stage": "primary", "enrolled": False}},
    ),
    Case("T09 miss: enrolled at stage none", "T09", False, {**LOW, "schooling": {"stage": "none", "enrolled": True}}),
    Case("T10: disabled, low income, primary school", "T10", True, {**HEARING, **LOW, **SCHOOL}),
    Case(
        "T10 miss: preschool", "T10", False, {**HEARING, **LOW, "schooling": {"stage": "preschool", "enrolled": True}}
    ),
    Case("T11: migrant, 6 on the day", "T11", True, {"migrant": True, "birth_date": born(6)}),
    Case("T11 miss: migrant, 5 (6 tomorrow)", "T11", False, {"migrant": True, "birth_date": born(6, 1)}),
    Case("T12: disabled, 3 on the day", "T12", True, {**HEARING, "birth_date": born(3)}),
    Case("T12 miss: disabled, 2 (3 tomorrow)", "T12", False, {**HEARING, "birth_date": born(3, 1)}),
    Case("T12: disabled, 6 (7 tomorrow)", "T12", True, {**HEARING, "birth_date": born(7, 1)}),
    Case("T12 miss: disabled, 7 on the day", "T12", False, {**HEARING, "birth_date": born(7)}),
    Case("T14: in difficulty, 15, out of school", "T14", True, {**LOW, "birth_date": born(16, 1)}),
    Case("T14 miss: 16 on the day", "T14", False, {**LOW, "birth_date": born(16)}),
    Case("T14 miss: at school", "T14", False, {**LOW, **SCHOOL, "birth_date": born(15)}),
    Case("T14 miss: 5 (6 tomorrow)", "T14", False, {**LOW, "birth_date": born(6, 1)}),
    Case("T15: orphan", "T15", True, ORPHAN),
    Case("T15 miss: one parent alive", "T15", False, {"parents": parents("deceased", "alive")}),
    Case(
        "T16: no parent alive, not orphan, guardian unable",
        "T16",
        True,
        {"parents": parents(restricted("imprisoned", "2026-10-01"), "deceased"), **UNABLE_GUARDIAN},
    ),
    Case(
        "T16: no parent alive, not orphan, no guardian",
        "T16",
        True,
        {"parents": parents("declared_missing", "serious_illness"), **NOBODY},
    ),
    Case(
        "T16 miss: the guardian is able",
        "T16",
        False,
        {"parents": parents(restricted("imprisoned", "2026-10-01"), "deceased"), **ABLE_GUARDIAN},
    ),
    Case("T17: abandoned", "T17", True, {"safety": {"abandoned": True}}),
    Case("T17 miss: no safety concern", "T17", False),
    Case("T18: father detained", "T18", True, {"parents": parents(restricted("detained", "2026-11-20"), "alive")}),
    Case(
        "T18 miss: father imprisoned",
        "T18",
        False,
        {"parents": parents(restricted("imprisoned", "2026-11-20"), "alive")},
    ),
    Case(
        "T19: mother in drug rehab, father dead, nobody caring",
        "T19",
        True,
        {"parents": parents("deceased", restricted("drug_rehab", "2026-09-01")), **NOBODY},
    ),
    Case(
        "T19 miss: the father is alive",
        "T19",
        False,
        {"parents": parents("alive", restricted("drug_rehab", "2026-09-01")), **NOBODY},
    ),
    Case("T20: adopted", "T20", True, {"living_arrangement": "adopted"}),
    Case("T20 miss: foster care", "T20", False, {"living_arrangement": "foster"}),
    Case("T21: 6, the eve of the 7th birthday", "T21", True, {**HEARING, "birth_date": born(7, 1)}),
    Case("T21 miss: the 7th birthday", "T21", False, {**HEARING, "birth_date": born(7)}),
    Case("T21: autism at 2", "T21", True, {"disability": {"type": "autism", "grade": 2}, "birth_date": born(2)}),
    Case(
        "T21 miss: mental disability",
        "T21",
        False,
        {"disability": {"type": "mental", "grade": 2}, "birth_date": born(2)},
    ),
    Case(
        "T22: disabled orphan living with family", "T22", True, {**ORPHAN, **HEARING, "living_arrangement": "kinship"}
    ),
    Case("T22 miss: in an institution", "T22", False, {**ORPHAN, **HEARING, "living_arrangement": "institution"}),
    Case("T24: disabled", "T24", True, HEARING),
    Case("T24 miss: not disabled", "T24", False, {"serious_illness": True}),
]


def record_of(case: Case) -> Any:
    record, errors = parse_record(child_data(**case.child), today=case.as_of)
    assert record is not None, errors
    return record


def decided(categories: list[str], measures: list[str], code: str) -> bool:
    return code in categories or code in measures


def test_every_category_and_measure_has_a_match_and_a_miss() -> None:
    codes = {code for code, rule in RULES.rules.items() if rule.kind != "block"}
    assert codes == {c.code for c in CASES}
    for code in codes:
        assert {c.expected for c in CASES if c.code == code} == {True, False}, code


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_in_memory(case: Case) -> None:
    decision = RULES.decide(record_of(case), case.as_of)
    assert decided(decision.categories, decision.measures, case.code) is case.expected
    if case.expected and case.code.startswith("T"):
        assert case.code in decision.explanations, "every measure has an explanation entry"


@dataclass(frozen=True)
class InTheDatabase:
    """One case's child as the database decides it, by both SQL targets, beside the in-memory
    decision for the same registered child."""

    by_query: Screened
    by_facts: Screened
    in_memory: tuple[list[str], list[str], dict[str, list[str]]]


_SCREENED: dict[str, InTheDatabase] = {}


def screened_in_the_database(case: Case) -> InTheDatabase:
    """Every case's child registered together and screened in one pass per SQL target (the
    queries are set-based: a child's answer does not depend on who else is screened). Compiling a
    rule set to SQL is the costly part, so one pass for all cases instead of one per case; the
    answers are plain data and outlive the test transaction that produced them."""
    if case.id not in _SCREENED:
        children = {c.id: register(**c.child) for c in CASES if c.as_of == case.as_of}
        ruleset = ruleset_on(case.as_of)  # the stored rules v1: the same as the contract's
        among = Child.objects.filter(pk__in=[child.pk for child in children.values()])
        by_query = screen_database(ruleset, case.as_of, among)
        by_facts = screen_facts(ruleset, case.as_of, among)
        for case_id, child in children.items():
            memory = ruleset.decide(situation_on(child, case.as_of), case.as_of)
            _SCREENED[case_id] = InTheDatabase(
                by_query[child.pk], by_facts[child.pk], (memory.categories, memory.measures, memory.undetermined)
            )
    return _SCREENED[case.id]


@pytest.mark.django_db
@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_in_the_database(case: Case) -> None:
    screened = screened_in_the_database(case)
    assert decided(screened.by_query.categories, screened.by_query.measures, case.code) is case.expected
    by_query, by_facts = screened.by_query, screened.by_facts
    assert (by_query.categories, by_query.measures, by_query.undetermined) == screened.in_memory
    assert (by_facts.categories, by_facts.measures, by_facts.undetermined) == screened.in_memory
