"""Every write to intakes and referrals."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from shouhu.access import Capability, can, may_handle_referral, may_take_intake
from shouhu.accounts.models import User
from shouhu.core import audit
from shouhu.core.dates import today
from shouhu.eligibility.models import ScreeningRun
from shouhu.regions.models import Region
from shouhu.registry.models import Child

from .calendar import WorkingCalendar
from .models import (
    Intake,
    IntakeKind,
    IntakeMeasure,
    IntakeState,
    MeasureDeadline,
    Outcome,
    Referral,
    ReferralCooperation,
    ReferralEvent,
    ReferralState,
)
from .routing import route_for

S = ReferralState


class ReferralChangedError(Exception):
    """Someone else acted on the referral first."""

    def __init__(self, state: str) -> None:
        super().__init__(
            f"该转介已被他人处理（当前状态：{ReferralState(state).label}），您的操作未执行。请刷新后查看。"
        )


@dataclass(frozen=True)
class Transition:
    action: str
    label: str
    sources: tuple[str, ...]
    target: str
    needs_reason: bool = False


TRANSITIONS = {
    t.action: t
    for t in [
        Transition("accept", "受理", (S.SUBMITTED,), S.ACCEPTED),
        Transition("start", "开始办理", (S.ACCEPTED,), S.IN_PROGRESS),
        Transition("complete", "办结", (S.ACCEPTED, S.IN_PROGRESS), S.COMPLETED),
        Transition("return", "退回补充材料", (S.SUBMITTED, S.ACCEPTED, S.IN_PROGRESS), S.RETURNED, needs_reason=True),
        Transition("reject", "不予受理", (S.SUBMITTED,), S.REJECTED, needs_reason=True),
        Transition("resubmit", "补充后重新提交", (S.RETURNED,), S.SUBMITTED),
    ]
}


def next_references(township: Region, on: datetime.date, count: int = 1) -> list[str]:
    """The window's next `count` references, SH<township's 3 digits>-<year>-<sequence>: unique,
    readable on a receipt. Call inside the transaction that creates the intakes: the township's
    row is locked until it commits, so two windows (or workers) cannot take the same numbers."""
    list(Region.objects.select_for_update().filter(pk=township.pk).values_list("pk"))
    prefix = f"SH{township.code[6:9]}-{on.year}-"
    # A range rather than LIKE, so PostgreSQL counts from the unique index under any collation.
    taken = Intake.objects.filter(reference__gte=prefix, reference__lt=prefix[:-1] + ".").count()
    return [f"{prefix}{taken + n:05d}" for n in range(1, count + 1)]


def window_of(child: Child) -> Region:
    """The township whose window takes the child's intakes."""
    return child.region.parent if child.region.parent else child.region


@dataclass(frozen=True)
class Suggestion:
    child: Child
    proposals: dict[str, str]  # measure code → why screening proposes it


@transaction.atomic
def suggestions_create(*, run: ScreeningRun, suggestions: list[Suggestion]) -> list[Intake]:
    """Draft intakes of kind "suggestion" for a screening run, as `intake_create` would make them
    one at a time (with no actor), but a batch in a few statements: a first run over a large
    registry drafts one for most children with a measure."""
    facts = f"筛查 #{run.pk}（基准日 {run.as_of}）发现新符合条件的措施，请核实后确认转办。"
    by_township: dict[int, list[Suggestion]] = defaultdict(list)
    for suggestion in suggestions:
        by_township[window_of(suggestion.child).pk].append(suggestion)
    intakes: list[Intake] = []
    for group in by_township.values():
        township = window_of(group[0].child)
        references = next_references(township, today(), len(group))
        intakes += [
            Intake(reference=reference, child=s.child, kind=IntakeKind.SUGGESTION, township=township, facts=facts,
                   screening_run=run)
            for reference, s in zip(references, group, strict=True)
        ]  # fmt: skip
    Intake.objects.bulk_create(intakes, batch_size=1000)
    proposals = {s.child.pk: s.proposals for s in suggestions}
    IntakeMeasure.objects.bulk_create(
        [
            IntakeMeasure(intake=intake, code=code, proposed=True, explanation=text)
            for intake in intakes
            for code, text in proposals[intake.child_id].items()
        ],
        batch_size=2000,
    )
    audit.record_many(
        actor=None,
        action="intake.create",
        targets=[(intake, f"受理 {intake.reference}：{intake.child.name}") for intake in intakes],
    )
    return intakes


def deadlines_for(code: str, start: datetime.date) -> tuple[datetime.date, datetime.date]:
    row = MeasureDeadline.objects.filter(code=code).first()
    accept = row.accept_days if row else settings.REFERRAL_ACCEPT_DAYS
    decide = row.decide_days if row else settings.REFERRAL_DECIDE_DAYS
    calendar = WorkingCalendar.around(start, span_days=decide * 3 + 30)
    return calendar.add(start, accept), calendar.add(start, decide)


@transaction.atomic
def intake_create(
    *,
    actor: User | None,
    child: Child,
    kind: str = IntakeKind.APPLICATION,
    facts: str = "",
    applicant_name: str = "",
    applicant_relationship: str = "",
    applicant_phone: str = "",
    proposals: dict[str, str] | None = None,
    screening_run: object | None = None,
) -> Intake:
    """Open an intake for a child at the child's township window. `proposals` are the measures
    screening proposes (code → explanation); the officer confirms them later."""
    if actor is not None and not may_take_intake(actor, child):
        raise PermissionDenied("您不能为辖区外的儿童受理")
    township = window_of(child)
    intake = Intake.objects.create(
        reference=next_references(township, today())[0],
        child=child,
        kind=kind,
        township=township,
        facts=facts.strip(),
        applicant_name=applicant_name.strip(),
        applicant_relationship=applicant_relationship.strip(),
        applicant_phone=applicant_phone.strip(),
        received_by=actor,
        screening_run=screening_run,  # type: ignore[misc]
    )
    IntakeMeasure.objects.bulk_create(
        [
            IntakeMeasure(intake=intake, code=code, proposed=True, explanation=text)
            for code, text in (proposals or {}).items()
        ]
    )
    audit.record(actor=actor, action="intake.create", target=intake, summary=f"受理 {intake.reference}：{child.name}")
    return intake


@transaction.atomic
def intake_confirm(
    *,
    actor: User,
    intake: Intake,
    confirmed: Iterable[str],
    reasons: dict[str, str] | None = None,
) -> list[Referral]:
    """Confirm the measures to send. A proposed measure left out, or a measure added, needs a
    reason. Each confirmed measure becomes referrals routed by the table."""
    reasons = {k: v.strip() for k, v in (reasons or {}).items()}
    confirmed = sorted(set(confirmed))
    intake = Intake.objects.select_for_update().get(pk=intake.pk)
    if intake.state != IntakeState.DRAFT:
        raise ValidationError(f"受理 {intake.reference} 已{intake.get_state_display()}，不能再次转办")
    if not may_take_intake(actor, intake.child):
        raise PermissionDenied("您不能为辖区外的儿童受理")
    proposed = {m.code: m for m in intake.measures.all()}
    errors = [
        f"「{code}」未采纳筛查建议，请填写理由" for code in proposed if code not in confirmed and not reasons.get(code)
    ]
    errors += [
        f"「{code}」不在筛查建议中，请填写增加理由"
        for code in confirmed
        if code not in proposed and not reasons.get(code)
    ]
    if not confirmed:
        errors.append("请至少确认一项措施")
    if errors:
        raise ValidationError(errors)
    routes = {code: route_for(code) for code in confirmed}
    for code, measure in proposed.items():
        measure.confirmed, measure.reason = code in confirmed, reasons.get(code, "")
        measure.save(update_fields=["confirmed", "reason"])
    for code in confirmed:
        if code not in proposed:
            IntakeMeasure.objects.create(intake=intake, code=code, proposed=False, confirmed=True, reason=reasons[code])
    referrals = []
    start = today()
    for code, route in routes.items():
        accept_due, decide_due = deadlines_for(code, start)
        for target in route.targets():
            referral = Referral.objects.create(
                intake=intake,
                child=intake.child,
                code=code,
                task_number=route.task_number,
                mode=target.mode,
                department=target.department,
                township=intake.township if target.per_township else None,
                accept_due=accept_due,
                decide_due=decide_due,
            )
            ReferralCooperation.objects.bulk_create(
                [
                    ReferralCooperation(referral=referral, department=d)
                    for d in target.cooperating
                    if d != target.department
                ]
            )
            ReferralEvent.objects.create(referral=referral, actor=actor, action="submit", to_state=S.SUBMITTED)
            referrals.append(referral)
    intake.state, intake.confirmed_at = IntakeState.CONFIRMED, timezone.now()
    intake.save(update_fields=["state", "confirmed_at"])
    audit.record(
        actor=actor,
        action="intake.confirm",
        target=intake,
        summary=f"{intake.reference} 转办 {len(referrals)} 件：{'、'.join(confirmed)}",
        detail={"confirmed": confirmed, "reasons": reasons},
    )
    from .notify import notify_new_referrals

    transaction.on_commit(lambda: notify_new_referrals([r.pk for r in referrals]))
    return referrals


@transaction.atomic
def intake_cancel(*, actor: User, intake: Intake, reason: str) -> Intake:
    if intake.state != IntakeState.DRAFT:
        raise ValidationError("只能撤销待确认的受理")
    if not reason.strip():
        raise ValidationError({"reason": "「撤销理由」不能为空"})
    intake.state = IntakeState.CANCELLED
    intake.save(update_fields=["state"])
    audit.record(
        actor=actor,
        action="intake.cancel",
        target=intake,
        summary=f"撤销受理 {intake.reference}",
        detail={"reason": reason},
    )
    return intake


@transaction.atomic
def referral_transition(
    *,
    actor: User,
    referral: Referral,
    action: str,
    expected_version: int,
    reason: str = "",
    outcome: str = "",
    outcome_detail: str = "",
) -> Referral:
    """Move a referral along. The UPDATE checks the expected state and version, so of two officers
    acting at once exactly one succeeds; the other gets ReferralChangedError."""
    transition = TRANSITIONS.get(action)
    if transition is None:
        raise ValidationError(f"未知操作：{action}")
    if action == "resubmit":
        if not may_take_intake(actor, referral.child):
            raise PermissionDenied("只有受理窗口可以重新提交")
    elif not may_handle_referral(actor, referral):
        raise PermissionDenied("只有承办单位的经办人可以办理")
    reason = reason.strip()
    if transition.needs_reason and not reason:
        raise ValidationError({"reason": f"「理由」：{transition.label}必须填写理由"})
    fields: dict[str, object] = {"state": transition.target, "version": F("version") + 1, "updated_at": timezone.now()}
    if action == "complete":
        if outcome not in Outcome.values:
            raise ValidationError({"outcome": "「办理结果」请选择批准或不批准"})
        if outcome == Outcome.APPROVED and not outcome_detail.strip():
            raise ValidationError({"outcome_detail": "「金额或服务」：批准时请填写救助金额或提供的服务"})
        if outcome == Outcome.NOT_APPROVED and not reason:
            raise ValidationError({"reason": "「理由」：不批准必须填写理由"})
        fields |= {"outcome": outcome, "outcome_detail": outcome_detail.strip()}
    if action in ("complete", "reject"):
        fields["closed_at"] = timezone.now()
    if action == "accept":
        fields["assigned_to"] = actor
    if reason:
        fields["reason"] = reason
    if action == "resubmit":
        start = today()
        fields["accept_due"], fields["decide_due"] = deadlines_for(referral.code, start)
        fields["overdue"] = False
    updated = Referral.objects.filter(pk=referral.pk, version=expected_version, state__in=transition.sources).update(
        **fields
    )
    if updated != 1:
        current = Referral.objects.filter(pk=referral.pk).values_list("state", flat=True).first() or referral.state
        raise ReferralChangedError(current)
    before = referral.state
    referral.refresh_from_db()
    ReferralEvent.objects.create(
        referral=referral,
        actor=actor,
        action=action,
        from_state=before,
        to_state=transition.target,
        note=reason or outcome_detail,
    )
    audit.record(
        actor=actor,
        action=f"referral.{action}",
        target=referral,
        summary=f"{referral.intake.reference} {referral.code} {transition.label}",
        detail={"from": before, "to": transition.target, "reason": reason, "outcome": outcome},
    )
    from .notify import notify_transition

    transaction.on_commit(lambda: notify_transition(referral.pk, action))
    return referral


@transaction.atomic
def referral_reassign(*, actor: User, referral: Referral, assignee: User, expected_version: int) -> Referral:
    if not may_handle_referral(actor, referral) or not may_handle_referral(assignee, referral):
        raise PermissionDenied("只能在本单位内改派")
    updated = Referral.objects.filter(pk=referral.pk, version=expected_version).update(
        assigned_to=assignee, version=F("version") + 1, updated_at=timezone.now()
    )
    if updated != 1:
        raise ReferralChangedError(Referral.objects.get(pk=referral.pk).state)
    referral.refresh_from_db()
    ReferralEvent.objects.create(
        referral=referral, actor=actor, action="reassign", note=f"改派给 {assignee.display_name}"
    )
    audit.record(actor=actor, action="referral.reassign", target=referral, summary=f"改派给 {assignee.username}")
    return referral


@transaction.atomic
def referral_transfer(
    *, actor: User, referral: Referral, department: object, reason: str, expected_version: int
) -> Referral:
    """Routed wrongly: hand the referral to another unit, with a reason; deadlines restart."""
    from shouhu.accounts.models import Department

    assert isinstance(department, Department)
    if not (may_handle_referral(actor, referral) or can(actor, Capability.MANAGE_REFERRALS)):
        raise PermissionDenied("只有承办单位或县民政局可以移交")
    if not reason.strip():
        raise ValidationError({"reason": "「移交理由」不能为空"})
    if department.pk == referral.department_id:
        raise ValidationError({"department": "「移交单位」不能是当前承办单位"})
    accept_due, decide_due = deadlines_for(referral.code, today())
    updated = Referral.objects.filter(
        pk=referral.pk, version=expected_version, state__in=(S.SUBMITTED, S.RETURNED)
    ).update(
        department=department,
        state=S.SUBMITTED,
        assigned_to=None,
        accept_due=accept_due,
        decide_due=decide_due,
        overdue=False,
        version=F("version") + 1,
        updated_at=timezone.now(),
    )
    if updated != 1:
        raise ReferralChangedError(Referral.objects.get(pk=referral.pk).state)
    before = referral.department.name
    referral.refresh_from_db()
    ReferralEvent.objects.create(
        referral=referral, actor=actor, action="transfer", note=f"由 {before} 移交 {department.name}：{reason.strip()}"
    )
    audit.record(actor=actor, action="referral.transfer", target=referral, summary=f"移交 {before} → {department.name}")
    from .notify import notify_new_referrals

    transaction.on_commit(lambda: notify_new_referrals([referral.pk]))
    return referral


@transaction.atomic
def cooperation_note(*, actor: User, referral: Referral, note: str) -> ReferralCooperation:
    """A cooperating unit adds its part."""
    row = referral.cooperations.filter(department=actor.department).first() if actor.department_id else None
    if row is None or actor.role != "department_officer":
        raise PermissionDenied("只有配合单位的经办人可以填写配合情况")
    if not note.strip():
        raise ValidationError({"note": "「配合情况」不能为空"})
    row.note, row.noted_by, row.noted_at = note.strip(), actor, timezone.now()
    row.save(update_fields=["note", "noted_by", "noted_at"])
    ReferralEvent.objects.create(
        referral=referral, actor=actor, action="cooperate", note=f"{row.department.name}：{note.strip()}"
    )
    audit.record(
        actor=actor, action="referral.cooperate", target=referral, summary=f"{row.department.name} 填写配合情况"
    )
    return row


# ---------------------------------------------------------------------------------------------
# Additions for the casework screens (new functions only; the functions above are unchanged).


def _attach_documents(actor: User, child: Child, documents: Iterable[tuple[str, object]]) -> None:
    from shouhu.registry.documents import document_attach

    for doc_type, upload in documents:
        document_attach(actor=actor, child=child, doc_type=doc_type, upload=upload)  # type: ignore[arg-type]


@transaction.atomic
def intake_take(
    *,
    actor: User,
    child: Child,
    proposals: dict[str, str],
    confirmed: Iterable[str],
    reasons: dict[str, str] | None = None,
    kind: str = IntakeKind.APPLICATION,
    facts: str = "",
    applicant_name: str = "",
    applicant_relationship: str = "",
    applicant_phone: str = "",
    documents: Iterable[tuple[str, object]] = (),
) -> tuple[Intake, list[Referral]]:
    """Take an application at the window in one step: open the intake with screening's proposals,
    confirm the measures (routing them), attach the documents. All or nothing."""
    intake = intake_create(
        actor=actor,
        child=child,
        kind=kind,
        facts=facts,
        applicant_name=applicant_name,
        applicant_relationship=applicant_relationship,
        applicant_phone=applicant_phone,
        proposals=proposals,
    )
    referrals = intake_confirm(actor=actor, intake=intake, confirmed=confirmed, reasons=reasons)
    _attach_documents(actor, child, documents)
    return intake, referrals


@transaction.atomic
def intake_confirm_draft(
    *,
    actor: User,
    intake: Intake,
    confirmed: Iterable[str],
    reasons: dict[str, str] | None = None,
    facts: str | None = None,
    applicant_name: str | None = None,
    applicant_relationship: str | None = None,
    applicant_phone: str | None = None,
    documents: Iterable[tuple[str, object]] = (),
) -> list[Referral]:
    """Confirm a draft (a screening suggestion): record what the window learnt (facts, applicant)
    and send the confirmed measures. All or nothing."""
    if not may_take_intake(actor, intake.child):
        raise PermissionDenied("您不能为辖区外的儿童受理")
    changes = {
        name: value.strip()
        for name, value in {
            "facts": facts,
            "applicant_name": applicant_name,
            "applicant_relationship": applicant_relationship,
            "applicant_phone": applicant_phone,
        }.items()
        if value is not None and value.strip() != (getattr(intake, name) or "")
    }
    if changes:
        updated = Intake.objects.filter(pk=intake.pk, state=IntakeState.DRAFT).update(**changes)
        if updated != 1:
            raise ValidationError(f"受理 {intake.reference} 已不是待确认状态")
        audit.record(
            actor=actor,
            action="intake.update",
            target=intake,
            summary=f"补充受理信息 {intake.reference}",
            detail={"fields": sorted(changes)},
        )
    referrals = intake_confirm(actor=actor, intake=intake, confirmed=confirmed, reasons=reasons)
    _attach_documents(actor, intake.child, documents)
    return referrals
