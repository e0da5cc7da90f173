"""One fact recorded from another app's work (a safety case's guardianship step, a detention
notice): the old fact ends the day before, the new one carries its source, the child is screened
at once, and the write is audited."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError

from shouhu.accounts.models import User
from shouhu.core.dates import today
from shouhu.core.models import AuditEvent
from shouhu.eligibility.models import ScreeningRun
from shouhu.registry import services
from shouhu.registry.exchange.format import parse_record
from shouhu.registry.facts import Fact
from shouhu.registry.models import Circumstance, Kind

from .example import example
from .ui_factories import register

pytestmark = pytest.mark.django_db


def test_a_fact_from_another_record_ends_the_old_one_and_names_its_source(personas: dict[str, User]) -> None:
    child = register(personas["caseworker"])
    version = child.version
    on = today()
    change = services.fact_record(
        actor=personas["officer_p"],
        child=child,
        kind=Kind.FATHER,
        fact=Fact(status="detained", since=on, until=on + datetime.timedelta(days=10)),
        effective=on,
        source="custody_notice:7",
    )
    assert change is not None and "被拘留" in change.after
    father = Circumstance.objects.filter(child=child, kind=Kind.FATHER).order_by("valid_from", "id")
    last = father.last()
    assert last is not None and last.source == "custody_notice:7" and last.valid_to is None
    assert all(row.valid_to is not None and row.valid_to < on for row in father.exclude(pk=last.pk))
    child.refresh_from_db()
    assert child.version == version + 1
    assert ScreeningRun.objects.filter(child=child).exists()  # screened at once
    event = AuditEvent.objects.get(action="children.fact")
    assert event.detail["source"] == "custody_notice:7" and event.object_id == str(child.pk)


def test_the_same_fact_again_changes_nothing(personas: dict[str, User]) -> None:
    child = register(personas["caseworker"])
    fact = Fact(status="imprisoned", since=datetime.date(2026, 1, 1))
    on = today()
    services.fact_record(actor=None, child=child, kind=Kind.MOTHER, fact=fact, effective=on, source="custody_notice:1")
    child.refresh_from_db()
    version = child.version
    again = services.fact_record(
        actor=None, child=child, kind=Kind.MOTHER, fact=fact, effective=on, source="custody_notice:1"
    )
    child.refresh_from_db()
    assert again is None and child.version == version
    assert AuditEvent.objects.filter(action="children.fact").count() == 1


def test_a_stale_version_and_a_missing_source_are_refused(personas: dict[str, User]) -> None:
    child = register(personas["caseworker"])
    fact = Fact(detail="civil_affairs", flag=True)
    with pytest.raises(services.ConcurrentEditError):
        services.fact_record(
            actor=None,
            child=child,
            kind=Kind.GUARDIAN,
            fact=fact,
            effective=today(),
            source="safety_case:AQ1",
            expected_version=child.version - 1,
        )
    with pytest.raises(ValidationError, match="来源"):
        services.fact_record(actor=None, child=child, kind=Kind.GUARDIAN, fact=fact, effective=today(), source="")


def test_a_second_record_the_same_day_takes_the_place_of_the_first(personas: dict[str, User]) -> None:
    """The child was registered today with the father alive, and the police record today a
    detention that began today: the notice's fact takes the registered fact's place (facts are
    kept by the day: the later record of a day wins; no two facts overlap); the audit row keeps
    what it replaced. A detention that began before the registered fact did is still refused."""
    record, errors = parse_record(example(), today=today())
    assert record is not None, errors
    child = services.child_register(actor=personas["caseworker"], record=record, effective=today())
    began = Circumstance.objects.get(child=child, kind=Kind.FATHER, valid_to__isnull=True).valid_from
    assert began == today()
    with pytest.raises(ValidationError, match="必须晚于它"):
        services.fact_record(
            actor=personas["officer_p"], child=child, kind=Kind.FATHER, effective=today(), source="custody_notice:2",
            fact=Fact(status="detained", since=today() - datetime.timedelta(days=30)),
        )  # fmt: skip
    change = services.fact_record(
        actor=personas["officer_p"], child=child, kind=Kind.FATHER,
        fact=Fact(status="detained", since=today()), effective=today(), source="custody_notice:3",
    )  # fmt: skip
    assert change is not None and "被拘留" in change.after and change.before != change.after
    rows = list(Circumstance.objects.filter(child=child, kind=Kind.FATHER))
    assert [(r.valid_from, r.valid_to, r.status, r.source) for r in rows] == [
        (began, None, "detained", "custody_notice:3")
    ]
    event = AuditEvent.objects.filter(action="children.fact").latest("id")
    assert event.detail["changes"][0]["before"] == change.before
