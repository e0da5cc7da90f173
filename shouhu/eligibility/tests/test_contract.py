"""The contract's example screens exactly as shown, by both engines."""

from __future__ import annotations

import datetime

import pytest

from shouhu.eligibility.engine import contract_ruleset, screen_database
from shouhu.registry import services
from shouhu.registry.exchange.format import parse_record
from shouhu.registry.models import Child
from shouhu.registry.tests.example import EXAMPLE

AS_OF = datetime.date(2026, 11, 28)
EXPECTED_CATEGORIES = ["de_facto_unsupported", "disabled", "in_difficulty", "low_income", "severely_disabled"]
EXPECTED_MEASURES = ["T01", "T02", "T05", "T06", "T07", "T09", "T10", "T24"]


def test_example_in_memory() -> None:
    record, errors = parse_record(EXAMPLE, today=AS_OF)
    assert record is not None, errors
    decision = contract_ruleset().decide(record, AS_OF)
    assert decision.categories == EXPECTED_CATEGORIES
    assert decision.measures == EXPECTED_MEASURES
    assert decision.explanations["T01"] == "事实无人抚养儿童：父亲死亡，母亲服刑 2024-01-01 至 2030-06-30（满 6 个月）"
    assert set(decision.explanations) == set(EXPECTED_MEASURES)
    assert decision.undetermined == {}


# The v2 section's example: a child on 低保 whose school attendance was not recorded.
V2_EXAMPLE = {
    "parents": [{"role": "father", "status": "alive"}, {"role": "mother", "status": "alive"}],
    "disability": None,
    "household": {"low_income": True},
    "schooling": {"stage": "primary", "enrolled": None},
}


def test_v2_example_in_memory() -> None:
    from shouhu.registry.tests.example import example

    record, errors = parse_record(example(**V2_EXAMPLE), today=AS_OF)
    assert record is not None, errors
    decision = contract_ruleset().decide(record, AS_OF)
    assert decision.categories == ["in_difficulty", "low_income"]
    assert decision.measures == ["T02", "T07"]
    assert decision.undetermined == {"T09": ["schooling.enrolled"], "T14": ["schooling.enrolled"]}


@pytest.mark.django_db
def test_v2_example_in_the_database() -> None:
    from shouhu.registry.tests.example import example

    record, _ = parse_record(example(**V2_EXAMPLE), today=AS_OF)
    assert record is not None
    child = services.child_register(actor=None, record=record, effective=datetime.date(2026, 1, 1))
    screened = screen_database(contract_ruleset(), AS_OF, Child.objects.all())[child.pk]
    assert screened.decided == (["in_difficulty", "low_income"], ["T02", "T07"])
    assert screened.undetermined == {"T09": ["schooling.enrolled"], "T14": ["schooling.enrolled"]}


@pytest.mark.parametrize(
    ("changes", "not_decided", "undetermined"),
    [
        # The form's old default: both parents left blank is not an orphan, it is not known.
        ({"parents": []}, "orphan", {"orphan": ["parents.father", "parents.mother"]}),
        ({"parents": [{"role": "father", "status": "deceased"}, {"role": "mother", "status": "not_recorded"}]},
         "orphan", {"orphan": ["parents.mother"]}),
        # 小学 with attendance left blank is not a dropout.
        ({"household": {"low_income": True}, "schooling": {"stage": "primary"}}, "T14",
         {"T14": ["schooling.enrolled"]}),
        # No guardian key: T16 cannot be decided for a child whose parents are gone but not orphaned.
        ({"parents": [{"role": "father", "status": "imprisoned", "since": "2020-01-01"},
                      {"role": "mother", "status": "deceased"}], "guardian": "absent"},
         "T19", {"T19": ["guardian"]}),
    ],
)  # fmt: skip
def test_not_recorded_facts_decide_nothing(changes: dict, not_decided: str, undetermined: dict) -> None:
    from shouhu.registry.tests.example import example

    obj = example(**changes)
    if obj.get("guardian") == "absent":
        del obj["guardian"]
    record, errors = parse_record(obj, today=AS_OF)
    assert record is not None, errors
    decision = contract_ruleset().decide(record, AS_OF)
    assert not_decided not in decision.categories + decision.measures
    for code, facts in undetermined.items():
        assert decision.undetermined[code] == facts


def test_a_negative_fact_is_named() -> None:
    """T14's explanation says the child is not in school (the officer must see why it was sent)."""
    from shouhu.registry.tests.example import example

    record, _ = parse_record(
        example(household={"low_income": True}, schooling={"stage": "primary", "enrolled": False}), today=AS_OF
    )
    assert record is not None
    decision = contract_ruleset().decide(record, AS_OF)
    assert "未在读（小学）" in decision.explanations["T14"]


@pytest.mark.django_db
def test_example_in_the_database() -> None:
    record, _ = parse_record(EXAMPLE, today=AS_OF)
    assert record is not None
    child = services.child_register(actor=None, record=record, effective=datetime.date(2026, 1, 1))
    screened = screen_database(contract_ruleset(), AS_OF, Child.objects.all())[child.pk]
    assert screened.decided == (EXPECTED_CATEGORIES, EXPECTED_MEASURES)
    assert screened.undetermined == {}


def test_a_rule_of_absences_is_explained_by_the_facts_behind_them() -> None:
    from shouhu.registry.tests.example import example

    child = example(
        parents=[
            {"role": "father", "status": "deceased"},
            {"role": "mother", "status": "lost_contact", "since": "2026-09-01"},
        ],
        guardian=None,
    )
    record, errors = parse_record(child, today=AS_OF)
    assert record is not None, errors
    decision = contract_ruleset().decide(record, AS_OF)
    assert "T16" in decision.measures
    assert decision.explanations["T16"] == "父亲死亡，母亲失联，自 2026-09-01（不满 6 个月），无实际监护人"
