from __future__ import annotations

import datetime

import pytest
from django.db import connection

from shouhu.accounts.models import User
from shouhu.registry import services
from shouhu.registry.exchange.format import parse_record, record_to_dict
from shouhu.registry.models import Child, Circumstance
from shouhu.registry.selectors import search_children, situation_on

from .example import EXAMPLE, example

pytestmark = pytest.mark.django_db
DAY = datetime.date(2026, 11, 28)


def register(actor: User | None, data: dict, on: datetime.date = DAY) -> Child:  # type: ignore[type-arg]
    record, errors = parse_record(data, today=on)
    assert not errors, errors
    assert record is not None
    return services.child_register(actor=actor, record=record, effective=on)


def test_registering_the_example_keeps_every_fact(personas: dict[str, User]) -> None:
    child = register(personas["director_a"], EXAMPLE)
    assert record_to_dict(situation_on(child, DAY)) == EXAMPLE
    assert child.id_number_masked == "2105**************"
    assert (child.name_pinyin, child.name_initials) == ("zhangxiaoming", "zxm")


def test_id_number_is_not_stored_in_clear(personas: dict[str, User]) -> None:
    register(personas["caseworker"], EXAMPLE)
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number, id_number_index FROM registry_child")
        stored, index = cursor.fetchone()
    assert "210522201503150015" not in stored and stored.startswith("v1:")
    assert index != "210522201503150015" and len(index) == 64
    assert services.find_by_id_number("210522201503150015") is not None


def test_a_change_closes_the_old_fact_and_history_answers_any_date(personas: dict[str, User]) -> None:
    child = register(personas["caseworker"], EXAMPLE)
    later = DAY + datetime.timedelta(days=30)
    record, _ = parse_record(example(household={"low_income": False}), today=later)
    assert record is not None
    changes = services.child_update(
        actor=personas["caseworker"], child=child, record=record, expected_version=1, effective=later
    )
    assert [c.kind for c in changes] == ["low_income"]
    assert situation_on(child, DAY).low_income is True
    assert situation_on(child, later).low_income is False
    row = Circumstance.objects.get(child=child, kind="low_income")
    assert row.valid_to == later - datetime.timedelta(days=1)


def test_the_second_of_two_concurrent_edits_is_refused(personas: dict[str, User]) -> None:
    child = register(personas["caseworker"], EXAMPLE)
    record, _ = parse_record(example(migrant=True), today=DAY)
    assert record is not None
    services.child_update(
        actor=personas["caseworker"],
        child=child,
        record=record,
        expected_version=1,
        effective=DAY + datetime.timedelta(days=1),
    )
    stale = Child.objects.get(pk=child.pk)
    record2, _ = parse_record(example(left_behind=True), today=DAY)
    assert record2 is not None
    with pytest.raises(services.ConcurrentEditError, match="已被他人修改"):
        services.child_update(
            actor=personas["supervisor_a"],
            child=stale,
            record=record2,
            expected_version=1,
            effective=DAY + datetime.timedelta(days=2),
        )
    assert situation_on(Child.objects.get(pk=child.pk), DAY + datetime.timedelta(days=3)).left_behind is False


def test_village_director_sees_only_their_village(personas: dict[str, User]) -> None:
    register(personas["caseworker"], EXAMPLE)
    other = example(
        id_number=None, no_id_reason="弃婴，尚未登记户口", name="李小红", sex="female", region_code="210522101201"
    )
    register(personas["caseworker"], other)
    assert [c.name for c in search_children(personas["director_a"])] == ["张小明"]
    assert [c.name for c in search_children(personas["director_b"])] == ["李小红"]
    assert search_children(personas["officer_a"]).count() == 0
    assert search_children(personas["leader"]).count() == 0
    assert search_children(personas["caseworker"]).count() == 2


@pytest.mark.parametrize("q", ["zxm", "zhangxiaoming", "zhangx", "张小", "210522201503150015"])
def test_find_by_name_pinyin_initials_or_id(personas: dict[str, User], q: str) -> None:
    register(personas["caseworker"], EXAMPLE)
    assert [c.name for c in search_children(personas["supervisor_a"], q=q)] == ["张小明"]


def test_registering_outside_ones_jurisdiction_is_refused(personas: dict[str, User]) -> None:
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        register(personas["director_b"], EXAMPLE)
    assert Child.objects.count() == 0


def test_bulk_register_writes_the_same_as_one_by_one(personas: dict[str, User]) -> None:
    from shouhu.core.models import AuditEvent
    from shouhu.registry.exchange.bulk import bulk_register

    record, _ = parse_record(EXAMPLE, today=DAY)
    assert record is not None
    seen: list[int] = []
    ids = bulk_register(actor=personas["caseworker"], records=[record], effective=DAY, on_progress=seen.append)
    child = Child.objects.get(pk=ids[0])
    assert record_to_dict(situation_on(child, DAY)) == EXAMPLE
    assert seen == [1]
    assert AuditEvent.objects.filter(action="children.import", object_id=str(child.pk)).count() == 1
    assert services.find_by_id_number("210522201503150015") == child
