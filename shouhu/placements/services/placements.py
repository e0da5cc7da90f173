"""A child's placements: `placement_start` and `placement_end` (the public API other apps may
call; guardianship's 临时监护 step does not record a placement yet), and the adopters' capacity
assessment (task 20) an adoption needs first.

At most one placement per child on any day: checked here first, with a Chinese message naming the
placement in the way, and held by the database too (migration 0002): a write that races past the
check is refused by the constraint and answered with the same message."""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from shouhu.access import may_assess_adopters, may_manage_placements_of
from shouhu.accounts.models import Department, User
from shouhu.core import audit
from shouhu.core.dates import today
from shouhu.core.input_text import person_name_problem, text_problem
from shouhu.registry.identity import age_on
from shouhu.registry.models import Child, ChildStatus
from shouhu.safeguarding.models import SafetyCase

from ..models import (
    AdoptiveAssessment,
    Art92Ground,
    AssessmentResult,
    Family,
    FamilyState,
    Outcome,
    Placement,
    PlacementKind,
    TemporaryPlace,
)

K = PlacementKind
FAMILY_KINDS = (K.FOSTER, K.ENTRUSTED)
MAX_NOTE = 300


class PlacementChangedError(Exception):
    """Someone else ended (or changed) the placement first: both values, and nothing written."""

    def __init__(self, *, seen_version: int, placement: Placement) -> None:
        self.seen_version, self.version = seen_version, placement.version
        now = (
            f"已于 {placement.valid_to:%Y-%m-%d} 结束（{placement.get_outcome_display()}）"
            if placement.valid_to
            else "安置中"
        )
        super().__init__(
            f"该安置已被他人修改：您看到的是「安置中」（版本 {seen_version}），现在是「{now}」"
            f"（版本 {placement.version}）。您的操作未执行，请刷新后查看。"
        )


def _say(placement: Placement) -> str:
    until = f"至 {placement.valid_to:%Y-%m-%d}" if placement.valid_to else "起至今"
    return f"{placement.valid_from:%Y-%m-%d} {until}的「{placement.get_kind_display()}：{placement.caregiver}」"


def _overlapping(child: Child, start: datetime.date) -> list[Placement]:
    return list(
        Placement.objects.select_related("family")
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=start), child=child)
        .order_by("valid_from")
    )


def family_free_places(family: Family, on: datetime.date) -> int:
    placed = Placement.objects.filter(Q(valid_to__isnull=True) | Q(valid_to__gte=on), family=family).count()
    return family.capacity - placed


def _name(errors: dict[str, list[str]], field: str, label: str, value: str, limit: int, *, required: bool) -> str:
    value = value.strip()
    problem = person_name_problem(value) or text_problem(value)
    if problem:
        errors.setdefault(field, []).append(f"「{label}」{problem}")
    elif required and not value:
        errors.setdefault(field, []).append(f"「{label}」不能为空")
    elif len(value) > limit:
        errors.setdefault(field, []).append(f"「{label}」最多 {limit} 个字")
    return value


@transaction.atomic
def placement_start(
    *,
    actor: User,
    child: Child,
    kind: str,
    valid_from: datetime.date | None,
    decided_by_unit: Department | None,
    decided_by_person: str,
    decision_number: str = "",
    decision_basis: str = "",
    family: Family | None = None,
    caregiver_name: str = "",
    caregiver_relationship: str = "",
    place: str = "",
    ground: str = "",
    source_case: SafetyCase | None = None,
    adoptive_assessment: AdoptiveAssessment | None = None,
    planned_end: datetime.date | None = None,
    end_current: bool = False,
) -> Placement:
    """Record where a child is placed from `valid_from` on (an open placement). With `end_current`
    the child's open placement, begun earlier, ends the day before (转入其他安置, or 被收养 for an
    adoption) in the same transaction."""
    if not may_manage_placements_of(actor, child):
        raise PermissionDenied("只有县民政局业务人员和儿童所在乡镇的督导员可以记录安置")
    errors: dict[str, list[str]] = {}
    if child.status != ChildStatus.ACTIVE:
        errors.setdefault("__all__", []).append("该儿童已销档，不能再记录安置")
    if kind not in K.values:
        errors.setdefault("kind", []).append("「安置方式」请选择")
    if valid_from is None:
        errors.setdefault("valid_from", []).append("「开始日期」不能为空")
    elif valid_from > today():
        errors.setdefault("valid_from", []).append("「开始日期」不能晚于今天：请在安置开始后记录")
    elif valid_from < child.birth_date:
        errors.setdefault("valid_from", []).append("「开始日期」不能早于儿童的出生日期")
    if planned_end is not None and valid_from is not None and planned_end < valid_from:
        errors.setdefault("planned_end", []).append("「预计结束日期」不能早于开始日期")
    if decided_by_unit is None:
        errors.setdefault("decided_by_unit", []).append("「决定单位」请选择")
    decided_by_person = _name(errors, "decided_by_person", "决定人", decided_by_person, 50, required=True)
    decision_number = _name(errors, "decision_number", "决定文号", decision_number, 60, required=False)
    decision_basis = decision_basis.strip()
    if text_problem(decision_basis):
        errors.setdefault("decision_basis", []).append(f"「决定依据」{text_problem(decision_basis)}")
    elif len(decision_basis) > 2000:
        errors.setdefault("decision_basis", []).append("「决定依据」最多 2000 个字")
    caregiver_name = _name(errors, "caregiver_name", "照料人或机构", caregiver_name, 100, required=False)
    caregiver_relationship = _name(
        errors, "caregiver_relationship", "与儿童关系", caregiver_relationship, 30, required=False
    )
    # What each kind needs of its caregiver.
    if kind in FAMILY_KINDS:
        if family is None:
            errors.setdefault("family", []).append("「爱心家庭」家庭寄养和委托代养须选择已批准的爱心家庭")
        elif family.state != FamilyState.APPROVED:
            errors.setdefault("family", []).append(
                f"「爱心家庭」{family.name}目前{family.get_state_display()}，只能选择已批准的家庭"
            )
        elif valid_from is not None and family_free_places(family, valid_from) <= 0:
            errors.setdefault("family", []).append(f"「爱心家庭」{family.name}已满（可照料 {family.capacity} 名儿童）")
        caregiver_name, caregiver_relationship = "", ""
    else:
        family = None
    if kind == K.TEMPORARY_CARE:
        if place not in TemporaryPlace.values:
            errors.setdefault("place", []).append("「临时监护场所」请选择救助保护机构、儿童福利机构或亲属")
        if ground not in Art92Ground.values:
            errors.setdefault("ground", []).append("「法定情形」请选择《未成年人保护法》第九十二条的情形")
        if not caregiver_name and "caregiver_name" not in errors:
            errors.setdefault("caregiver_name", []).append("「照料人或机构」请写明机构名称或亲属姓名")
        if place == TemporaryPlace.RELATIVE and not caregiver_relationship:
            errors.setdefault("caregiver_relationship", []).append("「与儿童关系」由亲属临时照料时须写明")
    else:
        place, ground = "", ""
    if kind == K.KINSHIP:
        if not caregiver_name and "caregiver_name" not in errors:
            errors.setdefault("caregiver_name", []).append("「照料人或机构」请写明亲属姓名")
        if not caregiver_relationship and "caregiver_relationship" not in errors:
            errors.setdefault("caregiver_relationship", []).append("「与儿童关系」亲属抚养须写明")
    if kind == K.INSTITUTION and not caregiver_name and "caregiver_name" not in errors:
        errors.setdefault("caregiver_name", []).append("「照料人或机构」请写明机构名称")
    if kind == K.ADOPTION:
        if adoptive_assessment is None:
            errors.setdefault("adoptive_assessment", []).append(
                "「收养能力评估」收养前须先完成对收养人抚养监护能力的评估（结论合格）"
            )
        elif adoptive_assessment.child_id != child.pk:
            errors.setdefault("adoptive_assessment", []).append("「收养能力评估」不是对该儿童收养人的评估")
        elif adoptive_assessment.result != AssessmentResult.QUALIFIED:
            errors.setdefault("adoptive_assessment", []).append(
                f"「收养能力评估」对{adoptive_assessment.adopters}的评估结论为不合格，不能登记收养"
            )
        elif valid_from is not None and adoptive_assessment.assessed_on > valid_from:
            errors.setdefault("adoptive_assessment", []).append("「收养能力评估」须在收养开始之前完成")
        else:
            caregiver_name, caregiver_relationship = adoptive_assessment.adopters, "收养人"
    else:
        adoptive_assessment = None
    if source_case is not None and source_case.child_id != child.pk:
        errors.setdefault("__all__", []).append("安全个案的儿童与所选儿童不一致")
    ending: Placement | None = None
    if valid_from is not None and not errors:
        in_the_way = _overlapping(child, valid_from)
        current = in_the_way[0] if len(in_the_way) == 1 else None
        if end_current and current is not None and current.valid_to is None and current.valid_from < valid_from:
            ending, in_the_way = current, []
        if in_the_way:
            errors.setdefault("valid_from", []).append(
                f"该儿童已有{_say(in_the_way[0])}安置：同一时间只能有一个安置，请先结束该安置"
                + ("，或选择“同时结束当前安置”" if in_the_way[0].valid_to is None else "")
            )
    if errors:
        raise ValidationError(errors)
    assert valid_from is not None and decided_by_unit is not None
    if ending is not None:
        outcome = Outcome.ADOPTED if kind == K.ADOPTION else Outcome.MOVED
        placement_end(
            actor=actor,
            placement=ending,
            valid_to=valid_from - datetime.timedelta(days=1),
            outcome=outcome,
            note=f"转入{PlacementKind(kind).label}",
            expected_version=ending.version,
        )
    placement = Placement(
        child=child,
        kind=kind,
        family=family,
        place=place,
        caregiver_name=caregiver_name,
        caregiver_relationship=caregiver_relationship,
        valid_from=valid_from,
        planned_end=planned_end,
        decided_by_unit=decided_by_unit,
        decided_by_person=decided_by_person,
        decision_number=decision_number,
        decision_basis=decision_basis,
        ground=ground,
        source_case=source_case,
        adoptive_assessment=adoptive_assessment,
        recorded_by=actor,
        recorded_at=timezone.now(),
    )
    try:
        with transaction.atomic():
            placement.save()
    except IntegrityError:
        # Someone recorded another placement for the child in the meantime: the database held.
        raise ValidationError(
            {"valid_from": ["该儿童在这段时间已有安置（刚刚由他人记录）：同一时间只能有一个安置，请刷新后查看"]}
        ) from None
    audit.record(
        actor=actor,
        action="placements.start",
        target=placement,
        summary=f"记录儿童 {child.name} 的安置：{placement.get_kind_display()}（{placement.caregiver}）",
        detail={
            "child": child.pk,
            "kind": kind,
            "from": valid_from.isoformat(),
            "family": family.pk if family else None,
            "case": source_case.pk if source_case else None,
        },
    )
    return placement


@transaction.atomic
def placement_end(
    *,
    actor: User,
    placement: Placement,
    valid_to: datetime.date | None,
    outcome: str,
    expected_version: int,
    note: str = "",
) -> Placement:
    """End an open placement on `valid_to` (its last day) with how it ended. One conditional UPDATE
    on the version: a stale form is refused with both values (`PlacementChangedError`)."""
    if not may_manage_placements_of(actor, placement.child):
        raise PermissionDenied("只有县民政局业务人员和儿童所在乡镇的督导员可以结束安置")
    errors: dict[str, list[str]] = {}
    if outcome not in Outcome.values:
        errors.setdefault("outcome", []).append("「结束结果」请选择安置是怎样结束的")
    if valid_to is None:
        errors.setdefault("valid_to", []).append("「结束日期」不能为空")
    elif valid_to < placement.valid_from:
        errors.setdefault("valid_to", []).append(f"「结束日期」不能早于开始日期 {placement.valid_from:%Y-%m-%d}")
    elif valid_to > today():
        errors.setdefault("valid_to", []).append("「结束日期」不能晚于今天")
    elif outcome == Outcome.AGED_OUT and age_on(placement.child.birth_date, valid_to) < 18:
        errors.setdefault("outcome", []).append(f"「结束结果」儿童在 {valid_to:%Y-%m-%d} 还未满 18 周岁")
    note = note.strip()
    if text_problem(note):
        errors.setdefault("note", []).append(f"「结束说明」{text_problem(note)}")
    elif len(note) > MAX_NOTE:
        errors.setdefault("note", []).append(f"「结束说明」最多 {MAX_NOTE} 个字")
    elif outcome == Outcome.OTHER and not note:
        errors.setdefault("note", []).append("「结束说明」结果为“其他”时须写明")
    if errors:
        raise ValidationError(errors)
    updated = Placement.objects.filter(pk=placement.pk, version=expected_version, valid_to__isnull=True).update(
        valid_to=valid_to, outcome=outcome, outcome_note=note, ended_by=actor, version=F("version") + 1
    )
    if updated != 1:
        current = Placement.objects.select_related("family").get(pk=placement.pk)
        raise PlacementChangedError(seen_version=expected_version, placement=current)
    placement.refresh_from_db()
    audit.record(
        actor=actor,
        action="placements.end",
        target=placement,
        summary=f"结束儿童 {placement.child.name} 的安置：{placement.get_outcome_display()}",
        detail={"to": valid_to.isoformat() if valid_to else None, "outcome": outcome, "note": note},
    )
    return placement


@transaction.atomic
def adoptive_assessment_record(
    *,
    actor: User,
    child: Child,
    adopters: str,
    assessed_on: datetime.date | None,
    result: str,
    unit: Department | None,
    assessor: str,
    notes: str = "",
) -> AdoptiveAssessment:
    """Task 20: the adopters' capacity to raise and guard the child, assessed before the adoption."""
    if not may_assess_adopters(actor, child):
        raise PermissionDenied("收养能力评估由县民政局业务人员记录")
    errors: dict[str, list[str]] = {}
    adopters = _name(errors, "adopters", "收养人", adopters, 100, required=True)
    assessor = _name(errors, "assessor", "评估人", assessor, 100, required=True)
    if assessed_on is None:
        errors.setdefault("assessed_on", []).append("「评估日期」不能为空")
    elif assessed_on > today():
        errors.setdefault("assessed_on", []).append("「评估日期」不能晚于今天")
    if result not in AssessmentResult.values:
        errors.setdefault("result", []).append("「评估结论」请选择合格或不合格")
    if unit is None:
        errors.setdefault("unit", []).append("「评估单位」请选择")
    notes = notes.strip()
    if text_problem(notes):
        errors.setdefault("notes", []).append(f"「评估意见」{text_problem(notes)}")
    elif len(notes) > 2000:
        errors.setdefault("notes", []).append("「评估意见」最多 2000 个字")
    if errors:
        raise ValidationError(errors)
    assert assessed_on is not None and unit is not None
    assessment = AdoptiveAssessment.objects.create(
        child=child,
        adopters=adopters,
        assessed_on=assessed_on,
        result=result,
        unit=unit,
        assessor=assessor,
        notes=notes,
        recorded_by=actor,
        recorded_at=timezone.now(),
    )
    audit.record(
        actor=actor,
        action="placements.adoptive_assessment",
        target=child,
        summary=f"记录儿童 {child.name} 收养人 {adopters} 的收养能力评估：{AssessmentResult(result).label}",
        detail={"assessment": assessment.pk, "result": result},
    )
    return assessment
