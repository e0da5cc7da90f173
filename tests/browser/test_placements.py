"""Placements, end to end, on the demo's 邵 children of 东关村 (placements/demo.py; no other journey
reads them): 桓仁镇's supervisor, on a phone, records temporary care (临时监护) for 邵小宁 from the
safety case filed on her, by keyboard; the county caseworker matches 邵小乐 to an approved family
of the same township (王建国家庭, listed first), records the foster placement, then ends it after the
confirmation, with its outcome. Writes only those two children's placements."""

from __future__ import annotations

import re
from typing import Any

import pytest

from .conftest import assert_fits, log_in, screenshot

pytestmark = pytest.mark.browser


def test_temporary_care_from_a_case_and_matching_a_child_to_a_family(phone: Any, page: Any, served_app: str) -> None:
    # The township supervisor, on a phone, finds the open case of 邵小宁.
    log_in(phone, served_app, "supervisor_a")
    phone.goto(f"{served_app}/safety/cases/?state=open")
    phone.locator("[data-testid=cases] tr", has_text="邵小宁").get_by_role("link").click()
    phone.wait_for_url(re.compile(r".*/safety/cases/\d+/$"))
    section = phone.locator("[data-testid=temporary-care]")
    assert "没有安置记录" in section.inner_text()
    phone.select_option("[name=tc-place]", "welfare")
    phone.fill("[name=tc-caregiver_name]", "桓仁县儿童福利院")
    phone.select_option("[name=tc-ground]", "guardian_neglect")
    phone.fill("[name=tc-decided_by_person]", "李科长")
    assert_fits(phone)
    screenshot(phone, "placements-0-temporary-care-form-phone")
    phone.locator("[data-testid=record-temporary-care]").focus()
    phone.keyboard.press("Enter")
    phone.wait_for_url(re.compile(r".*/safety/cases/\d+/$"))
    placed = phone.locator("[data-testid=case-placements]").inner_text()
    assert "临时监护" in placed and "桓仁县儿童福利院" in placed and "本个案" in placed
    assert_fits(phone)
    screenshot(phone, "placements-1-temporary-care-recorded-phone")

    # The county caseworker matches 邵小乐 to a family: the child's township first.
    log_in(page, served_app, "caseworker")
    page.goto(f"{served_app}/children/?q=邵小乐")
    page.get_by_role("link", name="邵小乐").first.click()
    page.wait_for_url(re.compile(r".*/children/\d+/$"))
    page.locator("[data-testid=child-tabs]").get_by_role("link", name="安置").click()
    page.wait_for_url(re.compile(r".*/placements/children/\d+/$"))
    page.click("[data-testid=match-link]")
    page.wait_for_url(re.compile(r".*/placements/children/\d+/match/$"))
    rows = page.locator("[data-testid=match-families] tbody tr")
    assert "王建国家庭" in rows.first.inner_text() and "同乡镇" in rows.first.inner_text()
    screenshot(page, "placements-2-match")
    rows.first.get_by_role("link").click()
    page.wait_for_url(re.compile(r".*/placements/children/\d+/new/\?family=\d+$"))
    assert "王建国家庭" in page.locator("[data-testid=chosen-family]").inner_text()
    page.fill("[name=decided_by_person]", "李科长")
    page.fill("[name=decision_number]", "桓民寄〔2026〕9号")
    page.click("[data-testid=submit]")
    page.wait_for_url(re.compile(r".*/placements/children/\d+/$"))
    history = page.locator("[data-testid=placements]").inner_text()
    assert "家庭寄养" in history and "王建国家庭" in history and "安置中" in history
    screenshot(page, "placements-3-foster-recorded")

    # Ending it asks first, and needs its outcome.
    page.click("[data-testid=end-link]")
    page.wait_for_url(re.compile(r".*/placements/\d+/end/$"))
    page.select_option("[name=outcome]", "returned_home")
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("[data-testid=submit]")
    page.wait_for_url(re.compile(r".*/placements/children/\d+/$"))
    assert "回归原生家庭" in page.locator("[data-testid=placements]").inner_text()
