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


@pytest.mark.django_db
def test_example_in_the_database() -> None:
    record, _ = parse_record(EXAMPLE, today=AS_OF)
    assert record is not None
    child = services.child_register(actor=None, record=record, effective=datetime.date(2026, 1, 1))
    decided = screen_database(contract_ruleset(), AS_OF, Child.objects.all())
    assert decided[child.pk] == (EXPECTED_CATEGORIES, EXPECTED_MEASURES)


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
