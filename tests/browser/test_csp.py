"""The pages keep the Content-Security-Policy (settings.CONTENT_SECURITY_POLICY): every page every
journey opens is checked for blocked inline scripts, styles and handlers by the same check that
runs axe (a11y.py: CSP_COLLECT, CspViolation), so the accessibility walk's pages of every role are
covered. Here: the header is sent, and the check fails when something is blocked."""

from __future__ import annotations

from typing import Any

import pytest

from .a11y import CspViolation, check_a11y
from .conftest import log_in

pytestmark = pytest.mark.browser


def test_the_policy_is_sent_without_unsafe_inline(browser: Any, served_app: str) -> None:
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    log_in(page, served_app, "supervisor_a")
    header = page.context.request.get(f"{served_app}/").headers.get("content-security-policy", "")
    assert "script-src 'self'" in header and "style-src 'self'" in header and "unsafe-inline" not in header
    context.close()


def test_a_blocked_inline_style_fails_the_check(browser: Any, served_app: str) -> None:
    """The check can fail: an inline style added to a page is blocked, reported and raised."""
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    page.goto(f"{served_app}/login/")
    page.evaluate("document.body.insertAdjacentHTML('beforeend', '<p style=\"color: red\">x</p>')")
    page.wait_for_function("window.__cspViolations.length > 0")
    with pytest.raises(CspViolation, match="style-src"):
        check_a11y(page)
    context.close()
