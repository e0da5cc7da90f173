"""Clocks: the escalation ladder, when each level falls due, and the value in force for a step
(county parameters with history, `ClockSetting`).

Two units. The emergency steps (acknowledge, see the child) count **hours around the clock**:
nights, weekends and holidays do not stop them; a due time is the start plus its hours. The
assessment, the plan and the reviews count **working days** on the county's calendar
(`casework.calendar`: Monday to Friday, `CalendarDay` holidays off and adjusted weekend days on):
the day the clock starts does not count, and N working days are due at the end (24:00) of the
Nth working day after it. A level falls due at its share of the clock's time (`LADDER`): at half
of it the responsible unit is reminded, when it runs out county civil affairs is told, and when it
has run out for as long again the county's leaders are. For a working-day clock the share is of
working time: only working days pass (each as a whole day from 00:00), so half of 3 working days
is noon of the second working day after the start, and no level falls due on a holiday.
"""

from __future__ import annotations

import datetime

from django.utils import timezone

from .models import ClockParameter, ClockSetting, ClockStep, ClockUnit, EscalationLevel, RiskLevel, SafetyClock

# (level, percent of the clock's time at which it falls due), in order.
LADDER: tuple[tuple[str, int], ...] = (
    (EscalationLevel.UNIT, 50),
    (EscalationLevel.COUNTY, 100),
    (EscalationLevel.LEADER, 200),
)
P = ClockParameter
PARAMETER_UNITS: dict[str, str] = {
    P.ACKNOWLEDGE: ClockUnit.HOURS,
    P.SEE_CHILD: ClockUnit.HOURS,
    P.SEE_CHILD_URGENT: ClockUnit.HOURS,
    P.ASSESS: ClockUnit.WORKING_DAYS,
    P.PLAN: ClockUnit.WORKING_DAYS,
    P.REVIEW_URGENT: ClockUnit.WORKING_DAYS,
    P.REVIEW_HIGH: ClockUnit.WORKING_DAYS,
    P.REVIEW_MEDIUM: ClockUnit.WORKING_DAYS,
    P.REVIEW_LOW: ClockUnit.WORKING_DAYS,
}
# Defaults a fresh database starts with (migrations 0002 and 0006), in each parameter's unit.
# The working-day ones are this slice's proposal, 待确认 with the county.
DEFAULTS: dict[str, int] = {
    P.ACKNOWLEDGE: 1,
    P.SEE_CHILD: 24,
    P.SEE_CHILD_URGENT: 2,
    P.ASSESS: 3,
    P.PLAN: 5,
    P.REVIEW_URGENT: 5,
    P.REVIEW_HIGH: 10,
    P.REVIEW_MEDIUM: 20,
    P.REVIEW_LOW: 60,
}
DEFAULT_HOURS = DEFAULTS  # the name report filing reads
MAX_VALUE: dict[str, int] = {ClockUnit.HOURS: 720, ClockUnit.WORKING_DAYS: 250}
MAX_HOURS = MAX_VALUE[ClockUnit.HOURS]
REVIEW_PARAMETERS: dict[str, str] = {
    RiskLevel.URGENT: P.REVIEW_URGENT,
    RiskLevel.HIGH: P.REVIEW_HIGH,
    RiskLevel.MEDIUM: P.REVIEW_MEDIUM,
    RiskLevel.LOW: P.REVIEW_LOW,
}
DAY_MICRO = 86_400 * 1_000_000


def level_due(started_at: datetime.datetime, due_at: datetime.datetime, percent: int) -> datetime.datetime:
    """When a level at `percent` of an hour clock's time falls due (to the microsecond, rounded down)."""
    span = due_at - started_at
    micro = (span.days * 86_400 + span.seconds) * 1_000_000 + span.microseconds
    return started_at + datetime.timedelta(microseconds=micro * percent // 100)


def levels_due(
    started_at: datetime.datetime, due_at: datetime.datetime, now: datetime.datetime
) -> list[tuple[str, datetime.datetime]]:
    """Every level of an hour clock whose time has come by `now`, with when it fell due."""
    return [(level, at) for level, percent in LADDER if (at := level_due(started_at, due_at, percent)) <= now]


def next_level_at(
    started_at: datetime.datetime, due_at: datetime.datetime, now: datetime.datetime
) -> datetime.datetime | None:
    """When the first level of an hour clock still to come after `now` falls due (None past the last)."""
    for _level, percent in LADDER:
        at = level_due(started_at, due_at, percent)
        if at > now:
            return at
    return None


def _midnight(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time()))


def working_moment(started_at: datetime.datetime, days: int, percent: int) -> datetime.datetime:
    """The moment `percent` of `days` working days after `started_at` have passed: working days
    only, each from its 00:00, counted from the day after the start's (local) day."""
    from shouhu.casework.calendar import WorkingCalendar

    first = timezone.localdate(started_at)
    remaining = DAY_MICRO * days * percent // 100
    calendar = WorkingCalendar(first, first + datetime.timedelta(days=days * percent // 100 * 2 + 60))
    day = first
    while True:
        day += datetime.timedelta(days=1)
        if not calendar.is_working(day):
            continue
        if remaining <= DAY_MICRO:
            return _midnight(day) + datetime.timedelta(microseconds=remaining)
        remaining -= DAY_MICRO


def ladder(clock: SafetyClock) -> list[tuple[str, datetime.datetime]]:
    """Every level of the clock with when it falls due, in order."""
    if clock.working_days is None:
        return [(level, level_due(clock.started_at, clock.due_at, percent)) for level, percent in LADDER]
    return [(level, working_moment(clock.started_at, clock.working_days, percent)) for level, percent in LADDER]


def clock_levels_due(clock: SafetyClock, now: datetime.datetime) -> list[tuple[str, datetime.datetime]]:
    return [(level, at) for level, at in ladder(clock) if at <= now]


def clock_next_level_at(clock: SafetyClock, now: datetime.datetime) -> datetime.datetime | None:
    return next((at for _level, at in ladder(clock) if at > now), None)


def parameter_for(step: str, *, urgent: bool) -> str:
    if step == ClockStep.ACKNOWLEDGE:
        return ClockParameter.ACKNOWLEDGE
    return ClockParameter.SEE_CHILD_URGENT if urgent else ClockParameter.SEE_CHILD


def value_in_force(parameter: str, at: datetime.datetime) -> int:
    """The parameter's value (in its unit) at `at`: the latest row that started by then (the
    default without one). The one way every clock reads a parameter."""
    row = (
        ClockSetting.objects.filter(parameter=parameter, valid_from__lte=at)
        .order_by("-valid_from", "-id")
        .values_list("value", flat=True)
        .first()
    )
    return row if row is not None else DEFAULTS[parameter]


hours_in_force = value_in_force  # the hour parameters' reading, as report filing calls it


def unit_label(unit: str, amount: int | None) -> str:
    return f"{amount} {ClockUnit(unit).label}"
