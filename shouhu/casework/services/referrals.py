"""Writes to referrals: the handling unit's steps (accept, start, complete, return, reject) and
the window's resubmission, reassignment within the unit, transfer to another unit, a cooperating
unit's note, and the deadline sweep marking one overdue. A step is one conditional UPDATE (on the
expected state and version), so of two officers acting at once one wins; every write adds its
`ReferralEvent` and audit row in the same transaction, and whoever is told hears after commit."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from shouhu.access import cooperations_filled_by, may_handle_referral, may_take_intake, may_transfer_referral
from shouhu.accounts.models import Department, DepartmentKind, User
from shouhu.core import audit
from shouhu.core.dates import today
from shouhu.eligibility.models import Rule

from .. import outcomes
from ..calendar import deadlines_for
from ..models import Referral, ReferralCooperation, ReferralEvent, ReferralState
from ..notify import notify_new_referrals, notify_overdue, notify_transition

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


@transaction.atomic
def referral_transition(
    *,
    actor: User,
    referral: Referral,
    action: str,
    expected_version: int,
    reason: str = "",
    outcome: str = "",
    answer: outcomes.Answer | None = None,
) -> Referral:
    """Move a referral along. The UPDATE checks the expected state and version, so of two officers
    acting at once exactly one succeeds; the other gets ReferralChangedError.

    Completing records the outcome as the measure's kind asks (`outcomes.check`: the decision,
    the kind's fields in `answer`, the summary in `outcome_detail`)."""
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
        decided = outcomes.check(
            kind=outcomes.kind_of(referral.code),
            outcome=outcome,
            answer=answer or outcomes.Answer(),
            reason=reason,
            on=today(),
        )
        fields |= decided
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
        note=(reason or referral.outcome_detail) if action == "complete" else reason,
    )
    detail: dict[str, object] = {"from": before, "to": transition.target, "reason": reason, "outcome": outcome}
    if action == "complete":
        detail |= {"outcome": referral.outcome, **_outcome_detail(referral)}
    audit.record(
        actor=actor,
        action=f"referral.{action}",
        target=referral,
        summary=f"{referral.intake.reference} {measure_name(referral.code)} {transition.label}",
        detail=detail,
    )
    transaction.on_commit(lambda: notify_transition(referral.pk, action))
    return referral


def _outcome_detail(referral: Referral) -> dict[str, object]:
    """The recorded outcome for the audit row (JSON: amounts and dates as text)."""
    return {
        "outcome_kind": referral.outcome_kind,
        "outcome_detail": referral.outcome_detail,
        "amount": str(referral.outcome_amount) if referral.outcome_amount is not None else None,
        "period": referral.outcome_period,
        "on": referral.outcome_on.isoformat() if referral.outcome_on else None,
        "service": referral.outcome_service,
        "provider": referral.outcome_provider,
        "arrangement": referral.outcome_arrangement,
        "arrangement_note": referral.outcome_arrangement_note,
        "informed_how": referral.outcome_informed_how,
    }


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
    *, actor: User, referral: Referral, department: Department, reason: str, expected_version: int
) -> Referral:
    """Routed wrongly: hand the referral to another unit, with a reason; deadlines restart."""
    if not may_transfer_referral(actor, referral):
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
    transaction.on_commit(lambda: notify_new_referrals([referral.pk]))
    return referral


@transaction.atomic
def cooperation_note(*, actor: User, referral: Referral, note: str) -> ReferralCooperation:
    """A cooperating unit adds its part: an officer of the unit (a county caseworker for 县民政局),
    or the supervisor of the child's township for 各乡镇（街道）, whose part is named by the township."""
    row = cooperations_filled_by(actor, referral).select_related("department").first()
    if row is None:
        raise PermissionDenied("只有配合单位的经办人（各乡镇（街道）的配合由儿童所在乡镇的督导员）可以填写配合情况")
    if not note.strip():
        raise ValidationError({"note": "「配合情况」不能为空"})
    unit = cooperating_unit_name(row, referral)
    row.note, row.noted_by, row.noted_at = note.strip(), actor, timezone.now()
    row.save(update_fields=["note", "noted_by", "noted_at"])
    ReferralEvent.objects.create(referral=referral, actor=actor, action="cooperate", note=f"{unit}：{note.strip()}")
    audit.record(
        actor=actor,
        action="referral.cooperate",
        target=referral,
        summary=f"{referral.intake.reference} {measure_name(referral.code)} {unit} 填写配合情况",
    )
    return row


def cooperating_unit_name(row: ReferralCooperation, referral: Referral) -> str:
    """The cooperating unit by name: 各乡镇（街道）'s part is the child's township's ("桓仁镇")."""
    if row.department.kind != DepartmentKind.TOWNSHIPS:
        return row.department.name
    township = referral.child.region.parent
    return township.name if township is not None else row.department.name


@transaction.atomic
def referral_mark_overdue(*, referral: Referral, due: datetime.date) -> bool:
    """The deadline sweep (no actor: the system) marks an open referral past `due` overdue and
    escalates it to county civil affairs: the flag, the step and the audit row together, the
    notifications after commit. False when it was already marked (another sweep got there first)."""
    escalated_at = timezone.now()
    updated = Referral.objects.filter(pk=referral.pk, overdue=False).update(overdue=True, escalated_at=escalated_at)
    if not updated:
        return False
    referral.overdue, referral.escalated_at = True, escalated_at
    ReferralEvent.objects.create(referral=referral, action="overdue", note=f"已超过期限 {due}，已提请县民政局督办")
    audit.record(
        actor=None,
        action="referral.overdue",
        target=referral,
        summary=f"{referral.intake.reference} {measure_name(referral.code)} 逾期（期限 {due}），提请县民政局督办",
        detail={"due": due.isoformat(), "state": referral.state, "department": referral.department.name},
    )
    transaction.on_commit(lambda: notify_overdue(referral, due))
    return True


def measure_name(code: str) -> str:
    """ "T14 控辍保学" for the audit log's summaries (a code alone means nothing to its readers)."""
    label = Rule.objects.filter(code=code).values_list("label", flat=True).first()
    return f"{code} {label}" if label else code
