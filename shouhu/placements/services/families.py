"""The family register: an application, its home study and capacity assessment, approval by county
civil affairs, and the other steps of the one table in `transitions.py` (each a conditional
UPDATE on the expected state and version: of two people acting at once one wins, the other is told
both values); trainings and periodic reviews."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from shouhu.access import CIVIL_AFFAIRS_UNIT, may_manage_families
from shouhu.accounts.models import Department, User
from shouhu.core import audit
from shouhu.core.dates import today
from shouhu.core.input_text import person_name_problem, text_problem
from shouhu.regions.models import Level, Region

from ..models import (
    AssessmentResult,
    Family,
    FamilyAssessment,
    FamilyEvent,
    FamilyReview,
    FamilyState,
    FamilyTraining,
    Placement,
    ReviewResult,
)
from ..transitions import STEPS, step

MAX_CAPACITY = 6
REVIEW_EVERY = datetime.timedelta(days=365)
MAX_NOTE = 2000


class FamilyChangedError(Exception):
    """Someone else changed the family first: both values, and nothing written."""

    def __init__(self, *, seen_state: str, seen_version: int, state: str, version: int) -> None:
        self.seen_state, self.seen_version, self.state, self.version = seen_state, seen_version, state, version
        super().__init__(
            f"该家庭已被他人处理：您看到的是「{FamilyState(seen_state).label}」（版本 {seen_version}），"
            f"现在是「{FamilyState(state).label}」（版本 {version}）。您的操作未执行，请刷新后查看。"
        )


@dataclass(frozen=True)
class FamilyInput:
    name: str
    region_code: str
    address: str
    members: str
    contact_name: str
    contact_phone: str
    applied_on: datetime.date


def _require(actor: User) -> None:
    if not may_manage_families(actor):
        raise PermissionDenied("爱心家庭名册由县民政局业务人员管理")


def _text(errors: dict[str, list[str]], field: str, label: str, value: str, *, limit: int, required: bool) -> str:
    value = value.strip()
    problem = text_problem(value) or (person_name_problem(value) if limit <= 100 else None)
    if problem:
        errors.setdefault(field, []).append(f"「{label}」{problem}")
    elif required and not value:
        errors.setdefault(field, []).append(f"「{label}」不能为空")
    elif len(value) > limit:
        errors.setdefault(field, []).append(f"「{label}」最多 {limit} 个字")
    return value


def _date(errors: dict[str, list[str]], field: str, label: str, value: datetime.date | None) -> None:
    if value is None:
        errors.setdefault(field, []).append(f"「{label}」不能为空")
    elif value > today():
        errors.setdefault(field, []).append(f"「{label}」不能晚于今天")


def _event(family: Family, actor: User, action: str, before: str, note: str = "") -> None:
    FamilyEvent.objects.create(
        family=family,
        at=timezone.now(),
        actor=actor,
        action=action,
        from_state=before,
        to_state=family.state,
        note=note,
    )


@transaction.atomic
def family_apply(*, actor: User, data: FamilyInput) -> Family:
    """A family's application to the register (state 已申请)."""
    _require(actor)
    errors: dict[str, list[str]] = {}
    name = _text(errors, "name", "家庭名称", data.name, limit=50, required=True)
    address = _text(errors, "address", "详细住址", data.address, limit=200, required=True)
    members = _text(errors, "members", "家庭成员", data.members, limit=1000, required=True)
    contact = _text(errors, "contact_name", "联系人", data.contact_name, limit=50, required=True)
    phone = _text(errors, "contact_phone", "联系电话", data.contact_phone, limit=30, required=True)
    if phone and not all(c.isdigit() or c in "-+ " for c in phone):
        errors.setdefault("contact_phone", []).append("「联系电话」只能填写数字和“-”")
    _date(errors, "applied_on", "申请日期", data.applied_on)
    region = Region.objects.filter(code=data.region_code, level__in=(Level.TOWNSHIP, Level.VILLAGE)).first()
    if region is None:
        errors.setdefault("region", []).append("「所在村（社区）」请选择本县的村（社区）或乡镇（街道）")
    if errors:
        raise ValidationError(errors)
    assert region is not None
    family = Family.objects.create(
        reference="",
        name=name,
        region=region,
        region_code=region.code,
        address=address,
        members=members,
        contact_name=contact,
        contact_phone=phone,
        applied_on=data.applied_on,
        created_by=actor,
    )
    family.reference = f"AX{region.code[6:9]}-{data.applied_on.year}-{family.pk:05d}"
    family.save(update_fields=["reference"])
    _event(family, actor, "apply", "")
    audit.record(
        actor=actor, action="placements.family_apply", target=family, summary=f"登记爱心家庭申请 {family.reference}"
    )
    return family


def _move(family: Family, action: str, expected_version: int, expected_state: str | None, **fields: object) -> str:
    """The step's conditional UPDATE; returns the state before. Raises FamilyChangedError."""
    s = step(action)
    updated = Family.objects.filter(pk=family.pk, version=expected_version, state__in=s.sources).update(
        state=s.target, version=F("version") + 1, **fields
    )
    if updated != 1:
        current = Family.objects.filter(pk=family.pk).values("state", "version").get()
        raise FamilyChangedError(
            seen_state=expected_state or family.state,
            seen_version=expected_version,
            state=current["state"],
            version=current["version"],
        )
    before = family.state if expected_state is None else expected_state
    family.refresh_from_db()
    return before


@transaction.atomic
def family_assess(
    *,
    actor: User,
    family: Family,
    expected_version: int,
    assessed_on: datetime.date | None,
    assessor: str,
    result: str,
    capacity: int | None,
    notes: str = "",
    expected_state: str | None = None,
) -> FamilyAssessment:
    """A home study and capacity assessment; the family becomes 已评估 (an unqualified result is
    recorded too: the family cannot be approved on it)."""
    _require(actor)
    errors: dict[str, list[str]] = {}
    _date(errors, "assessed_on", "评估日期", assessed_on)
    if assessed_on and assessed_on < family.applied_on:
        errors.setdefault("assessed_on", []).append("「评估日期」不能早于申请日期")
    assessor = _text(errors, "assessor", "评估人", assessor, limit=100, required=True)
    notes = _text(errors, "notes", "评估意见", notes, limit=MAX_NOTE, required=False)
    if result not in AssessmentResult.values:
        errors.setdefault("result", []).append("「评估结论」请选择合格或不合格")
    if capacity is None or not 0 <= capacity <= MAX_CAPACITY:
        errors.setdefault("capacity", []).append(f"「建议可照料儿童数」应为 0 到 {MAX_CAPACITY}")
    elif result == AssessmentResult.QUALIFIED and capacity == 0:
        errors.setdefault("capacity", []).append("「建议可照料儿童数」评估合格时至少为 1")
    if errors:
        raise ValidationError(errors)
    assert assessed_on is not None and capacity is not None
    before = _move(family, "assess", expected_version, expected_state)
    assessment = FamilyAssessment.objects.create(
        family=family,
        assessed_on=assessed_on,
        assessor=assessor,
        result=result,
        capacity=capacity,
        notes=notes,
        recorded_by=actor,
    )
    note = f"{assessed_on:%Y-%m-%d} {assessor}：{AssessmentResult(result).label}，建议可照料 {capacity} 名儿童"
    _event(family, actor, "assess", before, note)
    audit.record(
        actor=actor,
        action="placements.family_assess",
        target=family,
        summary=f"爱心家庭 {family.reference} 评估：{AssessmentResult(result).label}",
        detail={"result": result, "capacity": capacity},
    )
    return assessment


@transaction.atomic
def family_approve(
    *,
    actor: User,
    family: Family,
    expected_version: int,
    approved_on: datetime.date | None,
    approval_number: str,
    capacity: int | None,
    expected_state: str | None = None,
) -> Family:
    """Approval by county civil affairs, on the latest assessment (合格) and within its capacity."""
    _require(actor)
    errors: dict[str, list[str]] = {}
    latest = family.assessments.order_by("-assessed_on", "-id").first()
    if latest is None or latest.result != AssessmentResult.QUALIFIED:
        errors.setdefault("__all__", []).append("最近一次评估结论为合格的家庭才能批准")
    _date(errors, "approved_on", "批准日期", approved_on)
    if latest is not None and approved_on is not None and approved_on < latest.assessed_on:
        errors.setdefault("approved_on", []).append("「批准日期」不能早于评估日期")
    approval_number = _text(errors, "approval_number", "批准文号", approval_number, limit=60, required=True)
    if capacity is None or capacity < 1:
        errors.setdefault("capacity", []).append("「可照料儿童数」至少为 1")
    elif latest is not None and capacity > latest.capacity:
        errors.setdefault("capacity", []).append(f"「可照料儿童数」不能超过评估建议的 {latest.capacity} 名")
    if errors:
        raise ValidationError(errors)
    assert approved_on is not None and capacity is not None
    unit = Department.objects.get(name=CIVIL_AFFAIRS_UNIT)
    before = _move(
        family,
        "approve",
        expected_version,
        expected_state,
        approved_on=approved_on,
        approved_by=unit,
        approval_number=approval_number,
        capacity=capacity,
        next_review_on=approved_on + REVIEW_EVERY,
    )
    _event(family, actor, "approve", before, f"{approval_number}，可照料 {capacity} 名儿童")
    audit.record(
        actor=actor,
        action="placements.family_approve",
        target=family,
        summary=f"批准爱心家庭 {family.reference}",
        detail={"approval_number": approval_number, "capacity": capacity},
    )
    return family


@transaction.atomic
def family_step(
    *, actor: User, family: Family, action: str, expected_version: int, note: str, expected_state: str | None = None
) -> Family:
    """Suspend, reinstate or withdraw (a note says why). A family with children placed cannot
    withdraw until their placements end; suspending keeps them, but matches no new child."""
    _require(actor)
    s = step(action)
    if action not in ("suspend", "reinstate", "withdraw"):
        raise ValidationError(f"未知操作：{action}")
    note = note.strip()
    problem = text_problem(note)
    if problem:
        raise ValidationError({"note": [f"「{s.note_label}」{problem}"]})
    if s.needs_note and not note:
        raise ValidationError({"note": [f"「{s.note_label}」不能为空"]})
    if len(note) > MAX_NOTE:
        raise ValidationError({"note": [f"「{s.note_label}」最多 {MAX_NOTE} 个字"]})
    if action == "withdraw":
        placed = Placement.objects.filter(family=family, valid_to__isnull=True).count()
        if placed:
            raise ValidationError({"note": [f"该家庭还有 {placed} 名儿童在安置中：请先结束他们的安置，再退出登记"]})
    before = _move(family, action, expected_version, expected_state)
    _event(family, actor, action, before, note)
    audit.record(
        actor=actor,
        action=f"placements.family_{action}",
        target=family,
        summary=f"爱心家庭 {family.reference}：{STEPS[action].label}",
        detail={"note": note},
    )
    return family


def _approved_or_suspended(family: Family, what: str) -> None:
    if family.state not in (FamilyState.APPROVED, FamilyState.SUSPENDED):
        raise ValidationError({"__all__": [f"已批准（或暂停中）的家庭才能记录{what}"]})


@transaction.atomic
def family_training_add(
    *, actor: User, family: Family, trained_on: datetime.date | None, topic: str, hours: int | None
) -> FamilyTraining:
    _require(actor)
    if family.state == FamilyState.WITHDRAWN:
        raise ValidationError({"__all__": ["已退出的家庭不能再记录培训"]})
    errors: dict[str, list[str]] = {}
    _date(errors, "trained_on", "培训日期", trained_on)
    topic = _text(errors, "topic", "培训内容", topic, limit=200, required=True)
    if hours is None or not 1 <= hours <= 200:
        errors.setdefault("hours", []).append("「学时」应为 1 到 200")
    if errors:
        raise ValidationError(errors)
    assert trained_on is not None and hours is not None
    training = FamilyTraining.objects.create(
        family=family, trained_on=trained_on, topic=topic, hours=hours, recorded_by=actor
    )
    audit.record(
        actor=actor,
        action="placements.family_training",
        target=family,
        summary=f"爱心家庭 {family.reference} 培训：{topic}",
    )
    return training


@transaction.atomic
def family_review_add(
    *, actor: User, family: Family, reviewed_on: datetime.date | None, reviewer: str, result: str, notes: str = ""
) -> FamilyReview:
    """A periodic review; the next one falls due a year later."""
    _require(actor)
    _approved_or_suspended(family, "复核")
    errors: dict[str, list[str]] = {}
    _date(errors, "reviewed_on", "复核日期", reviewed_on)
    reviewer = _text(errors, "reviewer", "复核人", reviewer, limit=100, required=True)
    notes = _text(errors, "notes", "复核意见", notes, limit=MAX_NOTE, required=False)
    if result not in ReviewResult.values:
        errors.setdefault("result", []).append("「复核结论」请选择")
    if errors:
        raise ValidationError(errors)
    assert reviewed_on is not None
    review = FamilyReview.objects.create(
        family=family, reviewed_on=reviewed_on, reviewer=reviewer, result=result, notes=notes, recorded_by=actor
    )
    Family.objects.filter(pk=family.pk).filter(
        Q(next_review_on__isnull=True) | Q(next_review_on__lt=reviewed_on + REVIEW_EVERY)
    ).update(next_review_on=reviewed_on + REVIEW_EVERY)
    family.refresh_from_db()
    audit.record(
        actor=actor,
        action="placements.family_review",
        target=family,
        summary=f"爱心家庭 {family.reference} 复核：{ReviewResult(result).label}",
    )
    return review
