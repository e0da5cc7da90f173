"""Working days on the county's calendar: Monday to Friday, unless a `CalendarDay` says otherwise
(holidays off, adjusted weekend days on); and the deadlines a referral gets from it."""

from __future__ import annotations

import datetime

from django.conf import settings

from .models import CalendarDay, MeasureDeadline


class WorkingCalendar:
    def __init__(self, start: datetime.date, end: datetime.date) -> None:
        self.overrides = dict(
            CalendarDay.objects.filter(date__gte=start, date__lte=end).values_list("date", "is_working")
        )

    @classmethod
    def around(cls, day: datetime.date, span_days: int = 120) -> WorkingCalendar:
        return cls(day - datetime.timedelta(days=span_days), day + datetime.timedelta(days=span_days))

    def is_working(self, day: datetime.date) -> bool:
        if day in self.overrides:
            return self.overrides[day]
        return day.weekday() < 5

    def add(self, start: datetime.date, days: int) -> datetime.date:
        """The date `days` working days after `start` (the day of submission does not count)."""
        day = start
        remaining = days
        while remaining > 0:
            day += datetime.timedelta(days=1)
            if self.is_working(day):
                remaining -= 1
        return day

    def between(self, start: datetime.date, end: datetime.date) -> int:
        """Working days after `start` up to and including `end` (negative when end is earlier)."""
        if end < start:
            return -self.between(end, start)
        count, day = 0, start
        while day < end:
            day += datetime.timedelta(days=1)
            count += self.is_working(day)
        return count


def add_working_days(start: datetime.date, days: int) -> datetime.date:
    return WorkingCalendar.around(start, span_days=days * 3 + 30).add(start, days)


def deadlines_for(code: str, start: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The acceptance and decision deadlines of a referral for measure `code` submitted on `start`:
    the measure's working days (`MeasureDeadline`), or the county's defaults."""
    row = MeasureDeadline.objects.filter(code=code).first()
    accept = row.accept_days if row else settings.REFERRAL_ACCEPT_DAYS
    decide = row.decide_days if row else settings.REFERRAL_DECIDE_DAYS
    calendar = WorkingCalendar.around(start, span_days=decide * 3 + 30)
    return calendar.add(start, accept), calendar.add(start, decide)
