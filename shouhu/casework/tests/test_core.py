from __future__ import annotations

import datetime
import threading
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import close_old_connections, connection

from shouhu.accounts.models import User
from shouhu.casework import services
from shouhu.casework.calendar import WorkingCalendar
from shouhu.casework.models import CalendarDay, Referral, ReferralEvent, ReferralState
from shouhu.casework.routing import routing_json
from shouhu.casework.tasks import sweep
from shouhu.core.models import AuditEvent, Notification

from .helpers import benefit, import_table, register

pytestmark = pytest.mark.django_db


def test_routing_follows_every_mode_and_reorganisations() -> None:
    import_table()
    table = routing_json()
    # 医疗救助 passed from 县民政局 to 县医保局 in the 2019 reform (a transfer of that function only).
    assert {k: table["T05"][k] for k in ("mode", "lead", "cooperating")} == {  # type: ignore[literal-required]
        "mode": "lead_and_cooperating",
        "lead": ["县医保局"],
        "cooperating": ["县财政局", "县卫健局", "县人社局", "县残联"],
    }
    assert table["T07"]["mode"] == "each_by_duty" and table["T07"]["lead"] == ["县民政局", "县残联"]
    assert table["T07"]["cooperating"] == []
    written = routing_json(as_written=True)
    assert written["T05"]["lead"] == ["县民政局"]
    assert written["T05"]["cooperating"] == ["县财政局", "县卫计局", "县人社局", "县残联"]
    assert table["T20"]["mode"] == "sole"
    modes = {route["mode"] for route in table.values()}
    assert {"lead_and_cooperating", "each_by_duty", "sole"} <= modes


def test_confirmed_measures_become_referrals_routed_by_the_table(personas: dict[str, User]) -> None:
    import_table()
    child = register()
    intake = services.intake_create(
        actor=personas["supervisor_a"], child=child, proposals={"T05": "重残…", "T07": "低保…", "T02": "低保…"}
    )
    with pytest.raises(ValidationError, match="T02"):
        services.intake_confirm(actor=personas["supervisor_a"], intake=intake, confirmed=["T05", "T07"])
    referrals = services.intake_confirm(
        actor=personas["supervisor_a"], intake=intake, confirmed=["T05", "T07"], reasons={"T02": "已在享受低保"}
    )
    by_code: dict[str, list[str]] = {}
    for r in referrals:
        by_code.setdefault(r.code, []).append(r.department.name)
    assert by_code["T05"] == ["县医保局"]
    # The example child is of a 低保 family and severely disabled: T07 goes to both duty units only.
    assert by_code["T07"] == ["县民政局", "县残联"]
    t05 = next(r for r in referrals if r.code == "T05")
    assert sorted(c.department.name for c in t05.cooperations.all()) == ["县人社局", "县卫健局", "县残联", "县财政局"]
    assert (
        Notification.objects.filter(recipient=personas["officer_b"], kind="referral.new").exists() is False
    )  # after commit


def test_each_township_task_goes_to_the_childs_township(personas: dict[str, User]) -> None:
    import_table()
    from shouhu.eligibility.models import Rule

    # Task 25 is answered by each township; route a measure through it for this test.
    Rule.objects.filter(code="T24").update(task_number=25)
    child = register()
    intake = services.intake_create(actor=personas["caseworker"], child=child, proposals={"T24": ""})
    [referral] = services.intake_confirm(actor=personas["caseworker"], intake=intake, confirmed=["T24"])
    assert referral.township is not None and referral.township.code == "210522100000"
    assert referral.department.name == "各乡镇（街道）"


def _referral(personas: dict[str, User], code: str = "T06") -> Referral:
    import_table()
    child = register()
    intake = services.intake_create(actor=personas["supervisor_a"], child=child, proposals={code: ""})
    [referral] = services.intake_confirm(actor=personas["supervisor_a"], intake=intake, confirmed=[code])
    return referral


def test_lifecycle_and_permissions(personas: dict[str, User]) -> None:
    referral = _referral(personas, "T09")  # lead 县教育局 = officer_a
    with pytest.raises(Exception, match="承办单位"):
        services.referral_transition(
            actor=personas["officer_b"], referral=referral, action="accept", expected_version=1
        )
    referral = services.referral_transition(
        actor=personas["officer_a"], referral=referral, action="accept", expected_version=1
    )
    assert referral.state == ReferralState.ACCEPTED and referral.assigned_to == personas["officer_a"]
    with pytest.raises(ValidationError, match="「金额」不能为空"):
        services.referral_transition(
            actor=personas["officer_a"], referral=referral, action="complete", expected_version=2, outcome="approved"
        )
    referral = services.referral_transition(
        actor=personas["officer_a"],
        referral=referral,
        action="complete",
        expected_version=2,
        outcome="approved",
        answer=benefit(),
    )
    assert referral.state == ReferralState.COMPLETED and referral.outcome_detail.startswith("每学期 250 元，自")
    assert [e.action for e in referral.events.all()] == ["submit", "accept", "complete"]


def test_return_needs_a_reason_and_the_window_resubmits(personas: dict[str, User]) -> None:
    referral = _referral(personas, "T09")
    with pytest.raises(ValidationError, match="理由"):
        services.referral_transition(
            actor=personas["officer_a"], referral=referral, action="return", expected_version=1
        )
    referral = services.referral_transition(
        actor=personas["officer_a"], referral=referral, action="return", expected_version=1, reason="请补充在读证明"
    )
    referral = services.referral_transition(
        actor=personas["supervisor_a"], referral=referral, action="resubmit", expected_version=2
    )
    assert referral.state == ReferralState.SUBMITTED


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_officers_at_once_exactly_one_transition(personas: dict[str, User]) -> None:
    referral = _referral(personas, "T09")
    results: list[str] = []
    barrier = threading.Barrier(2)

    def act(action: str) -> None:
        close_old_connections()
        barrier.wait()
        try:
            services.referral_transition(
                actor=personas["officer_a"], referral=referral, action=action, expected_version=1, reason="并发测试"
            )
            results.append(f"ok:{action}")
        except services.ReferralChangedError:
            results.append(f"changed:{action}")
        finally:
            connection.close()

    threads = [threading.Thread(target=act, args=(a,)) for a in ("accept", "reject")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(r.split(":")[0] for r in results) == ["changed", "ok"], results
    referral.refresh_from_db()
    assert referral.version == 2 and referral.events.exclude(action="submit").count() == 1


def test_reference_data_survives_the_transactional_test() -> None:
    from shouhu.accounts.models import User as UserModel
    from shouhu.regions.models import Region

    assert Region.objects.filter(code="210522100000").exists()
    assert UserModel.objects.filter(username="officer_a").exists()


def test_working_days_skip_weekends_and_holidays() -> None:
    CalendarDay.objects.create(date=datetime.date(2026, 10, 1), is_working=False, note="国庆")
    CalendarDay.objects.create(date=datetime.date(2026, 10, 10), is_working=True, note="调休上班")
    calendar = WorkingCalendar.around(datetime.date(2026, 9, 30))
    assert calendar.add(datetime.date(2026, 9, 30), 1) == datetime.date(2026, 10, 2)  # Thursday is a holiday
    assert calendar.add(datetime.date(2026, 10, 9), 1) == datetime.date(2026, 10, 10)  # Saturday worked
    assert calendar.add(datetime.date(2026, 11, 27), 3) == datetime.date(2026, 12, 2)  # Fri + weekend


def test_sweep_warns_marks_overdue_and_escalates_once(
    personas: dict[str, User], django_capture_on_commit_callbacks: Any
) -> None:
    referral = _referral(personas, "T09")
    due = referral.accept_due
    sweep(due)  # due today: warned
    assert Notification.objects.filter(recipient=personas["officer_a"], kind="referral.due_soon").count() == 1
    later = due + datetime.timedelta(days=3)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert sweep(later)["overdue"] == 1
        # Told after the commit, not while the mark may still roll back.
        assert not Notification.objects.filter(kind="referral.escalated").exists()
    assert len(callbacks) == 1
    assert sweep(later)["overdue"] == 0
    referral.refresh_from_db()
    assert referral.overdue and referral.escalated_at is not None
    assert Notification.objects.filter(recipient=personas["caseworker"], kind="referral.escalated").count() == 1
    assert Notification.objects.filter(recipient=personas["officer_a"], kind="referral.overdue").count() == 1


def test_the_sweep_audits_each_overdue_mark_as_the_system(personas: dict[str, User]) -> None:
    referral = _referral(personas, "T09")
    due = referral.accept_due
    sweep(due + datetime.timedelta(days=3))
    [event] = AuditEvent.objects.filter(action="referral.overdue")
    assert (event.object_type, event.object_id) == ("casework.referral", str(referral.pk))
    assert event.actor is None and event.actor_label == "系统"
    assert event.detail["due"] == due.isoformat() and referral.intake.reference in event.summary
    sweep(due + datetime.timedelta(days=4))  # already marked: no second row
    assert AuditEvent.objects.filter(action="referral.overdue").count() == 1


def test_an_overdue_mark_that_fails_leaves_nothing_half_written(
    personas: dict[str, User], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The flag, the escalation time, the step and the audit row are one transaction: when the step
    cannot be written, the referral is not left marked overdue with no trace of why."""
    referral = _referral(personas, "T09")

    def disk_full(**kwargs: object) -> None:
        raise RuntimeError("磁盘已满")

    monkeypatch.setattr(ReferralEvent.objects, "create", disk_full)
    with pytest.raises(RuntimeError):
        sweep(referral.accept_due + datetime.timedelta(days=3))
    referral.refresh_from_db()
    assert not referral.overdue and referral.escalated_at is None
    assert not AuditEvent.objects.filter(action="referral.overdue").exists()
    assert not Notification.objects.filter(kind__in=["referral.escalated", "referral.overdue"]).exists()
    monkeypatch.undo()
    assert sweep(referral.accept_due + datetime.timedelta(days=3))["overdue"] == 1  # the next sweep marks it
