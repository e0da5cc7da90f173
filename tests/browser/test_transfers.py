"""Moving a child between townships: a child of 普乐堡村 (普乐堡镇) comes to live in 东关村 (桓仁镇).
The director of 东关村, on a phone, tries to register it, is told only that it is registered
elsewhere in the county, and asks for the transfer; the supervisor of 普乐堡镇 sees the request on
her home page and confirms it; the child appears in 东关村's list. Writes only its own child (its
own ID number) and that child's transfer."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from .conftest import assert_fits, log_in, screenshot

pytestmark = pytest.mark.browser
ID_NUMBER = "210522201304050775"  # a boy born on 5 April 2013, used by no other journey
NAME = "朴智勋"


def register(page: Any, base: str) -> None:
    page.goto(f"{base}/children/new/")
    page.fill("[name=name]", NAME)
    page.select_option("[name=sex]", "male")
    page.fill("[name=birth_date]", "2013-04-05")
    page.fill("[name=id_number]", ID_NUMBER)
    page.fill("[name=address]", "东关街 12 号")
    page.click("[data-testid=save]")
    page.wait_for_load_state()


@pytest.fixture
def desk(browser: Any) -> Iterator[Any]:
    """A second desktop browser (another person's session beside `page`'s)."""
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    yield context.new_page()
    context.close()


def test_a_child_moves_from_one_township_to_another(phone: Any, page: Any, desk: Any, served_app: str) -> None:
    # 普乐堡村 registers the child.
    log_in(page, served_app, "director_b")
    register(page, served_app)
    page.wait_for_url(re.compile(r".*/children/\d+/$"))
    child_url = page.url

    # 东关村's director, on a phone, tries to register it: one sentence, and a way to ask.
    log_in(phone, served_app, "director_a")
    register(phone, served_app)
    notice = phone.locator("[data-testid=elsewhere]")
    assert "该身份证号已在本县其他地区登记，可申请迁入" in notice.inner_text()
    assert "普乐堡" not in phone.content()
    assert_fits(phone)
    screenshot(phone, "transfers-0-registered-elsewhere-phone")
    phone.click("[data-testid=request-transfer]")
    phone.wait_for_url(f"{served_app}/children/transfers/new/")
    assert phone.input_value("[name=id_number]") == ID_NUMBER
    assert phone.input_value("[name=name]") == NAME
    assert phone.input_value("[name=address]") == "东关街 12 号"
    phone.fill("[name=reason]", "随母亲迁居东关村")
    assert_fits(phone)
    screenshot(phone, "transfers-1-request-phone")
    phone.click("[data-testid=submit-transfer]")
    phone.wait_for_url(f"{served_app}/children/transfers/")
    asked = phone.locator("[data-testid=asked] article").filter(has_text=NAME)
    assert "待确认" in asked.inner_text() and "普乐堡" not in asked.inner_text()
    assert_fits(phone)
    screenshot(phone, "transfers-2-asked-phone")
    phone.set_viewport_size({"width": 1280, "height": 900})  # the asker's list at a desk's width
    screenshot(phone, "transfers-2-asked-desktop")
    phone.set_viewport_size({"width": 375, "height": 740})

    # 普乐堡镇's supervisor sees it on her home page and confirms.
    log_in(desk, served_app, "supervisor_b")
    panel = desk.locator("article, section, div").filter(has_text="迁入申请").filter(has_text="待确认").last
    assert panel.count() == 1
    desk.get_by_role("link", name="去处理").click()
    desk.wait_for_url(f"{served_app}/children/transfers/")
    waiting = desk.locator("[data-testid=waiting] article").filter(has_text=NAME)
    assert "普乐堡村" in waiting.inner_text() and "东关村" in waiting.inner_text()
    assert_fits(desk)
    screenshot(desk, "transfers-3-waiting-desktop")
    waiting.get_by_role("link", name="查看并处理").click()
    desk.wait_for_url(re.compile(r".*/children/transfers/\d+/$"))
    assert "东关街 12 号" in desk.content() and "随母亲迁居东关村" in desk.content()
    assert_fits(desk)
    screenshot(desk, "transfers-4-decide-desktop")
    desk.set_viewport_size({"width": 375, "height": 740})  # the same page on a phone's width
    assert_fits(desk)
    screenshot(desk, "transfers-4-decide-phone")
    desk.set_viewport_size({"width": 1280, "height": 900})
    desk.check("[name=decision][value=confirm]")
    desk.once("dialog", lambda dialog: dialog.accept())
    desk.click("[data-testid=submit-decision]")
    desk.wait_for_url(f"{served_app}/children/transfers/")
    assert f"已确认：{NAME} 迁入 东关村" in desk.content()
    assert desk.goto(child_url).status == 404  # no longer hers

    # The child is now in 东关村's list, on the director's phone.
    phone.goto(f"{served_app}/children/?q=piaozhixun")
    rows = phone.locator("[data-testid=children] tbody tr")
    assert rows.count() == 1 and NAME in rows.first.inner_text()
    assert_fits(phone)
    screenshot(phone, "transfers-5-arrived-phone")
    rows.first.get_by_role("link", name=NAME).click()
    phone.wait_for_url(child_url)
    assert "东关村" in phone.content()
