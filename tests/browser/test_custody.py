"""A detention notice, end to end at 1280 px: the police officer (officer_p) records a criminal
detention of a father whose son the registry does not know and whom nobody can care for; the
notice registers the boy with his father detained and opens a safety case for civil affairs; the
township supervisor opens the boy's record from the notice. Writes only its own notice (its own
child's name); every page is checked with axe by the fixture."""

from __future__ import annotations

import datetime
import re
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from .conftest import log_in, screenshot

pytestmark = pytest.mark.browser
NAME = "浏览器韩小拘"  # used by no other journey


def test_a_police_detention_notice_registers_the_child_and_opens_a_case(
    page: Any, browser: Any, served_app: str
) -> None:
    log_in(page, served_app, "officer_p")
    page.get_by_role("link", name="登记通知").first.click()
    page.wait_for_url(f"{served_app}/custody/notices/new/")
    on = datetime.datetime.now(ZoneInfo("Asia/Shanghai")).date()
    page.select_option("[name=kind]", "criminal_detention")
    page.fill("[name=person_name]", "浏览器韩大拘")
    page.fill("[name=person_id_number]", "210522198503121113")
    page.check("[name=parent_role][value=father]")
    page.fill("[name=since]", (on - datetime.timedelta(days=1)).isoformat())
    page.fill("[name=until]", (on + datetime.timedelta(days=15)).isoformat())
    page.check("[name=children_need_care][value=yes]")
    page.fill("[name=child-0-name]", NAME)
    page.select_option("[name=child-0-sex]", "male")
    page.fill("[name=child-0-birth_date]", "2019-06-01")
    page.select_option("[name=child-0-region]", "210522100201")
    # Forgot the arrangement: the form comes back (checked with axe) saying which child and field.
    page.click("[data-testid=notice-submit]")
    page.wait_for_load_state()
    assert "第 1 名子女的「照料安排」不能为空" in page.locator("[data-testid=child-0]").inner_text()
    page.select_option("[name=child-0-arrangement]", "no_carer")
    screenshot(page, "custody-0-notice-form")
    page.click("[data-testid=notice-submit]")
    page.wait_for_url(re.compile(r".*/custody/notices/\d+/$"))
    notice_url = page.url
    children = page.locator("[data-testid=notice-children]").inner_text()
    assert NAME in children and "本通知登记入册" in children and "暂无合适照料人" in children
    case_ref = re.search(r"AQ\d{3}-\d{4}-\d{5}", children)
    assert case_ref is not None
    screenshot(page, "custody-1-notice")

    # The case is open for civil affairs, with the child linked to the registry.
    page.get_by_role("link", name=case_ref.group(0)).click()
    page.wait_for_url(re.compile(r".*/safety/cases/\d+/$"))
    assert "待响应" in page.locator("[data-testid=case-state]").inner_text()
    assert "已在儿童名册登记" in page.locator("[data-testid=case-facts]").inner_text()
    assert "县民政局" in page.locator("[data-testid=case-units]").inner_text()

    # The township supervisor opens the boy's record from the notice: his father is detained.
    township = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900}).new_page()
    log_in(township, served_app, "supervisor_a")
    township.goto(notice_url)
    township.get_by_role("link", name=NAME).click()
    township.wait_for_url(re.compile(r".*/children/\d+/$"))
    assert "被拘留或限制人身自由" in township.content()
    screenshot(township, "custody-2-child-record")
