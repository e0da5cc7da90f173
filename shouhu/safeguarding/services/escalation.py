"""Escalating clocks: every level whose time has come on a clock not yet done is escalated once
(the unique constraint on (clock, level) holds even if two sweeps overlap), written to the case's
timeline and the audit log, and told after commit by the bell and the outbound (SMS) channel."""

from __future__ import annotations

import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from shouhu.core import audit

from ..clocks import clock_levels_due, clock_next_level_at
from ..models import CaseState, ClockEscalation, ClockStep, EscalationLevel, SafetyCaseEvent, SafetyClock
from ..notify import notify_escalation, unit_name

LEVEL_NOTES = {
    EscalationLevel.UNIT: "时限已过半",
    EscalationLevel.COUNTY: "时限已到，仍未完成",
    EscalationLevel.LEADER: "已超过时限一倍，仍未完成",
}


def escalate_due(*, now: datetime.datetime | None = None) -> int:
    """Escalate every clock whose next level has fallen due; how many escalations were made."""
    now = now or timezone.now()
    due = (
        SafetyClock.objects.filter(next_escalation_at__lte=now, done_at__isnull=True)
        .order_by("next_escalation_at", "pk")
        .values_list("pk", flat=True)
    )
    return sum(escalate_clock(clock_id=pk, now=now) for pk in list(due))


@transaction.atomic
def escalate_clock(*, clock_id: int, now: datetime.datetime) -> int:
    """One clock's levels due by `now`, each in its own savepoint (a level already escalated is
    skipped); the clock then waits for its next level."""
    clock = (
        SafetyClock.objects.select_for_update().select_related("case", "case__township", "department").get(pk=clock_id)
    )
    if clock.done_at is not None or clock.case.state == CaseState.CLOSED:
        SafetyClock.objects.filter(pk=clock.pk).update(next_escalation_at=None)
        return 0
    made = 0
    for level, due_at in clock_levels_due(clock, now):
        try:
            with transaction.atomic():
                escalation = ClockEscalation.objects.create(clock=clock, level=level, at=now, due_at=due_at)
        except IntegrityError:
            continue
        note = (
            f"「{ClockStep(clock.step).label}」{LEVEL_NOTES[EscalationLevel(level)]}"
            f"（负责单位：{unit_name(clock)}，应于 {timezone.localtime(clock.due_at):%m-%d %H:%M} 前完成）："
            f"{EscalationLevel(level).label}"
        )
        SafetyCaseEvent.objects.create(case=clock.case, at=now, action="escalated", note=note)
        audit.record(
            actor=None,
            action="safety.clock_escalate",
            target=clock.case,
            summary=f"安全个案 {clock.case.reference}：{note}",
            detail={"step": clock.step, "level": level, "due_at": due_at.isoformat()},
        )
        transaction.on_commit(lambda pk=escalation.pk: notify_escalation(pk))  # type: ignore[misc]
        made += 1
    SafetyClock.objects.filter(pk=clock.pk).update(next_escalation_at=clock_next_level_at(clock, now))
    return made
