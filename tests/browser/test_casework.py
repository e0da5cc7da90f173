"""One window, three departments: supervisor_a takes an application for a registered child in
东关村, confirms three of the proposed measures; 县教育局 accepts and completes its part, 县民政局 (T07 by
duty: the child's 低保) returns its part for more information, 县残联 lets the deadline pass and the item escalates to
county civil affairs; the supervisor sees all of it on the child's timeline. Then the same pages
on a phone."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.utils import timezone

from shouhu.core.testing.processes import shouhu_run

from .conftest import ServedStack, assert_fits, log_in, screenshot

pytestmark = pytest.mark.browser
KEEP = ("T09", "T07", "T24")  # lead: 县教育局; by duty: 县民政局 (低保), 县残联 (disabled); lead: 县残联
FIND_CHILD = """
import datetime
from shouhu.eligibility.rules import ruleset_on
from shouhu.registry.models import Child
from shouhu.registry.selectors import situation_on
on = datetime.date.today()
rules = ruleset_on(on)
for child in Child.objects.filter(region_code="210522100201", status="active").order_by("pk"):
    measures = rules.decide(situation_on(child, on), on).measures
    if {"T09", "T07", "T24"} <= set(measures):
        print("CHILD", child.pk, child.name, ",".join(measures))
        break
"""


def find_child(stack: ServedStack) -> tuple[int, str, list[str]]:
    out = shouhu_run(["shell", "-c", FIND_CHILD], stack.database_url, SHOUHU_DATA_DIR=stack.data_dir)
    match = re.search(r"^CHILD (\d+) (\S+) (\S+)$", out, re.MULTILINE)
    assert match, f"no demo child in 东关村 with T09, T07 and T24 proposed:\n{out}"
    return int(match.group(1)), match.group(2), match.group(3).split(",")


@pytest.fixture
def users(browser: Any) -> Iterator[Any]:
    contexts: list[Any] = []

    def open_as(key: str, base: str, *, phone: bool = False) -> Any:
        size = {"width": 375, "height": 740} if phone else {"width": 1280, "height": 900}
        context = browser.new_context(locale="zh-CN", viewport=size, is_mobile=phone)
        contexts.append(context)
        page = context.new_page()
        log_in(page, base, key)
        return page

    yield open_as
    for context in contexts:
        context.close()


def open_referral(page: Any, base: str, name: str, code: str) -> None:
    page.goto(f"{base}/referrals/?tab=all")
    row = page.locator(f"[data-testid=inbox] tbody tr:has-text('{name}'):has-text('{code} ')")
    assert row.count() == 1, page.content()
    row.locator("a").first.click()
    page.wait_for_url(re.compile(r".*/referrals/\d+/$"))


def test_one_window_three_departments_and_the_timeline(users: Any, served_stack: ServedStack) -> None:
    base = served_stack.base
    child_id, name, proposed = find_child(served_stack)

    # The township window takes the application.
    window = users("supervisor_a", base)
    window.get_by_role("link", name="受理", exact=True).click()
    window.click("[data-testid=new-intake]")
    window.fill("[name=q]", name)
    window.click("[data-testid=pick-search]")
    window.click(f"[data-testid=pick-{child_id}]")
    window.wait_for_url(f"{base}/intake/new/?child={child_id}")
    for code in proposed:
        assert window.locator(f"[data-testid=proposed-{code}]").is_visible()
        assert window.locator(f"[name=m_{code}]").is_checked()
    assert window.locator("[data-testid=proposed-T09] .why").inner_text().strip()  # the explanation
    screenshot(window, "casework-1-intake-proposals")
    # Leaving a proposal out without a reason is refused next to it.
    dropped = [c for c in proposed if c not in KEEP]
    for code in dropped:
        window.uncheck(f"[name=m_{code}]")
    if dropped:
        window.click("[data-testid=confirm-intake]")
        window.wait_for_load_state()
        assert "未采纳筛查建议，请填写理由" in window.locator(f"[data-testid=error-r_{dropped[0]}]").inner_text()
        screenshot(window, "casework-2-intake-reason-needed")
    for code in dropped:
        window.uncheck(f"[name=m_{code}]")
        window.fill(f"[name=r_{code}]", "家庭已在享受，暂不转办")
    window.fill("[name=facts]", "祖母来窗口申请，孩子在读小学，家庭低保。")
    window.fill("[name=applicant_name]", "王桂兰")
    window.fill("[name=applicant_relationship]", "祖母")
    window.fill("[name=applicant_phone]", "13900001111")
    window.click("[data-testid=confirm-intake]")
    window.wait_for_url(re.compile(r".*/intake/\d+/$"))
    assert "转办" in window.locator(".messages").inner_text()
    referrals = window.locator("[data-testid=intake-referrals]").inner_text()
    # T07 goes by duty: the 低保 child's part to 县民政局, the disabled child's to 县残联 (not 卫健).
    for unit in ("县教育局", "县民政局", "县残联"):
        assert unit in referrals
    assert "县卫健局" not in referrals
    reference = window.locator("h1").inner_text().split()[0]
    screenshot(window, "casework-3-intake-confirmed")
    window.click("[data-testid=receipt-link]")
    receipt = window.locator("[data-testid=receipt]").inner_text()
    assert reference in receipt and name in receipt and "教育局" in receipt
    assert not re.search(r"\d{17}[\dXx]", receipt)
    screenshot(window, "casework-4-receipt")

    # 县教育局 accepts and completes.
    education = users("officer_a", base)
    education.get_by_role("link", name="转介", exact=True).click()
    education.wait_for_url(f"{base}/referrals/")
    assert name in education.locator("[data-testid=inbox]").inner_text()
    screenshot(education, "casework-5-inbox-education")
    open_referral(education, base, name, "T09")
    education.click("[data-testid=do-accept]")
    education.wait_for_load_state()
    assert "已受理" in education.locator(".messages").inner_text()
    education.check("[name=complete-outcome][value=approved]")
    education.fill("[name=complete-amount]", "1250")
    education.select_option("[name=complete-period]", "per_term")
    education.fill("[name=complete-start_month]", timezone.localdate().strftime("%Y-%m"))
    education.click("[data-testid=do-complete]")
    education.wait_for_load_state()
    assert "每学期 1,250 元，自" in education.locator("[data-testid=outcome]").inner_text()
    screenshot(education, "casework-6-completed")

    # 县民政局 (its county caseworkers) returns its part of T07 for more information.
    civil = users("caseworker", base)
    open_referral(civil, base, name, "T07")
    civil.fill("[name=return-reason]", "请补充医保参保证明")
    civil.click("[data-testid=do-return]")
    civil.wait_for_load_state()
    assert "请补充医保参保证明" in civil.locator("[data-testid=reason]").inner_text()

    # Nobody at 县残联 acts: the hourly sweep, run as of a later date, escalates it.
    out = shouhu_run(
        [
            "shell",
            "-c",
            "from shouhu.casework.tasks import sweep; import datetime; print(sweep(datetime.date(2027, 1, 31)))",
        ],
        served_stack.database_url,
        SHOUHU_DATA_DIR=served_stack.data_dir,
    )
    assert "'overdue': " in out and "'overdue': 0" not in out
    county = users("caseworker", base)
    county.reload()
    assert int(county.locator("[data-testid=bell] .badge").inner_text()) >= 1
    county.click("[data-testid=bell]")
    county.wait_for_url(f"{base}/notifications/")
    assert "逾期督办：县残联" in county.content()
    county.get_by_role("link", name="转介督办", exact=True).click()
    county.wait_for_url(f"{base}/referrals/supervision/")
    escalated = county.locator("[data-testid=escalated]").all_inner_texts()
    assert any(name in table and "T24" in table for table in escalated)
    assert "县残联" in county.content()
    screenshot(county, "casework-7-supervision")

    # The window sees all of it on the child's timeline.
    window.goto(f"{base}/referrals/children/{child_id}/timeline/")
    timeline = window.locator("[data-testid=timeline]").inner_text()
    assert f"确认转办 {reference}" in timeline
    assert "县教育局：办结 → 已办结" in timeline and "两免一补" in timeline
    assert "县民政局：退回补充材料" in timeline and "请补充医保参保证明" in timeline
    assert "县残联：逾期，提请督办" in timeline
    assert "登记" in timeline
    screenshot(window, "casework-8-timeline")
    # The window resubmits the returned part once the family brought the papers.
    window.goto(f"{base}/intake/")
    window.click(f"text={reference}")
    window.wait_for_url(re.compile(r".*/intake/\d+/$"))
    window.locator("[data-testid=intake-referrals] tr:has-text('县民政局'):has-text('T07') a").click()
    window.click("[data-testid=do-resubmit]")
    window.wait_for_load_state()
    assert "已补充后重新提交" in window.locator(".messages").inner_text()

    # The same pages on a phone.
    phone = users("supervisor_a", base, phone=True)
    for path, shot in [
        (f"/intake/new/?child={child_id}", "casework-phone-intake"),
        (f"/referrals/children/{child_id}/timeline/", "casework-phone-timeline"),
        ("/referrals/?tab=all", "casework-phone-inbox"),
        ("/intake/", "casework-phone-intakes"),
    ]:
        phone.goto(base + path)
        assert_fits(phone)
        screenshot(phone, shot)
    officer_phone = users("officer_a", base, phone=True)
    open_referral(officer_phone, base, name, "T09")
    assert_fits(officer_phone)
    screenshot(officer_phone, "casework-phone-referral")
    county_phone = users("caseworker", base, phone=True)
    county_phone.goto(f"{base}/referrals/supervision/")
    assert_fits(county_phone)
    screenshot(county_phone, "casework-phone-supervision")
