"""Clocks in hours around the clock: the escalation ladder, when each level falls due, and the
hours in force for a step (county parameters with history, `ClockSetting`).

Nights, weekends and holidays do not stop a clock: a due time is the start plus its hours, and a
level falls due at its share of that time (`LADDER`): at half of it the responsible unit is
reminded, when it runs out county civil affairs is told, and when it has run out for as long again
the county's leaders are."""

from __future__ import annotations

import datetime

from .models import ClockParameter, ClockSetting, ClockStep, EscalationLevel

# (level, percent of the clock's time at which it falls due), in order.
LADDER: tuple[tuple[str, int], ...] = (
    (EscalationLevel.UNIT, 50),
    (EscalationLevel.COUNTY, 100),
    (EscalationLevel.LEADER, 200),
)
# Defaults a fresh database starts with (migration 0002), in hours.
DEFAULT_HOURS: dict[str, int] = {
    ClockParameter.ACKNOWLEDGE: 1,
    ClockParameter.SEE_CHILD: 24,
    ClockParameter.SEE_CHILD_URGENT: 2,
}
MAX_HOURS = 720


def level_due(started_at: datetime.datetime, due_at: datetime.datetime, percent: int) -> datetime.datetime:
    """When a level at `percent` of the clock's time falls due (to the microsecond, rounded down)."""
    span = due_at - started_at
    micro = (span.days * 86_400 + span.seconds) * 1_000_000 + span.microseconds
    return started_at + datetime.timedelta(microseconds=micro * percent // 100)


def levels_due(
    started_at: datetime.datetime, due_at: datetime.datetime, now: datetime.datetime
) -> list[tuple[str, datetime.datetime]]:
    """Every level whose time has come by `now`, with when it fell due."""
    return [(level, at) for level, percent in LADDER if (at := level_due(started_at, due_at, percent)) <= now]


def next_level_at(
    started_at: datetime.datetime, due_at: datetime.datetime, now: datetime.datetime
) -> datetime.datetime | None:
    """When the first level still to come after `now` falls due (None past the last)."""
    for _level, percent in LADDER:
        at = level_due(started_at, due_at, percent)
        if at > now:
            return at
    return None


def parameter_for(step: str, *, urgent: bool) -> str:
    if step == ClockStep.ACKNOWLEDGE:
        return ClockParameter.ACKNOWLEDGE
    return ClockParameter.SEE_CHILD_URGENT if urgent else ClockParameter.SEE_CHILD


def hours_in_force(parameter: str, at: datetime.datetime) -> int:
    """The parameter's hours at `at`: the latest row that started by then (the default without one)."""
    row = (
        ClockSetting.objects.filter(parameter=parameter, valid_from__lte=at)
        .order_by("-valid_from", "-id")
        .values_list("hours", flat=True)
        .first()
    )
    return row if row is not None else DEFAULT_HOURS[parameter]
