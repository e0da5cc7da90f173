"""After the child is seen: the risk assessment (versioned: a new assessment is a new row), the
assistance plan whose actions become referrals in casework (`intake_refer`: routed by the task
table, with casework's working-day deadlines), the reviews, and the step a plan needs first: the
case linked to a registered child (found by ID number through the blind index, or registered).

Every state change goes through `case_transition` (the one table); every write is audited in its
own transaction. A stale risk assessment (someone assessed since the form was drawn) is refused
with both values, and nothing is written."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from shouhu.access import may_handle_safety_case, may_register_in
from shouhu.accounts.models import User
from shouhu.casework.routing import RoutingError
from shouhu.casework.services import intake_refer
from shouhu.core import audit
from shouhu.core.dates import today
from shouhu.core.input_text import text_problem
from shouhu.eligibility.models import Rule, RuleKind
from shouhu.regions.models import Region
from shouhu.registry.exchange.format import parse_record
from shouhu.registry.identity import id_number_errors, mask_id_number, normalise_id_number
from shouhu.registry.models import Child
from shouhu.registry.services import child_register, find_by_id_number

from ..models import (
    CaseReview,
    CaseState,
    PlanAction,
    ReportKind,
    RiskAssessment,
    RiskFactor,
    RiskLevel,
    SafetyCase,
    SafetyCaseEvent,
)
from ..transitions import ASSESSABLE_STATES, PLAN_EDITABLE_STATES
from .cases import SafetyCaseChangedError, case_transition

MAX_OTHER = 500
MAX_SUMMARY = 2000
MAX_WHAT = 200
NOT_ALLOWED = "只有承办单位、县民政局和属地乡镇可以办理该个案"


class AssessmentChangedError(SafetyCaseChangedError):
    """Someone assessed the case since the form was drawn: both values, nothing written."""

    def __init__(self, *, seen: RiskAssessment | None, current: RiskAssessment | None) -> None:
        def words(row: RiskAssessment | None) -> str:
            return f"「{RiskLevel(row.level).label}」（第 {row.number} 次评估）" if row else "「尚未评估」"

        self.seen, self.current = seen, current
        Exception.__init__(
            self,
            f"该个案的风险评估已被他人更新：您看到的是{words(seen)}，现在是{words(current)}。"
            "您的评估未保存，请刷新后查看。",
        )


def _check_handler(actor: User, case: SafetyCase) -> None:
    if not may_handle_safety_case(actor, case):
        raise PermissionDenied(NOT_ALLOWED)


def _lock(case: SafetyCase) -> None:
    SafetyCase.objects.select_for_update().filter(pk=case.pk).values_list("pk").first()


def _latest(case: SafetyCase) -> RiskAssessment | None:
    return RiskAssessment.objects.filter(case=case).order_by("-number").first()


def _assessment_problems(level: str, factors: Iterable[str], other: str, summary: str) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if level not in RiskLevel.values:
        errors["level"] = ["「风险等级」请选择：低、中、高或紧急"]
    unknown = [f for f in factors if f not in RiskFactor.values]
    if unknown:
        errors["factors"] = [f"「风险因素」取值无效：{'、'.join(unknown)}"]
    elif not list(factors) and not other:
        errors["factors"] = ["「风险因素」请至少勾选一项，或在「其他风险因素」中写明"]
    for field, label, value, most in (
        ("other_factors", "其他风险因素", other, MAX_OTHER),
        ("summary", "评估意见", summary, MAX_SUMMARY),
    ):
        problem = text_problem(value)
        if problem:
            errors[field] = [f"「{label}」{problem}"]
        elif len(value) > most:
            errors[field] = [f"「{label}」最多 {most} 个字"]
    return errors


def _new_assessment(
    *,
    actor: User,
    case: SafetyCase,
    expected_assessment: int,
    level: str,
    factors: list[str],
    other: str,
    summary: str,
    now: datetime.datetime,
) -> RiskAssessment:
    """The next assessment row, on the case's locked row: refused with both values if the latest
    is not the one the user saw (`expected_assessment`, its number; 0 for none)."""
    _lock(case)
    latest = _latest(case)
    if (latest.number if latest else 0) != expected_assessment:
        seen = RiskAssessment.objects.filter(case=case, number=expected_assessment).first()
        raise AssessmentChangedError(seen=seen, current=latest)
    ordered = [f for f in RiskFactor.values if f in factors]
    assessment = RiskAssessment.objects.create(
        case=case,
        number=expected_assessment + 1,
        level=level,
        factors=ordered,
        other_factors=other,
        summary=summary,
        assessed_by=actor,
        at=now,
    )
    audit.record(
        actor=actor,
        action="safety.assessment_record",
        target=case,
        summary=f"安全个案 {case.reference}：第 {assessment.number} 次风险评估，风险等级「{RiskLevel(level).label}」",
        detail={"number": assessment.number, "level": level, "factors": ordered, "other": bool(other)},
    )
    return assessment


def _describe(assessment: RiskAssessment) -> str:
    factors = "、".join(assessment.factor_labels()) or "—"
    return f"风险等级「{RiskLevel(assessment.level).label}」；风险因素：{factors}"


@transaction.atomic
def assessment_record(
    *,
    actor: User,
    case: SafetyCase,
    expected_version: int,
    expected_assessment: int,
    level: str,
    factors: list[str],
    other_factors: str = "",
    summary: str = "",
    now: datetime.datetime | None = None,
) -> RiskAssessment:
    """A structured risk assessment (after the child is seen, or again before the plan is set):
    the case moves to 评估完成 through the table, completing the assessment clock and starting the
    plan's."""
    _check_handler(actor, case)
    other, summary = other_factors.strip(), summary.strip()
    errors = _assessment_problems(level, factors, other, summary)
    if errors:
        raise ValidationError(errors)
    now = now or timezone.now()
    assessment = _new_assessment(
        actor=actor,
        case=case,
        expected_assessment=expected_assessment,
        level=level,
        factors=factors,
        other=other,
        summary=summary,
        now=now,
    )
    case_transition(
        actor=actor,
        case=case,
        action="assess",
        expected_version=expected_version,
        expected_state=case.state if case.state in ASSESSABLE_STATES else None,  # the message's "you saw"
        note=f"第 {assessment.number} 次评估：{_describe(assessment)}",
        now=now,
    )
    return assessment


@transaction.atomic
def case_review(
    *,
    actor: User,
    case: SafetyCase,
    expected_version: int,
    note: str,
    reassess: bool = False,
    expected_assessment: int = 0,
    level: str = "",
    factors: list[str] | None = None,
    other_factors: str = "",
    summary: str = "",
    now: datetime.datetime | None = None,
) -> CaseReview:
    """A review of a planned case: what was found, optionally a new risk assessment (its level
    sets the next review's period). The review clock restarts from now."""
    _check_handler(actor, case)
    note = note.strip()
    errors: dict[str, list[str]] = {}
    if not note:
        errors["note"] = ["「复查情况」不能为空：请写明儿童现状和措施落实情况"]
    elif text_problem(note) or len(note) > MAX_SUMMARY:
        errors["note"] = [f"「复查情况」最多 {MAX_SUMMARY} 个字，且不能含有不可见字符"]
    other, summary = other_factors.strip(), summary.strip()
    if reassess:
        errors |= _assessment_problems(level, factors or [], other, summary)
    if errors:
        raise ValidationError(errors)
    now = now or timezone.now()
    # On the case's locked row: of two reviews at once, the second waits and is then refused (409).
    _lock(case)
    assessment = None
    if reassess:
        assessment = _new_assessment(
            actor=actor,
            case=case,
            expected_assessment=expected_assessment,
            level=level,
            factors=factors or [],
            other=other,
            summary=summary,
            now=now,
        )
    number = CaseReview.objects.filter(case=case).count() + 1
    review = CaseReview.objects.create(
        case=case, number=number, note=note, assessment=assessment, reviewed_by=actor, at=now
    )
    text = f"第 {number} 次复查：{note}" + (f"\n重新评估：{_describe(assessment)}" if assessment else "")
    case_transition(
        actor=actor,
        case=case,
        action="review",
        expected_version=expected_version,
        expected_state=CaseState.PLANNED,
        note=text,
        now=now,
    )
    return review


def measure_labels() -> dict[str, str]:
    """The task table's measures a plan action may answer: code → label."""
    return dict(Rule.objects.filter(kind=RuleKind.MEASURE).order_by("code").values_list("code", "label"))


@transaction.atomic
def plan_action_add(
    *,
    actor: User,
    case: SafetyCase,
    what: str,
    code: str,
    due: datetime.date | None = None,
    now: datetime.datetime | None = None,
) -> PlanAction:
    """Add an action to the case's plan (while assessed, or planned: a plan is amended): it
    becomes a referral in casework at once, to the units the task table names for its measure."""
    _check_handler(actor, case)
    case = SafetyCase.objects.select_for_update().get(pk=case.pk)
    if case.state not in PLAN_EDITABLE_STATES:
        raise ValidationError(
            {"__all__": [f"个案「{CaseState(case.state).label}」时不能添加帮扶措施：须先完成风险评估，且未结案"]}
        )
    if case.child is None:
        raise ValidationError(
            {"__all__": ["该个案尚未关联儿童名册：请先按身份证号关联已登记的儿童，或登记该儿童，才能转介"]}
        )
    what = what.strip()
    errors: dict[str, list[str]] = {}
    if not what:
        errors["what"] = ["「帮扶措施」不能为空：写明要做什么"]
    elif text_problem(what) or len(what) > MAX_WHAT:
        errors["what"] = [f"「帮扶措施」最多 {MAX_WHAT} 个字，且不能含有不可见字符"]
    labels = measure_labels()
    if code not in labels:
        errors["code"] = ["「对应任务措施」请从分工表的措施中选择一项"]
    start = today()
    if due is not None and due < start:
        errors["due"] = ["「完成期限」不能早于今天"]
    if errors:
        raise ValidationError(errors)
    try:
        intake, referrals = intake_refer(
            actor=actor,
            child=case.child,
            code=code,
            facts=f"安全个案 {case.reference} 帮扶计划：{what}",
            reason=f"安全个案 {case.reference} 帮扶计划措施",
        )
    except RoutingError as e:
        raise ValidationError({"code": [f"「对应任务措施」无法转介：{e}"]}) from None
    if not referrals:
        raise ValidationError({"code": [f"「对应任务措施」{code} 在分工表中没有承办单位，无法转介"]})
    now = now or timezone.now()
    due = due or max(r.decide_due for r in referrals)
    action = PlanAction.objects.create(
        case=case, what=what, code=code, due=due, intake=intake, added_by=actor, added_at=now
    )
    units = "、".join(dict.fromkeys(_referral_unit(r) for r in referrals))
    note = f"{code} {labels[code]}：{what}（完成期限 {due:%Y-%m-%d}）；已转介 {units}（{intake.reference}）"
    SafetyCaseEvent.objects.create(case=case, at=now, actor=actor, action="plan_action", note=note)
    audit.record(
        actor=actor,
        action="safety.plan_action_add",
        target=case,
        summary=f"安全个案 {case.reference} 帮扶计划：{note}",
        detail={"code": code, "intake": intake.reference, "referrals": [r.pk for r in referrals], "due": str(due)},
    )
    return action


def _referral_unit(referral: object) -> str:
    township = getattr(referral, "township", None)
    return township.name if township is not None else referral.department.name  # type: ignore[attr-defined]


def _link(actor: User, case: SafetyCase, child: Child, how: str, now: datetime.datetime) -> SafetyCase:
    if not SafetyCase.objects.filter(pk=case.pk, child__isnull=True).update(child=child):
        raise ValidationError({"__all__": ["该个案已被他人关联到儿童名册，请刷新后查看"]})
    masked = mask_id_number(child.id_number) if child.id_number else "无身份证号"
    note = f"{how}：{child.name}（{masked}）"
    SafetyCaseEvent.objects.create(case=case, at=now, actor=actor, action="child_linked", note=note)
    audit.record(
        actor=actor,
        action="safety.case_child_link",
        target=case,
        summary=f"安全个案 {case.reference}：{note}",
        detail={"child": child.pk, "how": how},
    )
    case.refresh_from_db()
    return case


def _check_unlinked(actor: User, case: SafetyCase) -> None:
    _check_handler(actor, case)
    if case.child_id is not None:
        raise ValidationError({"__all__": ["该个案已关联儿童名册"]})


@transaction.atomic
def case_child_link(*, actor: User, case: SafetyCase, id_number: str) -> SafetyCase:
    """Link the case to the registered child with this ID number (found through the blind index)."""
    _check_unlinked(actor, case)
    number = normalise_id_number(id_number.strip()) if id_number.strip() else ""
    if not number:
        raise ValidationError({"id_number": ["「身份证号」不能为空"]})
    problems = id_number_errors(number)
    if problems:
        raise ValidationError({"id_number": [f"「身份证号」{p}" for p in problems]})
    child = find_by_id_number(number)
    if child is None:
        raise ValidationError({"id_number": ["「身份证号」在儿童名册中没有找到：请核对号码，或在下方登记该儿童"]})
    return _link(actor, case, child, "按身份证号关联儿童名册", timezone.now())


REGISTER_LABELS = {
    "name": "姓名",
    "sex": "性别",
    "birth_date": "出生日期",
    "id_number": "身份证号",
    "no_id_reason": "无身份证号的原因",
    "region_code": "居住村（社区）",
}
# What the report saw, as the registry's safety facts (the rules route 监护缺失或不当 from them).
KIND_FACTS = {
    ReportKind.ABUSE: "abuse",
    ReportKind.DOMESTIC_VIOLENCE: "abuse",
    ReportKind.SEXUAL_ABUSE: "abuse",
    ReportKind.NEGLECT: "neglect",
    ReportKind.ABANDONMENT: "abandoned",
}


@transaction.atomic
def case_child_register(
    *,
    actor: User,
    case: SafetyCase,
    name: str,
    sex: str,
    birth_date: datetime.date | None,
    id_number: str = "",
    no_id_reason: str = "",
    region_code: str = "",
) -> Child:
    """Register the case's child (the registry's own service, announced to the apps that follow
    up) and link the case to them. Registering is the registry's: county caseworkers and the
    township's supervisor may; a handling unit's officer asks them."""
    _check_unlinked(actor, case)
    region = Region.objects.filter(code=region_code).first()
    if region is not None and not may_register_in(actor, region):
        raise PermissionDenied("只有县民政局和儿童所在乡镇（街道）可以在儿童名册中登记儿童")
    flag = KIND_FACTS.get(ReportKind(case.kind))
    data = {
        "name": name,
        "sex": sex,
        "birth_date": birth_date.isoformat() if birth_date else None,
        "id_number": normalise_id_number(id_number) if id_number.strip() else None,
        "no_id_reason": no_id_reason.strip() or None,
        "region_code": region_code,
        "safety": {flag: True} if flag else {},
    }
    record, problems = parse_record(data)
    if record is None:
        errors: dict[str, list[str]] = {}
        for problem in problems:
            field = problem.field if problem.field in REGISTER_LABELS else "__all__"
            label = REGISTER_LABELS.get(problem.field, problem.field)
            errors.setdefault(field, []).append(f"「{label}」{problem.message}")
        raise ValidationError(errors)
    child = child_register(actor=actor, record=record, effective=today(), announce=True)
    _link(actor, case, child, "登记儿童并关联", timezone.now())
    return child
