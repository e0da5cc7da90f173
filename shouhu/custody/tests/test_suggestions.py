"""Tasks 18–19 no longer run backwards: a parent's detention recorded by the township still drafts
a T18 suggestion (to be routed to the police), but the same status written by a police notice does
not — the police asked and arranged at the moment of detention."""

from __future__ import annotations

import datetime

import pytest

from shouhu.accounts.models import User
from shouhu.casework import suggestions
from shouhu.casework.models import IntakeMeasure
from shouhu.casework.tests.walk_samples import child, id_number
from shouhu.core.dates import today
from shouhu.custody.models import SOURCE_PREFIX
from shouhu.registry import services as registry_services
from shouhu.registry.exchange.format import parse_record
from shouhu.registry.facts import Fact
from shouhu.registry.tests.example import example

from .factories import child_input, record

pytestmark = pytest.mark.django_db
ALIVE = [{"role": "father", "status": "alive"}, {"role": "mother", "status": "alive"}]


def _suggested(child_id: int) -> set[str]:
    return set(
        IntakeMeasure.objects.filter(intake__child_id=child_id, intake__kind="suggestion").values_list(
            "code", flat=True
        )
    )


def test_the_source_casework_reads_is_the_one_notices_write() -> None:
    assert suggestions.NOTICE_SOURCE == SOURCE_PREFIX


def test_a_detention_the_township_records_still_drafts_t18(personas: dict[str, User]) -> None:
    kid = child("韩小东", "20160909", 21, parents=ALIVE)
    since = (today() - datetime.timedelta(days=2)).isoformat()
    data = example(
        id_number=kid.id_number,
        name=kid.name,
        sex=kid.sex,
        birth_date=str(kid.birth_date),
        region_code=kid.region_code,
        hukou_region_code=kid.region_code,
        parents=[{"role": "father", "status": "detained", "since": since}, {"role": "mother", "status": "alive"}],
    )
    parsed, errors = parse_record(data)
    assert parsed is not None, errors
    registry_services.child_update(
        actor=personas["supervisor_a"], child=kid, record=parsed, expected_version=kid.version, announce=True
    )
    assert "T18" in _suggested(kid.pk)


def test_a_police_notice_drafts_no_t18_referral_back_to_the_police(personas: dict[str, User]) -> None:
    kid = child("韩小西", "20160910", 22, parents=ALIVE)
    record(personas["officer_p"], child_input(id_number=kid.id_number, name=kid.name))
    assert "T18" not in _suggested(kid.pk)
    # The child was screened and is eligible: the measure is known, only not drafted again.
    from shouhu.eligibility.models import Eligibility

    assert Eligibility.objects.filter(child=kid, code="T18").exists()


def test_a_parent_detained_by_a_notice_and_the_other_by_the_township_still_drafts(personas: dict[str, User]) -> None:
    kid = child("韩小中", "20160911", 23, parents=ALIVE)
    on = today()
    registry_services.fact_record(
        actor=personas["supervisor_a"],
        child=kid,
        kind="mother",
        fact=Fact(status="detained", since=on),
        effective=on,
        source="township:visit",
    )
    record(personas["officer_p"], child_input(id_number=kid.id_number, name=kid.name))
    handled = suggestions.handled_by_notice([kid.pk], on)
    assert "T18" not in handled.get(kid.pk, set())


def test_an_unknown_child_registered_by_a_notice_gets_no_t18_suggestion(personas: dict[str, User]) -> None:
    notice = record(personas["officer_p"], child_input(id_number=id_number("20180101", 61), name="韩小新"))
    assert "T18" not in _suggested(notice.children.get().child_id)
