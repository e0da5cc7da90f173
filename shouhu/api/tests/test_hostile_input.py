"""Input meant to break the API gets a 4xx with a Chinese JSON body, never a 500 (each of these was
a 500 before: a date out of range, an offset past the database's integers, NUL in PostgreSQL text,
Python's recursion limit while decoding JSON, Django's HTML page for a body over the limit)."""

from __future__ import annotations

import contextvars
import json
from typing import Any

import pytest
from django.test import Client, RequestFactory, override_settings
from django.urls import resolve

from shouhu.accounts.models import User
from shouhu.accounts.services import api_token_issue
from shouhu.casework.tests.helpers import import_table
from shouhu.casework.tests.walk_samples import child, referred
from shouhu.registry.models import Child
from shouhu.registry.tests.example import EXAMPLE
from shouhu.registry.tests.misc_helpers import register

pytestmark = pytest.mark.django_db


@pytest.fixture
def caseworker(personas: dict[str, User]) -> Client:
    _, key = api_token_issue(actor=personas["caseworker"], name="test", user=personas["caseworker"])
    return Client(HTTP_AUTHORIZATION=f"Bearer {key}")


def errors(response: Any) -> dict[str | None, str]:
    assert response["Content-Type"] == "application/json; charset=utf-8"
    return {e["field"]: e["message"] for e in response.json()["errors"]}


@pytest.mark.parametrize(
    ("query", "field", "words"),
    [
        ("age_max=3000", "age_max", "不能大于 30"),
        ("age_min=-1", "age_min", "不能小于 0"),
        ("age_min=abc", "age_min", "应为整数"),
        ("offset=99999999999999999999", "offset", "不能大于 100000000"),
        ("offset=-5", "offset", "不能小于 0"),
        ("limit=0", "limit", "不能小于 1"),
        ("limit=501", "limit", "不能大于 500"),
        ("flags=nonsense", "flags", "取值无效"),
    ],
)
def test_children_list_parameters_out_of_bounds_are_named(
    caseworker: Client, query: str, field: str, words: str
) -> None:
    response = caseworker.get(f"/api/v1/children?{query}")
    assert response.status_code == 422
    found = errors(response)
    assert words in found[field] and found[field].startswith(f"「{field}」")


@pytest.mark.parametrize("query", ["offset=99999999999999999999", "limit=100000", "due_before=2024-13-45"])
def test_referral_list_parameters_out_of_bounds(caseworker: Client, query: str) -> None:
    response = caseworker.get(f"/api/v1/referrals?{query}")
    assert response.status_code == 422 and query.split("=")[0] in errors(response)


def test_the_bounds_are_documented() -> None:
    params = {
        p["name"]: p["schema"]
        for p in Client().get("/api/v1/openapi.json").json()["paths"]["/api/v1/children"]["get"]["parameters"]
    }
    assert params["offset"]["maximum"] == 100_000_000 and params["limit"]["maximum"] == 500
    assert params["age_max"]["anyOf"][0]["maximum"] == 30


@pytest.mark.parametrize(
    ("url", "field"),
    [
        ("/api/v1/children?q=%E5%BC%A0%00", "q"),
        ("/api/v1/children?region_code=%00", "region_code"),
        ("/api/v1/referrals?code=T%0014", "code"),
        ("/api/v1/regions/2105%00", None),
    ],
)
def test_nul_in_the_url_is_refused_before_any_query(caseworker: Client, url: str, field: str | None) -> None:
    response = caseworker.get(url)
    assert response.status_code == 422 and "空字符" in errors(response)[field]


def test_nul_in_a_name_is_refused_and_nothing_is_written(caseworker: Client) -> None:
    response = caseworker.post("/api/v1/children", json.dumps({**EXAMPLE, "name": "张\x00明"}), "application/json")
    assert response.status_code == 422 and errors(response)["name"] == "「姓名」含有空字符（U+0000）"
    assert not Child.objects.exists()


def test_nul_or_a_lone_surrogate_anywhere_in_a_body_is_named_by_its_path(caseworker: Client) -> None:
    child = register(None, EXAMPLE)
    record = {**EXAMPLE, "guardian": {"relationship": "祖母\x00", "able": True}}
    body = json.dumps({"version": child.version, "record": record})
    response = caseworker.put(f"/api/v1/children/{child.pk}", body, "application/json")
    assert response.status_code == 422 and "空字符" in errors(response)["record.guardian.relationship"]
    surrogate = '{"version": 1, "record": {"name": "\\ud800"}}'
    response = caseworker.put(f"/api/v1/children/{child.pk}", surrogate, "application/json")
    assert response.status_code == 422 and "U+D800" in errors(response)["record.name"]
    child.refresh_from_db()
    assert child.version == 1


def test_deeply_nested_json_is_refused(caseworker: Client) -> None:
    response = caseworker.post("/api/v1/children", "[" * 200_000, "application/json")
    assert response.status_code == 422 and "嵌套过深" in errors(response)[None]
    nested: Any = "x"
    for _ in range(40):  # within Python's limit, past ours
        nested = [nested]
    response = caseworker.post("/api/v1/children", json.dumps({**EXAMPLE, "parents": nested}), "application/json")
    assert response.status_code == 422 and "嵌套过深" in " ".join(errors(response).values())


def test_deep_json_in_a_referral_body_is_refused(personas: dict[str, User]) -> None:
    import_table()
    referral = referred(personas["supervisor_a"], child("孙小明", "20150601", 1), ["T09"])[1]["T09"]
    _, key = api_token_issue(actor=personas["officer_a"], name="t", user=personas["officer_a"])
    officer = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
    response = officer.post(f"/api/v1/referrals/{referral.pk}/accept", "[" * 5000, "application/json")
    assert response.status_code == 422 and "嵌套过深" in errors(response)[None]
    response = officer.post(
        f"/api/v1/referrals/{referral.pk}/return", json.dumps({"version": 1, "reason": "缺\x00"}), "application/json"
    )
    assert response.status_code == 422 and errors(response)["reason"] == "「reason」含有空字符（U+0000）"
    referral.refresh_from_db()
    assert referral.version == 1


def test_a_body_over_the_limit_is_413_in_json(caseworker: Client) -> None:
    with override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1024 * 1024):
        response = caseworker.post("/api/v1/children", b"x" * (1024 * 1024 + 1), "application/json")
        assert response.status_code == 413 and "请求体过大" in response.json()["detail"]
    response = caseworker.post("/api/v1/children", b" " * (30 * 1024 * 1024), "application/json")
    assert response.status_code == 413 and "25 MB" in response.json()["detail"]


def test_a_body_found_too_large_while_read_is_413_too(personas: dict[str, User]) -> None:
    """Past the middleware (a body without a declared length): Django's own check while the operation
    reads it, answered by the API's handler."""
    _, key = api_token_issue(actor=personas["caseworker"], name="t", user=personas["caseworker"])
    request = RequestFactory().post(
        "/api/v1/children", b"x" * 2000, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {key}"
    )
    match = resolve("/api/v1/children")
    with override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1000):
        # In a copy of the context: without the middleware that resets it, the token the operation
        # authenticates would stay on this thread's request origin and name later tests' audit rows.
        response = contextvars.copy_context().run(match.func, request)
    assert response.status_code == 413 and "请求体过大" in json.loads(response.content)["detail"]


def test_web_pages_are_not_touched_by_the_api_guard() -> None:
    response = Client().get("/login/?next=%2F", CONTENT_LENGTH=str(100 * 1024 * 1024))
    assert response.status_code == 200
