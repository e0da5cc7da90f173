"""Clocks count hours around the clock (or working days on the county's calendar) and escalate at
50%, 100% and 200% of their time, each level exactly once, at the first sweep after it falls due:
checked with a controllable clock (the sweep's `now`) over nights, weekends and holidays, sweeps
at any spacing (outages included) and steps done at any moment. A working-day clock's shares are
of working time, computed here independently of the code under test."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shouhu.accounts.models import User
from shouhu.casework.models import CalendarDay
from shouhu.casework.tests.helpers import import_table
from shouhu.core.models import AuditEvent, Notification
from shouhu.core.periodic import registered_jobs
from shouhu.safeguarding import services
from shouhu.safeguarding.models import ClockEscalation, ClockSetting, SafetyCaseEvent
from shouhu.safeguarding.tasks import clock_escalations

from .factories import file_report

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
PERCENT = {"unit": 50, "county": 100, "leader": 200}
HOLIDAYS = [datetime.date(2026, 2, d) for d in range(15, 24)] + [datetime.date(2026, 10, d) for d in range(1, 8)]
# Adjusted weekend days worked (调休上班) around the Spring Festival and National Day.
ADJUSTED = [datetime.date(2026, 2, 14), datetime.date(2026, 2, 28), datetime.date(2026, 10, 10)]


def _start(minutes: int) -> datetime.datetime:
    """A moment of 2026 (Shanghai time), by the minute: nights, weekends, the Spring Festival."""
    return datetime.datetime(2026, 1, 1, tzinfo=SHANGHAI) + datetime.timedelta(minutes=minutes)


# Each example runs in a savepoint rolled back at its end, so the fixture's personas are all it shares.
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    start_minute=st.integers(0, 364 * 24 * 60),
    hours=st.integers(1, 72),
    # Sweep moments as shares (per mille) of three times the clock: bunched, sparse, or with long outages.
    sweeps=st.lists(st.integers(0, 3000), min_size=1, max_size=25),
    # And sweeps a few seconds either side of a level's moment, where an early or late one shows.
    near=st.lists(st.tuples(st.sampled_from(sorted(PERCENT.values())), st.integers(-90, 90)), max_size=6),
    done=st.none() | st.integers(0, 3000),
    urgent=st.booleans(),
)
def test_each_level_escalates_once_at_the_first_sweep_after_it_falls_due(
    personas: dict[str, User],
    start_minute: int,
    hours: int,
    sweeps: list[int],
    near: list[tuple[int, int]],
    done: int | None,
    urgent: bool,
) -> None:
    with transaction.atomic():
        for day in HOLIDAYS:
            CalendarDay.objects.get_or_create(date=day, defaults={"is_working": False, "note": "节假日"})
        ClockSetting.objects.create(
            parameter="acknowledge", value=hours, valid_from=datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)
        )
        start = _start(start_minute)
        span = datetime.timedelta(hours=hours) * 3
        case = file_report(
            personas["reporter_a"], now=start, urgent=urgent, observed_at=start - datetime.timedelta(hours=1)
        ).case
        clock = case.clocks.get(step="acknowledge")
        assert clock.due_at == start + datetime.timedelta(hours=hours)  # no night, weekend or holiday stops it
        moments = sorted(
            {start + span * s / 1000 for s in sweeps}
            | {start + datetime.timedelta(minutes=hours * 60 * p / 100, seconds=d) for p, d in near}
        )
        done_at = start + span * done / 1000 if done is not None else None
        acknowledged = False
        for moment in moments:
            if done_at is not None and not acknowledged and done_at <= moment:
                services.case_transition(
                    actor=personas["caseworker"], case=case, action="acknowledge", expected_version=1, now=done_at
                )
                acknowledged = True
            services.escalate_due(now=moment)
            made = dict(ClockEscalation.objects.filter(clock=clock).values_list("level", "at"))
            # Never early, never missed, never twice: exactly the levels due by now on a clock not yet done.
            expected = {}
            for level, percent in PERCENT.items():
                falls_due = start + datetime.timedelta(minutes=hours * 60 * percent / 100)
                first = next(
                    (m for m in moments if m >= falls_due and m <= moment and (done_at is None or m < done_at)),
                    None,
                )
                if first is not None:
                    expected[level] = first
            assert made == expected
            assert ClockEscalation.objects.filter(clock=clock).count() == len(expected)
        escalated = SafetyCaseEvent.objects.filter(case=case, action="escalated", note__contains="响应").count()
        assert escalated == ClockEscalation.objects.filter(clock=clock).count()
        transaction.set_rollback(True)


def test_a_missed_clock_escalates_exactly_once_by_bell_sms_and_timeline(
    personas: dict[str, User], django_capture_on_commit_callbacks: object
) -> None:
    import_table()  # 县公安局 leads: the caseworker hears at the county level only
    caseworker = personas["caseworker"]
    User.objects.filter(pk=caseworker.pk).update(phone="13900002222")
    start = timezone.now() - datetime.timedelta(hours=3)
    case = file_report(personas["reporter_a"], now=start, observed_at=start - datetime.timedelta(hours=1)).case
    clock = case.clocks.get(step="acknowledge")  # 1 hour: missed two hours ago
    for minutes in (61, 62, 90, 150):
        with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
            services.escalate_due(now=start + datetime.timedelta(minutes=minutes))
    county = ClockEscalation.objects.get(clock=clock, level="county")
    assert county.at == start + datetime.timedelta(minutes=61)
    assert list(ClockEscalation.objects.filter(clock=clock).values_list("level", flat=True).order_by("due_at")) == [
        "unit",
        "county",
        "leader",
    ]
    told = Notification.objects.filter(recipient=caseworker, kind="safety.escalated.county")
    assert told.count() == 1 and case.reference in told.get().title
    assert Notification.objects.filter(recipient=personas["leader"], kind="safety.escalated.leader").count() == 1
    assert "儿童" not in Notification.objects.get(recipient=personas["leader"]).title.replace("见到儿童", "")
    sms = [r for r in DBTaskResult.objects.all() if "13900002222" in str(r.args_kwargs)]
    assert len(sms) == 1 and case.reference in str(sms[0].args_kwargs)
    assert SafetyCaseEvent.objects.filter(case=case, action="escalated", note__contains="响应").count() == 3
    assert AuditEvent.objects.filter(action="safety.clock_escalate", object_id=str(case.pk)).count() >= 3


def test_a_step_done_in_time_is_never_escalated_again(personas: dict[str, User]) -> None:
    start = timezone.now() - datetime.timedelta(hours=1)
    case = file_report(personas["reporter_a"], now=start, observed_at=start).case
    services.escalate_due(now=start + datetime.timedelta(minutes=31))
    services.case_transition(
        actor=personas["caseworker"],
        case=case,
        action="acknowledge",
        expected_version=1,
        now=start + datetime.timedelta(minutes=40),
    )
    services.escalate_due(now=start + datetime.timedelta(hours=5))
    clock = case.clocks.get(step="acknowledge")
    assert list(ClockEscalation.objects.filter(clock=clock).values_list("level", flat=True)) == ["unit"]


def test_the_sweep_is_a_periodic_job_of_a_minute_at_most(personas: dict[str, User]) -> None:
    job = registered_jobs()["safeguarding.clock_escalations"]
    assert job.every <= datetime.timedelta(minutes=1)
    start = timezone.now() - datetime.timedelta(hours=2)
    case = file_report(personas["reporter_a"], now=start, observed_at=start).case
    # At 61 minutes the acknowledge clock (1 h) is past its half and its end; seeing the child (24 h) is not.
    assert clock_escalations.call(now=(start + datetime.timedelta(minutes=61)).isoformat()) == {"escalated": 2}
    assert set(ClockEscalation.objects.filter(clock__case=case).values_list("level", flat=True)) == {"unit", "county"}


def _working(day: datetime.date) -> bool:
    return day in ADJUSTED or (day.weekday() < 5 and day not in HOLIDAYS)


def _working_share(start: datetime.datetime, days: int, percent: int) -> datetime.datetime:
    """When `percent` of `days` working days have passed since `start`: whole working days from
    00:00 of the day after the start's, weekends and holidays skipped (adjusted days worked)."""
    left = datetime.timedelta(hours=24 * days * percent / 100)
    day = start.astimezone(SHANGHAI).date()
    while True:
        day += datetime.timedelta(days=1)
        if not _working(day):
            continue
        if left <= datetime.timedelta(days=1):
            return datetime.datetime.combine(day, datetime.time(), SHANGHAI) + left
        left -= datetime.timedelta(days=1)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    start_minute=st.integers(0, 330 * 24 * 60),
    days=st.integers(1, 12),
    sweeps=st.lists(st.integers(0, 1500), min_size=1, max_size=20),
    # A worker sweeping every minute around a level's moment, from up to 90 s before it.
    near=st.lists(st.tuples(st.sampled_from(sorted(PERCENT.values())), st.integers(-90, 0)), max_size=4),
    done=st.none() | st.integers(0, 1500),
)
def test_a_working_day_clock_escalates_once_per_level_on_working_time(
    personas: dict[str, User],
    start_minute: int,
    days: int,
    sweeps: list[int],
    near: list[tuple[int, int]],
    done: int | None,
) -> None:
    with transaction.atomic():
        for day in HOLIDAYS:
            CalendarDay.objects.get_or_create(date=day, defaults={"is_working": False, "note": "节假日"})
        for day in ADJUSTED:
            CalendarDay.objects.get_or_create(date=day, defaults={"is_working": True, "note": "调休上班"})
        ClockSetting.objects.create(
            parameter="assess", value=days, valid_from=datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)
        )
        start = _start(start_minute)
        case = file_report(
            personas["reporter_a"],
            now=start - datetime.timedelta(hours=2),
            observed_at=start - datetime.timedelta(hours=3),
        ).case
        caseworker = personas["caseworker"]
        services.case_transition(actor=caseworker, case=case, action="acknowledge", expected_version=1, now=start)
        services.case_transition(
            actor=caseworker, case=case, action="see_child", expected_version=2, note="见到", now=start
        )
        clock = case.clocks.get(step="assess")
        falls_due = {level: _working_share(start, days, percent) for level, percent in PERCENT.items()}
        assert clock.due_at == falls_due["county"]
        span = falls_due["leader"] - start
        moments = {start + span * s / 1000 for s in sweeps}
        for percent, offset in near:
            level = next(k for k, v in PERCENT.items() if v == percent)
            moments |= {falls_due[level] + datetime.timedelta(seconds=offset + 60 * k) for k in range(3)}
        ordered = sorted(m for m in moments if m >= start)
        done_at = start + span * done / 1000 if done is not None else None
        assessed = False
        for moment in ordered:
            if done_at is not None and not assessed and done_at <= moment:
                services.assessment_record(
                    actor=caseworker, case=case, expected_version=3, expected_assessment=0, level="medium",
                    factors=["trauma"], now=done_at,
                )  # fmt: skip
                assessed = True
            services.escalate_due(now=moment)
            made = dict(ClockEscalation.objects.filter(clock=clock).values_list("level", "at"))
            expected = {}
            for level, due in falls_due.items():
                first = next(
                    (m for m in ordered if due <= m <= moment and (done_at is None or m < done_at)),
                    None,
                )
                if first is not None:
                    expected[level] = first
            assert made == expected  # never early, never missed, never twice
        for escalation in ClockEscalation.objects.filter(clock=clock):
            assert escalation.due_at == falls_due[escalation.level]
            # Working time passes on working days only: a level falls due at the end of working time.
            assert _working(timezone.localtime(escalation.due_at - datetime.timedelta(microseconds=1)).date())
            if PERCENT[escalation.level] in {p for p, _ in near}:
                # A worker sweeping every minute is never more than 60 s late.
                assert escalation.at - escalation.due_at <= datetime.timedelta(seconds=60)
        transaction.set_rollback(True)
