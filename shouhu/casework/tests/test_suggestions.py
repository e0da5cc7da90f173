"""Screening runs suggest intakes: one draft per child per run, for measures newly found and not
already in hand, sent nowhere until the window confirms."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from shouhu.accounts.models import User
from shouhu.accounts.personas import VILLAGE_B
from shouhu.casework.models import Intake, IntakeKind, IntakeState, Referral
from shouhu.casework.suggestions import create_suggestions
from shouhu.core.models import Notification
from shouhu.eligibility.models import ScreeningRun
from shouhu.eligibility.screening import run_screening, screening_request

from .helpers import import_table, screen_with_tasks
from .walk_samples import child, referred

pytestmark = pytest.mark.django_db
COUNTY = "210522000000"


def _run() -> ScreeningRun:
    run = screening_request(actor=None, region_code=COUNTY, as_of=timezone.localdate())
    screen_with_tasks(run.pk)
    run.refresh_from_db()
    return run


def test_a_run_suggests_once_per_child_and_sends_nothing(personas: dict[str, User]) -> None:
    import_table()
    a = child("孙小明", "20150601", 1)
    b = child("周小明", "20150701", 2, region=VILLAGE_B)
    # T09 is already in hand for a: not suggested again.
    referred(personas["supervisor_a"], a, ["T09"])
    referrals_before = Referral.objects.count()
    run = _run()
    suggestions = Intake.objects.filter(screening_run=run)
    assert sorted(suggestions.values_list("child_id", flat=True)) == sorted([a.pk, b.pk])
    mine = suggestions.get(child=a)
    assert mine.kind == IntakeKind.SUGGESTION and mine.state == IntakeState.DRAFT and mine.received_by is None
    codes = sorted(mine.measures.values_list("code", flat=True))
    assert "T09" not in codes and {"T02", "T07", "T24"} <= set(codes)
    assert sorted(suggestions.get(child=b).measures.values_list("code", flat=True)) == sorted([*codes, "T09"])
    t02 = mine.measures.get(code="T02")
    assert t02.proposed and not t02.confirmed and "低保" in t02.explanation
    assert Referral.objects.count() == referrals_before  # nothing reaches a department
    assert Notification.objects.filter(recipient=personas["supervisor_a"], kind="intake.suggestions").count() == 1
    assert Notification.objects.filter(recipient=personas["supervisor_b"], kind="intake.suggestions").count() == 1
    # The same run again, and a new run that finds nothing new: no duplicates.
    assert create_suggestions(run) == 0
    second = _run()
    assert second.gained == 0 and not Intake.objects.filter(screening_run=second).exists()
    assert Intake.objects.filter(kind=IntakeKind.SUGGESTION).count() == 2


def test_a_pending_suggestion_is_not_repeated_by_a_later_run(personas: dict[str, User]) -> None:
    import_table()
    a = child("孙小明", "20150601", 1)
    first = _run()
    assert Intake.objects.filter(screening_run=first, child=a).count() == 1
    # Screening found the same measures again (e.g. after they lapsed and came back): still in hand.
    from shouhu.eligibility.models import ChangeKind, EligibilityChange

    later = screening_request(actor=None, region_code=COUNTY, as_of=timezone.localdate())
    run_screening(later)
    EligibilityChange.objects.create(run=later, child=a, code="T02", change=ChangeKind.GAINED)
    assert create_suggestions(later) == 0


def test_the_command_line_screening_suggests_too(personas: dict[str, User]) -> None:
    import_table()
    a = child("孙小明", "20150601", 1)
    out = io.StringIO()
    call_command("screen", "--all", stdout=out)
    assert "已为 1 名儿童生成受理建议" in out.getvalue()
    assert Intake.objects.filter(child=a, kind=IntakeKind.SUGGESTION).count() == 1
