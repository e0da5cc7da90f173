"""The county administrator widens 0—6岁残疾儿童康复救助 (T21) to age 7: previews the change,
saves it, screens the county in the background (a real worker process) and sees the T21 count
change — on the demo county's 300 children."""

from __future__ import annotations

import re
from typing import Any

import pytest

from .conftest import log_in, screenshot

pytestmark = pytest.mark.browser


def t21_total(page: Any) -> int:
    return int(page.locator('tr[data-code="T21"] [data-testid=total]').inner_text())


def test_widening_the_rehab_age_limit_changes_the_preview_and_after_screening_the_counts(
    page: Any, served_app: str, worker: None
) -> None:
    log_in(page, served_app, "admin")
    page.get_by_role("link", name="资格筛查", exact=True).click()
    page.wait_for_url(f"{served_app}/eligibility/")
    page.get_by_role("link", name="人数统计").click()
    page.wait_for_url(f"{served_app}/eligibility/counts/")
    before = t21_total(page)  # the demo load screened the county once
    screenshot(page, "eligibility-1-counts-before")

    page.get_by_role("link", name="参数", exact=True).click()
    page.wait_for_url(f"{served_app}/eligibility/parameters/")
    assert page.locator("#param-rehab_age_max [data-testid=value]").inner_text() == "6"
    page.click("[data-testid=edit-rehab_age_max]")
    page.fill("[name=value]", "7")
    page.click("[data-testid=preview-button]")
    row = page.locator('[data-testid=preview-table] tr[data-code="T21"]')
    assert int(row.locator("[data-testid=before]").inner_text()) == before
    after = int(row.locator("[data-testid=after]").inner_text())
    assert after > before, "the demo county has disabled seven-year-olds"
    assert row.locator("[data-testid=gained]").inner_text() == f"+{after - before}"
    assert re.search(r"\*", row.inner_text())  # the names shown are masked
    screenshot(page, "eligibility-2-parameter-preview")
    page.fill("[name=note]", "康复救助扩大到 0—7 岁")
    page.click("[data-testid=save-button]")
    page.wait_for_url(f"{served_app}/eligibility/parameters/")
    assert "已保存参数「0—6岁残疾儿童康复救助：年龄上限」= 7" in page.content()
    assert page.locator("#param-rehab_age_max [data-testid=value]").inner_text() == "7"

    # Screen the county in the background; the page follows the progress and shows the results.
    page.get_by_role("link", name="筛查", exact=True).click()
    page.wait_for_url(f"{served_app}/eligibility/")
    page.click("[data-testid=start-run]")
    page.wait_for_url(re.compile(r".*/eligibility/runs/\d+/$"))
    page.wait_for_selector('[data-testid=run-state]:has-text("已完成")', timeout=60_000)
    counts = page.locator('[data-testid=run-counts] tr[data-code="T21"]')
    assert int(counts.locator("[data-testid=matching]").inner_text()) == after
    assert counts.locator(".gain").inner_text() == f"+{after - before}"
    screenshot(page, "eligibility-3-run-done")
    counts.locator(".gain a").click()
    page.wait_for_url(re.compile(r".*code=T21&change=gained.*"))
    assert page.locator("[data-testid=changes] tbody tr").count() == after - before
    screenshot(page, "eligibility-4-run-changes")

    # One of the newly eligible children: the explanation and the history with rule and parameter.
    page.locator("[data-testid=changes] tbody tr a").first.click()
    page.wait_for_url(re.compile(r".*/eligibility/children/\d+/$"))
    assert page.locator('[data-testid=measures] li[data-code="T21"]').inner_text().count("7 岁") == 1
    history = page.locator('[data-testid=eligibility-history] tr[data-code="T21"]').inner_text()
    assert "0—6岁残疾儿童康复救助：年龄上限 7" in history.replace("\xa0", " ")
    screenshot(page, "eligibility-5-child")

    page.get_by_role("link", name="资格筛查", exact=True).click()
    page.wait_for_url(f"{served_app}/eligibility/")
    page.get_by_role("link", name="人数统计").click()
    page.wait_for_url(f"{served_app}/eligibility/counts/")
    assert t21_total(page) == after
    screenshot(page, "eligibility-6-counts-after")


def test_a_township_supervisor_reads_the_results_on_a_phone(phone: Any, served_app: str) -> None:
    page = phone
    log_in(page, served_app, "supervisor_a")
    for path, name in [
        ("/eligibility/", "runs"),
        ("/eligibility/counts/", "counts"),
        ("/eligibility/rules/", "rules"),
        ("/eligibility/parameters/", "parameters"),
    ]:
        page.goto(f"{served_app}{path}")
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"{path} is {overflow} px wider than the screen"
        screenshot(page, f"eligibility-phone-{name}")
    # Only their own township: its villages are the columns, no other township appears.
    page.goto(f"{served_app}/eligibility/counts/")
    header = page.locator("[data-testid=counts] thead").inner_text()
    assert "普乐堡" not in header and "八卦城" not in header
    page.goto(f"{served_app}/eligibility/")
    page.locator("[data-testid=runs] tbody tr a").first.click()
    page.wait_for_url(re.compile(r".*/eligibility/runs/\d+/$"))
    assert "只显示您辖区内的儿童" in page.content()
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0
    screenshot(page, "eligibility-phone-run")
