"""A village child director, on a phone: registers a child, finds it by pinyin initials, records
a change, and sees the history with the old and the new fact."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest

from .conftest import assert_fits, log_in, screenshot

pytestmark = pytest.mark.browser
ID_NUMBER = "21052220160229986X"  # a girl born on 29 February 2016; the check digit is X


def test_register_find_change_and_see_the_history_on_a_phone(phone: Any, served_app: str) -> None:
    page = phone
    log_in(page, served_app, "director_a")
    page.get_by_role("link", name="登记儿童").first.click()
    page.wait_for_url(f"{served_app}/children/new/")
    assert_fits(page)

    # Sent empty, the form says what is missing next to each field.
    page.click("[data-testid=save]")
    page.wait_for_load_state()
    assert "不能为空" in page.locator("[data-testid=error-name]").inner_text()
    assert "无身份证号原因" in page.locator("[data-testid=error-id_number]").inner_text()
    assert page.locator("[data-field=no_id_reason]").is_visible()
    assert_fits(page)
    screenshot(page, "registry-0-register-errors-phone")

    # The form shows only what applies: a parent's dates appear once a status that has them is chosen.
    assert page.locator("[data-field=father_since]").is_hidden()
    page.fill("[name=name]", "欧阳晓雯")
    page.select_option("[name=sex]", "female")
    page.fill("[name=birth_date]", "2016-02-29")
    page.fill("[name=id_number]", ID_NUMBER)
    assert page.locator("[data-field=no_id_reason]").is_hidden()
    page.fill("[name=phone]", "13812345678")
    page.select_option("[name=father_status]", "lost_contact")
    assert page.locator("[data-field=father_since]").is_visible()
    assert page.locator("[data-field=father_disability_type]").is_hidden()
    page.fill("[name=father_since]", "2023-05-01")
    page.select_option("[name=mother_status]", "alive")
    # A guardian's ability and school attendance show once there is a guardian and a school stage
    # (both start at 未填写, which records nothing).
    assert page.locator("[data-field=guardian_able]").is_hidden()
    page.select_option("[name=guardian_relationship]", "grandparent")
    page.select_option("[name=guardian_able]", "yes")
    assert page.locator("[data-field=school_enrolled]").is_hidden()
    page.select_option("[name=school_stage]", "primary")
    page.select_option("[name=school_enrolled]", "yes")
    page.check("[name=left_behind]")
    page.fill("[name=effective]", "2024-09-01")  # these facts hold since the school year began
    assert_fits(page)
    screenshot(page, "registry-1-register-form-phone")
    page.click("[data-testid=save]")
    page.wait_for_url(re.compile(r".*/children/\d+/$"))
    child_url = page.url
    assert "已登记儿童 欧阳晓雯" in page.content()
    assert "2105**************" in page.content() and ID_NUMBER not in page.content() and "986X" not in page.content()
    assert_fits(page)
    screenshot(page, "registry-2-child-page-phone")

    # Find it by pinyin initials.
    page.get_by_role("link", name="儿童", exact=True).click()
    page.fill("[name=q]", "oyxw")
    page.get_by_role("button", name="搜索").click()
    page.wait_for_url(re.compile(r".*q=oyxw.*"))
    rows = page.locator("[data-testid=children] tbody tr")
    assert rows.count() == 1 and "欧阳晓雯" in rows.first.inner_text()
    assert_fits(page)
    screenshot(page, "registry-3-found-by-initials-phone")
    rows.first.get_by_role("link", name="欧阳晓雯").click()
    page.wait_for_url(child_url)

    # Record a change: 低保 granted, and a move to junior school, from ten days ago.
    since = (datetime.date.today() - datetime.timedelta(days=10)).isoformat()  # noqa: DTZ011
    page.click("[data-testid=record-change]")
    page.fill("[name=effective]", since)
    page.check("[name=low_income]")
    page.select_option("[name=school_stage]", "junior")
    assert_fits(page)
    page.click("[data-testid=preview]")
    changes = page.locator("[data-testid=changes]").inner_text()
    assert "低保" in changes and "初中" in changes and since in page.content()
    assert_fits(page)
    screenshot(page, "registry-4-change-preview-phone")
    page.click("[data-testid=confirm]")
    page.wait_for_url(child_url)
    assert f"已记录 欧阳晓雯 自 {since} 起的变化" in page.content()

    # The history keeps the old fact (primary school, until the day before) and the new ones.
    history = page.locator("[data-testid=history]").inner_text()
    day_before = (datetime.date.fromisoformat(since) - datetime.timedelta(days=1)).isoformat()
    assert re.search(rf"就学：小学（在读）\s*2024-09-01 — {day_before}", history), history
    assert re.search(rf"就学：初中（在读）\s*{since} — 至今", history), history
    assert re.search(rf"(?m)^低保\s*{since} — 至今", history), history
    assert "失联，自 2023-05-01" in history
    situation = page.locator("[data-testid=situation]").inner_text()
    assert "低保" in situation and "初中" in situation
    assert_fits(page)
    screenshot(page, "registry-5-history-phone")

    # As of a date before the change, the situation is the old one.
    page.fill("#as-of", day_before)
    page.get_by_role("button", name="查看").click()
    page.wait_for_url(re.compile(rf".*on={day_before}.*"))
    situation = page.locator("[data-testid=situation]").inner_text()
    assert "小学" in situation and "无低保" in situation
    screenshot(page, "registry-6-as-of-before-phone")

    # The other screens fit the phone too: the list with every filter open, and closing a record.
    page.goto(f"{served_app}/children/")
    page.click("main details > summary")  # the filters (the header has the account menu)
    assert page.locator("[name=parents]").is_visible()
    assert_fits(page)
    screenshot(page, "registry-7-filters-phone")
    page.goto(f"{child_url}close/")
    assert_fits(page)
    screenshot(page, "registry-8-close-phone")
