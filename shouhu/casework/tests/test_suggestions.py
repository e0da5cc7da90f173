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


def test_suggestions_are_drafted_in_batches_with_the_windows_next_numbers(
    personas: dict[str, User], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A first run drafts many suggestions a batch at a time: every child gets one, numbered on
    from what its window already issued, one audit row each; a window's next intake follows on."""
    from shouhu.casework import suggestions
    from shouhu.casework.services import intake_create
    from shouhu.core.models import AuditEvent

    import_table()
    monkeypatch.setattr(suggestions, "BATCH", 2)  # 5 children → 3 batches
    a = [child(f"孙小{n}", "20150601", i + 1) for i, n in enumerate("甲乙丙")]
    b = [child(f"周小{n}", "20150701", 3 + i, region=VILLAGE_B) for i, n in enumerate("丁戊")]
    earlier = intake_create(actor=personas["supervisor_a"], child=a[0], facts="来访")
    run = _run()
    drafted = {i.child_id: i.reference for i in Intake.objects.filter(screening_run=run)}
    assert set(drafted) == {c.pk for c in a + b}
    year = timezone.localdate().year
    window_a = sorted(drafted[c.pk] for c in a)
    assert earlier.reference == f"SH100-{year}-00001"
    assert window_a == [f"SH100-{year}-0000{n}" for n in (2, 3, 4)]
    assert sorted(drafted[c.pk] for c in b) == [f"SH101-{year}-0000{n}" for n in (1, 2)]
    audited = AuditEvent.objects.filter(action="intake.create", object_type="casework.intake")
    assert sorted(audited.values_list("summary", flat=True)) == sorted(
        [f"受理 {earlier.reference}：{earlier.child.name}"]
        + [f"受理 {i.reference}：{i.child.name}" for i in Intake.objects.filter(screening_run=run)]
    )
    assert Intake.objects.get(child=a[1]).measures.filter(proposed=True, code="T02").exists()
    later = intake_create(actor=personas["supervisor_a"], child=a[1], facts="来访")
    assert later.reference == f"SH100-{year}-00005"
    assert create_suggestions(run) == 0


def test_a_batch_that_fails_leaves_nothing_half_written(
    personas: dict[str, User], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each batch is one transaction: an error in a batch rolls back its intakes, measures and
    audit rows; the batches before it stay, and running it again drafts only what is missing."""
    from shouhu.casework import suggestions
    from shouhu.core import audit
    from shouhu.core.models import AuditEvent

    import_table()
    monkeypatch.setattr(suggestions, "BATCH", 2)
    kids = [child(f"孙小{n}", "20150601", i + 1) for i, n in enumerate("甲乙丙丁")]
    run = screening_request(actor=None, region_code=COUNTY, as_of=timezone.localdate())
    run_screening(run)
    real = audit.record_many
    calls = []

    def fail_second(**kwargs: object) -> int:
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("磁盘已满")
        return real(**kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(audit, "record_many", fail_second)
    with pytest.raises(RuntimeError):
        create_suggestions(run)
    assert Intake.objects.filter(screening_run=run).count() == 2
    assert AuditEvent.objects.filter(action="intake.create").count() == 2
    monkeypatch.setattr(audit, "record_many", real)
    assert create_suggestions(run) == 2
    assert sorted(Intake.objects.filter(screening_run=run).values_list("child_id", flat=True)) == sorted(
        k.pk for k in kids
    )
