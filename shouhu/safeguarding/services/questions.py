"""Follow-up questions (追问): a handler of the case asks the reporter; the reporter answers on
their report's page. The question and its answer go to the case's timeline; the reporter hears of
the question in the bell and the handlers of the answer. The reporter learns nothing else of the
case: not who asked, nor which unit."""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from shouhu.access import may_handle_safety_case, safety_reports_filed_by
from shouhu.accounts.models import Role, User
from shouhu.core import audit
from shouhu.core.input_text import text_problem

from ..models import CaseState, FollowUpQuestion, SafetyCase, SafetyCaseEvent
from ..notify import notify_answer, notify_question

MAX_QUESTION = 1000
MAX_ANSWER = 4000


class QuestionAnsweredError(Exception):
    """The question was answered already (another tab, a second click): nothing written."""

    def __init__(self) -> None:
        super().__init__("这个追问已经回答过了；如需补充，请使用“补充情况”")


def _text(value: str, label: str, limit: int) -> str:
    value = value.strip()
    problem = text_problem(value)
    if not value:
        raise ValidationError({"text": [f"「{label}」不能为空"]})
    if problem:
        raise ValidationError({"text": [f"「{label}」{problem}"]})
    if len(value) > limit:
        raise ValidationError({"text": [f"「{label}」最多 {limit} 个字"]})
    return value


@transaction.atomic
def question_ask(*, actor: User, case: SafetyCase, text: str, now: datetime.datetime | None = None) -> FollowUpQuestion:
    if not may_handle_safety_case(actor, case):
        raise PermissionDenied("只有承办单位、县民政局和属地乡镇可以追问报告人")
    report = case.report
    if report.reported_by.role != Role.MANDATORY_REPORTER:
        raise ValidationError({"text": ["这是代为登记的来电报告，报告人没有账号：请按来电人及联系方式电话联系"]})
    if case.state == CaseState.CLOSED:
        raise ValidationError({"text": ["个案已结案，不能再追问报告人"]})
    text = _text(text, "追问内容", MAX_QUESTION)
    now = now or timezone.now()
    question = FollowUpQuestion.objects.create(report=report, text=text, asked_by=actor, asked_at=now)
    SafetyCaseEvent.objects.create(case=case, at=now, actor=actor, action="question_asked", note=text)
    audit.record(
        actor=actor,
        action="safety.question_ask",
        target=report,
        summary=f"向强制报告 {report.reference} 的报告人追问",
        detail={"question": question.pk, "case": case.reference},
    )
    transaction.on_commit(lambda: notify_question(question.pk))
    return question


@transaction.atomic
def question_answer(
    *, actor: User, question: FollowUpQuestion, text: str, now: datetime.datetime | None = None
) -> FollowUpQuestion:
    """The reporter's answer, once (a conditional UPDATE: of two submissions one is kept)."""
    report = question.report
    if not safety_reports_filed_by(actor).filter(pk=report.pk).exists():
        raise PermissionDenied("只能回答对本人报告的追问")
    text = _text(text, "回答", MAX_ANSWER)
    now = now or timezone.now()
    updated = FollowUpQuestion.objects.filter(pk=question.pk, answered_at__isnull=True).update(
        answer=text, answered_at=now
    )
    if updated != 1:
        raise QuestionAnsweredError()
    question.refresh_from_db()
    case = SafetyCase.objects.get(report=report)
    SafetyCaseEvent.objects.create(
        case=case,
        at=now,
        actor=actor,
        action="question_answered",
        note=f"追问：{question.text}\n回答：{text}",
    )
    audit.record(
        actor=actor,
        action="safety.question_answer",
        target=report,
        summary=f"回答对强制报告 {report.reference} 的追问",
        detail={"question": question.pk},
    )
    transaction.on_commit(lambda: notify_answer(question.pk))
    return question
