"""The supervision numbers agree with each other: the home page's 本期 is the 督办 page's; what
earlier periods still owe is counted and listed where it is overdue; the summary's count is the sum
of its badges; the leader's rate is measured on periods that are due."""

from __future__ import annotations

import datetime
import re
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from shouhu.accounts.models import User
from shouhu.policy.models import PolicyDocument
from shouhu.policy.supervision.selectors import (
    last_due_periods,
    my_obligations,
    obligations_for_period,
    obligations_outstanding_earlier,
)
from shouhu.policy.supervision.services import progress_report_submit

from .supervision_factories import create_table, department, pdf, task

FIRST_DAY_OF_Q4 = datetime.date(2026, 10, 1)
AFTER_Q3_IS_DUE = datetime.date(2026, 10, 20)  # Q3's reports were due on 10 October


@pytest.fixture
def table(db: None) -> PolicyDocument:
    return create_table()


@pytest.fixture
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def on_day(monkeypatch: pytest.MonkeyPatch, day: datetime.date) -> None:
    original = timezone.localdate

    def localdate(value: Any = None, timezone: Any = None) -> datetime.date:
        return day if value is None else original(value, timezone)

    monkeypatch.setattr("django.utils.timezone.localdate", localdate)


def report(personas: dict[str, User], table: PolicyDocument, period: str, number: int = 9) -> None:
    progress_report_submit(
        actor=personas["officer_a"],
        task=task(table, number),
        department=department("县教育局"),
        period=period,
        status="in_progress",
        narrative="推进中",
        files=[pdf()],
    )


def summary(page: str) -> tuple[int, dict[str, int]]:
    total = int(re.search(r'data-testid="summary-total" data-total="(\d+)"', page).group(1))  # type: ignore[union-attr]
    badges = {
        label: int(n)
        for label, n in re.findall(r'data-testid="summary-badge" data-count="\d+">([^<]+?) (\d+)</span>', page)
    }
    return total, badges


def test_home_and_the_supervision_page_mean_the_same_period(
    table: PolicyDocument, personas: dict[str, User], login: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    on_day(monkeypatch, FIRST_DAY_OF_Q4)
    education = department("县教育局")
    current = [o for o in obligations_for_period(None, department=education) if not o.done]
    assert current and {o.period.label for o in current} == {"2026年第四季度"}
    assert my_obligations(personas["officer_a"]).previous_to_report  # Q3 is still within its due days
    home = login("officer_a").get("/").content.decode()
    assert f"本期（2026年第四季度）待报告 {len(current)} 项" in home  # not Q3's too
    page = login("officer_a").get("/policy/supervision/", {"department": education.pk}).content.decode()
    assert "本期 2026年第四季度" in page or "本期（2026年第四季度）" in page


def test_what_earlier_periods_owe_is_counted_and_listed_where_it_is_overdue(
    table: PolicyDocument, personas: dict[str, User], login: Any, monkeypatch: pytest.MonkeyPatch, media: Path
) -> None:
    on_day(monkeypatch, AFTER_Q3_IS_DUE)
    report(personas, table, "2026Q3")  # one of 县教育局's Q3 reports is in; the others are overdue
    education = department("县教育局")
    overdue = [o for o in obligations_outstanding_earlier(department=education) if o.overdue]
    assert overdue and {o.period.key for o in overdue} == {"2026Q3"}
    home = login("officer_a").get("/").content.decode()
    assert f"逾期 {len(overdue)} 项" in home
    page = login("caseworker").get("/policy/supervision/", {"department": education.pk}).content.decode()
    listed = page.split('data-testid="earlier"', 1)[1].split("</table>", 1)[0]
    assert listed.count("<tr>") - 1 == len(overdue)  # the header row, then one row each
    total, badges = summary(page)
    assert badges["逾期未报"] == len(overdue)
    assert sum(badges.values()) == total


def test_the_county_summary_is_the_sum_of_its_badges(
    table: PolicyDocument, personas: dict[str, User], login: Any, monkeypatch: pytest.MonkeyPatch, media: Path
) -> None:
    on_day(monkeypatch, AFTER_Q3_IS_DUE)
    report(personas, table, "2026Q4")
    total, badges = summary(login("caseworker").get("/policy/supervision/").content.decode())
    assert total == sum(badges.values()) and badges["待审核"] == 1 and badges["逾期未报"] > 0


def test_the_leaders_rate_means_something_on_the_first_day_of_a_period(
    table: PolicyDocument, personas: dict[str, User], login: Any, monkeypatch: pytest.MonkeyPatch, media: Path
) -> None:
    on_day(monkeypatch, FIRST_DAY_OF_Q4)
    report(personas, table, "2026Q2")  # Q3 is not due until 10 October: Q2 is the last period due
    due = last_due_periods()
    assert {o.period.label for o in due} == {"2026年第二季度"}
    home = login("leader").get("/").content.decode()
    panel = home.split("已到期报告落实率（2026年第二季度）", 1)[1].split("</article>", 1)[0]
    assert f'<div class="stat">{100 // len(due)}%</div>' in panel
    assert "本期（2026年第四季度）尚未到期" in panel
