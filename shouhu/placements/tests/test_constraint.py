"""The database itself refuses a second placement of a child on a day already covered, whatever
writes it (here a row saved straight through the ORM, bypassing the service): an exclusion
constraint on PostgreSQL, triggers on SQLite (migration 0002). The same for an update that
stretches a closed placement over another."""

from __future__ import annotations

import datetime

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from shouhu.accounts.models import User
from shouhu.core.dates import today
from shouhu.placements.models import Outcome, Placement, PlacementKind

from .factories import child, civil_affairs, place


def _row(kid, actor: User, start: datetime.date, end: datetime.date | None = None) -> Placement:  # type: ignore[no-untyped-def]
    return Placement(
        child=kid,
        kind=PlacementKind.INSTITUTION,
        caregiver_name="县儿童福利院",
        valid_from=start,
        valid_to=end,
        outcome=Outcome.MOVED if end else "",
        decided_by_unit=civil_affairs(),
        decided_by_person="李科长",
        recorded_by=actor,
        recorded_at=timezone.now(),
    )


def test_the_database_refuses_an_overlapping_placement_saved_past_the_service(personas: dict[str, User]) -> None:
    caseworker = personas["caseworker"]
    kid = child()
    place(caseworker, kid, valid_from=today() - datetime.timedelta(days=10))  # open from 10 days ago
    with pytest.raises(IntegrityError), transaction.atomic():
        _row(kid, caseworker, today() - datetime.timedelta(days=3)).save()
    # A closed interval that meets the open one on its first day overlaps too (both ends inclusive).
    with pytest.raises(IntegrityError), transaction.atomic():
        _row(kid, caseworker, today() - datetime.timedelta(days=20), today() - datetime.timedelta(days=10)).save()
    # The day before is free; another child is unaffected.
    _row(kid, caseworker, today() - datetime.timedelta(days=20), today() - datetime.timedelta(days=11)).save()
    _row(child("安置小红", 62), caseworker, today() - datetime.timedelta(days=3)).save()
    assert Placement.objects.filter(child=kid).count() == 2


def test_the_database_refuses_an_update_that_makes_an_overlap(personas: dict[str, User]) -> None:
    caseworker = personas["caseworker"]
    kid = child()
    earlier = _row(kid, caseworker, today() - datetime.timedelta(days=30), today() - datetime.timedelta(days=21))
    earlier.save()
    _row(kid, caseworker, today() - datetime.timedelta(days=20)).save()
    with pytest.raises(IntegrityError), transaction.atomic():
        Placement.objects.filter(pk=earlier.pk).update(valid_to=today() - datetime.timedelta(days=20))
    earlier.refresh_from_db()
    assert earlier.valid_to == today() - datetime.timedelta(days=21)


def test_an_ended_placement_must_say_how_it_ended(personas: dict[str, User]) -> None:
    caseworker = personas["caseworker"]
    row = _row(child(), caseworker, today() - datetime.timedelta(days=30), today() - datetime.timedelta(days=21))
    row.outcome = ""
    with pytest.raises(IntegrityError), transaction.atomic():
        row.save()
