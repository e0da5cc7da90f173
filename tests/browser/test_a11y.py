"""Accessibility: each role's home and main pages pass axe-core (WCAG 2.1 A and AA) at 1280 px and at
375 px (and, as every journey's pages, block nothing under the Content-Security-Policy), and the
keyboard alone gets through: the skip link, a failed submit's error summary, a scrolling table,
focus that can be seen, a whole registration. (Every other journey's pages are checked by axe too:
see a11y.py.) Writes one child (its own ID number) and nothing else."""

from __future__ import annotations

import re
from typing import Any

import pytest

from .a11y import A11yViolation, check_a11y
from .conftest import log_in

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 740}
# One persona per role, and the pages each opens beyond its home page and its main navigation.
ROLES = {
    "admin": [
        "/users/new/",
        "/policy/matrix/",
        "/eligibility/counts/",
        "/eligibility/rules/",
        "/eligibility/parameters/",
        "/eligibility/parameters/rehab_age_max/edit/",
        "/children/io/import/",
        "/referrals/calendar/",
        "/referrals/routing/",
        "/referrals/outcome-kinds/",
        "/policy/duties/",
        "/policy/duties/T07/",
        "/policy/duties/T07/edit/",
        "/policy/reorganisations/",
        "/users/two-factor/",
    ],
    "caseworker": ["/policy/supervision/", "/policy/supervision/queue/"],
    "officer_a": ["/policy/supervision/mine/"],
    "supervisor_a": [
        "/referrals/?tab=all",
        "/account/password/",
        "/account/two-factor/",
        "/account/two-factor/enrol/",
        "/account/api-tokens/",
        "/notifications/",
    ],
    "director_a": ["/children/new/"],
    "leader": [],
}
# A girl born on 14 March 2015 in 桓仁 (sequence 988: even, a girl); no other journey uses it.
ID_BODY = "21052220150314988"


def id_number(body: str) -> str:
    """GB 11643: the check character of an 18-digit ID number."""
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11]


def main_pages(page: Any) -> list[str]:
    hrefs = page.locator("nav[aria-label] a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    return [h for h in hrefs if h.startswith("/") and h != "/"]


def test_every_role_s_home_and_main_pages_pass_axe_at_both_widths(browser: Any, served_app: str) -> None:
    """Each role's home page (its panels are its own), and every page of the roles' main navigation
    once, as the first role here that has it (the page is the same template for the others). axe
    checks each page as it arrives at 1280 px, then the same page narrowed to 375 px (the layout
    follows the width; nothing on these pages is laid out by script at load)."""
    seen: set[str] = set()
    for persona, more in ROLES.items():
        context = browser.new_context(locale="zh-CN", viewport=DESKTOP)
        page = context.new_page()
        log_in(page, served_app, persona)
        paths = ["/", *(p for p in [*main_pages(page), *more] if p not in seen)]
        seen.update(paths)
        for path in paths:
            response = page.goto(served_app + path)  # checked at 1280 px
            assert response.status == 200, f"{path} as {persona}: {response.status}"
            page.set_viewport_size(PHONE)
            check_a11y(page, force=True)
            page.set_viewport_size(DESKTOP)
        context.close()


def focused(page: Any) -> dict[str, Any]:
    return page.evaluate(
        """() => { const e = document.activeElement; const s = getComputedStyle(e);
        return {tag: e.tagName.toLowerCase(), id: e.id, name: e.getAttribute('name'), text: e.innerText.trim(),
                summary: e.hasAttribute('data-error-summary'), outline: s.outlineStyle,
                outlineWidth: parseFloat(s.outlineWidth), outlineColor: s.outlineColor}; }"""
    )


def tab_to(page: Any, selector: str, limit: int = 150) -> None:
    """Press Tab until the element matching `selector` has the focus."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"{limit} presses of Tab did not reach {selector} on {page.url}")


def choose(page: Any, name: str, value: str) -> None:
    """Tab to a <select> and pick `value` with the arrow keys."""
    tab_to(page, f"select[name={name}]")
    for _ in range(40):
        if page.evaluate("() => document.activeElement.value") == value:
            return
        page.keyboard.press("ArrowDown")
    raise AssertionError(f"ArrowDown did not reach {value} in {name}")


def luminance(css: str) -> float:
    channels = [int(c) / 255 for c in re.findall(r"\d+", css)[:3]]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def assert_visible_focus(page: Any, what: str) -> None:
    """The focused element has an outline of at least 2 px at 3:1 or more against white (the page)."""
    state = focused(page)
    assert state["outline"] not in ("none", "") and state["outlineWidth"] >= 2, f"{what}: {state}"
    contrast = 1.05 / (luminance(state["outlineColor"]) + 0.05)
    assert contrast >= 3, f"{what}: outline {state['outlineColor']} is {contrast:.2f}:1 against the page"


def test_tab_reaches_the_skip_link_first_and_enter_moves_to_the_main_content(page: Any, served_app: str) -> None:
    log_in(page, served_app, "caseworker")
    page.keyboard.press("Tab")
    first = focused(page)
    assert first["text"] == "跳到主要内容", first
    assert page.locator(".skip-link").is_visible()  # shown while it has the focus
    assert_visible_focus(page, "the skip link")
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "main"
    page.keyboard.press("Tab")  # the next stop is inside the main content, past the navigation
    assert page.evaluate("() => document.querySelector('main').contains(document.activeElement)")


def test_a_failed_registration_focuses_the_error_summary_and_ties_each_error_to_its_field(
    page: Any, served_app: str
) -> None:
    log_in(page, served_app, "director_a")
    page.goto(f"{served_app}/children/new/")
    tab_to(page, "[data-testid=save]")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_load_state()  # (and checked by axe, errors shown)
    page.wait_for_function("() => document.activeElement.hasAttribute('data-error-summary')")
    summary = focused(page)
    assert "请更正下面标出的" in summary["text"] and "姓名：" in summary["text"], summary
    assert page.locator("ul[role=alert], ol[role=alert]").count() == 0
    report = page.evaluate(
        """() => [...document.querySelectorAll('.field.has-error')].map(field => {
            const input = field.querySelector('input, select, textarea');
            const ids = (input.getAttribute('aria-describedby') || '').split(/\\s+/).filter(Boolean);
            return {name: input.name, invalid: input.getAttribute('aria-invalid'), ids,
                    missing: ids.filter(id => !document.getElementById(id)),
                    errorText: ids.map(id => document.getElementById(id)).filter(Boolean)
                                  .filter(e => e.classList.contains('errorlist')).map(e => e.innerText).join(' ')};
        })"""
    )
    assert {r["name"] for r in report} >= {"name", "sex", "birth_date", "id_number"}, report
    for field in report:
        assert field["invalid"] == "true", field
        assert field["ids"] and not field["missing"], field
        assert field["errorText"].strip(), field  # the error itself is what describes the field
    # Every id any aria-describedby names, on the whole page (help texts included), exists.
    dangling = page.evaluate(
        """() => [...document.querySelectorAll('[aria-describedby]')].flatMap(e =>
            e.getAttribute('aria-describedby').split(/\\s+/).filter(id => id && !document.getElementById(id)))"""
    )
    assert dangling == []
    # The summary's links lead to the fields: Tab to the first, Enter, and the name field has the focus.
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.name") == "name"


def test_a_wide_table_can_be_focused_and_scrolled_with_the_keyboard(browser: Any, served_app: str) -> None:
    page = browser.new_context(locale="zh-CN", viewport=PHONE, is_mobile=True).new_page()
    log_in(page, served_app, "caseworker")
    page.goto(f"{served_app}/policy/supervision/")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")  # the skip link, to the main content
    tab_to(page, ".table-wrap")
    region = page.evaluate(
        """() => { const e = document.activeElement;
        return {role: e.getAttribute('role'), label: e.getAttribute('aria-label'),
                scrollable: e.scrollWidth > e.clientWidth, left: e.scrollLeft}; }"""
    )
    assert region["role"] == "region" and region["label"] and region["scrollable"], region
    assert_visible_focus(page, "the table region")
    for _ in range(5):
        page.keyboard.press("ArrowRight")
    page.wait_for_function("() => document.activeElement.scrollLeft > 0")


def test_focus_can_be_seen_on_buttons_file_inputs_and_date_fields(page: Any, served_app: str) -> None:
    log_in(page, served_app, "director_a")
    page.goto(f"{served_app}/children/new/")
    for selector, what in [
        ("[name=birth_date]", "a date field"),
        ("input[type=file]", "a file input"),
        ("[data-testid=save]", "a button"),
    ]:
        tab_to(page, selector)
        assert_visible_focus(page, what)
    # The language buttons say which language they are in.
    langs = page.locator("footer button[name=language]").evaluate_all("bs => bs.map(b => [b.value, b.lang])")
    assert langs and all(value == lang for value, lang in langs), langs


def test_the_registration_form_can_be_filled_and_sent_with_the_keyboard_alone(page: Any, served_app: str) -> None:
    log_in(page, served_app, "director_a")
    page.goto(f"{served_app}/children/new/")
    tab_to(page, "[name=name]")
    page.keyboard.type("键盘录入")
    choose(page, "sex", "female")
    tab_to(page, "[name=birth_date]")
    # Typed into the date field's parts in the order Chromium shows them, which follows its own UI
    # language (en-US here: month, day, year), not the page's; each part moves on when full.
    page.keyboard.type("03142015")
    assert page.input_value("[name=birth_date]") == "2015-03-14", "Chromium's date field order changed?"
    tab_to(page, "[name=id_number]")
    page.keyboard.type(id_number(ID_BODY))
    choose(page, "mother_status", "alive")
    tab_to(page, "[name=left_behind]")
    page.keyboard.press("Space")
    assert page.is_checked("[name=left_behind]")
    tab_to(page, "[data-testid=save]")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*/children/\d+/$"))
    assert "已登记儿童 键盘录入" in page.content()


def test_the_check_names_what_fails(page: Any) -> None:
    """The check itself: a page with faults fails with each rule, the element and the page."""
    html = '<html><body><main><img src="x.png"><input aria-describedby="nowhere" aria-label="x"></main></body></html>'
    with pytest.raises(A11yViolation) as failure:
        page.set_content(html)  # checked as it arrives, like any navigation
    message = str(failure.value)
    for rule in ("html-has-lang", "image-alt", "idref-exists"):
        assert rule in message, message
    assert "img" in message and "nowhere" in message and "1280×900" in message
