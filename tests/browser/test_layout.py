"""What the eye sees, in Chromium: every role's home at 375 and 1280 px (screenshots, no raw code
or English on the page, nothing wider than a phone); one marked navigation item; no bullet before a
flash message; help text below its field, not over it; the child's pages as tabs; the department ×
task matrix on a phone (its unit column stays, a hint says it scrolls)."""

from __future__ import annotations

from typing import Any

import pytest

from shouhu.accounts.personas import PERSONA_KEYS, PERSONAS
from shouhu.core.testing.raw_codes import Vocabulary, raw_codes

from .a11y import check_a11y
from .conftest import log_in, screenshot

pytestmark = pytest.mark.browser

PHONE = {"width": 375, "height": 740}
DESKTOP = {"width": 1280, "height": 900}
# Enough of the demo's vocabulary to read pages with (the served app's database is not this process's).
DEMO_USERNAMES = frozenset(PERSONA_KEYS)
# A role's home is one template; its personas differ only in their data (the persona walk reads
# every persona's home as text for codes).
ONE_PER_ROLE = list({p.role: p.key for p in reversed(PERSONAS)}.values())


def _vocabulary() -> Vocabulary:
    from shouhu.eligibility.contract import PARAMETERS_V1, RULES_V1

    return Vocabulary(
        measures={code: label for code, kind, label, _task, _expr in RULES_V1 if kind == "measure"},
        codes=frozenset(code for code, kind, _label, _task, _expr in RULES_V1 if kind != "measure"),
        parameters=frozenset(PARAMETERS_V1),
        usernames=DEMO_USERNAMES,
    )


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_every_roles_home_reads_well(browser: Any, served_app: str, size: str) -> None:
    viewport = PHONE if size == "phone" else DESKTOP
    vocabulary = _vocabulary()
    problems = []
    for key in ONE_PER_ROLE:
        context = browser.new_context(locale="zh-CN", viewport=viewport, is_mobile=size == "phone")
        page = context.new_page()
        log_in(page, served_app, key)
        screenshot(page, f"home-{key}-{viewport['width']}")
        problems += [f"{key}: {p}" for p in raw_codes(page.content(), vocabulary)]
        current = page.locator('nav[aria-label="主导航"] a[aria-current="page"]').all_inner_texts()
        assert current == ["首页"], (key, current)
        if size == "phone":
            overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
            assert overflow <= 0, (key, overflow)
        context.close()
    assert problems == [], "\n".join(problems)


def test_flash_messages_have_no_bullet(page: Any, served_app: str) -> None:
    log_in(page, served_app, "admin")
    page.goto(f"{served_app}/users/api-tokens/")
    page.evaluate(
        """() => { const ul = document.createElement('ul'); ul.className = 'messages';
        ul.innerHTML = '<li class="success">已保存</li>'; document.querySelector('main').prepend(ul); }"""
    )
    style = page.evaluate("getComputedStyle(document.querySelector('.messages li')).listStyleType")
    assert style == "none"


def test_help_text_sits_below_its_field(page: Any, served_app: str) -> None:
    log_in(page, served_app, "caseworker")
    page.goto(f"{served_app}/children/new/")
    overlaps = page.evaluate(
        """() => [...document.querySelectorAll('input + small, select + small, textarea + small')].filter(small => {
            const field = small.previousElementSibling.getBoundingClientRect();
            const help = small.getBoundingClientRect();
            return help.height > 0 && help.top < field.bottom - 0.5;
        }).map(small => small.textContent.trim())"""
    )
    assert overlaps == []
    screenshot(page, "child-form-help-text")


def test_child_pages_are_tabs(page: Any, served_app: str) -> None:
    log_in(page, served_app, "supervisor_a")
    page.goto(f"{served_app}/children/")
    page.locator("table a[href^='/children/']").first.click()
    page.wait_for_selector("[data-testid=child-tabs]")
    tabs = page.locator("[data-testid=child-tabs] a")
    assert tabs.all_inner_texts() == ["档案", "资格与措施", "时间线", "安置"]
    assert page.locator("[data-testid=child-tabs] a[aria-current=page]").inner_text() == "档案"
    screenshot(page, "child-tabs")
    page.click("[data-testid=child-tabs] >> text=资格与措施")
    page.wait_for_selector("[data-testid=child-tabs] a[aria-current=page]:has-text('资格与措施')")


def test_the_matrix_on_a_phone(browser: Any, served_app: str) -> None:
    context = browser.new_context(locale="zh-CN", viewport=PHONE, is_mobile=True)
    page = context.new_page()
    log_in(page, served_app, "officer_a")
    page.goto(f"{served_app}/policy/matrix/")
    assert page.locator("[data-testid=scroll-hint]").is_visible()
    first = page.locator("[data-testid=matrix-row] th").first
    before = first.bounding_box()
    page.locator(".table-wrap").first.evaluate("el => el.scrollLeft = 600")
    after = first.bounding_box()
    assert before is not None and after is not None and abs(after["x"] - before["x"]) < 1  # sticky
    screenshot(page, "matrix-phone")
    context.close()


@pytest.mark.parametrize("width", [375, 1280])
def test_the_account_menu_opens_with_the_keyboard(browser: Any, served_app: str, width: int) -> None:
    """The account links sit in one menu (on a phone they were squeezed to a character per line):
    reached by Tab, opened with Enter, each link then focusable; checked by axe while open."""
    context = browser.new_context(locale="zh-CN", viewport={"width": width, "height": 800})
    page = context.new_page()
    log_in(page, served_app, "supervisor_a")
    menu = page.locator("details.account-menu")
    assert not page.get_by_role("link", name="修改密码").is_visible()
    summary = menu.locator("summary")
    for _ in range(12):  # from the skip link, past the bell, to the menu
        page.keyboard.press("Tab")
        if summary.evaluate("e => e === document.activeElement"):
            break
    assert summary.evaluate("e => e === document.activeElement"), "the menu is not reachable by Tab"
    page.keyboard.press("Enter")
    for name in ("修改密码", "两步验证", "我的API令牌"):
        assert page.get_by_role("link", name=name).is_visible()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "修改密码"
    box = menu.locator("ul").bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width
    check_a11y(page, force=True)
    context.close()
