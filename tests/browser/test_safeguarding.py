"""A mandatory report, end to end: the school doctor (reporter_a), on a phone, files an urgent
report on a girl the registry does not know; the county caseworker finds it in the case list with
a 2-hour clock to see the child, acknowledges it and records the child seen, assesses the risk,
registers the girl (the plan's referrals need a registered child), adds one action to the plan
(a referral to the unit the table names) and sets the plan; the reporter then sees 处理中 and
nothing of the handling, the assessment or the plan. Writes only its own report and its own
child (its own name and ID number)."""

from __future__ import annotations

import datetime
import re
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from stdnum.cn import ric

from .conftest import assert_fits, log_in, screenshot

pytestmark = pytest.mark.browser
NAME = "浏览器红衣女孩"  # used by no other journey
NOTE = "民警与乡镇督导员在东关村小卖部见到儿童，已送医检查"
ID_BODY = "210522" + "20210601" + "468"  # used by no other journey
ID_NUMBER = ID_BODY + ric.calc_check_digit(ID_BODY + "0")
ACTION = "临时监护，追究监护人责任"


def test_a_report_reaches_the_county_and_the_reporter_sees_only_the_status(
    phone: Any, page: Any, served_app: str
) -> None:
    # The reporter, on a phone, from her home page.
    log_in(phone, served_app, "reporter_a")
    phone.get_by_role("link", name="提交强制报告").first.click()
    phone.wait_for_url(f"{served_app}/safety/report/")
    observed = datetime.datetime.now(ZoneInfo("Asia/Shanghai")) - datetime.timedelta(minutes=20)
    phone.fill("[name=child_name]", NAME)
    phone.fill("[name=approx_age]", "5")
    phone.select_option("[name=region]", "210522100201")
    phone.fill("[name=location]", "东关村小卖部门口")
    phone.select_option("[name=kind]", "abuse")
    phone.fill("[name=observed_at]", observed.strftime("%Y-%m-%dT%H:%M"))
    phone.check("[name=urgent]")
    phone.fill("[name=description]", "女孩脸上有伤，说是家里人打的，不敢回家。")
    assert_fits(phone)
    screenshot(phone, "safeguarding-0-report-form-phone")
    phone.click("[data-testid=report-submit]")
    phone.wait_for_url(re.compile(r".*/safety/reports/\d+/$"))
    report_url = phone.url
    assert "已接收" in phone.locator("[data-testid=report-status]").inner_text()
    reference = re.search(r"AQ\d{3}-\d{4}-\d{5}", phone.locator("h1").inner_text())
    assert reference is not None
    assert_fits(phone)
    screenshot(phone, "safeguarding-1-report-received-phone")

    # The county caseworker finds it among the open cases, with a 2-hour clock to see the child.
    log_in(page, served_app, "caseworker")
    page.goto(f"{served_app}/safety/cases/?state=open")
    page.get_by_role("link", name=reference.group(0)).click()
    page.wait_for_url(re.compile(r".*/safety/cases/\d+/$"))
    assert "2 小时" in page.locator("[data-testid=clock-see_child]").inner_text()
    assert "未在儿童名册中找到" in page.locator("[data-testid=case-facts]").inner_text()
    screenshot(page, "safeguarding-2-case-received")
    page.click("[data-testid=act-acknowledge]")
    page.wait_for_load_state()
    assert "已响应" in page.locator("[data-testid=case-state]").inner_text()
    page.fill("[name=see_child-note]", NOTE)
    page.click("[data-testid=act-see_child]")
    page.wait_for_load_state()
    assert "已见到儿童" in page.locator("[data-testid=case-state]").inner_text()
    assert NOTE in page.locator("[data-testid=case-timeline]").inner_text()
    screenshot(page, "safeguarding-3-child-seen")

    # The assessment: a level and the factors behind it; the plan's clock starts in working days.
    page.check("[name=assess-level][value=urgent]")
    page.check("[name=assess-factors][value=physical_harm]")
    page.check("[name=assess-factors][value=guardianship]")
    page.fill("[name=assess-summary]", "家中有人殴打，女孩不敢回家")
    page.click("[data-testid=act-assess]")
    page.wait_for_load_state()
    assert "评估完成" in page.locator("[data-testid=case-state]").inner_text()
    assert "紧急" in page.locator("[data-testid=risk-level]").inner_text()
    assert "个工作日" in page.locator("[data-testid=clock-plan]").inner_text()
    # The plan needs the registered child: the girl is registered from the case and linked.
    assert page.locator("[data-testid=link-needed]").is_visible()
    page.fill("[name=register-name]", NAME)
    page.select_option("[name=register-sex]", "female")
    page.fill("[name=register-birth_date]", "2021-06-01")
    page.fill("[name=register-id_number]", ID_NUMBER)
    page.select_option("[name=register-region]", "210522100201")
    page.click("[data-testid=act-register]")
    page.wait_for_load_state()
    assert "已在儿童名册登记" in page.locator("[data-testid=case-facts]").inner_text()
    # One action: a referral to the unit the table names for T17 (县公安局).
    page.fill("[name=action-what]", ACTION)
    page.select_option("[name=action-code]", "T17")
    page.click("[data-testid=act-add-action]")
    page.wait_for_load_state()
    row = page.locator("[data-testid=plan-action]")
    assert row.count() == 1 and "县公安局" in row.inner_text() and "待受理" in row.inner_text()
    page.click("[data-testid=act-plan]")
    page.wait_for_load_state()
    assert "帮扶计划已制定" in page.locator("[data-testid=case-state]").inner_text()
    assert page.locator("[data-testid=review-form]").is_visible()
    screenshot(page, "safeguarding-3b-planned")
    referral_url = page.locator("[data-testid=referral-link]").first.get_attribute("href")
    assert referral_url is not None and re.match(r"^/referrals/\d+/$", referral_url)

    # The reporter sees 处理中, and nothing of who handles it or how.
    phone.goto(report_url)
    assert "处理中" in phone.locator("[data-testid=report-status]").inner_text()
    content = phone.content()
    assert NOTE not in content and "县公安局" not in content and "见到儿童" not in content
    assert "风险" not in content and "帮扶" not in content and ACTION not in content
    phone.goto(f"{served_app}/safety/reports/")
    assert reference.group(0) in phone.locator("[data-testid=my-reports]").inner_text()
    assert_fits(phone)
    screenshot(phone, "safeguarding-4-handling-phone")
