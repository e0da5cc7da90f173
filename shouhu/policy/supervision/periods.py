"""Reporting periods of supervision (督办) and their due dates.

Every task reports once per period of its `report_frequency`. A period has a key — ``2026M03``
(month, zero-padded so keys sort), ``2026Q4``, ``2026H2``, ``2026`` — start and end dates, and a
due date ``SUPERVISION_REPORT_DUE_DAYS`` days after its end.

The bottom of the supervision package: selectors, services, reports and reminders all count in
periods, and this module depends on none of them.
"""

from __future__ import annotations

import calendar
import datetime
import re
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError

from shouhu.core.dates import today

from ..models import PolicyTask, ReportFrequency

DEFAULT_REPORT_DUE_DAYS = 10  # used when settings.SUPERVISION_REPORT_DUE_DAYS is not set
DUE_SOON_DAYS = 3  # the "due soon" reminder goes out this many days before the due date

_KEY_RE = re.compile(r"^(?P<year>\d{4})(?:(?P<kind>[MQH])(?P<index>\d{1,2}))?$")
_FREQUENCY_BY_KIND = {
    "M": ReportFrequency.MONTHLY,
    "Q": ReportFrequency.QUARTERLY,
    "H": ReportFrequency.HALF_YEARLY,
    None: ReportFrequency.YEARLY,
}
_MONTHS_PER_PERIOD = {
    ReportFrequency.MONTHLY: 1,
    ReportFrequency.QUARTERLY: 3,
    ReportFrequency.HALF_YEARLY: 6,
    ReportFrequency.YEARLY: 12,
}
_QUARTER_NAMES = {1: "一", 2: "二", 3: "三", 4: "四"}


def report_due_days() -> int:
    """Days after a period's end by which its report is due (setting SUPERVISION_REPORT_DUE_DAYS)."""
    return int(getattr(settings, "SUPERVISION_REPORT_DUE_DAYS", DEFAULT_REPORT_DUE_DAYS))


@dataclass(frozen=True, order=True)
class Period:
    """One reporting period. Ordered by start date."""

    start: datetime.date
    frequency: str
    index: int  # month 1–12, quarter 1–4, half 1–2, 1 for a year

    @property
    def year(self) -> int:
        return self.start.year

    @property
    def key(self) -> str:
        if self.frequency == ReportFrequency.MONTHLY:
            return f"{self.year}M{self.index:02d}"
        if self.frequency == ReportFrequency.QUARTERLY:
            return f"{self.year}Q{self.index}"
        if self.frequency == ReportFrequency.HALF_YEARLY:
            return f"{self.year}H{self.index}"
        return f"{self.year}"

    @property
    def end(self) -> datetime.date:
        months = _MONTHS_PER_PERIOD[ReportFrequency(self.frequency)]
        last_month = self.start.month + months - 1
        return datetime.date(self.year, last_month, calendar.monthrange(self.year, last_month)[1])

    @property
    def due(self) -> datetime.date:
        return self.end + datetime.timedelta(days=report_due_days())

    @property
    def label(self) -> str:
        if self.frequency == ReportFrequency.MONTHLY:
            return f"{self.year}年{self.index}月"
        if self.frequency == ReportFrequency.QUARTERLY:
            return f"{self.year}年第{_QUARTER_NAMES[self.index]}季度"
        if self.frequency == ReportFrequency.HALF_YEARLY:
            return f"{self.year}年{'上' if self.index == 1 else '下'}半年"
        return f"{self.year}年度"

    def contains(self, day: datetime.date) -> bool:
        return self.start <= day <= self.end

    def previous(self) -> Period:
        return period_for(self.start - datetime.timedelta(days=1), self.frequency)

    def next(self) -> Period:
        return period_for(self.end + datetime.timedelta(days=1), self.frequency)

    def __str__(self) -> str:
        return self.key


def period_for(day: datetime.date, frequency: str = ReportFrequency.QUARTERLY) -> Period:
    """The period of `frequency` that contains `day`."""
    months = _MONTHS_PER_PERIOD[ReportFrequency(frequency)]
    index = (day.month - 1) // months + 1
    return Period(start=datetime.date(day.year, (index - 1) * months + 1, 1), frequency=frequency, index=index)


def period_key(day: datetime.date, frequency: str = ReportFrequency.QUARTERLY) -> str:
    return period_for(day, frequency).key


def parse_period(key: str) -> Period:
    """`2026Q4` → Period. Accepts `2026M3` as well as `2026M03`; raises ValidationError in Chinese."""
    match = _KEY_RE.match((key or "").strip().upper())
    if not match:
        raise ValidationError(f"报告期「{key}」格式不正确，应为 2026Q4、2026M11、2026H2 或 2026")
    year = int(match["year"])
    frequency = _FREQUENCY_BY_KIND[match["kind"]]
    index = int(match["index"] or 1)
    count = 12 // _MONTHS_PER_PERIOD[frequency]
    if not 1 <= index <= count or not 1900 < year < 2200:
        raise ValidationError(f"报告期「{key}」不存在")
    months = _MONTHS_PER_PERIOD[frequency]
    return Period(start=datetime.date(year, (index - 1) * months + 1, 1), frequency=frequency, index=index)


def period_bounds(key: str) -> tuple[datetime.date, datetime.date]:
    period = parse_period(key)
    return period.start, period.end


def due_date(key: str) -> datetime.date:
    return parse_period(key).due


def current_period(frequency: str = ReportFrequency.QUARTERLY, on: datetime.date | None = None) -> Period:
    return period_for(on or today(), frequency)


def previous_period(frequency: str = ReportFrequency.QUARTERLY, on: datetime.date | None = None) -> Period:
    return current_period(frequency, on).previous()


def recent_periods(frequency: str, count: int, on: datetime.date | None = None) -> list[Period]:
    """The current period and the `count - 1` before it, newest first."""
    periods = [current_period(frequency, on)]
    while len(periods) < count:
        periods.append(periods[-1].previous())
    return periods


def period_for_task(task: PolicyTask, chosen: Period | None, on: datetime.date | None = None) -> Period:
    """The task's own period that answers for the `chosen` one (of any frequency): the period
    containing today when the chosen period contains today, otherwise the one containing the
    chosen period's last day. `None` means the current period."""
    on = on or today()
    if chosen is None:
        return period_for(on, task.report_frequency)
    reference = min(max(on, chosen.start), chosen.end)
    return period_for(reference, task.report_frequency)
