"""A child has one guardian of record on any day: the database refuses a second `guardian` row over
the same days however it is written (PostgreSQL: an exclusion constraint; SQLite: triggers), and
the services refuse it first, in Chinese, naming the row it would overlap."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from shouhu.accounts.models import User
from shouhu.core.dates import today
from shouhu.registry import services
from shouhu.registry.facts import Fact
from shouhu.registry.models import Circumstance, Kind

from .ui_factories import register

pytestmark = pytest.mark.django_db


def _guardian(child_id: int, start: datetime.date, end: datetime.date | None = None) -> Circumstance:
    return Circumstance.objects.create(
        child_id=child_id, kind=Kind.GUARDIAN, valid_from=start, valid_to=end, detail="relative", flag=True
    )


def test_the_database_refuses_an_overlapping_guardian_row(personas: dict[str, User]) -> None:
    child = register(personas["caseworker"])  # its grandparent is the guardian from 30 days ago, open
    with pytest.raises(IntegrityError, match="circumstance_one_guardian"), transaction.atomic():
        _guardian(child.pk, today())
    with pytest.raises(IntegrityError, match="circumstance_one_guardian"), transaction.atomic():
        _guardian(child.pk, today() - datetime.timedelta(days=400), today() - datetime.timedelta(days=30))
    assert Circumstance.objects.filter(child=child, kind=Kind.GUARDIAN).count() == 1


def test_the_database_refuses_an_update_that_makes_an_overlap(personas: dict[str, User]) -> None:
    child = register(personas["caseworker"])
    current = Circumstance.objects.get(child=child, kind=Kind.GUARDIAN)
    earlier = _guardian(
        child.pk, current.valid_from - datetime.timedelta(days=60), current.valid_from - datetime.timedelta(days=1)
    )
    earlier.valid_to = current.valid_from
    with pytest.raises(IntegrityError, match="circumstance_one_guardian"), transaction.atomic():
        earlier.save(update_fields=["valid_to"])


def test_adjacent_periods_other_children_and_other_kinds_are_left_alone(personas: dict[str, User]) -> None:
    child = register(personas["caseworker"])
    current = Circumstance.objects.get(child=child, kind=Kind.GUARDIAN)
    _guardian(
        child.pk, current.valid_from - datetime.timedelta(days=10), current.valid_from - datetime.timedelta(days=1)
    )
    other = register(
        personas["caseworker"], id_number="210522201601010024", birth_date="2016-01-01", sex="female", name="王小红"
    )
    _guardian(
        other.pk, current.valid_from - datetime.timedelta(days=5), current.valid_from - datetime.timedelta(days=1)
    )
    Circumstance.objects.create(child=child, kind=Kind.LOW_INCOME, valid_from=current.valid_from, flag=True)
    assert Circumstance.objects.filter(kind=Kind.GUARDIAN, child__in=[child, other]).count() == 4


def test_the_services_keep_continuity_and_refuse_an_overlap_in_chinese(personas: dict[str, User]) -> None:
    child = register(personas["caseworker"])
    on = today()
    services.fact_record(
        actor=None,
        child=child,
        kind=Kind.GUARDIAN,
        fact=None,
        effective=on - datetime.timedelta(days=10),
        source="safety_case:AQ1",
    )
    [closed] = Circumstance.objects.filter(child=child, kind=Kind.GUARDIAN)
    assert closed.valid_to == on - datetime.timedelta(days=11)
    # A new guardian from before the old one ended would overlap it: refused, naming it.
    with pytest.raises(ValidationError) as refused:
        services.fact_record(
            actor=None,
            child=child,
            kind=Kind.GUARDIAN,
            fact=Fact(detail="civil_affairs", flag=True),
            effective=on - datetime.timedelta(days=20),
            source="safety_case:AQ1",
        )
    assert "同一天只能有一条记录" in refused.value.messages[0] and "祖父母" in refused.value.messages[0]
    services.fact_record(
        actor=None,
        child=child,
        kind=Kind.GUARDIAN,
        fact=Fact(detail="civil_affairs", flag=True),
        effective=on,
        source="safety_case:AQ1",
    )
    rows = list(Circumstance.objects.filter(child=child, kind=Kind.GUARDIAN).order_by("valid_from"))
    assert [(r.detail, r.valid_to) for r in rows] == [
        ("grandparent", on - datetime.timedelta(days=11)),
        ("civil_affairs", None),
    ]


def test_a_correction_that_would_overlap_is_refused_in_chinese(personas: dict[str, User]) -> None:
    child = register(personas["caseworker"])
    services.fact_record(
        actor=None,
        child=child,
        kind=Kind.GUARDIAN,
        fact=Fact(detail="civil_affairs", flag=True),
        effective=today(),
        source="safety_case:AQ1",
    )
    old = Circumstance.objects.filter(child=child, kind=Kind.GUARDIAN).order_by("valid_from").first()
    assert old is not None
    child.refresh_from_db()
    with pytest.raises(ValidationError) as refused:
        services.circumstance_correct(
            actor=personas["caseworker"], circumstance=old, expected_version=child.version, valid_to=None
        )
    assert "时间重叠" in refused.value.message_dict["valid_from"][0]
    old.refresh_from_db()
    assert old.valid_to == today() - datetime.timedelta(days=1)
