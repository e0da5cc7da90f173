"""Reporting periods: keys, boundaries, due dates, current and previous periods."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError

from shouhu.policy.models import PolicyTask, ReportFrequency
from shouhu.policy.supervision.periods import (
    DEFAULT_REPORT_DUE_DAYS,
    current_period,
    due_date,
    parse_period,
    period_bounds,
    period_for_task,
    period_key,
    previous_period,
    recent_periods,
)

D = datetime.date
M, Q, H, Y = ReportFrequency.MONTHLY, ReportFrequency.QUARTERLY, ReportFrequency.HALF_YEARLY, ReportFrequency.YEARLY


@pytest.mark.parametrize(
    ("day", "frequency", "key"),
    [
        (D(2026, 11, 28), Q, "2026Q4"),
        (D(2026, 11, 28), M, "2026M11"),
        (D(2026, 11, 28), H, "2026H2"),
        (D(2026, 11, 28), Y, "2026"),
        (D(2026, 1, 1), Q, "2026Q1"),
        (D(2026, 3, 31), Q, "2026Q1"),
        (D(2026, 4, 1), Q, "2026Q2"),
        (D(2026, 6, 30), Q, "2026Q2"),
        (D(2026, 7, 1), Q, "2026Q3"),
        (D(2026, 9, 30), Q, "2026Q3"),
        (D(2026, 10, 1), Q, "2026Q4"),
        (D(2026, 12, 31), Q, "2026Q4"),
        (D(2026, 6, 30), H, "2026H1"),
        (D(2026, 7, 1), H, "2026H2"),
        (D(2026, 3, 5), M, "2026M03"),
        (D(2026, 12, 31), Y, "2026"),
        (D(2027, 1, 1), Y, "2027"),
    ],
)
def test_period_key(day: datetime.date, frequency: str, key: str) -> None:
    assert period_key(day, frequency) == key


@pytest.mark.parametrize(
    ("key", "start", "end"),
    [
        ("2026Q1", D(2026, 1, 1), D(2026, 3, 31)),
        ("2026Q2", D(2026, 4, 1), D(2026, 6, 30)),
        ("2026Q3", D(2026, 7, 1), D(2026, 9, 30)),
        ("2026Q4", D(2026, 10, 1), D(2026, 12, 31)),
        ("2026M02", D(2026, 2, 1), D(2026, 2, 28)),
        ("2028M02", D(2028, 2, 1), D(2028, 2, 29)),
        ("2026M11", D(2026, 11, 1), D(2026, 11, 30)),
        ("2026M12", D(2026, 12, 1), D(2026, 12, 31)),
        ("2026H1", D(2026, 1, 1), D(2026, 6, 30)),
        ("2026H2", D(2026, 7, 1), D(2026, 12, 31)),
        ("2026", D(2026, 1, 1), D(2026, 12, 31)),
    ],
)
def test_period_bounds(key: str, start: datetime.date, end: datetime.date) -> None:
    assert period_bounds(key) == (start, end)


def test_due_date_defaults_to_ten_days_after_the_end() -> None:
    assert DEFAULT_REPORT_DUE_DAYS == 10
    assert due_date("2026Q4") == D(2027, 1, 10)
    assert due_date("2026Q1") == D(2026, 4, 10)
    assert due_date("2026M02") == D(2026, 3, 10)
    assert due_date("2026H1") == D(2026, 7, 10)
    assert due_date("2026") == D(2027, 1, 10)


def test_due_date_follows_the_setting(settings: object) -> None:
    settings.SUPERVISION_REPORT_DUE_DAYS = 5  # type: ignore[attr-defined]
    assert due_date("2026Q4") == D(2027, 1, 5)
    settings.SUPERVISION_REPORT_DUE_DAYS = 0  # type: ignore[attr-defined]
    assert due_date("2026M01") == D(2026, 1, 31)


def test_current_and_previous_period() -> None:
    on = D(2026, 11, 28)
    assert current_period(Q, on).key == "2026Q4"
    assert previous_period(Q, on).key == "2026Q3"
    assert previous_period(Q, D(2026, 2, 1)).key == "2025Q4"
    assert previous_period(M, D(2026, 1, 15)).key == "2025M12"
    assert previous_period(H, D(2026, 3, 1)).key == "2025H2"
    assert previous_period(Y, on).key == "2025"
    assert current_period(Q, on).next().key == "2027Q1"
    assert [p.key for p in recent_periods(Q, 4, on)] == ["2026Q4", "2026Q3", "2026Q2", "2026Q1"]
    assert [p.key for p in recent_periods(M, 3, D(2026, 2, 10))] == ["2026M02", "2026M01", "2025M12"]


def test_labels() -> None:
    assert parse_period("2026Q4").label == "2026年第四季度"
    assert parse_period("2026M11").label == "2026年11月"
    assert parse_period("2026H1").label == "2026年上半年"
    assert parse_period("2026").label == "2026年度"


def test_parse_period_normalises_and_rejects() -> None:
    assert parse_period("2026m3").key == "2026M03"
    assert parse_period(" 2026q4 ").key == "2026Q4"
    for bad in ("2026Q5", "2026M13", "2026H3", "2026Q0", "26Q1", "abc", ""):
        with pytest.raises(ValidationError) as error:
            parse_period(bad)
        assert "报告期" in error.value.messages[0]


def test_a_task_answers_for_a_chosen_period_with_its_own() -> None:
    on = D(2026, 11, 28)
    monthly, yearly = PolicyTask(report_frequency=M), PolicyTask(report_frequency=Y)
    assert period_for_task(monthly, None, on).key == "2026M11"
    assert period_for_task(monthly, parse_period("2026Q4"), on).key == "2026M11"  # the quarter contains today
    assert period_for_task(monthly, parse_period("2026Q3"), on).key == "2026M09"  # a past quarter: its last month
    assert period_for_task(yearly, parse_period("2025Q2"), on).key == "2025"
    assert period_for_task(PolicyTask(report_frequency=Q), parse_period("2027"), on).key == "2027Q1"
