"""Mandatory reports, end to end. The school doctor (reporter_a), on a phone, files an urgent
report on a girl the registry does not know; the county caseworker finds it in the case list with
a 2-hour clock to see the child (as the police do in theirs), acknowledges it and records the
child seen, assesses the risk, registers the girl (the plan's referrals need a registered child),
records her temporary care at the welfare home, adds one action to the plan
(a referral to the unit the table names) and sets the plan; the reporter then sees 处理中 and
nothing of the handling, the assessment or the plan, and the village's director sees on a phone
only that the case exists. Then she files another with a photo, the
police officer asks her a question and she answers it. Each writes only its own report and its
own child (its own name and ID number)."""

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

    # The police (县公安局 leads task 17) have it among their open cases, with the same 2-hour clock.
    log_in(page, served_app, "officer_p")
    page.goto(f"{served_app}/safety/cases/?state=open")
    page.get_by_role("link", name=reference.group(0)).click()
    page.wait_for_url(re.compile(r".*/safety/cases/\d+/$"))
    assert "2 小时" in page.locator("[data-testid=clock-see_child]").inner_text()
    assert "县公安局" in page.locator("[data-testid=clock-acknowledge]").inner_text()

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
    # Registered, she can be taken into temporary care (未成年人保护法 Art. 92) from the case.
    page.select_option("[name=tc-place]", "welfare")
    page.fill("[name=tc-caregiver_name]", "桓仁县儿童福利院")
    page.select_option("[name=tc-ground]", "guardian_neglect")
    page.fill("[name=tc-decided_by_person]", "李科长")
    page.click("[data-testid=record-temporary-care]")
    page.wait_for_url(re.compile(r".*/safety/cases/\d+/$"))
    placed = page.locator("[data-testid=case-placements]").inner_text()
    assert "临时监护" in placed and "桓仁县儿童福利院" in placed and "本个案" in placed
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
    assert "临时监护" not in content and "福利院" not in content
    phone.goto(f"{served_app}/safety/reports/")
    assert reference.group(0) in phone.locator("[data-testid=my-reports]").inner_text()
    assert_fits(phone)
    screenshot(phone, "safeguarding-4-handling-phone")

    # 东关村's director, on a phone, sees that a case exists for a child of the village (its
    # reference on the home page) and nothing of what it is about or how it is handled.
    log_in(phone, served_app, "director_a")
    panel = phone.locator("[data-testid=panel]", has_text="本村儿童安全个案")
    assert reference.group(0) in panel.inner_text()
    assert NOTE not in phone.content() and ACTION not in phone.content()
    assert phone.get_by_role("link", name="安全个案").count() == 0  # no case list for a director
    assert_fits(phone)


PHOTO_NAME = "浏览器伤情照片.png"
QUESTION = "孩子现在在哪里？有没有家人陪着？"
ANSWER = "在学校医务室，班主任陪着她"


def test_a_reporter_attaches_a_photo_and_answers_the_polices_question(
    phone: Any, page: Any, served_app: str, tmp_path: Any
) -> None:
    """On a phone the school doctor files with a photo; the police officer on the case sees the
    photo and asks her a question; she finds it on her home page, answers it, and the answer is
    on the case's timeline. Writes only its own report (its own child's name)."""
    photo = tmp_path / PHOTO_NAME
    photo.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)
    log_in(phone, served_app, "reporter_a")
    phone.goto(f"{served_app}/safety/report/")
    observed = datetime.datetime.now(ZoneInfo("Asia/Shanghai")) - datetime.timedelta(minutes=30)
    phone.fill("[name=child_name]", "浏览器蓝衣男孩")
    phone.fill("[name=approx_age]", "8")
    phone.select_option("[name=region]", "210522100201")
    phone.select_option("[name=kind]", "neglect")
    phone.fill("[name=observed_at]", observed.strftime("%Y-%m-%dT%H:%M"))
    phone.fill("[name=description]", "男孩连续几天穿同一件衣服，饿得在课上发抖。")
    phone.set_input_files("[name=attachments]", str(photo))
    assert_fits(phone)
    phone.click("[data-testid=report-submit]")
    phone.wait_for_url(re.compile(r".*/safety/reports/\d+/$"))
    report_url = phone.url
    reference = re.search(r"AQ\d{3}-\d{4}-\d{5}", phone.locator("h1").inner_text())
    assert reference is not None
    assert PHOTO_NAME in phone.locator("[data-testid=attachments]").inner_text()
    assert_fits(phone)

    # The police officer (县公安局 leads every case) sees the photo and asks.
    log_in(page, served_app, "officer_p")
    page.goto(f"{served_app}/safety/cases/?state=open")
    page.get_by_role("link", name=reference.group(0)).click()
    page.wait_for_url(re.compile(r".*/safety/cases/\d+/$"))
    assert PHOTO_NAME in page.locator("[data-testid=attachments]").inner_text()
    page.fill("[data-testid=question-form] [name=text]", QUESTION)
    page.click("[data-testid=ask-submit]")
    page.wait_for_load_state()
    assert QUESTION in page.locator("[data-testid=case-questions]").inner_text()

    # The reporter finds the question on her home page and answers it, by keyboard.
    phone.goto(f"{served_app}/")
    waiting = phone.get_by_role("link", name=re.compile(re.escape(reference.group(0)) + ".*提出"))
    waiting.click()
    phone.wait_for_url(re.compile(re.escape(report_url) + r"#question-\d+$"))
    assert QUESTION in phone.locator("[data-testid=questions]").inner_text()
    assert "魏公安" not in phone.content() and "县公安局" not in phone.content()
    answer = phone.locator("[data-testid=answer-form] textarea")
    answer.focus()
    phone.keyboard.type(ANSWER)
    phone.keyboard.press("Tab")
    with phone.expect_navigation():
        phone.keyboard.press("Enter")
    assert ANSWER in phone.locator("[data-testid=answer]").inner_text()
    assert_fits(phone)

    page.reload()
    assert ANSWER in page.locator("[data-testid=case-timeline]").inner_text()
