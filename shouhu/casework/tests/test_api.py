"""The referrals API for a department's own system: list, read, accept, complete, return — the
same services and scope as the screens; 409 when someone acted first, 422 for bad input."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from shouhu.accounts.models import User
from shouhu.accounts.personas import VILLAGE_B
from shouhu.accounts.services import api_token_issue
from shouhu.casework.models import Referral, ReferralState
from shouhu.core.dates import today

from .helpers import import_table
from .walk_samples import child, id_number, referred

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(personas: dict[str, User]) -> dict[str, Referral]:
    import_table()
    a = child("孙小明", "20150601", 1)
    return referred(personas["supervisor_a"], a, ["T09", "T06"])[1]


def _client(personas: dict[str, User], key: str) -> Any:
    token = api_token_issue(actor=personas[key], name=f"test-{key}", user=personas[key])[1]
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")

    def call(method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        if body is None:
            return getattr(client, method)(f"/api/v1{path}")
        return getattr(client, method)(f"/api/v1{path}", json.dumps(body), content_type="application/json")

    return call


def test_list_and_read_in_scope(case: dict[str, Referral], personas: dict[str, User]) -> None:
    officer_a = _client(personas, "officer_a")
    listing = officer_a("get", "/referrals").json()
    assert listing["count"] == 1 and listing["items"][0]["code"] == "T09"
    item = listing["items"][0]
    assert item["child"]["name"] == "孙小明" and item["child"]["id_number_masked"].startswith("2105")
    assert id_number("20150601", 1) not in json.dumps(listing, ensure_ascii=False)
    assert item["cooperating"] == [{"department": "县财政局", "note": ""}] and item["measure"] == "教育资助、两免一补"
    officer_b = _client(personas, "officer_b")
    assert [i["code"] for i in officer_b("get", "/referrals").json()["items"]] == ["T06"]  # cooperating
    assert officer_b("get", f"/referrals/{case['T09'].pk}").status_code == 404
    detail = officer_a("get", f"/referrals/{case['T09'].pk}").json()
    assert detail["events"][0]["action"] == "submit" and detail["explanation"] == "按筛查规则建议"
    assert officer_a("get", "/referrals?state=completed").json()["count"] == 0
    assert officer_a("get", "/referrals?state=bogus").status_code == 422
    due = case["T09"].accept_due.isoformat()
    assert officer_a("get", f"/referrals?due_before={due}").json()["count"] == 0
    # County caseworkers act for 县民政局 and read the county's referrals; the leader handles none.
    assert _client(personas, "caseworker")("get", "/referrals").status_code == 200
    assert _client(personas, "leader")("get", "/referrals").status_code == 403


def _referral_reads(queries: list[dict[str, Any]]) -> int:
    """How many queries read rows of the referrals table itself (not its events or cooperations)."""
    return sum(1 for q in queries if re.search(r'FROM "casework_referral"(?![a-z_])', q["sql"]))


@pytest.mark.parametrize("key", ["officer_a", "officer_b"])  # the lead unit; a cooperating unit (DISTINCT)
def test_reading_one_referral_loads_it_once(case: dict[str, Referral], personas: dict[str, User], key: str) -> None:
    """The access layer loads the referral in scope with everything the answer shows: not once to
    check the scope and again with the relations."""
    call = _client(personas, key)
    url = f"/referrals/{case['T09' if key == 'officer_a' else 'T06'].pk}"
    call("get", url)
    with CaptureQueriesContext(connection) as ctx:
        answer = call("get", url)
    assert answer.status_code == 200 and answer.json()["cooperating"]
    assert _referral_reads(ctx.captured_queries) == 1, "\n".join(q["sql"] for q in ctx.captured_queries)


def test_accept_then_complete(case: dict[str, Referral], personas: dict[str, User]) -> None:
    officer_a = _client(personas, "officer_a")
    t09 = case["T09"]
    accepted = officer_a("post", f"/referrals/{t09.pk}/accept", {"version": 1})
    assert accepted.status_code == 200 and accepted.json()["state"] == "accepted"
    assert accepted.json()["assigned_to"] == "赵教育"
    assert accepted.json()["outcome_kind"] == "benefit" and accepted.json()["outcome_kind_label"] == "救助补贴类"
    missing = officer_a("post", f"/referrals/{t09.pk}/complete", {"version": 2, "outcome": "approved"})
    assert missing.status_code == 422
    assert {"field": "amount", "message": "「金额」不能为空：批准时请填写金额（元）"} in missing.json()["errors"]
    month = today().strftime("%Y-%m")
    done = officer_a(
        "post",
        f"/referrals/{t09.pk}/complete",
        {"version": 2, "outcome": "approved", "amount": 1250, "period": "per_term", "start_month": month},
    )
    assert done.status_code == 200, done.json()
    assert done.json()["outcome_detail"] == f"每学期 1,250 元，自{today().year}年{today().month}月起"
    assert done.json()["outcome_fields"]["amount"] == "1250.00"
    assert done.json()["outcome_fields"]["start_month"] == month
    assert [e["action"] for e in done.json()["events"]] == ["submit", "accept", "complete"]


def test_a_concurrent_change_is_409_and_changes_nothing(case: dict[str, Referral], personas: dict[str, User]) -> None:
    officer_a = _client(personas, "officer_a")
    t09 = case["T09"]
    assert officer_a("post", f"/referrals/{t09.pk}/accept", {"version": 1}).status_code == 200
    again = officer_a("post", f"/referrals/{t09.pk}/return", {"version": 1, "reason": "请补充在读证明"})
    assert again.status_code == 409
    assert "该转介已被他人处理（当前状态：已受理）" in again.json()["detail"]
    t09.refresh_from_db()
    assert t09.state == ReferralState.ACCEPTED and t09.version == 2


def test_return_and_bad_bodies(case: dict[str, Referral], personas: dict[str, User]) -> None:
    officer_a = _client(personas, "officer_a")
    t09 = case["T09"]
    assert officer_a("post", f"/referrals/{t09.pk}/return", {"version": 1}).status_code == 422
    unknown = officer_a("post", f"/referrals/{t09.pk}/accept", {"version": "1", "extra": 1})
    assert unknown.status_code == 422
    assert {e["field"] for e in unknown.json()["errors"]} == {"extra", "version"}
    returned = officer_a("post", f"/referrals/{t09.pk}/return", {"version": 1, "reason": "请补充在读证明"})
    assert returned.status_code == 200 and returned.json()["state"] == "returned"
    # Not its to handle: 县卫健局 only cooperates on T06; the window does not handle T09.
    assert (
        _client(personas, "officer_b")("post", f"/referrals/{case['T06'].pk}/accept", {"version": 1}).status_code == 404
    )
    assert _client(personas, "supervisor_a")("post", f"/referrals/{t09.pk}/accept", {"version": 1}).status_code == 404


def test_the_openapi_document_describes_the_endpoints(client: Client) -> None:
    schema = client.get("/api/v1/openapi.json").json()
    for path in (
        "/api/v1/referrals",
        "/api/v1/referrals/{referral_id}/accept",
        "/api/v1/referrals/{referral_id}/complete",
    ):
        assert path in schema["paths"]
    complete = schema["paths"]["/api/v1/referrals/{referral_id}/complete"]["post"]
    body = complete["requestBody"]["content"]["application/json"]["schema"]["properties"]
    assert {"amount", "start_month", "service", "provider", "arrangement", "informed_how"} <= set(body)
    assert body["arrangement"]["enum"][:3] == ["kinship", "foster", "institution"]
    out = schema["components"]["schemas"]["ReferralOut"]["properties"]
    assert {"outcome_kind", "outcome_label", "outcome_fields"} <= set(out)
    assert "amount" in schema["components"]["schemas"]["OutcomeOut"]["properties"]


@pytest.fixture
def t20(personas: dict[str, User]) -> Referral:
    """A T20 referral (县民政局: the county caseworkers), accepted; T20 is decided as a service."""
    import_table()
    b = child("周结果", "20150701", 41, region=VILLAGE_B)
    referral = referred(personas["supervisor_b"], b, ["T20"])[1]["T20"]
    _client(personas, "caseworker")("post", f"/referrals/{referral.pk}/accept", {"version": 1})
    return referral


def test_completing_names_fields_of_another_kind_and_refuses_outcome_detail(
    t20: Referral, personas: dict[str, User]
) -> None:
    caseworker = _client(personas, "caseworker")
    url = f"/referrals/{t20.pk}/complete"
    wrong = caseworker("post", url, {"version": 2, "outcome": "approved", "amount": "1300", "service": "评估"})
    assert wrong.status_code == 422
    assert wrong.json()["errors"][0]["field"] == "amount"
    assert "不属于本措施的结果类型（服务类）" in wrong.json()["errors"][0]["message"]
    typed = caseworker("post", url, {"version": 2, "outcome": "approved", "outcome_detail": "评估通过"})
    assert typed.status_code == 422 and typed.json()["errors"][0]["field"] == "outcome_detail"
    bad_date = caseworker(
        "post",
        url,
        {"version": 2, "outcome": "approved", "service": "评估", "provider": "县民政局", "start_date": "明天"},
    )
    assert bad_date.status_code == 422
    assert bad_date.json()["errors"] == [
        {"field": "start_date", "message": "「开始日期」格式应为 YYYY-MM-DD，如 2026-05-10"}
    ]
    number = caseworker("post", url, {"version": 2, "outcome": "approved", "service": 5})
    assert number.status_code == 422 and number.json()["errors"][0] == {
        "field": "service",
        "message": "「service」应为字符串",
    }
    assert caseworker("get", f"/referrals/{t20.pk}").json()["state"] == "accepted"  # nothing written
    on = today().isoformat()
    done = caseworker(
        "post",
        url,
        {
            "version": 2,
            "outcome": "approved",
            "service": "收养能力评估",
            "provider": "县儿童福利中心",
            "start_date": on,
        },
    )
    assert done.status_code == 200, done.json()
    answer = done.json()
    assert answer["outcome_kind"] == "service" and answer["outcome_label"] == "提供服务"
    assert answer["outcome_fields"]["service"] == "收养能力评估" and answer["outcome_fields"]["start_date"] == on
    assert answer["outcome_fields"]["amount"] is None
    assert answer["outcome_detail"] == f"收养能力评估；提供方：县儿童福利中心；{on} 起"
    listed = caseworker("get", "/referrals?code=T20").json()["items"][0]
    assert listed["outcome_kind_label"] == "服务类" and listed["outcome_fields"]["provider"] == "县儿童福利中心"


def test_an_information_measure_is_acknowledged(t20: Referral, personas: dict[str, User]) -> None:
    from shouhu.casework import services

    services.measure_outcome_kind_set(actor=personas["admin"], code="T20", kind="information")
    caseworker = _client(personas, "caseworker")
    assert caseworker("get", f"/referrals/{t20.pk}").json()["outcome_kind"] == "information"
    url = f"/referrals/{t20.pk}/complete"
    missing = caseworker("post", url, {"version": 2, "informed_on": today().isoformat()})
    assert missing.status_code == 422
    assert missing.json()["errors"] == [{"field": "informed_how", "message": "「告知方式」不能为空"}]
    done = caseworker("post", url, {"version": 2, "informed_on": today().isoformat(), "informed_how": "phone"})
    assert done.status_code == 200, done.json()
    fields = done.json()["outcome_fields"]
    assert done.json()["outcome"] == "informed" and fields["informed_how_label"] == "电话告知"
