"""Reads kept across requests (shouhu/web/caching.py): a change made through a service shows on
the very next request, in this process and in any other.

These tests commit (transactional database): inside a transaction nothing is kept across
requests, so a test wrapped in one would not exercise the process-wide cache at all."""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import transaction
from django.test import Client

from shouhu.accounts.models import Department, User
from shouhu.accounts.personas import TOWNSHIP_A, ensure_personas
from shouhu.casework.tests.helpers import import_table
from shouhu.core.testing.signin import sign_in
from shouhu.policy.models import ReportFrequency
from shouhu.policy.reorganisations.services import NewUnit, reorganisation_record
from shouhu.policy.selectors import current_document, task_list
from shouhu.policy.supervision.selectors import my_obligations
from shouhu.policy.supervision.services import task_set_report_frequency
from shouhu.regions.models import Region
from shouhu.regions.services import region_create
from shouhu.web.caching import POLICY, forget, shared
from shouhu.web.models import CacheGeneration

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def users(transactional_db: None) -> Iterator[dict[str, User]]:
    forget(POLICY)  # nothing kept from another test's database
    yield ensure_personas()
    forget(POLICY)


def home(user: User) -> str:
    client = Client()
    sign_in(client, user)
    response = client.get("/")
    assert response.status_code == 200
    return response.content.decode()


def test_a_kept_value_is_rebuilt_when_any_process_commits_a_change(users: dict[str, User]) -> None:
    built: list[int] = []

    def build() -> int:
        built.append(1)
        return len(built)

    assert shared(POLICY, ("test",), build) == 1
    assert shared(POLICY, ("test",), build) == 1  # kept
    # Another process's service committed a change: all this process sees is the new token.
    CacheGeneration.objects.filter(name=POLICY).update(token="another-process")
    assert shared(POLICY, ("test",), build) == 2
    assert shared(POLICY, ("test",), build) == 2
    with transaction.atomic():  # may see its own uncommitted writes: built, never kept
        assert shared(POLICY, ("test",), build) == 3
    assert shared(POLICY, ("test",), build) == 2


def test_a_new_village_shows_on_the_next_home_page(users: dict[str, User]) -> None:
    def villages() -> int:
        found = re.search(r"(\d+) 个村（社区）", home(users["supervisor_a"]))
        assert found, "the supervisor's home page has no region panel"
        return int(found.group(1))

    before = villages()
    assert villages() == before  # kept (and still right)
    township = Region.objects.get(code=TOWNSHIP_A)
    region_create(actor=users["admin"], code=TOWNSHIP_A[:9] + "299", name="计测新村", parent=township)
    assert villages() == before + 1


def test_an_imported_table_shows_on_the_next_home_page(users: dict[str, User]) -> None:
    page = home(users["officer_a"])
    assert "本单位牵头" not in page and "任务进展报告" not in page
    assert current_document() is None
    import_table()
    page = home(users["officer_a"])
    assert "本单位牵头" in page and "任务进展报告" in page
    assert current_document() is not None


def test_a_reorganisation_moves_the_reports_on_the_next_home_page(users: dict[str, User]) -> None:
    import_table()
    officer = users["officer_a"]

    def due(page: str) -> int:
        found = re.search(r"本期（[^）]+）待报告 (\d+) 项(?:，上期待报告 (\d+) 项（截止日前）)?，逾期 (\d+) 项", page)
        assert found, "the officer's home page has no reporting panel"
        return sum(int(n) for n in found.groups(default="0"))

    assert due(home(officer)) > 0  # 县教育局 reports on its tasks
    reorganisation_record(
        actor=users["admin"],
        kind="rename",
        effective_on=datetime.date(2020, 1, 1),
        predecessors=[Department.objects.get(name="县教育局")],
        successors=[NewUnit("县教育事务局", "县教育事务服务局")],
    )
    assert due(home(officer)) == 0  # its successor reports now


def test_a_changed_reporting_frequency_shows_on_the_next_read(users: dict[str, User]) -> None:
    import_table()
    officer = users["officer_a"]
    document = current_document()
    assert document is not None
    mine: Any = my_obligations(officer)
    task = next(o.task for o in mine.current if o.task.report_frequency == ReportFrequency.QUARTERLY)
    quarterly = {o.period.key for o in mine.current + mine.previous if o.task.pk == task.pk}
    assert quarterly
    task_set_report_frequency(actor=users["admin"], task=task, frequency=ReportFrequency.MONTHLY)
    assert next(t for t in task_list(document) if t.pk == task.pk).report_frequency == ReportFrequency.MONTHLY
    mine = my_obligations(officer)
    monthly = {o.period.key for o in mine.current + mine.previous if o.task.pk == task.pk}
    assert monthly and monthly.isdisjoint(quarterly)
