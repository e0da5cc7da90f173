"""A referral keeps the rules' reasons: a measure the window adds when confirming an intake is
explained from the child's situation as of the screening, the absences that decided it included."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from shouhu.accounts.models import User
from shouhu.casework import services
from shouhu.casework.models import Intake
from shouhu.eligibility.screening import screening_request
from shouhu.registry import services as registry_services
from shouhu.registry.exchange.format import parse_record
from shouhu.registry.tests.example import example

from .helpers import import_table, screen_with_tasks
from .walk_samples import child, id_number

pytestmark = pytest.mark.django_db


def _record(**changes: Any) -> Any:
    record, errors = parse_record(example(id_number=id_number("20150601", 1), birth_date="2015-06-01", **changes))
    assert record is not None, errors
    return record


def test_a_measure_the_window_adds_carries_the_rules_explanation_to_the_referral(
    personas: dict[str, User], login: Any
) -> None:
    """The suggestion was drafted while the child was at school; it has since dropped out, and the
    window adds 控辍保学 (T14): the unit's officer reads why, the absence included."""
    import_table()
    pupil = child("孙辍学", "20150601", 1)
    run = screening_request(actor=None, region_code="210522000000", as_of=timezone.localdate())
    screen_with_tasks(run.pk)
    intake = Intake.objects.get(child=pupil, screening_run=run)
    proposed = list(intake.measures.values_list("code", flat=True))
    assert "T14" not in proposed
    registry_services.child_update(
        actor=None,
        child=pupil,
        record=_record(name="孙辍学", schooling={"stage": "primary", "enrolled": False}),
        expected_version=pupil.version,
        effective=timezone.localdate(),
    )
    referrals = services.intake_confirm(
        actor=personas["supervisor_a"], intake=intake, confirmed=[*proposed, "T14"], reasons={"T14": "家访发现已辍学"}
    )
    t14 = next(r for r in referrals if r.code == "T14")
    added = intake.measures.get(code="T14")
    assert not added.proposed and added.reason == "家访发现已辍学"
    assert "未在读（小学）" in added.explanation and "年龄" in added.explanation
    assert t14.department.name == "县教育局"
    page = login("officer_a").get(f"/referrals/{t14.pk}/").content.decode()
    assert "筛查说明" in page and "未在读（小学）" in page and "家访发现已辍学" in page
