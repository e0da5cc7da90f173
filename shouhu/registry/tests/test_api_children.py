from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from shouhu.accounts.models import User
from shouhu.accounts.services import api_token_issue
from shouhu.core.models import AuditEvent
from shouhu.registry.exchange.format import record_to_dict
from shouhu.registry.models import Child
from shouhu.registry.selectors import situation_on

from .example import EXAMPLE, example
from .misc_helpers import DAY, child_data, register

pytestmark = pytest.mark.django_db
VILLAGE_B = "210522101201"


@pytest.fixture
def api(personas: dict[str, User]) -> Any:
    def client(key: str) -> Client:
        _, token = api_token_issue(actor=personas[key], name=f"test-{key}", user=personas[key])
        return Client(HTTP_AUTHORIZATION=f"Bearer {token}")

    return client


def put(client: Client, url: str, body: Any) -> Any:
    return client.put(url, json.dumps(body), content_type="application/json")


def test_list_is_scoped_masked_paginated_and_audited(api: Any, personas: dict[str, User]) -> None:
    a = register(None, EXAMPLE)
    b = register(None, child_data("周雨桐", "2016-04-04", 44, sex="female", region_code=VILLAGE_B))
    body = api("director_a").get("/api/v1/children").json()
    assert body["count"] == 1 and [i["id"] for i in body["items"]] == [a.pk]
    assert body["items"][0]["id_number_masked"] == "2105**************" and "id_number" not in body["items"][0]
    assert api("caseworker").get("/api/v1/children?limit=1&offset=1").json()["items"][0]["id"] in {a.pk, b.pk}
    found = api("caseworker").get("/api/v1/children?q=zxm&flags=low_income").json()
    assert [i["name"] for i in found["items"]] == ["张小明"]
    assert api("caseworker").get("/api/v1/children?q=210522201503150015").json()["count"] == 1
    assert api("caseworker").get("/api/v1/children?flags=nonsense").status_code == 422
    event = AuditEvent.objects.filter(action="children.list").latest("id")
    assert event.actor == personas["caseworker"] and event.detail["ids"] == [a.pk]
    assert api("officer_a").get("/api/v1/children").status_code == 403


def test_read_is_scoped_masked_and_audited(api: Any, personas: dict[str, User]) -> None:
    a = register(None, EXAMPLE)
    response = api("director_a").get(f"/api/v1/children/{a.pk}")
    body = response.json()
    assert response.status_code == 200 and body["version"] == 1 and body["id_number_revealed"] is False
    expected = record_to_dict(situation_on(a, DAY))
    expected["id_number"] = "2105**************"
    expected["birth_date"] = "2015-03"  # the day is in the number: not beside its mask
    assert body["record"] == expected
    assert AuditEvent.objects.filter(action="children.view", object_id=str(a.pk), actor=personas["director_a"]).exists()
    assert api("director_b").get(f"/api/v1/children/{a.pk}").status_code == 404
    assert api("officer_a").get(f"/api/v1/children/{a.pk}").status_code == 403
    history = api("supervisor_a").get(f"/api/v1/children/{a.pk}/circumstances").json()
    assert {row["kind"] for row in history} >= {"low_income", "father", "mother", "disability"}
    assert api("director_b").get(f"/api/v1/children/{a.pk}/circumstances").status_code == 404


def test_reveal_needs_the_capability_and_is_audited(api: Any, personas: dict[str, User]) -> None:
    a = register(None, EXAMPLE)
    masked = api("supervisor_a").get(f"/api/v1/children/{a.pk}").json()
    assert masked["record"]["id_number"] == "2105**************"
    full = api("supervisor_a").get(f"/api/v1/children/{a.pk}?reveal=id_number").json()
    assert full["record"]["id_number"] == "210522201503150015" and full["id_number_revealed"] is True
    assert AuditEvent.objects.filter(action="children.reveal", actor=personas["supervisor_a"]).count() == 1
    refused = api("director_a").get(f"/api/v1/children/{a.pk}?reveal=id_number")
    assert refused.status_code == 403 and "权限" in refused.json()["detail"]
    assert api("supervisor_a").get(f"/api/v1/children/{a.pk}?reveal=phone").status_code == 422


def test_create_registers_or_names_the_bad_fields(api: Any, personas: dict[str, User]) -> None:
    client = api("director_a")
    created = client.post("/api/v1/children", EXAMPLE, content_type="application/json")
    assert created.status_code == 201, created.content
    child = Child.objects.get(pk=created.json()["id"])
    assert child.created_by == personas["director_a"] and created.json()["record"]["id_number"] == "2105**************"
    bad = example(id_number="210522201503150016", birth_date="2015-02-30", colour="red")
    response = client.post("/api/v1/children", bad, content_type="application/json")
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert {e["field"] for e in errors} == {"id_number", "birth_date", "colour"}
    assert any("校验码" in e["message"] for e in errors) and all(e["message"].startswith("「") for e in errors)
    again = client.post("/api/v1/children", EXAMPLE, content_type="application/json")
    assert again.status_code == 422 and again.json()["errors"][0]["field"] == "id_number"
    assert "已登记" in again.json()["errors"][0]["message"]
    elsewhere = client.post(
        "/api/v1/children",
        child_data("韩静怡", "2014-05-05", 56, sex="female", region_code=VILLAGE_B),
        content_type="application/json",
    )
    assert elsewhere.status_code == 403 and "辖区" in elsewhere.json()["detail"]
    not_json = client.post("/api/v1/children", "{oops", content_type="application/json")
    assert not_json.status_code == 422 and "JSON" in not_json.json()["errors"][0]["message"]
    assert Child.objects.count() == 1


def test_update_with_version_and_stale_update_gets_409(api: Any, personas: dict[str, User]) -> None:
    a = register(None, EXAMPLE)
    client = api("supervisor_a")
    current = client.get(f"/api/v1/children/{a.pk}").json()
    record = dict(current["record"], migrant=True)  # the masked ID number sent back means unchanged
    response = put(client, f"/api/v1/children/{a.pk}", {"version": 1, "record": record, "effective": "2026-12-01"})
    assert response.status_code == 200, response.content
    assert response.json()["version"] == 2 and response.json()["record"]["migrant"] is True
    assert AuditEvent.objects.filter(action="children.update", object_id=str(a.pk)).exists()
    stale = put(client, f"/api/v1/children/{a.pk}", {"version": 1, "record": dict(record, left_behind=True)})
    assert stale.status_code == 409 and "已被他人修改" in stale.json()["detail"]
    bad = put(client, f"/api/v1/children/{a.pk}", {"record": dict(record, sex="girl"), "extra": 1})
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json()["errors"]} == {"extra", "version", "record.sex"}
    assert api("director_b").put(f"/api/v1/children/{a.pk}", "{}", content_type="application/json").status_code == 404
    assert api("leader").put(f"/api/v1/children/{a.pk}", "{}", content_type="application/json").status_code == 403
    assert Child.objects.get(pk=a.pk).version == 2


def test_openapi_documents_the_children_endpoints() -> None:
    schema = Client().get("/api/v1/openapi.json").json()
    assert {"/api/v1/children", "/api/v1/children/{child_id}", "/api/v1/children/{child_id}/circumstances"} <= set(
        schema["paths"]
    )
    assert "requestBody" in schema["paths"]["/api/v1/children"]["post"]
