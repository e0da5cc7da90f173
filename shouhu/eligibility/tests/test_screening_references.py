"""Results and changes always name a child and a run that exist (on PostgreSQL these
references are checked once per statement by triggers, migration 0004, instead of by per-row
foreign keys; SQLite keeps its deferred foreign keys). Both databases must refuse the same things."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import ProtectedError

from shouhu.accounts.personas import VILLAGE_A
from shouhu.eligibility.models import ChangeKind, Eligibility, EligibilityChange, ScreeningPart, ScreeningRun
from shouhu.eligibility.screening import run_screening, screening_request
from shouhu.registry.models import Child, Circumstance

from .eligibility_factories import disabled_child, today

pytestmark = pytest.mark.django_db
COUNTY = "210522000000"
NOBODY = 987_654_321


def _refused(write: Callable[[], Any], match: str) -> None:
    """`write` fails as a commit would fail it: at once on PostgreSQL (the statement's check), at
    the constraint check on SQLite (deferred foreign keys); nothing of it remains."""
    with pytest.raises(IntegrityError, match=match), transaction.atomic():
        write()
        connection.check_constraints()


def _screened_child() -> tuple[Child, ScreeningRun]:
    child = disabled_child(5, today(), name="甲", region_code=VILLAGE_A)
    run = run_screening(screening_request(actor=None, region_code=COUNTY, as_of=today()))
    assert Eligibility.objects.filter(child=child, found_by=run, code="T24").exists()
    return child, run


def test_a_result_or_change_naming_a_missing_child_or_run_is_refused() -> None:
    child, run = _screened_child()
    before = (Eligibility.objects.filter(until__isnull=True).count(), EligibilityChange.objects.count())
    result = {"code": "X", "since": today(), "rule_version": 1}  # a code the child has no open result for
    _refused(lambda: Eligibility.objects.create(child_id=NOBODY, found_by=run, **result), "儿童|registry_child")
    _refused(lambda: Eligibility.objects.create(child=child, found_by_id=NOBODY, **result), "筛查|screeningrun")
    _refused(
        lambda: Eligibility.objects.filter(child=child).update(until=today(), ended_by_id=NOBODY), "筛查|screeningrun"
    )
    change = {"code": "T24", "change": ChangeKind.GAINED}
    _refused(lambda: EligibilityChange.objects.create(child_id=NOBODY, run=run, **change), "儿童|registry_child")
    _refused(lambda: EligibilityChange.objects.create(child=child, run_id=NOBODY, **change), "筛查|screeningrun")
    assert (Eligibility.objects.filter(until__isnull=True).count(), EligibilityChange.objects.count()) == before


def test_a_statement_naming_many_children_is_refused_for_one_missing() -> None:
    child, run = _screened_child()
    rows = [Eligibility(child=child, code=f"X{i}", since=today(), rule_version=1, found_by=run) for i in range(50)]
    rows.append(Eligibility(child_id=NOBODY, code="X", since=today(), rule_version=1, found_by=run))
    _refused(lambda: Eligibility.objects.bulk_create(rows), "儿童|registry_child")
    assert not Eligibility.objects.filter(code__startswith="X").exists()


def test_deleting_a_child_deletes_its_results_and_changes() -> None:
    child, _run = _screened_child()
    child.delete()
    assert not Eligibility.objects.exists() and not EligibilityChange.objects.exists()


def test_a_child_with_results_cannot_be_deleted_behind_the_orms_back() -> None:
    child, _run = _screened_child()
    results = Eligibility.objects.filter(child=child).count()
    Circumstance.objects.filter(child=child).delete()  # leave only the results naming the child

    def delete() -> None:
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM registry_child WHERE id = %s", [child.pk])

    _refused(delete, "资格|eligibility")
    assert Child.objects.filter(pk=child.pk).exists()
    assert Eligibility.objects.filter(child=child).count() == results


def test_a_run_with_results_cannot_be_deleted() -> None:
    _child, run = _screened_child()
    with pytest.raises(ProtectedError):
        run.delete()
    ScreeningPart.objects.filter(run=run).delete()  # leave only the results and changes naming the run

    def delete() -> None:
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM eligibility_screeningrun WHERE id = %s", [run.pk])

    _refused(delete, "资格|eligibility")
    assert ScreeningRun.objects.filter(pk=run.pk).exists()


def test_a_run_that_found_nothing_can_be_deleted() -> None:
    run = run_screening(screening_request(actor=None, region_code=COUNTY, as_of=today()))
    run.delete()
    assert not ScreeningRun.objects.filter(pk=run.pk).exists()


def test_postgresql_checks_the_references_per_statement_not_per_row() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("SQLite keeps its deferred foreign keys")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conrelid::regclass::text FROM pg_constraint WHERE contype = 'f' "
            "AND conrelid IN ('eligibility_eligibility'::regclass, 'eligibility_eligibilitychange'::regclass)"
        )
        assert cursor.fetchall() == []  # per-row foreign keys: the cost migration 0004 removed
        cursor.execute(
            "SELECT tgrelid::regclass::text, tgname FROM pg_trigger WHERE NOT tgisinternal AND tgname LIKE %s",
            ["eligibility%"],
        )
        triggers = set(cursor.fetchall())
    assert {
        ("eligibility_eligibility", "eligibility_references_inserted"),
        ("eligibility_eligibility", "eligibility_references_updated"),
        ("eligibility_eligibilitychange", "eligibility_change_references_inserted"),
        ("registry_child", "eligibility_keep_named_child"),
        ("eligibility_screeningrun", "eligibility_keep_named_run"),
    } <= triggers
