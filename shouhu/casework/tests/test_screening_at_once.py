"""A child registered or changed by a person is screened at once, and what it newly qualifies for
becomes a suggestion for the township window then and there."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from shouhu.accounts.models import User
from shouhu.casework.models import Intake, IntakeKind, IntakeState
from shouhu.casework.suggestions import create_suggestions
from shouhu.core.models import Notification
from shouhu.eligibility.models import ScreeningRun
from shouhu.registry import services as registry_services
from shouhu.registry.exchange.format import parse_record
from shouhu.registry.tests.example import example

from .helpers import import_table
from .walk_samples import id_number

pytestmark = pytest.mark.django_db


def _record(**changes: Any) -> Any:
    record, errors = parse_record(example(id_number=id_number("20150601", 1), birth_date="2015-06-01", **changes))
    assert record is not None, errors
    return record


def test_registering_a_child_screens_it_at_once_and_drafts_its_suggestion(personas: dict[str, User]) -> None:
    import_table()
    director = personas["director_a"]
    registered = registry_services.child_register(
        actor=director, record=_record(), effective=datetime.date(2026, 1, 1), announce=True
    )
    intake = Intake.objects.get(child=registered)
    run = intake.screening_run
    assert run is not None and run.child == registered and run.requested_by == director
    assert intake.kind == IntakeKind.SUGGESTION and intake.state == IntakeState.DRAFT
    codes = set(intake.measures.values_list("code", flat=True))
    assert {"T02", "T07", "T09"} <= codes
    assert "低保" in intake.measures.get(code="T02").explanation
    (line,) = registered.follow_ups
    assert line.startswith("已即时筛查：新增符合 ") and "最低生活保障" in line and line.endswith("已生成受理建议 1 条")
    assert Notification.objects.filter(recipient=personas["supervisor_a"], kind="intake.suggestions").count() == 1
    assert create_suggestions(run) == 0  # idempotent per run

    # A change that brings a category but no measure: screened again, nothing more drafted.
    registry_services.child_update(
        actor=director, child=registered, record=_record(left_behind=True), expected_version=1, announce=True
    )
    assert ScreeningRun.objects.filter(child=registered).count() == 2
    assert Intake.objects.filter(child=registered).count() == 1
    assert registered.follow_ups == ("已即时筛查：新增符合 留守儿童",)
    # Without `announce` (imports, scripts) nothing is screened at once.
    registry_services.child_update(
        actor=director, child=registered, record=_record(left_behind=True, migrant=True), expected_version=2
    )
    assert ScreeningRun.objects.filter(child=registered).count() == 2
