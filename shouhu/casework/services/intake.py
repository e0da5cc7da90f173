"""Writes to intakes: the window opens them (or screening drafts them), confirms the measures
(each becomes referrals routed by the table) or cancels them."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from shouhu.access import may_take_intake
from shouhu.accounts.models import User
from shouhu.core import audit
from shouhu.core.dates import today
from shouhu.eligibility.models import Rule, ScreeningRun
from shouhu.eligibility.rules import ruleset_on
from shouhu.regions.models import Region
from shouhu.registry.labels import FACT_LABELS
from shouhu.registry.models import Child
from shouhu.registry.selectors import situation_on

from ..calendar import deadlines_for
from ..models import (
    Intake,
    IntakeKind,
    IntakeMeasure,
    IntakeState,
    Referral,
    ReferralCooperation,
    ReferralEvent,
    ReferralState,
)
from ..notify import notify_new_referrals
from ..routing import child_categories, routing_table


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
    caller_checked: bool = False,
) -> Intake:
    """Open an intake for a child at the child's township window. `proposals` are the measures
    screening proposes (code → explanation); the officer confirms them later. `caller_checked`:
    another app's service has already decided, by its own access rule, that `actor` may refer
    this child (`intake_refer`)."""
    if actor is not None and not caller_checked and not may_take_intake(actor, child):
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


def measure_explanations(intake: Intake, codes: Iterable[str]) -> dict[str, str]:
    """Why the rules give the intake's child each of `codes`, from the child's situation as of the
    screening behind the intake (its run's date; today for an intake taken at the window): the
    engine's explanation, naming every fact that decided it, absences too (T14: 未在读（小学）). A
    measure the rules leave undetermined names the facts to record; one they do not give gets
    nothing (the window's reason is then the only why)."""
    on = intake.screening_run.as_of if intake.screening_run is not None else today()
    decision = ruleset_on(on).decide(situation_on(intake.child, on), on)
    explained = {}
    for code in codes:
        if code in decision.explanations:
            explained[code] = decision.explanations[code]
        elif code in decision.undetermined:
            missing = "、".join(FACT_LABELS.get(fact, fact) for fact in decision.undetermined[code])
            explained[code] = f"筛查尚不能判定：{missing}未填写"
    return explained


@transaction.atomic
def intake_confirm(
    *,
    actor: User,
    intake: Intake,
    confirmed: Iterable[str],
    reasons: dict[str, str] | None = None,
    caller_checked: bool = False,
) -> list[Referral]:
    """Confirm the measures to send. A proposed measure left out, or a measure added, needs a
    reason. Each confirmed measure becomes referrals routed by the table, and keeps the rules'
    explanation (`measure_explanations`) for the unit's officer to read beside the window's reason:
    screening's when it proposed the measure, else worked out now."""
    reasons = {k: v.strip() for k, v in (reasons or {}).items()}
    confirmed = sorted(set(confirmed))
    intake = Intake.objects.select_for_update().get(pk=intake.pk)
    if intake.state != IntakeState.DRAFT:
        raise ValidationError(f"受理 {intake.reference} 已{intake.get_state_display()}，不能再次转办")
    if not caller_checked and not may_take_intake(actor, intake.child):
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
    routes = routing_table(codes=confirmed)
    unexplained = [code for code in confirmed if code not in proposed or not proposed[code].explanation]
    explanations = measure_explanations(intake, unexplained) if unexplained else {}
    for code, measure in proposed.items():
        measure.confirmed, measure.reason = code in confirmed, reasons.get(code, "")
        measure.explanation = measure.explanation or explanations.get(code, "")
        measure.save(update_fields=["confirmed", "reason", "explanation"])
    for code in confirmed:
        if code not in proposed:
            IntakeMeasure.objects.create(
                intake=intake, code=code, proposed=False, confirmed=True, reason=reasons[code],
                explanation=explanations.get(code, ""),
            )  # fmt: skip
    referrals = []
    start = today()
    # The categories the child meets today pick the unit of a measure routed by its duty map.
    categories = child_categories(intake.child, start) if any(r.by_duty for r in routes.values()) else set()
    for code, route in routes.items():
        accept_due, decide_due = deadlines_for(code, start)
        for target in route.targets(child=intake.child, categories=categories):
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
            ReferralEvent.objects.create(
                referral=referral, actor=actor, action="submit", to_state=ReferralState.SUBMITTED
            )
            referrals.append(referral)
    intake.state, intake.confirmed_at = IntakeState.CONFIRMED, timezone.now()
    names = dict(Rule.objects.filter(code__in=confirmed).values_list("code", "label"))
    sent = "、".join(f"{code} {names.get(code, '')}".strip() for code in confirmed)
    intake.save(update_fields=["state", "confirmed_at"])
    audit.record(
        actor=actor,
        action="intake.confirm",
        target=intake,
        summary=f"{intake.reference} 转办 {len(referrals)} 件：{sent}",
        detail={"confirmed": confirmed, "reasons": reasons},
    )
    transaction.on_commit(lambda: notify_new_referrals([r.pk for r in referrals]))
    return referrals


@transaction.atomic
def intake_refer(*, actor: User, child: Child, code: str, facts: str, reason: str) -> tuple[Intake, list[Referral]]:
    """A referral (转介) another app's case makes for a registered child: one measure, opened at
    the child's township window and confirmed at once, routed by the table like the window's
    (its units, the working-day deadlines). The caller has checked who may act by its own access
    rule (a safety case's handlers: `may_handle_safety_case`); this never widens the window's."""
    intake = intake_create(
        actor=actor, child=child, kind=IntakeKind.REFERRAL, facts=facts, proposals={code: reason}, caller_checked=True
    )
    referrals = intake_confirm(actor=actor, intake=intake, confirmed=[code], caller_checked=True)
    return intake, referrals


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
