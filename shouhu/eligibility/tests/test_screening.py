"""The reads and writes behind the screens: who may start which screening, which runs and counts
each persona sees, which rules a parameter change can affect, and the preview's set arithmetic."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django_tasks_db.models import DBTaskResult

from shouhu.access import access_counting_region, run_within_scope, runs_visible_to
from shouhu.accounts.models import User
from shouhu.accounts.personas import TOWNSHIP_A, TOWNSHIP_B, VILLAGE_A, VILLAGE_B
from shouhu.eligibility import selectors
from shouhu.eligibility.engine import contract_ruleset
from shouhu.eligibility.models import EligibilityChange, RunState, ScreeningRun
from shouhu.eligibility.rules import propose_parameter, propose_rule, rules_using_parameter, ruleset_on
from shouhu.eligibility.screening import run_screening, screening_request, screening_start
from shouhu.eligibility.tasks import screen_region
from shouhu.registry.models import Child

from .eligibility_factories import disabled_child, today

COUNTY = "210522000000"


def test_rules_using_a_parameter_follow_dependencies() -> None:
    rules = contract_ruleset()
    assert rules_using_parameter(rules, "rehab_age_max") == ("T21",)
    assert set(rules_using_parameter(rules, "preschool_age_max")) == {"T12"}
    months = set(rules_using_parameter(rules, "parent_unable_months"))
    # parent_unable is read by de_facto_unsupported, and through it by everything built on it.
    assert {
        "de_facto_unsupported",
        "T01",
        "econ_difficult",
        "T05",
        "T09",
        "T10",
        "in_difficulty",
        "T04",
        "T14",
    } <= months
    assert "orphan" not in months and "T21" not in months
    everything = set(rules_using_parameter(rules, "adult_age"))
    # every category and measure, and the blocks built on them (econ_difficult uses orphan)
    assert everything == set(rules.rules) - {"in_school"}


@pytest.mark.django_db
def test_proposals_fail_closed_with_the_reason() -> None:
    with pytest.raises(ValidationError) as error:
        propose_rule(code="T21", expression="age <= $missing", effective_from=today())
    assert "未知参数：$missing" in str(error.value)
    with pytest.raises(ValidationError, match="参数 nope 不存在"):
        propose_parameter(name="nope", value=1, effective_from=today())
    proposal = propose_parameter(name="rehab_age_max", value=7, effective_from=today())
    assert proposal.ruleset.params["rehab_age_max"] == 7 and proposal.affected == ("T21",)
    assert ruleset_on(today()).params["rehab_age_max"] == 6  # nothing saved


@pytest.mark.django_db
def test_preview_counts_and_names_are_set_based_and_masked(django_assert_max_num_queries: object) -> None:
    on = today()
    for age in (5, 6, 7, 7, 8):
        disabled_child(age, on, name=f"测试{age}岁")
    before = ruleset_on(on)
    after = propose_parameter(name="rehab_age_max", value=7, effective_from=on).ruleset
    with django_assert_max_num_queries(6):  # type: ignore[operator]
        (row,) = selectors.preview(before=before, after=after, codes=("T21",), as_of=on, children=Child.objects.all())
    assert (row.before, row.after, row.gained, row.lost) == (2, 4, 2, 0)
    assert [name for _pk, name in row.gained_names] == ["测***", "测***"]


def test_mask_name() -> None:
    assert selectors.mask_name("张小明") == "张**"
    assert selectors.mask_name("李") == "李*"
    assert selectors.mask_name("欧阳晓雯") == "欧***"


def start(**kwargs: Any) -> ScreeningRun:
    return screening_start(**kwargs, enqueue=screen_region.enqueue)


@pytest.mark.django_db
def test_who_may_start_which_screening(personas: dict[str, User]) -> None:
    on = today()
    with pytest.raises(PermissionDenied):
        start(actor=personas["leader"], region_code=COUNTY, as_of=on)
    with pytest.raises(PermissionDenied):
        start(actor=personas["director_a"], region_code=VILLAGE_A, as_of=on)
    with pytest.raises(PermissionDenied):
        start(actor=personas["supervisor_a"], region_code=TOWNSHIP_B, as_of=on)
    with pytest.raises(ValidationError, match="区划代码 210522999999 不存在"):
        start(actor=personas["admin"], region_code="210522999999", as_of=on)
    run = start(actor=personas["supervisor_a"], region_code=TOWNSHIP_A, as_of=on)
    assert run.state == RunState.QUEUED and run.region_prefix == "210522100"
    queued = DBTaskResult.objects.filter(task_path="shouhu.eligibility.tasks.screen_region")
    assert [t.args_kwargs["args"] for t in queued] == [[run.pk]]  # written with the run
    # Township B does not overlap township A: it may start; the county overlaps both: refused.
    start(actor=personas["supervisor_b"], region_code=TOWNSHIP_B, as_of=on)
    with pytest.raises(ValidationError, match="尚未完成"):
        start(actor=personas["admin"], region_code=COUNTY, as_of=on)
    # A run that has been queued for hours is stale and no longer blocks.
    ScreeningRun.objects.update(created_at=datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC))
    start(actor=personas["admin"], region_code=COUNTY, as_of=on)


@pytest.mark.django_db
def test_runs_and_counts_each_persona_sees(personas: dict[str, User]) -> None:
    on = today()
    disabled_child(5, on, name="东关甲", region_code=VILLAGE_A)
    disabled_child(5, on, name="普乐乙", region_code=VILLAGE_B)
    county = run_screening(screening_request(actor=None, region_code=COUNTY, as_of=on))
    township_b = run_screening(screening_request(actor=None, region_code=TOWNSHIP_B, as_of=on))

    def visible(key: str) -> set[int]:
        return set(runs_visible_to(personas[key]).values_list("pk", flat=True))

    assert visible("admin") == visible("leader") == {county.pk, township_b.pk}
    assert visible("supervisor_a") == visible("director_a") == {county.pk}
    assert visible("supervisor_b") == visible("director_b") == {county.pk, township_b.pk}
    assert visible("officer_a") == visible("community_a") == set()

    def t21(key: str) -> int | None:
        return next(c.matching for c in selectors.run_counts(personas[key], county) if c.code == "T21")

    assert t21("admin") == t21("leader") == 2
    assert t21("supervisor_a") == t21("director_b") == 1  # their part of the county-wide run
    assert run_within_scope(personas["admin"], county)
    assert not run_within_scope(personas["supervisor_a"], county)
    rows = selectors.run_rows(personas["supervisor_a"], [county])
    own_changes = EligibilityChange.objects.filter(run=county, child__region_code__startswith="210522100").count()
    assert (rows[0].whole, rows[0].gained, rows[0].lost) == (False, own_changes, 0)
    assert 0 < own_changes < county.gained
    assert [c.child.name for c in selectors.run_changes(personas["supervisor_a"], county, code="T21")] == ["东关甲"]
    assert list(selectors.run_changes(personas["leader"], county)) == []  # counts only, no names

    table = selectors.counts_table(access_counting_region(personas["supervisor_a"], ""))
    assert table.region.code == TOWNSHIP_A
    t21_row = next(r for r in table.rows if r[0] == "T21")
    assert t21_row[4] == 1 and all(column.code.startswith("210522100") for column, _n in t21_row[3])
