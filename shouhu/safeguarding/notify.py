"""Who hears about a safety case, after commit: the bell (`core.notifications.notify`) and, for
escalations, the outbound SMS channel (`core.outbound`) to those with a phone on record. Messages
carry the case's reference and the step, never the child's name or ID number: an SMS leaves the
system, and a leader reads aggregates only."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone

from shouhu.access import county_leaders, county_safety_staff, safety_unit_people
from shouhu.accounts.models import User
from shouhu.core.notifications import notify
from shouhu.core.outbound import queue_outbound

from .models import (
    ClockEscalation,
    ClockStep,
    EscalationLevel,
    FollowUpQuestion,
    ReportKind,
    SafetyCase,
    SafetyClock,
)
from .transitions import report_status


def unit_name(clock: SafetyClock) -> str:
    """The clock's unit in words: the township's own name for 各乡镇（街道）."""
    if clock.department.is_townships:
        return clock.case.township.name
    return clock.department.name


def _case_link(case: SafetyCase) -> str:
    return reverse("safety:case", args=[case.pk])


def _handlers(case: SafetyCase) -> list[User]:
    people: dict[int, User] = {}
    for unit in case.units.select_related("department"):
        for user in safety_unit_people(case, unit.department):
            people[user.pk] = user
    for user in county_safety_staff():
        people[user.pk] = user
    return list(people.values())


def notify_new_case(case_id: int) -> None:
    case = SafetyCase.objects.select_related("township").get(pk=case_id)
    acknowledge = case.clocks.get(step=ClockStep.ACKNOWLEDGE)
    notify(
        recipients=_handlers(case),
        kind="safety.new",
        link=_case_link(case),
        title=f"{'【紧急】' if case.urgent else ''}新安全个案 {case.reference}："
        f"{ReportKind(case.kind).label}（{case.township.name}）",
        body=f"请于 {timezone.localtime(acknowledge.due_at):%m-%d %H:%M} 前确认收到",
        dedupe_key=f"safety.new:{case.pk}",
    )


def notify_supplement(case_id: int) -> None:
    case = SafetyCase.objects.select_related("township").get(pk=case_id)
    notify(
        recipients=_handlers(case),
        kind="safety.supplement",
        link=_case_link(case),
        title=f"安全个案 {case.reference}：报告人补充了情况",
    )


def notify_reporter(case_id: int) -> None:
    case = SafetyCase.objects.select_related("report__reported_by").get(pk=case_id)
    report = case.report
    notify(
        recipients=[report.reported_by],
        kind="safety.report_status",
        link=reverse("safety:report", args=[report.pk]),
        title=f"您的强制报告 {report.reference}：{report_status(case.state).label}",
    )


def notify_question(question_id: int) -> None:
    """The reporter is asked: the question's text is on their report page, not in the bell."""
    question = FollowUpQuestion.objects.select_related("report__reported_by").get(pk=question_id)
    report = question.report
    notify(
        recipients=[report.reported_by],
        kind="safety.question",
        link=reverse("safety:report", args=[report.pk]) + f"#question-{question.pk}",
        title=f"您的强制报告 {report.reference}：处理单位有问题需要您回答",
        dedupe_key=f"safety.question:{question.pk}",
    )


def notify_answer(question_id: int) -> None:
    """The handlers (and whoever asked) hear that the reporter answered."""
    question = FollowUpQuestion.objects.select_related("report__case__township", "asked_by").get(pk=question_id)
    case = question.report.case
    recipients = {u.pk: u for u in _handlers(case)}
    recipients.setdefault(question.asked_by.pk, question.asked_by)
    notify(
        recipients=recipients.values(),
        kind="safety.answer",
        link=_case_link(case),
        title=f"安全个案 {case.reference}：报告人回答了追问",
        dedupe_key=f"safety.answer:{question.pk}",
    )


def _level_recipients(escalation: ClockEscalation) -> list[User]:
    clock = escalation.clock
    if escalation.level == EscalationLevel.UNIT:
        return list(safety_unit_people(clock.case, clock.department))
    if escalation.level == EscalationLevel.COUNTY:
        return list(county_safety_staff())
    return list(county_leaders())


def notify_escalation(escalation_id: int) -> None:
    escalation = ClockEscalation.objects.select_related("clock__case__township", "clock__department").get(
        pk=escalation_id
    )
    clock, case = escalation.clock, escalation.clock.case
    recipients = _level_recipients(escalation)
    due = timezone.localtime(clock.due_at)
    title = (
        f"{EscalationLevel(escalation.level).label}：安全个案 {case.reference}「{ClockStep(clock.step).label}」"
        f"（{unit_name(clock)}，应于 {due:%m-%d %H:%M} 前完成）"
    )
    # A leader has no case page: their home page holds the counts.
    link = reverse("home") if escalation.level == EscalationLevel.LEADER else _case_link(case)
    notify(
        recipients=recipients,
        kind=f"safety.escalated.{escalation.level}",
        link=link,
        title=title,
        dedupe_key=f"safety.escalation:{escalation.pk}",
    )
    text = f"【守护】{title}，请立即处理。"
    for user in recipients:
        if user.phone:
            queue_outbound(user.phone, text)
