"""Guardianship intervention on a case, at 1280 px: the county caseworker finds the demo child under
temporary guardianship (韩小雪) in 监护干预, opens the case's 监护干预 section, records the
application to the court by keyboard, then the court's decision revoking the father's
guardianship — confirmed first, since the registry follows — and sees what the registry recorded.
Writes only the demo intervention of 韩小雪 (used by no other journey)."""

from __future__ import annotations

import datetime
import re
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from .conftest import log_in, screenshot

pytestmark = pytest.mark.browser
CHILD = "韩小雪"


def test_the_court_application_and_decision_are_recorded_on_the_case(page: Any, served_app: str) -> None:
    today = datetime.datetime.now(ZoneInfo("Asia/Shanghai")).date().isoformat()
    log_in(page, served_app, "caseworker")
    page.goto(f"{served_app}/guardianship/?state=temporary")
    row = page.locator("[data-testid=interventions] tr", has_text=CHILD)
    row.get_by_role("link").click()
    page.wait_for_url(re.compile(r".*/safety/cases/\d+/#guardianship$"))
    section = page.locator("[data-testid=guardianship]")
    assert "临时监护中" in section.locator("[data-testid=guardianship-state]").inner_text()
    assert "教育不改" in section.locator("[data-testid=step-warn]").inner_text()
    assert "民政部门（国家监护）" in section.locator("[data-testid=step-temporary]").inner_text()
    screenshot(page, "guardianship-0-temporary")

    # The application: the applicant chosen with the arrow keys, submitted with Enter.
    form = section.locator("[data-testid=guardianship-form-apply]")
    form.locator("[name=apply-applicant]").focus()
    page.keyboard.press("ArrowDown")  # 县民政局 → 县检察院
    form.locator("[name=apply-filed_on]").fill(today)
    form.locator("[name=apply-court_case_number]").fill("（2026）辽0522民特99号")
    with page.expect_navigation():
        form.locator("[name=apply-court_case_number]").press("Enter")
    assert page.url.endswith("#guardianship"), page.url
    section = page.locator("[data-testid=guardianship]")
    assert "已申请撤销监护资格" in section.locator("[data-testid=guardianship-state]").inner_text()
    applied = section.locator("[data-testid=step-apply]").inner_text()
    assert "县检察院" in applied and "（2026）辽0522民特99号" in applied

    # The decision: revoking asks first, then the registry records the father's status.
    form = section.locator("[data-testid=guardianship-form-decide]")
    form.locator("[name=decide-outcome]").select_option("revoked")
    form.locator("[name=decide-revoke_father]").check()
    form.locator("[name=decide-guardian]").select_option("civil_affairs")
    asked: list[str] = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    form.get_by_role("button", name="法院判决").click()
    page.wait_for_load_state()
    assert asked and "被撤销监护资格" in asked[0]
    section = page.locator("[data-testid=guardianship]")
    assert "已撤销监护资格" in section.locator("[data-testid=guardianship-state]").inner_text()
    decided = section.locator("[data-testid=step-decide]").inner_text()
    assert "父亲状况：被撤销监护资格" in decided and "县法院" in decided
    screenshot(page, "guardianship-1-revoked")
