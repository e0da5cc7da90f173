"""Calendar arithmetic of the policy rules (shared/design/policy-rules.md, "Dates and ages")."""

from __future__ import annotations

import calendar
import datetime


def add_months(day: datetime.date, months: int) -> datetime.date:
    """Calendar months, clamped to the month's end: 2024-08-31 + 6 months = 2025-02-28."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return datetime.date(year, month + 1, min(day.day, last))


def latest_start_for(as_of: datetime.date, months: int) -> datetime.date:
    """The latest D1 with D1 + `months` <= as_of, so "as_of >= D1 + months" becomes "D1 <= this"."""
    start = add_months(as_of, -months)
    # Clamping maps several month-end days onto one: step forward while they still qualify.
    while add_months(start + datetime.timedelta(days=1), months) <= as_of:
        start += datetime.timedelta(days=1)
    while add_months(start, months) > as_of:
        start -= datetime.timedelta(days=1)
    return start


def birth_date_limit(as_of: datetime.date, age: int) -> datetime.date:
    """The latest birth date of a child aged at least `age` on `as_of` (a birthday on the as-of date
    counts as reached; 29 February birthdays are reached on 1 March in other years)."""
    try:
        return as_of.replace(year=as_of.year - age)
    except ValueError:  # as_of is 29 February, the target year is not a leap year
        return datetime.date(as_of.year - age, 2, 28)
