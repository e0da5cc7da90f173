"""The registry's screens: find, register, read, change, correct, close and reopen a child."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from shouhu.accounts.models import User
from shouhu.accounts.personas import VILLAGE_A, VILLAGE_B
from shouhu.core.models import AuditEvent
from shouhu.registry.exchange.bulk import bulk_register
from shouhu.registry.exchange.format import parse_record, record_to_dict
from shouhu.registry.models import Child, ChildStatus, Circumstance
from shouhu.registry.selectors import situation_on

from .example import EXAMPLE, example
from .ui_factories import field_errors, form_data, form_errors, register, today

pytestmark = pytest.mark.django_db
FULL_ID = "210522201503150015"


def detail_url(child: Child) -> str:
    return reverse("registry:detail", kwargs={"child_id": child.pk})


def names_in(response: Any) -> list[str]:
    return re.findall(r'<a href="/children/\d+/">([^<]+)</a>', response.content.decode())


# -- the list --------------------------------------------------------------------------------


def test_a_village_director_sees_only_their_village(personas: dict[str, User], login: Any) -> None:
    register(personas["caseworker"])
    register(
        personas["caseworker"], id_number=None, no_id_reason="弃婴", name="李小红", sex="female", region_code=VILLAGE_B
    )
    assert names_in(login("director_a").get("/children/")) == ["张小明"]
    assert names_in(login("director_b").get("/children/")) == ["李小红"]
    assert names_in(login("supervisor_b").get("/children/")) == ["李小红"]
    assert sorted(names_in(login("caseworker").get("/children/"))) == ["张小明", "李小红"]
    assert login("officer_a").get("/children/").status_code == 403
    assert login("leader").get("/children/").status_code == 403


def test_the_list_shows_masked_id_numbers_age_and_village(personas: dict[str, User], login: Any) -> None:
    register(personas["caseworker"])
    html = login("supervisor_a").get("/children/").content.decode()
    assert "2105**************" in html and FULL_ID not in html
    assert "东关村" in html and "低保" in html
    assert "岁" in html


@pytest.mark.parametrize("q", ["zxm", "zhangxiaoming", "ZXM", "张小", FULL_ID, "210522 20150315 0015"])
def test_search_by_pinyin_initials_name_or_id(personas: dict[str, User], login: Any, q: str) -> None:
    register(personas["caseworker"])
    register(personas["caseworker"], id_number=None, no_id_reason="弃婴", name="李小红", sex="female")
    assert names_in(login("director_a").get("/children/", {"q": q})) == ["张小明"]


def test_a_search_with_no_result_says_so_and_offers_registration(personas: dict[str, User], login: Any) -> None:
    register(personas["caseworker"])
    html = login("director_a").get("/children/", {"q": "wxy"}).content.decode()
    assert 'data-testid="empty"' in html and "没有符合条件的儿童" in html
    assert reverse("registry:create") in html


def test_an_empty_registry_invites_registration(login: Any) -> None:
    html = login("director_a").get("/children/").content.decode()
    assert "辖区内还没有登记的儿童" in html and "登记儿童" in html


def test_filters_by_flag_parents_age_sex_and_status(personas: dict[str, User], login: Any) -> None:
    register(personas["caseworker"])  # 低保, father deceased, mother imprisoned, 11 years old in 2026
    register(
        personas["caseworker"],
        id_number=None,
        no_id_reason="弃婴",
        name="李小红",
        sex="female",
        birth_date="2024-01-01",
        household={"low_income": False},
        parents=[{"role": "father", "status": "alive"}],
    )
    client = login("supervisor_a")
    assert names_in(client.get("/children/", {"flags": "low_income"})) == ["张小明"]
    assert names_in(client.get("/children/", {"parents": "restricted"})) == ["张小明"]
    assert names_in(client.get("/children/", {"parents": "orphan_like"})) == []
    assert names_in(client.get("/children/", {"sex": "female"})) == ["李小红"]
    age = (today() - datetime.date(2015, 3, 15)).days // 366
    assert names_in(client.get("/children/", {"age_min": age - 1, "age_max": age + 1})) == ["张小明"]
    assert names_in(client.get("/children/", {"age_max": 3})) == ["李小红"]
    assert names_in(client.get("/children/", {"region": VILLAGE_A})) == ["李小红", "张小明"]
    assert names_in(client.get("/children/", {"status": "closed"})) == []


def test_a_region_outside_the_jurisdiction_is_not_a_filter_choice(personas: dict[str, User], login: Any) -> None:
    register(personas["caseworker"])
    response = login("supervisor_b").get("/children/", {"region": VILLAGE_A})
    assert names_in(response) == []
    html = response.content.decode()
    assert "东关村" not in html


def test_the_list_query_count_is_flat(
    personas: dict[str, User], login: Any, django_assert_max_num_queries: Any
) -> None:
    records = []
    for i in range(60):
        record, errors = parse_record(
            example(id_number=None, no_id_reason="测试", name=f"张小{'明红刚强丽'[i % 5]}{i}"), today=today()
        )
        assert record is not None, errors
        records.append(record)
    bulk_register(actor=personas["caseworker"], records=records, effective=today())
    client = login("supervisor_a")
    # 10 + 3: the page's audit row (the chain's head taken, the row, the head moved on: core/chain.py)
    with django_assert_max_num_queries(13):
        response = client.get("/children/")
    assert len(names_in(response)) == 50
    with django_assert_max_num_queries(13):
        response = client.get("/children/", {"page": 2, "flags": "low_income", "parents": "restricted", "q": "zx"})
    assert len(names_in(response)) == 10


# -- registering -----------------------------------------------------------------------------


def test_registering_through_the_form_keeps_every_fact(personas: dict[str, User], login: Any) -> None:
    response = login("director_a").post("/children/new/", form_data(phone="13812345678", address="东关街 8 号"))
    child = Child.objects.get()
    assert response.status_code == 302 and response["Location"] == detail_url(child)
    assert record_to_dict(situation_on(child, today())) == EXAMPLE
    assert child.phone == "13812345678" and child.address == "东关街 8 号"
    assert child.created_by == personas["director_a"]
    assert AuditEvent.objects.filter(action="children.register", object_id=str(child.pk)).exists()


def test_the_form_offers_only_villages_in_the_jurisdiction(login: Any) -> None:
    html = login("director_a").get("/children/new/").content.decode()
    options = re.findall(r'<option value="(\d{12})"', html)
    assert options == [VILLAGE_A]
    html = login("supervisor_b").get("/children/new/").content.decode()
    options = re.findall(r'<option value="(\d{12})"', html)
    assert VILLAGE_B in options and VILLAGE_A not in options


def test_a_child_without_id_number_is_registered_with_the_reason(login: Any) -> None:
    response = login("director_a").post("/children/new/", form_data(id_number="", no_id_reason="弃婴，尚未登记户口"))
    assert response.status_code == 302
    child = Child.objects.get()
    assert child.id_number is None and child.no_id_reason == "弃婴，尚未登记户口"


INVALID = [
    ({"id_number": "210522201503150016"}, "id_number", "校验码错误"),
    ({"id_number": "21052220150315001"}, "id_number", "长度应为 18 位"),
    ({"birth_date": "2015-02-30"}, "birth_date", "不是有效日期"),
    ({"birth_date": "2015-03-16"}, "birth_date", "与身份证号中的出生日期 2015-03-15 不一致"),
    ({"sex": "female"}, "sex", "女 与身份证号中的性别（男）不一致"),
    ({"id_number": ""}, "id_number", "必须在「无身份证号原因」中说明原因"),
    ({"name": " "}, "name", "不能为空"),
    ({"name": "张" * 51}, "name", "不能超过 50 个字"),
    ({"sex": ""}, "sex", "请选择"),
    ({"region_code": ""}, "region_code", "不能为空"),
    ({"region_code": VILLAGE_B}, "region_code", "选择一个有效的选项"),
    ({"hukou_region_code": "2105"}, "hukou_region_code", "不是 12 位统计用区划代码"),
    ({"mother_since": ""}, "mother_since", "不能为空"),
    ({"mother_until": "2023-12-31"}, "mother_until", "早于开始日期 2024-01-01"),
    ({"father_status": "severe_disability"}, "father_disability_type", "请选择"),
    (
        {"father_status": "severe_disability", "father_disability_type": "physical"},
        "father_disability_grade",
        "等级应为 1–4 的整数，当前未填写",
    ),
    ({"disability_grade": ""}, "disability_grade", "等级应为 1–4 的整数"),
    ({"phone": "电话"}, "phone", "请输入有效的电话号码"),
    ({"id_number": "", "birth_date": "2099-01-01"}, "birth_date", "晚于今天"),
]


@pytest.mark.parametrize(("changes", "field", "message"), INVALID)
def test_invalid_input_is_shown_next_to_its_field_and_nothing_is_written(
    login: Any, changes: dict[str, str], field: str, message: str
) -> None:
    response = login("director_a").post("/children/new/", form_data(**changes))
    assert response.status_code == 200
    html = response.content.decode()
    assert message in field_errors(html, field), (field_errors(html, field), form_errors(html))
    assert Child.objects.count() == 0 and Circumstance.objects.count() == 0
    # What was typed is still there.
    assert 'value="张' in html or changes.get("name")


def test_a_duplicate_id_number_is_refused_with_a_link_to_the_record(personas: dict[str, User], login: Any) -> None:
    existing = register(personas["caseworker"])
    response = login("director_a").post("/children/new/", form_data(name="张小明二"))
    html = response.content.decode()
    assert "2105************** 已登记，请在已有档案上更新" in field_errors(html, "id_number")
    assert detail_url(existing) in html
    assert Child.objects.count() == 1
    # Someone who may not see the existing record is told only that it is elsewhere in the county,
    # and may ask for the child to move (test_transfers.py).
    response = login("director_b").post("/children/new/", form_data(name="张小明二", region_code=VILLAGE_B))
    html = response.content.decode()
    assert "该身份证号已在本县其他地区登记，可申请迁入" in field_errors(html, "id_number")
    assert detail_url(existing) not in html and "东关村" not in html


# -- the child's page ------------------------------------------------------------------------


def test_the_childs_page_is_audited_and_shows_no_full_id(personas: dict[str, User], login: Any) -> None:
    child = register(personas["caseworker"])
    response = login("director_a").get(detail_url(child))
    html = response.content.decode()
    assert response.status_code == 200
    assert "2105**************" in html and FULL_ID not in html
    assert "显示完整号码" not in html  # a village director may not reveal it
    assert "低保" in html and "服刑，自 2024-01-01 至 2030-06-30" in html
    views = AuditEvent.objects.filter(action="children.view", object_type="registry.child", object_id=str(child.pk))
    assert views.count() == 1 and views.get().actor == personas["director_a"]


def test_the_situation_can_be_read_as_of_any_date(personas: dict[str, User], login: Any) -> None:
    child = register(personas["caseworker"])  # facts from 30 days ago
    client = login("supervisor_a")
    before = (today() - datetime.timedelta(days=60)).isoformat()
    html = client.get(detail_url(child), {"on": before}).content.decode()
    situation = re.search(r'data-testid="situation">(.*?)</dl>', html, re.S).group(1)  # type: ignore[union-attr]
    assert f"{before} 的情况" in html and "无低保、特困或临时困难" in situation
    assert "<dt>母亲</dt><dd>服刑" in situation  # a parent's status starts at its `since` (2024-01-01)
    html = client.get(detail_url(child), {"on": "not-a-date"}).content.decode()
    assert "日期 not-a-date 无效" in html


def test_reveal_is_logged_and_limited_to_roles_that_need_it(personas: dict[str, User], login: Any) -> None:
    child = register(personas["caseworker"])
    url = reverse("registry:reveal", kwargs={"child_id": child.pk})
    supervisor = login("supervisor_a")
    assert "显示完整号码" in supervisor.get(detail_url(child)).content.decode()
    response = supervisor.post(url, {"field": "id_number"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and FULL_ID in response.content.decode()
    assert "<html" not in response.content.decode()  # an htmx fragment
    event = AuditEvent.objects.get(action="children.reveal")
    assert event.actor == personas["supervisor_a"] and event.object_id == str(child.pk)
    assert login("director_a").post(url, {"field": "id_number"}).status_code == 403
    assert login("admin").post(url, {"field": "id_number"}).status_code == 403
    assert login("supervisor_b").post(url, {"field": "id_number"}).status_code == 404
    assert supervisor.get(url).status_code == 405
    assert supervisor.post(url, {"field": "name"}).status_code == 400
    assert AuditEvent.objects.filter(action="children.reveal").count() == 1


def test_every_child_url_is_not_found_outside_the_scope(personas: dict[str, User], login: Any) -> None:
    child = register(personas["caseworker"])
    fact = child.circumstances.first()
    assert fact is not None
    urls = [
        detail_url(child),
        reverse("registry:change", kwargs={"child_id": child.pk}),
        reverse("registry:correct", kwargs={"child_id": child.pk, "circumstance_id": fact.pk}),
        reverse("registry:close", kwargs={"child_id": child.pk}),
        reverse("registry:reopen", kwargs={"child_id": child.pk}),
        reverse("registry:document_upload", kwargs={"child_id": child.pk}),
        reverse("registry:document_download", kwargs={"child_id": child.pk, "document_id": 1}),
    ]
    for key in ("director_b", "supervisor_b"):
        client = login(key)
        for url in urls:
            assert client.get(url).status_code == 404, (key, url)
            assert client.post(url, {}).status_code == 404, (key, url)
    assert not AuditEvent.objects.filter(action="children.view").exists()


# -- recording a change ----------------------------------------------------------------------


def change_url(child: Child) -> str:
    return reverse("registry:change", kwargs={"child_id": child.pk})


def change_form(client: Client, child: Child) -> dict[str, str]:
    """What the change form sends back untouched (its prefilled values)."""
    html = client.get(change_url(child)).content.decode()
    data: dict[str, str] = {}
    for tag in re.findall(r"<input[^>]*>", html):
        name = re.search(r'name="([^"]+)"', tag)
        if not name or name.group(1) == "csrfmiddlewaretoken":
            continue
        if 'type="checkbox"' in tag:
            if "checked" in tag:
                data[name.group(1)] = "on"
            continue
        if 'type="file"' in tag:
            continue
        value = re.search(r'value="([^"]*)"', tag)
        data[name.group(1)] = value.group(1) if value else ""
    for select in re.findall(r'<select name="([^"]+)"[^>]*>(.*?)</select>', html, re.S):
        selected = re.search(r'<option value="([^"]*)"[^>]*selected', select[1])
        data[select[0]] = selected.group(1) if selected else ""
    return data


def test_the_change_form_is_prefilled_without_sensitive_values(personas: dict[str, User], login: Any) -> None:
    record, _ = parse_record(EXAMPLE, today=today())
    assert record is not None
    from shouhu.registry import services

    child = services.child_register(
        actor=personas["caseworker"],
        record=record,
        phone="13812345678",
        address="东关街 8 号",
        effective=today() - datetime.timedelta(days=30),
    )
    client = login("director_a")
    html = client.get(change_url(child)).content.decode()
    assert FULL_ID not in html and "13812345678" not in html and "东关街" not in html
    assert "当前：2105**************" in html and "138****5678" in html
    data = change_form(client, child)
    assert data["low_income"] == "on" and data["mother_status"] == "imprisoned" and data["version"] == "1"
    assert data["effective"] == today().isoformat() and data["id_number"] == ""


def test_a_change_is_previewed_then_confirmed_and_the_history_keeps_both(personas: dict[str, User], login: Any) -> None:
    child = register(personas["caseworker"], household={"low_income": False})
    client = login("director_a")
    data = change_form(client, child)
    since = (today() - datetime.timedelta(days=10)).isoformat()
    data.update(low_income="on", effective=since, phone="13900001111")
    preview = client.post(change_url(child), data)
    html = preview.content.decode()
    assert preview.status_code == 200 and 'data-testid="changes"' in html
    assert "非低保" in html and "低保" in html and since in html and "139****1111" in html
    assert "母亲状况：" not in html  # the label is not repeated in the description
    assert Circumstance.objects.filter(kind="low_income").count() == 0
    assert Child.objects.get(pk=child.pk).version == 1
    assert re.search(r'name="preview_token" value="[0-9a-f]{64}"', html)
    # The preview's hidden fields carry exactly what was typed.
    hidden = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html))
    assert hidden["effective"] == since and hidden["low_income"] == "True" and hidden["version"] == "1"
    response = client.post(change_url(child), {**hidden, "confirm": "1"})
    assert response.status_code == 302 and response["Location"] == detail_url(child)
    child.refresh_from_db()
    assert child.version == 2 and child.phone == "13900001111"
    assert situation_on(child, today()).low_income is True
    assert situation_on(child, today() - datetime.timedelta(days=11)).low_income is False
    event = AuditEvent.objects.get(action="children.update", object_id=str(child.pk))
    assert event.detail["effective"] == since
    page = client.get(detail_url(child)).content.decode()
    history = re.search(r'data-testid="history">(.*?)</ol>', page, re.S).group(1)  # type: ignore[union-attr]
    assert "<strong>低保</strong>" in history and f"{since} — 至今" in history
    assert "非低保 → 低保" in page  # the change trail


def test_a_confirm_of_something_not_previewed_is_previewed_again(personas: dict[str, User], login: Any) -> None:
    child = register(personas["caseworker"])
    client = login("director_a")
    data = change_form(client, child)
    data["migrant"] = "on"
    html = client.post(change_url(child), data).content.decode()
    token = re.search(r'name="preview_token" value="([0-9a-f]+)"', html).group(1)  # type: ignore[union-attr]
    data["left_behind"] = "on"  # changed after the preview
    response = client.post(change_url(child), {**data, "preview_token": token, "confirm": "1"})
    assert response.status_code == 200 and "内容在预览后有改动" in response.content.decode()
    assert Child.objects.get(pk=child.pk).version == 1


def test_no_change_is_not_saved(personas: dict[str, User], login: Any) -> None:
    child = register(personas["caseworker"])
    client = login("director_a")
    response = client.post(change_url(child), change_form(client, child))
    assert "没有任何变化" in form_errors(response.content.decode())


def test_a_change_with_invalid_input_shows_the_error_at_its_field(personas: dict[str, User], login: Any) -> None:
    child = register(personas["caseworker"])
    client = login("director_a")
    data = {**change_form(client, child), "mother_status": "lost_contact", "mother_since": ""}
    html = client.post(change_url(child), data).content.decode()
    assert "不能为空" in field_errors(html, "mother_since")
    future = (today() + datetime.timedelta(days=1)).isoformat()
    html = client.post(change_url(child), {**data, "mother_since": "2025-01-01", "effective": future}).content.decode()
    assert "日期不能晚于今天" in field_errors(html, "effective")
    assert Child.objects.get(pk=child.pk).version == 1


def preview(client: Client, child: Child, data: dict[str, str]) -> str:
    """Preview a change; returns the preview token ("" when the preview was refused)."""
    html = client.post(change_url(child), data).content.decode()
    token = re.search(r'name="preview_token" value="([0-9a-f]+)"', html)
    return token.group(1) if token else ""


def test_the_second_of_two_concurrent_edits_is_refused_and_nothing_is_lost(
    personas: dict[str, User], login: Any
) -> None:
    child = register(personas["caseworker"])
    first, second = login("director_a"), login("supervisor_a")
    first_data, second_data = change_form(first, child), change_form(second, child)
    first_data["migrant"] = "on"
    second_data.update(left_behind="on", address="新地址 9 号")
    first_token, second_token = preview(first, child, first_data), preview(second, child, second_data)
    assert first_token and second_token
    assert (
        first.post(change_url(child), {**first_data, "preview_token": first_token, "confirm": "1"}).status_code == 302
    )
    response = second.post(change_url(child), {**second_data, "preview_token": second_token, "confirm": "1"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "该儿童的信息已被他人修改，您的修改未保存" in form_errors(html) and 'data-testid="conflict"' in html
    # The second user's input is all still in the form …
    assert 'name="left_behind" id="id_left_behind" checked' in html and "新地址 9 号" in html
    # … and nothing of it was written, while the first user's change stands.
    child.refresh_from_db()
    assert child.version == 2 and child.address == ""
    assert situation_on(child, today()).migrant is True and situation_on(child, today()).left_behind is False
    # The form now carries the current version: after looking at the latest record, the second
    # user keeps the other's 随迁 and saves their own change too.
    assert 'name="version" value="2"' in html
    retry = dict(second_data, version="2", migrant="on")
    token = preview(second, child, retry)
    assert second.post(change_url(child), {**retry, "preview_token": token, "confirm": "1"}).status_code == 302
    situation = situation_on(Child.objects.get(pk=child.pk), today())
    assert situation.migrant is True and situation.left_behind is True


def test_a_form_gone_stale_is_refused_already_at_preview(personas: dict[str, User], login: Any) -> None:
    child = register(personas["caseworker"])
    first, second = login("director_a"), login("supervisor_a")
    first_data, second_data = change_form(first, child), change_form(second, child)
    first_data["migrant"] = "on"
    token = preview(first, child, first_data)
    first.post(change_url(child), {**first_data, "preview_token": token, "confirm": "1"})
    second_data["left_behind"] = "on"
    html = second.post(change_url(child), second_data).content.decode()
    assert "已被他人修改" in form_errors(html) and 'id="id_left_behind" checked' in html
    assert Child.objects.get(pk=child.pk).version == 2


def test_a_change_dated_before_the_fact_it_replaces_is_refused_at_preview(
    personas: dict[str, User], login: Any
) -> None:
    child = register(personas["caseworker"])  # facts from 30 days ago
    client = login("director_a")
    data = change_form(client, child)
    data.update(school_stage="junior", effective=(today() - datetime.timedelta(days=40)).isoformat())
    html = client.post(change_url(child), data).content.decode()
    assert "「就学」已有" in form_errors(html) and "如是录入错误，请更正原记录" in form_errors(html)
    assert 'data-testid="changes"' not in html


def test_a_closed_record_cannot_be_changed(personas: dict[str, User], login: Any) -> None:
    child = register(personas["caseworker"])
    client = login("director_a")
    client.post(
        reverse("registry:close", kwargs={"child_id": child.pk}),
        {"reason": "moved_away", "closed_on": today().isoformat(), "version": "1"},
    )
    response = client.get(change_url(child))
    assert response.status_code == 302 and response["Location"] == detail_url(child)


# -- correcting a fact recorded in error -----------------------------------------------------


def test_a_fact_recorded_in_error_is_corrected_with_a_reason(personas: dict[str, User], login: Any) -> None:
    child = register(personas["caseworker"])
    fact = child.circumstances.get(kind="mother")
    url = reverse("registry:correct", kwargs={"child_id": child.pk, "circumstance_id": fact.pk})
    client = login("director_a")
    assert "服刑" in client.get(url).content.decode()
    base = {
        "valid_from": fact.valid_from.isoformat(),
        "status": "imprisoned",
        "since": "2024-02-01",
        "until": "2030-06-30",
        "version": str(child.version),
    }
    html = client.post(url, base).content.decode()
    assert "请说明更正原因" in field_errors(html, "reason")
    html = client.post(url, {**base, "status": "lost_contact", "since": "", "reason": "录错"}).content.decode()
    assert "不能为空" in field_errors(html, "since")
    response = client.post(url, {**base, "reason": "判决书上的日期是 2 月 1 日"})
    assert response.status_code == 302
    fact.refresh_from_db()
    assert fact.since == datetime.date(2024, 2, 1) and fact.note == "判决书上的日期是 2 月 1 日"
    event = AuditEvent.objects.get(action="children.correct")
    assert event.detail["before"]["since"] == "2024-01-01"
    # The form carried version 1; the correction bumped it, so the same form again is refused.
    html = client.post(url, {**base, "reason": "再改"}).content.decode()
    assert "已被他人修改" in form_errors(html)


def test_a_fact_of_another_child_cannot_be_corrected_through_this_one(personas: dict[str, User], login: Any) -> None:
    child = register(personas["caseworker"])
    other = register(personas["caseworker"], id_number=None, no_id_reason="弃婴", name="李小红", sex="female")
    fact = other.circumstances.first()
    assert fact is not None
    url = reverse("registry:correct", kwargs={"child_id": child.pk, "circumstance_id": fact.pk})
    assert login("director_a").get(url).status_code == 404


# -- closing and reopening -------------------------------------------------------------------


def test_close_and_reopen(personas: dict[str, User], login: Any) -> None:
    child = register(personas["caseworker"])
    client = login("director_a")
    close = reverse("registry:close", kwargs={"child_id": child.pk})
    reopen = reverse("registry:reopen", kwargs={"child_id": child.pk})
    html = client.get(close).content.decode()
    assert "确认销档" in html and "data-confirm=" in html
    html = client.post(close, {"closed_on": today().isoformat(), "version": "1"}).content.decode()
    assert field_errors(html, "reason")
    future = (today() + datetime.timedelta(days=2)).isoformat()
    html = client.post(close, {"reason": "moved_away", "closed_on": future, "version": "1"}).content.decode()
    assert "不能晚于今天" in field_errors(html, "closed_on")
    response = client.post(
        close, {"reason": "moved_away", "closed_on": today().isoformat(), "version": "1", "note": "随父母迁往沈阳"}
    )
    assert response.status_code == 302
    child.refresh_from_db()
    assert child.status == ChildStatus.CLOSED and child.closed_reason == "moved_away"
    page = client.get(detail_url(child)).content.decode()
    assert "迁出本县" in page and "随父母迁往沈阳" in page and "恢复档案" in page
    assert names_in(client.get("/children/")) == []
    assert names_in(client.get("/children/", {"status": "closed"})) == ["张小明"]
    html = client.post(reopen, {"note": " ", "version": str(child.version)}).content.decode()
    assert "请填写恢复档案的原因" in field_errors(html, "note")
    response = client.post(reopen, {"note": "迁回本村", "version": str(child.version)})
    assert response.status_code == 302
    child.refresh_from_db()
    assert child.status == ChildStatus.ACTIVE
    actions = list(AuditEvent.objects.filter(object_id=str(child.pk)).values_list("action", flat=True))
    assert "children.close" in actions and "children.reopen" in actions


# -- home ------------------------------------------------------------------------------------


def test_home_shows_the_children_in_the_jurisdiction(personas: dict[str, User], login: Any) -> None:
    register(personas["caseworker"])
    html = login("director_a").get("/").content.decode()
    assert "辖区在册儿童 1 名" in html and reverse("registry:create") in html
    html = login("supervisor_b").get("/").content.decode()
    assert "辖区在册儿童 0 名" in html and reverse("registry:create") not in html
    assert "辖区在册儿童" not in login("officer_a").get("/").content.decode()
