"""Two roles log in and see what each should, on a desktop and on a phone."""

from __future__ import annotations

import re
from typing import Any

import pytest

from .conftest import log_in, screenshot

pytestmark = pytest.mark.browser


def nav_labels(page: Any) -> list[str]:
    return [t.strip() for t in page.locator("nav[aria-label] a").all_inner_texts()]


def test_admin_sees_the_county_and_administration(page: Any, served_app: str) -> None:
    log_in(page, served_app, "admin")
    assert page.locator("[data-testid=current-user]").inner_text() == "王管理"
    assert "县民政局系统管理员" in page.locator("[data-testid=role-intro]").inner_text()
    labels = nav_labels(page)
    assert {"首页", "行政区划", "责任单位", "用户", "审计日志"} <= set(labels)
    assert "我的辖区：桓仁满族自治县" in page.content()
    screenshot(page, "home-admin")
    page.click("text=用户")
    page.wait_for_url(f"{served_app}/users/")  # read the new page, not the one being left
    assert page.locator("table tbody tr").count() >= 11
    page.click("text=审计日志")
    page.wait_for_url(re.compile(r".*/audit/.*"))
    assert "登录成功" in page.content()


def test_township_supervisor_sees_only_their_township(page: Any, served_app: str) -> None:
    log_in(page, served_app, "supervisor_a")
    assert "我的辖区：桓仁镇" in page.content()
    assert "用户" not in nav_labels(page)
    page.click("text=查看辖区")
    # the click returns once the navigation commits: wait for the region page to load before
    # reading its rows (CI once read the home page's tables here)
    page.wait_for_url(f"{served_app}/regions/210522100000/")
    rows = page.locator("table tbody tr").all_inner_texts()
    assert any("东关村" in r for r in rows) and not any("普乐堡" in r for r in rows)
    response = page.goto(f"{served_app}/regions/210522101000/")
    assert response.status == 404
    response = page.goto(f"{served_app}/users/")
    assert response.status == 403


def test_pages_fit_a_phone(browser: Any, served_app: str) -> None:
    context = browser.new_context(locale="zh-CN", viewport={"width": 375, "height": 740}, is_mobile=True)
    page = context.new_page()
    log_in(page, served_app, "director_a")
    assert "我的辖区：东关村" in page.content()
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0
    screenshot(page, "home-director-phone")
    context.close()


def test_english_can_be_chosen(page: Any, served_app: str) -> None:
    log_in(page, served_app, "caseworker")
    page.click("button[name=language][value=en]")
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    assert "Log out" in page.content()
