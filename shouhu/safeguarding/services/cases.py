"""A safety case's transitions: the one table in `transitions.py` says which are allowed; this
checks it in one conditional UPDATE (on the expected state and version), so of two people acting
at once one wins and the other is told what changed, with both values."""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from shouhu.access import may_handle_safety_case
from shouhu.accounts.models import Department, User
from shouhu.core import audit
from shouhu.core.input_text import text_problem

from ..clocks import REVIEW_PARAMETERS, clock_next_level_at, value_in_force, working_moment
from ..models import (
    CaseState,
    ClockParameter,
    ClockStep,
    RiskAssessment,
    RiskLevel,
    SafetyCase,
    SafetyCaseEvent,
    SafetyCaseUnit,
    SafetyClock,
)
from ..notify import notify_reporter
from ..routing import FALLBACK_UNIT
from ..transitions import REPORT_STATUS, guard_problem, transition

MAX_NOTE = 2000


class SafetyCaseChangedError(Exception):
    """Someone else changed the case first: both values, and nothing written."""

    def __init__(self, *, seen_state: str, seen_version: int, state: str, version: int) -> None:
        self.seen_state, self.seen_version, self.state, self.version = seen_state, seen_version, state, version
        super().__init__(
            f"该个案已被他人处理：您看到的是「{CaseState(seen_state).label}」（版本 {seen_version}），"
            f"现在是「{CaseState(state).label}」（版本 {version}）。您的操作未执行，请刷新后查看。"
        )


@transaction.atomic
def case_transition(
    *,
    actor: User,
    case: SafetyCase,
    action: str,
    expected_version: int,
    expected_state: str | None = None,
    note: str = "",
    now: datetime.datetime | None = None,
) -> SafetyCase:
    step = transition(action)
    if not may_handle_safety_case(actor, case):
        raise PermissionDenied("只有承办单位、县民政局和属地乡镇可以办理该个案")
    note = note.strip()
    problem = text_problem(note)
    if problem:
        raise ValidationError({"note": [f"「{step.note_label}」{problem}"]})
    if step.needs_note and not note:
        raise ValidationError({"note": [f"「{step.note_label}」不能为空：{step.label}须写明"]})
    if len(note) > MAX_NOTE:
        raise ValidationError({"note": [f"「{step.note_label}」最多 {MAX_NOTE} 个字"]})
    guarded = guard_problem(step, case)
    if guarded:
        raise ValidationError({"__all__": [guarded]})
    now = now or timezone.now()
    fields: dict[str, object] = {"state": step.target, "version": F("version") + 1}
    if step.target == CaseState.CLOSED:
        fields["closed_at"] = now
    updated = SafetyCase.objects.filter(pk=case.pk, version=expected_version, state__in=step.sources).update(**fields)
    if updated != 1:
        current = SafetyCase.objects.filter(pk=case.pk).values("state", "version").first() or {
            "state": case.state,
            "version": case.version,
        }
        raise SafetyCaseChangedError(
            seen_state=expected_state or case.state,
            seen_version=expected_version,
            state=current["state"],
            version=current["version"],
        )
    before = case.state
    if step.completes:
        SafetyClock.objects.filter(case=case, step=step.completes, done_at__isnull=True).update(
            done_at=now, done_by=actor, next_escalation_at=None
        )
    if step.target == CaseState.CLOSED:
        # Nothing is left to escalate on a closed case.
        SafetyClock.objects.filter(case=case).update(next_escalation_at=None)
    elif step.starts:
        start_clock(case=case, step=step.starts, now=now)
    case.refresh_from_db()
    SafetyCaseEvent.objects.create(
        case=case, at=now, actor=actor, action=action, from_state=before, to_state=step.target, note=note
    )
    audit.record(
        actor=actor,
        action=f"safety.case_{action}",
        target=case,
        summary=f"安全个案 {case.reference}：{step.label}",
        detail={"from": before, "to": step.target, "note": note},
    )
    if REPORT_STATUS[before] != REPORT_STATUS[step.target]:
        transaction.on_commit(lambda: notify_reporter(case.pk))
    return case


# Which parameter sets a working-day step's clock (a review's: by the case's latest risk level).
STEP_PARAMETERS: dict[str, str] = {ClockStep.ASSESS: ClockParameter.ASSESS, ClockStep.PLAN: ClockParameter.PLAN}


def start_clock(*, case: SafetyCase, step: str, now: datetime.datetime) -> SafetyClock | None:
    """Start a working-day clock for `step` from `now`, with the value in force now. The
    assessment's and the plan's start once (a re-assessment does not restart the plan's); each
    review starts the next round, its period by the latest assessment's risk level. County civil
    affairs answers for these steps (the case's lead unit where it has none)."""
    if step == ClockStep.REVIEW:
        latest = RiskAssessment.objects.filter(case=case).order_by("-number").values_list("level", flat=True).first()
        parameter = REVIEW_PARAMETERS[latest or RiskLevel.MEDIUM]
        last = SafetyClock.objects.filter(case=case, step=step).order_by("-round").values_list("round", flat=True)
        round_ = (last.first() or 0) + 1
    else:
        if SafetyClock.objects.filter(case=case, step=step).exists():
            return None
        parameter, round_ = STEP_PARAMETERS[step], 1
    days = value_in_force(parameter, now)
    clock = SafetyClock(
        case=case,
        step=step,
        round=round_,
        department=_working_day_unit(case),
        working_days=days,
        started_at=now,
        due_at=working_moment(now, days, 100),
    )
    clock.next_escalation_at = clock_next_level_at(clock, now)
    clock.save()
    return clock


def _working_day_unit(case: SafetyCase) -> Department:
    unit = Department.objects.filter(name=FALLBACK_UNIT).first()
    if unit is not None:
        return unit
    return SafetyCaseUnit.objects.select_related("department").filter(case=case).order_by("pk").first().department  # type: ignore[union-attr]
