"""The OpenAPI document says what the API does: every schema has its own name, and every operation
answers with a body its documented response schema accepts (success and refusals alike).

Two schemas of one name are one entry in the document's components, the last one written: the
children list was once documented with the referral's child's fields. ninja merges the schemas'
definitions without a check, so the test records every definition as ninja adds it."""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable
from typing import Any

import jsonschema_rs
import pytest
from django.test import Client
from ninja.openapi.schema import OpenAPISchema

from shouhu.accounts.models import User
from shouhu.accounts.services import api_token_issue
from shouhu.api.urls import api
from shouhu.casework.tests.helpers import import_table
from shouhu.casework.tests.walk_samples import child, referred
from shouhu.core.dates import today
from shouhu.custody.tests.factories import FATHER_ID
from shouhu.registry.tests.example import EXAMPLE
from shouhu.registry.tests.misc_helpers import register

pytestmark = pytest.mark.django_db


def test_no_two_schemas_share_a_name(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: dict[str, list[dict[str, Any]]] = {}
    original = OpenAPISchema.add_schema_definitions

    def recording(self: OpenAPISchema, definitions: dict[str, Any]) -> None:
        for name, definition in definitions.items():
            if definition not in seen.setdefault(name, []):
                seen[name].append(definition)
        original(self, definitions)

    monkeypatch.setattr(OpenAPISchema, "add_schema_definitions", recording)
    api.get_openapi_schema(path_prefix="/api/v1/")
    shared = {name: [sorted(d.get("properties", {})) for d in defs] for name, defs in seen.items() if len(defs) > 1}
    assert shared == {}, f"schemas sharing a name (give each class its own): {shared}"
    assert {"ChildRecordOut", "ReferralChildOut", "ChildSummaryOut", "ErrorsOut"} <= set(seen)


def _document() -> dict[str, Any]:
    return Client().get("/api/v1/openapi.json").json()


def _operations(document: dict[str, Any]) -> set[tuple[str, str]]:
    return {(method.upper(), path) for path, item in document["paths"].items() for method in item}


class Conformance:
    """Calls operations and checks each answer against the response schema documented for its status."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        self.checked: set[tuple[str, str]] = set()
        self.statuses: set[tuple[str, str, int]] = set()

    def check(self, call: Callable[..., Any], method: str, template: str, url: str, body: Any = None) -> Any:
        response = call(method, url, body)
        responses = self.document["paths"][template][method.lower()]["responses"]
        status = response.status_code
        assert str(status) in responses, f"{method} {template} answered {status}, documented: {sorted(responses)}"
        schema = responses[str(status)]["content"]["application/json"]["schema"]
        data = response.json()
        validator = jsonschema_rs.validator_for({**schema, "components": self.document["components"]})
        problems = [str(e) for e in validator.iter_errors(data)]
        assert problems == [], f"{method} {template} {status}: {problems}"
        self._no_undocumented_keys(schema, data, f"{method} {template} {status}")
        self.checked.add((method, template))
        self.statuses.add((method, template, status))
        return data

    def _resolve(self, schema: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in schema:
            schema = self.document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
        return schema

    def _no_undocumented_keys(self, schema: dict[str, Any], data: Any, where: str) -> None:
        """A key the answer has and its schema does not list: the document describes another object."""
        schema = self._resolve(schema)
        if isinstance(data, dict) and "properties" in schema:
            extra = set(data) - set(schema["properties"])
            assert not extra, f"{where}: undocumented keys {extra}"
            for key, value in data.items():
                self._no_undocumented_keys(schema["properties"][key], value, where)
        elif isinstance(data, list) and "items" in schema:
            for item in data:
                self._no_undocumented_keys(schema["items"], item, where)


def _client(personas: dict[str, User], key: str | None) -> Callable[..., Any]:
    headers: dict[str, str] = {}
    if key:
        token = api_token_issue(actor=personas[key], name=f"test-{key}", user=personas[key])[1]
        headers["Authorization"] = f"Bearer {token}"
    client = Client(headers=headers)

    def call(method: str, url: str, body: Any = None) -> Any:
        if body is None:
            return client.generic(method, url)
        return client.generic(method, url, json.dumps(body), content_type="application/json")

    return call


def test_every_operation_answers_what_its_schema_documents(personas: dict[str, User]) -> None:
    document = _document()
    check = Conformance(document)
    anonymous, caseworker = _client(personas, None), _client(personas, "caseworker")
    officer, director = _client(personas, "officer_a"), _client(personas, "director_a")
    import_table()
    referral = referred(personas["supervisor_a"], child("孙小明", "20150601", 1), ["T09"])[1]["T09"]
    a = register(None, EXAMPLE)

    check.check(anonymous, "GET", "/api/v1/health", "/api/v1/health")
    check.check(anonymous, "GET", "/api/v1/me", "/api/v1/me")  # 401
    check.check(caseworker, "GET", "/api/v1/me", "/api/v1/me")
    check.check(caseworker, "GET", "/api/v1/regions", "/api/v1/regions?limit=3")
    check.check(caseworker, "GET", "/api/v1/regions/{code}", "/api/v1/regions/210522100000")
    check.check(director, "GET", "/api/v1/regions/{code}", "/api/v1/regions/210522101000")  # 404
    check.check(caseworker, "GET", "/api/v1/departments", "/api/v1/departments")

    listing = check.check(caseworker, "GET", "/api/v1/children", "/api/v1/children?age_max=18")
    assert listing["count"] >= 1
    check.check(caseworker, "GET", "/api/v1/children", "/api/v1/children?age_max=300")  # 422
    check.check(officer, "GET", "/api/v1/children", "/api/v1/children")  # 403
    check.check(caseworker, "GET", "/api/v1/children/{child_id}", f"/api/v1/children/{a.pk}")
    check.check(caseworker, "GET", "/api/v1/children/{child_id}", "/api/v1/children/0")  # 404
    check.check(
        caseworker, "GET", "/api/v1/children/{child_id}/circumstances", f"/api/v1/children/{a.pk}/circumstances"
    )
    other = {**EXAMPLE, "id_number": None, "no_id_reason": "弃婴", "name": "李四"}
    check.check(caseworker, "POST", "/api/v1/children", "/api/v1/children", other)  # 201
    check.check(caseworker, "POST", "/api/v1/children", "/api/v1/children", {**other, "name": "\u200b"})  # 422
    record = check.check(caseworker, "GET", "/api/v1/children/{child_id}", f"/api/v1/children/{a.pk}")["record"]
    check.check(
        caseworker, "PUT", "/api/v1/children/{child_id}", f"/api/v1/children/{a.pk}", {"version": 1, "record": record}
    )
    check.check(
        caseworker, "PUT", "/api/v1/children/{child_id}", f"/api/v1/children/{a.pk}", {"version": 1, "record": record}
    )  # 409

    check.check(officer, "GET", "/api/v1/referrals", "/api/v1/referrals")
    check.check(officer, "GET", "/api/v1/referrals", "/api/v1/referrals?state=bogus")  # 422
    check.check(officer, "GET", "/api/v1/referrals/{referral_id}", f"/api/v1/referrals/{referral.pk}")
    url = f"/api/v1/referrals/{referral.pk}"
    check.check(officer, "POST", "/api/v1/referrals/{referral_id}/accept", f"{url}/accept", {"version": 1})
    check.check(
        officer, "POST", "/api/v1/referrals/{referral_id}/return", f"{url}/return", {"version": 1, "reason": "x"}
    )  # 409
    done = {"version": 2, "outcome": "approved", "outcome_detail": "两免一补"}
    check.check(officer, "POST", "/api/v1/referrals/{referral_id}/complete", f"{url}/complete", done)

    # Safety reports: a reporter files (a token issued for them: reporters issue none themselves).
    reporter_key = api_token_issue(actor=None, name="test-reporter", user=personas["reporter_a"])[1]
    reporter_client = Client(headers={"Authorization": f"Bearer {reporter_key}"})

    def reporter(method: str, url: str, body: Any = None) -> Any:
        if body is None:
            return reporter_client.generic(method, url)
        return reporter_client.generic(method, url, json.dumps(body), content_type="application/json")

    safety = {
        "child": {"id_number": None, "name": "不详", "approx_age": 6, "region_code": "210522100201", "location": "x"},
        "kind": "neglect",
        "urgent": True,
        "observed_at": "2026-01-01T08:30:00+08:00",
        "description": "孩子独自在路边",
    }
    filed = check.check(reporter, "POST", "/api/v1/safety/reports", "/api/v1/safety/reports", safety)  # 201
    check.check(reporter, "POST", "/api/v1/safety/reports", "/api/v1/safety/reports", {**safety, "kind": "x"})  # 422
    check.check(officer, "POST", "/api/v1/safety/reports", "/api/v1/safety/reports", safety)  # 403
    report_url = f"/api/v1/safety/reports/{filed['id']}"
    check.check(reporter, "GET", "/api/v1/safety/reports/{report_id}", report_url)
    check.check(caseworker, "GET", "/api/v1/safety/reports/{report_id}", report_url)
    check.check(director, "GET", "/api/v1/safety/reports/{report_id}", report_url)  # 403

    # Custody notices: the police's system (an officer's token: 201), bad input (422), another unit (403).
    police_key = api_token_issue(actor=personas["officer_p"], name="police-system", user=personas["officer_p"])[1]
    police_client = Client(headers={"Authorization": f"Bearer {police_key}"})

    def police(method: str, url: str, body: Any = None) -> Any:
        return police_client.generic(method, url, json.dumps(body), content_type="application/json")

    on = today()
    notice = {
        "kind": "criminal_detention",
        "person": {"name": "韩大山", "id_number": FATHER_ID},
        "parent_role": "father",
        "since": str(on - datetime.timedelta(days=1)),
        "until": str(on + datetime.timedelta(days=30)),
        "children_need_care": True,
        "children": [
            {"name": "韩小北", "sex": "male", "birth_date": "2018-02-03", "region_code": "210522100201",
             "arrangement": "institution"},
        ],
    }  # fmt: skip
    check.check(police, "POST", "/api/v1/custody/notices", "/api/v1/custody/notices", notice)  # 201
    check.check(police, "POST", "/api/v1/custody/notices", "/api/v1/custody/notices", {**notice, "kind": "x"})  # 422
    check.check(officer, "POST", "/api/v1/custody/notices", "/api/v1/custody/notices", notice)  # 403

    assert check.checked == _operations(document), "an operation without a conformance check"
    assert {s for *_, s in check.statuses} >= {200, 201, 401, 403, 404, 409, 422}
