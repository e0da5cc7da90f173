"""A masked ID number must leave at least 1,000 possible numbers given everything else a page,
export or API answer shows (docs/security.md, "ID masks").

Each output is read as an attacker would read it: the mask's visible characters, the birth date as
precisely as the output gives it (the day, the month, or an age in years), the sex and the region
(the county's 6-digit code, taken as known however the page names it). Then every valid 18-digit
number consistent with them is counted, with the ISO 7064 check digit computed by python-stdnum,
not by our code. The count stops at `ENOUGH`."""

from __future__ import annotations

import datetime
import io
import json
import re
from html import unescape
from typing import Any

import pytest
from python_calamine import CalamineWorkbook
from stdnum.cn import ric

from shouhu.accounts.models import User
from shouhu.accounts.services import api_token_issue
from shouhu.casework.tests.helpers import import_table
from shouhu.casework.tests.walk_samples import referred
from shouhu.core.dates import today
from shouhu.eligibility.tests.eligibility_factories import run_worker
from shouhu.registry.identity import age_on
from shouhu.registry.models import Child

from .ui_factories import register

pytestmark = pytest.mark.django_db
ENOUGH = 1000
COUNTY = "210522"
TOWNSHIP_A = "210522100000"
BORN = datetime.date(2015, 3, 15)
FULL_ID = "210522201503150015"  # born 2015-03-15, sequence 001 (a boy), check digit 5


def visible_text(body: str) -> str:
    body = re.sub(r"<(style|script)[^>]*>.*?</\1>", " ", body, flags=re.S)
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", body)))


def masks_in(text: str) -> list[str]:
    return re.findall(r"(?<![\dX*])[\dX*]{18}(?![\dX*])", text)


def birth_dates_shown(text: str, born: datetime.date, on: datetime.date) -> list[datetime.date]:
    """The birth dates the output leaves possible, from the most precise form it shows."""
    days = [born.isoformat(), f"{born:%Y%m%d}", f"{born.year}年{born.month}月{born.day}日", f"{born:%Y/%m/%d}"]
    if any(day in text for day in days):
        return [born]
    month = [f"{born:%Y-%m}", f"{born.year}年{born.month}月", f"{born:%Y%m}"]
    if any(m in text for m in month):
        first = born.replace(day=1)
        return [
            first + datetime.timedelta(days=n)
            for n in range(31)
            if (first + datetime.timedelta(days=n)).month == born.month
        ]
    ages = {int(a) for a in re.findall(r"(\d{1,2}) ?岁", text)} | {int(a) for a in re.findall(r'"age": ?(\d+)', text)}
    if ages:
        # every birth date whose completed years on `on` is one of the ages shown
        start = on.replace(year=on.year - max(ages) - 1)
        return [
            start + datetime.timedelta(days=n)
            for n in range((on - start).days + 1)
            if age_on(start + datetime.timedelta(days=n), on) in ages
        ]
    return [on.replace(year=on.year - 18) + datetime.timedelta(days=n) for n in range(18 * 365)]


def candidates(mask: str, births: list[datetime.date], male: bool, limit: int = ENOUGH) -> int:
    """Valid numbers matching the mask's visible characters, one of the birth dates, the sex and
    the county's area code; counted up to `limit`."""
    area = COUNTY
    assert all(c == "*" or c == a for c, a in zip(mask[:6], area, strict=True)), mask
    found = 0
    for born in births:
        body = f"{area}{born:%Y%m%d}"
        if any(c not in ("*", d) for c, d in zip(mask[6:14], body[6:14], strict=True)):
            continue
        for sequence in range(1000):
            if (sequence % 2 == 1) != male:
                continue
            number17 = f"{body}{sequence:03d}"
            if any(c not in ("*", d) for c, d in zip(mask[14:17], number17[14:17], strict=True)):
                continue
            check = ric.calc_check_digit(number17 + "0")
            if mask[17] not in ("*", check):
                continue
            found += 1
            if found >= limit:
                return found
    return found


def assert_enough(output: str, where: str, child: Child, on: datetime.date | None = None) -> int:
    on = on or today()
    assert FULL_ID not in output, f"{where}: the full number"
    masks = [m for m in masks_in(output) if m != FULL_ID]
    assert masks or child.id_number_masked not in output, f"{where}: mask not parsed"
    births = birth_dates_shown(output, child.birth_date, on)
    worst = min((candidates(mask, births, male=child.sex == "male") for mask in masks), default=ENOUGH)
    assert worst >= ENOUGH, f"{where}: only {worst} possible ID numbers from {masks} and {len(births)} birth dates"
    return worst


@pytest.fixture
def child(personas: dict[str, User]) -> Child:
    return register(personas["caseworker"])


def test_the_counting_finds_few_numbers_from_the_old_mask(child: Child) -> None:
    """The counter itself: yesterday's mask (digits 5–14 hidden) beside the birth date is one number."""
    old = FULL_ID[:4] + "*" * 10 + FULL_ID[-4:]
    assert candidates(old, [BORN], male=True) == 1
    assert candidates(old, birth_dates_shown("9 岁", BORN, datetime.date(2025, 1, 1)), male=True) < ENOUGH
    assert candidates("2105" + "*" * 14, [BORN], male=True) == 500  # birth date shown to the day: too few
    assert candidates(child.id_number_masked, birth_dates_shown(f"{BORN:%Y-%m}", BORN, today()), male=True) >= ENOUGH


def test_pages_leave_enough_numbers(child: Child, login: Any) -> None:
    caseworker, director = login("caseworker"), login("director_a")
    pages = {
        "儿童名册": "/children/",
        "名册搜索": f"/children/?q={FULL_ID}",
        "儿童档案": f"/children/{child.pk}/",
        "记录变化": f"/children/{child.pk}/change/",
        "资格认定": f"/eligibility/children/{child.pk}/",
    }
    for name, url in pages.items():
        for client in (caseworker, director):
            response = client.get(url)
            assert response.status_code == 200, (name, response.status_code)
            assert_enough(visible_text(response.content.decode()), name, child)
    page = visible_text(caseworker.get(f"/children/{child.pk}/").content.decode())
    assert child.id_number_masked in page and f"{BORN:%Y-%m}" in page and BORN.isoformat() not in page


def test_the_change_form_keeps_the_birth_date_it_does_not_show(child: Child, login: Any) -> None:
    from .test_ui import change_form

    client = login("director_a")
    data = change_form(client, child)
    assert data["birth_date"] == "" and data["id_number"] == ""
    data.update(name="张晓明", effective=today().isoformat())
    preview = client.post(f"/children/{child.pk}/change/", data)
    assert preview.status_code == 200 and 'data-testid="changes"' in preview.content.decode()
    assert_enough(visible_text(preview.content.decode()), "变化预览", child)
    hidden = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', preview.content.decode()))
    response = client.post(f"/children/{child.pk}/change/", {**hidden, "confirm": "1"})
    assert response.status_code == 302
    child.refresh_from_db()
    assert (child.name, child.birth_date, child.id_number) == ("张晓明", BORN, FULL_ID)


def test_api_answers_leave_enough_numbers(child: Child, personas: dict[str, User]) -> None:
    from django.test import Client

    for key in ("caseworker", "director_a"):
        _, token = api_token_issue(actor=personas[key], name=f"mask-{key}", user=personas[key])
        api = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
        listing = api.get("/api/v1/children").json()
        assert listing["items"][0]["birth_date"] is None and listing["items"][0]["birth_month"] == "2015-03"
        assert_enough(json.dumps(listing, ensure_ascii=False), f"接口列表（{key}）", child)
        one = api.get(f"/api/v1/children/{child.pk}").json()
        assert_enough(json.dumps(one, ensure_ascii=False), f"接口档案（{key}）", child)
        sent_back = api.put(
            f"/api/v1/children/{child.pk}",
            json.dumps({"version": one["version"], "record": one["record"]}),
            content_type="application/json",
        )
        assert sent_back.status_code == 200, sent_back.json()  # the masked values sent back mean "unchanged"
        child.refresh_from_db()
        assert child.birth_date == BORN and child.id_number == FULL_ID


def test_casework_pages_api_and_receipt_leave_enough_numbers(
    child: Child, login: Any, personas: dict[str, User]
) -> None:
    from django.test import Client

    import_table()
    intake, by_code = referred(personas["supervisor_a"], child, ["T09"])
    supervisor = login("supervisor_a")
    for name, url in {
        "受理回执": f"/intake/{intake.pk}/receipt/",
        "受理详情": f"/intake/{intake.pk}/",
        "受理查找": f"/intake/new/?q={child.name}",
        "转办详情": f"/referrals/{by_code['T09'].pk}/",
    }.items():
        client = login("officer_a") if name == "转办详情" else supervisor
        response = client.get(url)
        assert response.status_code == 200, (name, response.status_code)
        assert_enough(visible_text(response.content.decode()), name, child)
    _, token = api_token_issue(actor=personas["officer_a"], name="mask-officer", user=personas["officer_a"])
    api = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    answer = api.get("/api/v1/referrals").json()
    assert answer["items"][0]["child"]["id_number_masked"] == child.id_number_masked
    assert_enough(json.dumps(answer, ensure_ascii=False), "转办接口", child)


def test_the_eligibility_export_leaves_enough_numbers(child: Child, login: Any) -> None:
    admin = login("admin")
    response = admin.post("/eligibility/runs/new/", {"region_code": TOWNSHIP_A, "as_of": today().isoformat()})
    assert response.status_code == 302
    run_worker(loops=3)
    export = admin.get(f"/eligibility/counts/children/export.xlsx?region={TOWNSHIP_A}&code=T02")
    assert export.status_code == 200
    rows = CalamineWorkbook.from_filelike(io.BytesIO(export.content)).get_sheet_by_index(0).to_python()
    text = " ".join(str(cell) for row in rows for cell in row)
    assert child.name in text and child.id_number_masked in text
    assert_enough(text.replace("岁", "") + f" {rows[1][3]} 岁", "资格名单导出", child)


def test_the_duplicates_review_leaves_enough_numbers(child: Child, login: Any, personas: dict[str, User]) -> None:
    twin = register(personas["caseworker"], id_number="210522201503150031", name="张小名")  # queued at once
    page = visible_text(login("caseworker").get("/children/duplicates/").content.decode())
    assert child.name in page and twin.name in page and f"{BORN:%Y-%m}" in page
    assert "210522201503150031" not in page
    assert_enough(page, "疑似重复", child)


def test_the_migration_rewrites_stored_masks_without_decrypting(child: Child, personas: dict[str, User]) -> None:
    from importlib import import_module

    from django.apps import apps

    migration = import_module("shouhu.registry.migrations.0008_id_masks_hide_sequence")
    Child.objects.filter(pk=child.pk).update(id_number_masked="2105**********0015")
    no_id = register(personas["caseworker"], id_number=None, no_id_reason="尚未办理户口登记", name="李小红")
    migration.hide_sequence(apps, None)
    child.refresh_from_db()
    no_id.refresh_from_db()
    assert (child.id_number_masked, no_id.id_number_masked) == ("2105**************", "")
