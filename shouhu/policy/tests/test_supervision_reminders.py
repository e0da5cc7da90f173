"""Overdue and due-soon reminders: sent once per obligation and period, only when due."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from shouhu.accounts.models import User
from shouhu.accounts.personas import TOWNSHIP_A
from shouhu.core.models import Notification
from shouhu.core.periodic import registered_jobs
from shouhu.core.testing.worker import worker_inside_the_test_transaction
from shouhu.policy.models import PolicyDocument
from shouhu.policy.supervision.periods import parse_period
from shouhu.policy.supervision.selectors import obligations_for_period
from shouhu.policy.supervision.services import progress_report_submit
from shouhu.policy.tasks import supervision_overdue_reminders
from shouhu.regions.models import Region

from .supervision_factories import create_table, department, task

run = supervision_overdue_reminders.call


@pytest.fixture
def table(db: None) -> PolicyDocument:
    return create_table()


def test_registered_as_an_hourly_periodic_job() -> None:
    job = registered_jobs()["policy.supervision_overdue_reminders"]
    assert job.task is supervision_overdue_reminders and job.every.total_seconds() == 3600


def test_overdue_reminders_are_sent_once(table: PolicyDocument, personas: dict[str, User]) -> None:
    # 2026-11-28: the third quarter's reports were due on 2026-10-10.
    q3 = obligations_for_period(parse_period("2026Q3"), on=datetime.date(2026, 11, 28))
    counts = run(today="2026-11-28")
    assert counts["overdue"] == len(q3) and counts["due_soon"] == 0
    education_tasks = {o.task.number for o in q3 if o.department.name == "县教育局"}
    officer_a = Notification.objects.filter(recipient=personas["officer_a"], kind="supervision.overdue")
    assert officer_a.count() == len(education_tasks)
    assert all("2026年第三季度" in n.title for n in officer_a)
    assert officer_a.filter(title__contains="任务 9 ").exists()
    assert Notification.objects.filter(
        recipient=personas["officer_b"], kind="supervision.overdue", title__contains="任务 5 "
    ).exists()
    # Township supervisors hear about their own township's obligations (tasks 1–4 and 25).
    supervisor_a = Notification.objects.filter(recipient=personas["supervisor_a"], kind="supervision.overdue")
    assert supervisor_a.count() == 5
    assert all("桓仁镇" in n.body for n in supervisor_a)
    summary = Notification.objects.filter(kind="supervision.overdue_summary")
    assert {n.recipient.username for n in summary} == {"admin", "caseworker"}
    assert counts["overdue_notifications"] == Notification.objects.filter(kind="supervision.overdue").count()
    assert not Notification.objects.filter(recipient=personas["leader"]).exists()
    total = Notification.objects.count()

    again = run(today="2026-11-28")
    assert again["overdue_notifications"] == 0 and again["summary_notifications"] == 0
    assert Notification.objects.count() == total


def test_a_submitted_report_stops_the_reminder(table: PolicyDocument, personas: dict[str, User]) -> None:
    t = task(table, 9)
    # Reported late but before the reminder job ran (period may be reported after it ended).
    progress_report_submit(
        actor=personas["officer_a"],
        task=t,
        department=department("县教育局"),
        period="2026Q3",
        status="done",
        narrative="已完成",
    )
    run(today="2026-11-28")
    titles = list(Notification.objects.filter(recipient=personas["officer_a"]).values_list("title", flat=True))
    assert titles and not [x for x in titles if "任务 9 " in x]


def test_no_reminder_before_it_is_due(table: PolicyDocument, personas: dict[str, User]) -> None:
    # 2026-10-05: Q3 due on 10-10 (5 days away), Q2 long overdue.
    counts = run(today="2026-10-05")
    assert counts["due_soon"] == 0
    keys = list(Notification.objects.values_list("dedupe_key", flat=True))
    assert keys and not [k for k in keys if k.endswith(":2026Q3")]
    assert all(k.endswith(":2026Q2") or "summary" in k for k in keys)


def test_due_soon_reminder(table: PolicyDocument, personas: dict[str, User]) -> None:
    counts = run(today="2026-10-08")  # Q3 due 2026-10-10: two days left
    assert counts["due_soon"] > 0 and counts["due_soon_notifications"] > 0
    soon = Notification.objects.filter(recipient=personas["officer_a"], kind="supervision.due_soon")
    assert soon.exists() and all("即将到期" in n.title and "还剩 2 天" in n.body for n in soon)
    assert all(n.dedupe_key.endswith(":2026Q3") for n in soon)
    assert run(today="2026-10-09")["due_soon_notifications"] == 0  # already told
    overdue = run(today="2026-10-11")  # the day after the due date: now overdue, a new reminder
    assert overdue["overdue_notifications"] > 0
    assert Notification.objects.filter(
        recipient=personas["officer_a"], kind="supervision.overdue", dedupe_key__endswith=":2026Q3"
    ).exists()


def test_inactive_officers_are_not_reminded(table: PolicyDocument, personas: dict[str, User]) -> None:
    User.objects.filter(pk=personas["officer_b"].pk).update(is_active=False)
    run(today="2026-11-28")
    assert not Notification.objects.filter(recipient=personas["officer_b"]).exists()


def run_worker_once() -> None:
    with worker_inside_the_test_transaction():
        call_command("worker", loops=1, interval=0)


def test_through_the_real_worker(table: PolicyDocument, personas: dict[str, User]) -> None:
    result = supervision_overdue_reminders.enqueue(today="2026-11-28")
    run_worker_once()
    stored: Any = DBTaskResult.objects.get(pk=result.id)
    assert stored.status == "SUCCESSFUL"
    assert stored.return_value["overdue"] > 0
    assert Notification.objects.filter(recipient=personas["officer_a"], kind="supervision.overdue").exists()
    township_a = Region.objects.get(code=TOWNSHIP_A)
    assert Notification.objects.filter(recipient=personas["supervisor_a"], body__contains=township_a.name).exists()
    before = Notification.objects.count()
    supervision_overdue_reminders.enqueue(today="2026-11-28")
    run_worker_once()
    assert Notification.objects.count() == before
