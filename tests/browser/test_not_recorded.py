"""A village child director, on a phone, registers a child whose mother and school attendance
nobody has checked yet: the rules decide nothing from what was not recorded (no orphan, no
dropout), the child waits on the 待补充信息 worklist with both facts, the director records them
from there, and the child is screened at once with the suggestions that now follow."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest

from .conftest import assert_fits, log_in, screenshot

pytestmark = pytest.mark.browser
ID_NUMBER = "210522201605101273"  # a boy born on 10 May 2016, used by no other journey
NAME = "金满仓"


def test_facts_not_recorded_decide_nothing_until_the_director_records_them(phone: Any, served_app: str) -> None:
    page = phone
    log_in(page, served_app, "director_a")
    page.get_by_role("link", name="登记儿童").first.click()
    page.wait_for_url(f"{served_app}/children/new/")

    # The father has died; the mother and whether the boy goes to school were not checked, so
    # they stay at 未填写 — the form's default.
    page.fill("[name=name]", NAME)
    page.select_option("[name=sex]", "male")
    page.fill("[name=birth_date]", "2016-05-10")
    page.fill("[name=id_number]", ID_NUMBER)
    page.select_option("[name=father_status]", "deceased")
    assert page.locator("[name=mother_status]").input_value() == "not_recorded"
    page.select_option("[name=guardian_relationship]", "grandparent")
    page.select_option("[name=guardian_able]", "yes")
    page.select_option("[name=school_stage]", "primary")
    assert page.locator("[name=school_enrolled]").input_value() == "not_recorded"
    page.fill("[name=effective]", "2024-09-01")
    assert_fits(page)
    page.click("[data-testid=save]")
    page.wait_for_url(re.compile(r".*/children/\d+/$"))
    child_url = page.url

    # Screened at once: nothing decided from the blanks — no orphan, no dropout — and it says why.
    message = page.locator(".messages").inner_text()
    assert "已即时筛查" in message, message
    assert "新增符合" not in message  # no orphan, no 孤儿保障, no 控辍保学
    assert "待补充信息后可判定" in message and "缺母亲情况" in message, message
    assert_fits(page)
    screenshot(page, "not-recorded-1-registered-phone")

    # The worklist has the child, with both facts to record and what could follow.
    page.goto(f"{served_app}/eligibility/pending/")
    card = page.locator("[data-testid=pending] li", has_text=NAME)
    assert card.count() == 1
    text = card.inner_text()
    assert "母亲情况" in text and "是否在读" in text, text
    assert "孤儿" in text, text  # what could follow once the mother is recorded
    assert_fits(page)
    screenshot(page, "not-recorded-2-worklist-phone")

    # Straight to the form with those fields: the mother has died too, and the boy is at school.
    card.locator("[data-testid=record-facts]").click()
    page.wait_for_url(re.compile(r".*/change/\?focus=.*"))
    page.select_option("[name=mother_status]", "deceased")
    page.select_option("[name=school_enrolled]", "yes")
    page.fill("[name=effective]", (datetime.date.today() - datetime.timedelta(days=1)).isoformat())  # noqa: DTZ011
    assert_fits(page)
    screenshot(page, "not-recorded-3-change-form-phone")
    page.click("[data-testid=preview]")
    screenshot(page, "not-recorded-4-change-preview-phone")
    page.click("[data-testid=confirm]")
    page.wait_for_url(re.compile(re.escape(child_url) + r"(\?.*|#.*)?$"))

    # Screened at once: an orphan now, with the suggestions that follow for the township window.
    message = page.locator(".messages").inner_text()
    assert "已即时筛查" in message and "新增符合" in message and "孤儿" in message, message
    assert "已生成受理建议" in message, message
    assert_fits(page)
    screenshot(page, "not-recorded-5-recorded-phone")

    # And the worklist no longer lists the child.
    page.goto(f"{served_app}/eligibility/pending/")
    assert page.locator("[data-testid=pending] li", has_text=NAME).count() == 0
