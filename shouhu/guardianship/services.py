"""Every write of guardianship intervention: starting one on a safety case, taking a step (through
the one table in `transitions.py`, one conditional UPDATE on the expected state and version, so
of two people acting at once one wins and the other is told both values), the registry following
the step (`registry.services.fact_record`, with the case as source; the child is screened again at
once), the step's documents, and the audit rows of reads and downloads.

Keyword-only and atomic; who may act is asked of `shouhu.access`; each write's audit row is in its
transaction. Nothing is half-written: a refused document, date or registry fact undoes the step."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import IO, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from shouhu.access import may_start_intervention, may_take_guardianship_step
from shouhu.accounts.models import User
from shouhu.core import audit
from shouhu.core.dates import today
from shouhu.core.input_text import text_problem
from shouhu.core.uploads import CONTENT_TYPES, extension_of, original_name, stored_name
from shouhu.registry.documents import document_errors
from shouhu.registry.facts import Fact
from shouhu.registry.models import Kind
from shouhu.registry.services import ConcurrentEditError, fact_record
from shouhu.safeguarding.models import CaseState, SafetyCase

from .models import (
    DocumentType,
    FollowUp,
    GuardianshipIntervention,
    InterventionDocument,
    InterventionState,
    InterventionStep,
    Outcome,
    StepAction,
)
from .transitions import APPLICANT_UNITS, close_blocked, step
from .units import responsible_unit

A = StepAction
MAX_NOTE = 2000
MAX_FOLLOW_UPS = 6
CIVIL_AFFAIRS_GUARDIAN = "civil_affairs"
PARENTS = {"father": "父亲", "mother": "母亲"}
# Whom a child goes home to, and whom a court may appoint besides civil affairs.
HOME_GUARDIANS = ("parent", "grandparent", "sibling", "relative", "other")
APPOINTED_GUARDIANS = (CIVIL_AFFAIRS_GUARDIAN, *HOME_GUARDIANS)
FIELD_LABELS = {
    "on": "日期",
    "outcome": "结果",
    "note": "说明",
    "applicant": "申请单位",
    "filed_on": "申请日期",
    "court_case_number": "法院案号",
    "revoked_parents": "被撤销监护资格的父母",
    "guardian": "监护人",
    "follow_up_dates": "回访日期",
    "documents": "材料",
}


def source_of(case: SafetyCase) -> str:
    """How the registry names the record its facts came from."""
    return f"safety_case:{case.reference}"


class InterventionChangedError(Exception):
    """Someone else took a step first: both values, and nothing written."""

    def __init__(self, *, seen_state: str, seen_version: int, state: str, version: int) -> None:
        self.seen_state, self.seen_version, self.state, self.version = seen_state, seen_version, state, version
        super().__init__(
            f"该监护干预已被他人办理：您看到的是「{InterventionState(seen_state).label}」（版本 {seen_version}），"
            f"现在是「{InterventionState(state).label}」（版本 {version}）。您的操作未执行，请刷新后查看。"
        )


@dataclass(frozen=True)
class StepInput:
    action: str
    on: datetime.date | None
    outcome: str = ""
    note: str = ""
    applicant: str = ""
    filed_on: datetime.date | None = None
    court_case_number: str = ""
    revoked_parents: tuple[str, ...] = ()
    guardian: str = ""
    follow_up_dates: tuple[datetime.date, ...] = ()
    documents: Sequence[tuple[str, UploadedFile]] = field(default_factory=tuple)


@transaction.atomic
def intervention_open(
    *, actor: User, case: SafetyCase, now: datetime.datetime | None = None
) -> GuardianshipIntervention:
    """Start guardianship intervention on a safety case whose child is registered (one per case)."""
    if not may_start_intervention(actor, case):
        raise PermissionDenied("只有办理该个案的县民政局业务人员和县公安局可以启动监护干预")
    if case.child_id is None:
        raise ValidationError("该个案的儿童未在儿童名册中登记：请先登记儿童并关联个案，再启动监护干预")
    if case.state == CaseState.CLOSED:
        raise ValidationError("该个案已结案，不能启动监护干预")
    if GuardianshipIntervention.objects.filter(case=case).exists():
        raise ValidationError("该个案已启动监护干预")
    intervention = GuardianshipIntervention.objects.create(
        case=case,
        child_id=case.child_id,
        region_code=case.region_code,
        township_id=case.township_id,
        opened_at=now or timezone.now(),
        opened_by=actor,
    )
    audit.record(
        actor=actor,
        action="guardianship.open",
        target=intervention,
        summary=f"安全个案 {case.reference}：启动监护干预",
        detail={"case": case.reference},
    )
    return intervention


def _problems(data: StepInput, intervention: GuardianshipIntervention, on_today: datetime.date) -> dict[str, list[str]]:
    s = step(data.action)
    problems: dict[str, list[str]] = {}

    def add(name: str, message: str) -> None:
        problems.setdefault(name, []).append(f"「{FIELD_LABELS[name]}」{message}")

    last = intervention.steps.order_by("-on").values_list("on", flat=True).first()
    if data.on is None:
        add("on", "不能为空，应为日期，如 2026-05-12")
    elif data.on > on_today:
        add("on", "不能晚于今天")
    elif last is not None and data.on < last:
        add("on", f"不能早于上一步的日期 {last}")
    if s.has_outcome and data.outcome not in [value for value, _ in s.outcomes]:
        add("outcome", f"必须选择：{s.outcome_labels()}")
    for name, value in (("note", data.note), ("court_case_number", data.court_case_number)):
        if problem := text_problem(value):
            add(name, problem)
    if len(data.note) > MAX_NOTE:
        add("note", f"最多 {MAX_NOTE} 个字")
    if data.action == A.APPLY:
        if data.applicant not in APPLICANT_UNITS:
            add("applicant", "必须是" + "或".join(APPLICANT_UNITS) + "（只有民政部门或人民检察院可以申请）")
        if data.filed_on is None:
            add("filed_on", "不能为空")
        elif data.filed_on > on_today:
            add("filed_on", "不能晚于今天")
        if len(data.court_case_number) > 60:
            add("court_case_number", "最多 60 个字")
    if data.action == A.DECIDE and data.outcome == Outcome.REVOKED:
        if not data.revoked_parents or set(data.revoked_parents) - PARENTS.keys():
            add("revoked_parents", "判决撤销监护资格的，请选择被撤销的父亲、母亲或二者")
        if data.guardian not in APPOINTED_GUARDIANS:
            add("guardian", "请选择法院指定的监护人（民政部门或亲属）")
        elif data.guardian == "parent" and set(data.revoked_parents) >= PARENTS.keys():
            add("guardian", "父母二人都被撤销监护资格时，不能指定父母为监护人")
    if data.action == A.RETURN_HOME:
        revoked = _revoked_parents(intervention)
        if data.guardian not in HOME_GUARDIANS:
            add("guardian", "请选择儿童回归后由谁监护（父母或亲属）")
        elif data.guardian == "parent" and revoked >= PARENTS.keys():
            add("guardian", "父母二人都已被撤销监护资格，不能送返父母监护")
        if not data.follow_up_dates:
            add("follow_up_dates", "至少安排一次回访")
        elif len(data.follow_up_dates) > MAX_FOLLOW_UPS:
            add("follow_up_dates", f"最多安排 {MAX_FOLLOW_UPS} 次")
        elif data.on is not None and min(data.follow_up_dates) <= data.on:
            add("follow_up_dates", "应晚于送返日期")
    for doc_type, upload in data.documents:
        if doc_type not in DocumentType.values:
            add("documents", "材料类型无效")
        if errors := document_errors(upload):
            problems.setdefault("documents", []).extend(errors)
    if data.action == A.FOLLOW_UP and not intervention.follow_ups.filter(done_on__isnull=True).exists():
        add("on", "没有待完成的回访")
    if reason := close_blocked(data.action, intervention.follow_ups.filter(done_on__isnull=True).count()):
        problems.setdefault("__all__", []).append(reason)
    return problems


def _revoked_parents(intervention: GuardianshipIntervention) -> set[str]:
    rows = intervention.steps.filter(action=A.DECIDE, outcome=Outcome.REVOKED).values_list("revoked_parents", flat=True)
    return {p for value in rows for p in value.split(",") if p}


def _facts(data: StepInput) -> list[tuple[str, Fact]]:
    """What the registry records for a step, in order: (kind, fact)."""
    civil_affairs = Fact(detail=CIVIL_AFFAIRS_GUARDIAN, flag=True)
    if data.action in (A.TEMPORARY, A.LONG_TERM):
        return [(Kind.GUARDIAN, civil_affairs)]
    if data.action == A.DECIDE and data.outcome == Outcome.REVOKED:
        revoked = [(kind, Fact(status="guardianship_revoked", since=data.on)) for kind in data.revoked_parents]
        return [*revoked, (Kind.GUARDIAN, Fact(detail=data.guardian, flag=True))]
    if data.action == A.RETURN_HOME:
        return [(Kind.GUARDIAN, Fact(detail=data.guardian, flag=True))]
    return []


@transaction.atomic
def step_take(
    *,
    actor: User,
    intervention: GuardianshipIntervention,
    data: StepInput,
    expected_version: int,
    expected_state: str | None = None,
    now: datetime.datetime | None = None,
) -> InterventionStep:
    """Take one step of the table: checked, then one conditional UPDATE; the registry follows."""
    s = step(data.action)
    if not may_take_guardianship_step(actor, intervention, s.party):
        raise PermissionDenied(f"您不能记录「{s.label}」")
    data = StepInput(
        **{**data.__dict__, "note": data.note.strip(), "court_case_number": data.court_case_number.strip()}
    )
    problems = _problems(data, intervention, today())
    if problems:
        raise ValidationError(problems)
    assert data.on is not None  # checked above
    target = s.target(data.outcome)
    updated = GuardianshipIntervention.objects.filter(
        pk=intervention.pk, version=expected_version, state__in=s.sources
    ).update(
        state=target, version=F("version") + 1, **({"closed_at": now or timezone.now()} if target == "closed" else {})
    )
    if updated != 1:
        current = GuardianshipIntervention.objects.filter(pk=intervention.pk).values("state", "version").first() or {
            "state": intervention.state,
            "version": intervention.version,
        }
        raise InterventionChangedError(
            seen_state=expected_state or intervention.state,
            seen_version=expected_version,
            state=current["state"],
            version=current["version"],
        )
    before = intervention.state
    unit = responsible_unit(s.task, data.applicant if data.action == A.APPLY else s.unit, data.on)
    recorded = InterventionStep.objects.create(
        intervention=intervention,
        action=data.action,
        outcome=data.outcome,
        on=data.on,
        unit=unit.department,
        unit_basis=unit.basis,
        from_state=before,
        to_state=target,
        note=data.note,
        filed_on=data.filed_on if data.action == A.APPLY else None,
        court_case_number=data.court_case_number if data.action == A.APPLY else "",
        revoked_parents=",".join(data.revoked_parents) if data.outcome == Outcome.REVOKED else "",
        guardian=data.guardian if data.action in (A.DECIDE, A.RETURN_HOME) and data.guardian else "",
        recorded_by=actor,
        recorded_at=now or timezone.now(),
    )
    recorded.registry_changes = _follow_in_registry(actor, intervention, data)
    if recorded.registry_changes:
        recorded.save(update_fields=["registry_changes"])
    if data.action == A.RETURN_HOME:
        FollowUp.objects.bulk_create(
            FollowUp(intervention=intervention, due_on=d) for d in sorted(set(data.follow_up_dates))
        )
    if data.action == A.FOLLOW_UP:
        visit = intervention.follow_ups.filter(done_on__isnull=True).order_by("due_on", "id").first()
        assert visit is not None  # checked above
        FollowUp.objects.filter(pk=visit.pk).update(done_on=data.on, step=recorded)
    for doc_type, upload in data.documents:
        _attach(actor=actor, step=recorded, doc_type=doc_type, upload=upload)
    intervention.refresh_from_db()
    audit.record(
        actor=actor,
        action="guardianship.step",
        target=intervention,
        summary=f"安全个案 {intervention.case.reference}：{s.label}"
        + (f"（{Outcome(data.outcome).label}）" if data.outcome else "")
        + f"，{data.on}",
        detail={
            "step": data.action,
            "outcome": data.outcome,
            "from": before,
            "to": target,
            "on": str(data.on),
            "unit": unit.department.name,
            "registry": recorded.registry_changes,
            "documents": len(data.documents),
        },
    )
    return recorded


def _follow_in_registry(actor: User, intervention: GuardianshipIntervention, data: StepInput) -> list[str]:
    """The registry records what the step established, from the step's date, naming the case."""
    assert data.on is not None
    changes = []
    for kind, fact in _facts(data):
        try:
            change = fact_record(
                actor=actor,
                child=intervention.child,
                kind=kind,
                fact=fact,
                effective=data.on,
                source=source_of(intervention.case),
            )
        except ValidationError as e:
            raise ValidationError({"on": [f"儿童名册不能按该日期记录：{m}" for m in e.messages]}) from e
        except ConcurrentEditError as e:
            raise ValidationError({"__all__": [str(e)]}) from e
        if change is not None:
            changes.append(change.after)
    return changes


def _attach(*, actor: User, step: InterventionStep, doc_type: str, upload: UploadedFile) -> InterventionDocument:
    original = original_name(upload)
    ext = extension_of(original)
    document = InterventionDocument(
        intervention_id=step.intervention_id,
        step=step,
        doc_type=doc_type,
        original_name=original,
        content_type=CONTENT_TYPES[ext],
        size=upload.size or 0,
        uploaded_by=actor,
    )
    document.file.save(stored_name(ext), upload, save=False)
    document.save()
    return document


def document_open(*, actor: User, document: InterventionDocument) -> IO[bytes]:
    """Open a step's document for download, audited. The caller has checked access."""
    handle = document.file.open("rb")
    with transaction.atomic():
        audit.record(
            actor=actor,
            action="guardianship.document_download",
            target=document.intervention,
            summary=f"下载安全个案 {document.intervention.case.reference} 的"
            f"{document.get_doc_type_display()}「{document.original_name}」",
            detail={"document": document.pk},
        )
    return handle  # type: ignore[return-value]


def interventions_listed(*, actor: User, detail: dict[str, Any]) -> None:
    audit.record(
        actor=actor,
        action="guardianship.list",
        object_type="guardianship.guardianshipintervention",
        summary="查看监护干预列表",
        detail=detail,
    )
