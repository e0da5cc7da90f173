"""Every role finishes its work, on the demo's referrals in 东关村 (casework/demo.py): the county
caseworker accepts and decides 秦小宝's T01 孤儿保障 (县民政局's: the caseworkers act for it);
桓仁镇's supervisor records the township's part of 秦小雪's T01; 东关村's director opens 秦小川's
referrals on a phone, read-only. Each journey writes only its own child's referral (the director's
writes nothing), and each page is checked at 375 px too."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.utils import timezone

from .conftest import ServedStack, assert_fits, log_in, screenshot

pytestmark = pytest.mark.browser
PHONE = {"width": 375, "height": 740}
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture
def users(browser: Any) -> Iterator[Any]:
    contexts: list[Any] = []

    def open_as(key: str, base: str, *, phone: bool = False) -> Any:
        context = browser.new_context(locale="zh-CN", viewport=PHONE if phone else DESKTOP, is_mobile=phone)
        contexts.append(context)
        page = context.new_page()
        log_in(page, base, key)
        return page

    yield open_as
    for context in contexts:
        context.close()


def open_row(page: Any, table: str, name: str, code: str) -> None:
    row = page.locator(f"[data-testid={table}] tbody tr:has-text('{name}'):has-text('{code} ')")
    assert row.count() == 1, page.content()
    row.locator("a[href*='/referrals/']").last.click()
    page.wait_for_url(re.compile(r".*/referrals/\d+/$"))


def test_a_county_caseworker_accepts_and_decides_a_t01_referral(users: Any, served_stack: ServedStack) -> None:
    base = served_stack.base
    county = users("caseworker", base)
    panel = county.locator("[data-testid=panel]:has-text('转介待办')")
    assert "待受理" in panel.inner_text()
    county.get_by_role("link", name="转介", exact=True).click()
    county.wait_for_url(f"{base}/referrals/")
    screenshot(county, "handlers-1-caseworker-inbox")
    open_row(county, "inbox", "秦小宝", "T01")
    facts = county.locator("[data-testid=referral-facts]").inner_text()
    assert "T01 孤儿保障" in facts and "县民政局" in facts
    assert "各乡镇（街道）" in county.locator("[data-testid=cooperations]").inner_text()
    county.click("[data-testid=do-accept]")
    county.wait_for_load_state()
    assert "已受理" in county.locator(".messages").inner_text()
    # T01 is a benefit: the form asks for the amount, its period and the start month, nothing else.
    decide = county.locator("[data-testid=form-complete]")
    assert "救助补贴类" in decide.locator("[data-testid=complete-kind]").inner_text()
    assert decide.locator("[name=complete-service], [name=complete-arrangement]").count() == 0
    month = timezone.localdate().strftime("%Y-%m")
    county.check("[name=complete-outcome][value=approved]")
    county.fill("[name=complete-amount]", "0")
    county.fill("[name=complete-start_month]", month)
    county.click("[data-testid=do-complete]")
    county.wait_for_load_state()
    error = county.locator("[data-testid=form-complete] [data-testid=error-amount]")
    assert "「金额」应大于 0 元" in error.inner_text()
    county.check("[name=complete-outcome][value=approved]")
    county.fill("[name=complete-amount]", "1300")
    county.select_option("[name=complete-period]", "monthly")
    county.fill("[name=complete-start_month]", month)
    county.click("[data-testid=do-complete]")
    county.wait_for_load_state()
    on = timezone.localdate()
    outcome = county.locator("[data-testid=outcome]").inner_text()
    assert f"批准：每月 1,300 元，自{on.year}年{on.month}月起" in outcome
    assert "救助补贴类" in county.locator("[data-testid=outcome-kind]").inner_text()
    assert "已办结" in county.locator("h1").inner_text()
    screenshot(county, "handlers-2-caseworker-decided")
    decided = county.url
    phone = users("caseworker", base, phone=True)
    for path, shot in [(decided, "handlers-phone-caseworker-referral"), (f"{base}/referrals/", "handlers-phone-inbox")]:
        phone.goto(path)
        assert_fits(phone)
        screenshot(phone, shot)


def test_a_township_supervisor_records_the_townships_cooperation(users: Any, served_stack: ServedStack) -> None:
    base = served_stack.base
    township = users("supervisor_a", base)
    township.get_by_role("link", name="转介", exact=True).click()
    township.wait_for_url(f"{base}/referrals/")
    named = township.locator("[data-testid=township-measures]").inner_text()
    assert "T01 孤儿保障（配合）" in named
    township.click("[data-testid=tab-cooperate]")
    township.wait_for_url(re.compile(r".*tab=cooperate"))
    screenshot(township, "handlers-3-township-parts")
    open_row(township, "inbox", "秦小雪", "T01")
    assert township.locator("[data-testid=do-accept]").count() == 0  # 县民政局 accepts, not the township
    township.fill("[data-testid=form-cooperate] [name=note]", "已入户核实：随祖父生活，祖父年迈，村里每周探望一次。")
    township.click("[data-testid=do-cooperate]")
    township.wait_for_load_state()
    assert "已填写配合情况" in township.locator(".messages").inner_text()
    parts = township.locator("[data-testid=cooperations]").inner_text()
    assert "桓仁镇" in parts and "祖父年迈" in parts and "孙督导" in parts
    assert "桓仁镇：已入户核实" in township.locator("[data-testid=events]").inner_text()
    screenshot(township, "handlers-4-township-part-recorded")
    recorded = township.url
    phone = users("supervisor_a", base, phone=True)
    for path, shot in [
        (recorded, "handlers-phone-township-referral"),
        (f"{base}/referrals/?tab=cooperate", "handlers-phone-township-parts"),
        (f"{base}/referrals/children/", "handlers-phone-township-children"),
    ]:
        phone.goto(path)
        assert_fits(phone)
        screenshot(phone, shot)


def test_a_director_opens_the_referrals_of_a_child_in_their_village_on_a_phone(
    users: Any, served_stack: ServedStack
) -> None:
    base = served_stack.base
    phone = users("director_a", base, phone=True)
    panel = phone.locator("[data-testid=panel]:has-text('辖区儿童的转介')")
    panel.get_by_role("link", name="查看辖区转介").click()
    phone.wait_for_url(f"{base}/referrals/children/")
    assert_fits(phone)
    assert "只供查看" in phone.locator("[data-testid=read-only-note]").inner_text()
    screenshot(phone, "handlers-5-director-village-referrals")
    phone.click("[data-testid=tab-all]")
    phone.wait_for_url(re.compile(r".*tab=all"))
    phone.locator("[data-testid=children-referrals] a:text-is('秦小川')").first.click()
    phone.wait_for_url(re.compile(r".*/referrals/children/\d+/$"))
    assert_fits(phone)
    assert "秦小川的转介" in phone.locator("h1").inner_text()
    listing = phone.locator("[data-testid=children-referrals]").inner_text()
    assert "T02 最低生活保障" in listing and "T09 教育资助、两免一补" in listing and "县教育局" in listing
    screenshot(phone, "handlers-6-director-child-referrals")
    open_row(phone, "children-referrals", "秦小川", "T02")
    assert_fits(phone)
    assert phone.locator("[data-testid^=form-]").count() == 0  # read-only: no action forms
    assert "每月 450 元，自" in phone.locator("[data-testid=outcome]").inner_text()
    assert "桓仁镇" in phone.locator("[data-testid=cooperations]").inner_text()
    screenshot(phone, "handlers-7-director-referral")
    # Back to the child's referrals from the referral's crumbs; the same list at 1280 px.
    phone.click("[data-testid=child-referrals-link]")
    phone.wait_for_url(re.compile(r".*/referrals/children/\d+/$"))
    desktop = users("director_a", base)
    desktop.goto(phone.url)
    assert "秦小川的转介" in desktop.locator("h1").inner_text()
    assert_fits(desktop)
    screenshot(desktop, "handlers-8-director-child-referrals-desktop")
