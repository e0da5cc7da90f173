"""The pages and the API as their users meet them: a reporter files on a phone-sized form and
sees the status only; county staff filter the case list, act on a case (a stale form is 409 with
both values); the API files and reads back a report, refusing bad input in Chinese by field."""

from __future__ import annotations

import datetime
import json
from typing import Any

import pytest
from django.utils import timezone

from shouhu.accounts.models import User
from shouhu.accounts.personas import VILLAGE_A
from shouhu.accounts.services import api_token_issue
from shouhu.casework.tests.helpers import import_table
from shouhu.core.models import AuditEvent
from shouhu.safeguarding.models import SafetyCase, SafetyReport

from .factories import file_report

pytestmark = pytest.mark.django_db


def _form(**changes: str) -> dict[str, str]:
    observed = timezone.localtime() - datetime.timedelta(hours=1)
    data = {
        "child_name": "不详",
        "approx_age": "6",
        "region": VILLAGE_A,
        "kind": "sexual_abuse",
        "observed_at": observed.strftime("%Y-%m-%dT%H:%M"),
        "urgent": "on",
        "description": "孩子说有人摸她",
    }
    data.update(changes)
    return data


def test_a_reporter_files_and_then_sees_the_status_only(login: Any, personas: dict[str, User]) -> None:
    import_table()
    client = login("reporter_a")
    response = client.post("/safety/report/", _form())
    report = SafetyReport.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/safety/reports/{report.pk}/"
    page = client.get(response["Location"]).content.decode()
    assert "已接收" in page and report.reference in page
    assert "县公安局" not in page and "时限" not in page  # nothing of the handling
    assert report.case.clocks.get(step="see_child").hours == 2
    home = client.get("/").content.decode()
    assert report.reference in home and "提交强制报告" in home
    assert AuditEvent.objects.filter(action="safety.report_view", actor=personas["reporter_a"]).exists()


def test_the_form_names_what_is_wrong(login: Any) -> None:
    response = login("reporter_a").post("/safety/report/", _form(approx_age="", child_name="", description=""))
    page = response.content.decode()
    assert response.status_code == 200 and "儿童姓名" in page and "情况描述" in page
    assert SafetyCase.objects.count() == 0


def test_county_staff_filter_the_list_and_act_on_a_case(login: Any, personas: dict[str, User]) -> None:
    case = file_report(personas["reporter_a"], urgent=True).case
    client = login("caseworker")
    page = client.get("/safety/cases/?state=open&township=210522100000").content.decode()
    assert case.reference in page
    assert case.reference not in client.get("/safety/cases/?state=closed").content.decode()
    detail = client.get(f"/safety/cases/{case.pk}/").content.decode()
    assert "2 小时" in detail and "确认收到" in detail
    form = {"acknowledge-version": "1", "acknowledge-state": "received"}
    assert client.post(f"/safety/cases/{case.pk}/acknowledge/", form).status_code == 302
    stale = client.post(f"/safety/cases/{case.pk}/acknowledge/", form)
    assert stale.status_code == 409 and "待响应" in stale.content.decode() and "已响应" in stale.content.decode()
    no_note = client.post(f"/safety/cases/{case.pk}/see_child/", {"see_child-version": "2"})
    page = no_note.content.decode()
    assert no_note.status_code == 200 and "error-summary" in page and "见到儿童的情况" in page
    assert AuditEvent.objects.filter(action="safety.case_view", object_id=str(case.pk)).exists()


def _api(user: User) -> dict[str, str]:
    _token, key = api_token_issue(actor=None, name="t", user=user)
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def test_the_api_files_a_report_and_reads_it_back_by_who_asks(client: Any, personas: dict[str, User]) -> None:
    import_table()
    body = {
        "child": {"id_number": None, "name": "不详", "approx_age": 6, "region_code": VILLAGE_A, "location": "路边"},
        "kind": "abandonment",
        "urgent": True,
        "observed_at": (timezone.now() - datetime.timedelta(hours=1)).isoformat(),
        "description": "孩子被留在路边",
    }
    created = client.post(
        "/api/v1/safety/reports", json.dumps(body), content_type="application/json", **_api(personas["reporter_a"])
    )
    assert created.status_code == 201, created.content
    answer = created.json()
    assert answer["status"] == "received" and answer["reference"].startswith("AQ100-")
    mine = client.get(f"/api/v1/safety/reports/{answer['id']}", **_api(personas["reporter_a"])).json()
    assert mine["status_label"] == "已接收" and mine["case"] is None
    county = client.get(f"/api/v1/safety/reports/{answer['id']}", **_api(personas["caseworker"])).json()
    clocks = {c["step"]: c for c in county["case"]["clocks"]}
    assert clocks["see_child"]["hours"] == 2 and clocks["acknowledge"]["unit"] == "县公安局"
    assert clocks["see_child"]["unit"] == "桓仁镇" and clocks["acknowledge"]["done_at"] is None
    assert county["case"]["steps"][0]["action"] == "opened"
    other = client.get(f"/api/v1/safety/reports/{answer['id']}", **_api(personas["supervisor_b"]))
    assert other.status_code == 404


def test_the_api_refuses_bad_input_by_field_in_chinese(client: Any, personas: dict[str, User]) -> None:
    body = {"child": {"approx_age": "six", "region_code": "1"}, "kind": "x", "urgent": "yes", "extra": 1}
    refused = client.post(
        "/api/v1/safety/reports", json.dumps(body), content_type="application/json", **_api(personas["reporter_a"])
    )
    assert refused.status_code == 422
    fields = {e["field"] for e in refused.json()["errors"]}
    assert {"extra", "child.approx_age", "urgent"} <= fields
    body = {"child": {"name": "小明", "approx_age": 6, "region_code": "1"}, "kind": "x", "observed_at": "2026-01-01"}
    refused = client.post(
        "/api/v1/safety/reports", json.dumps(body), content_type="application/json", **_api(personas["reporter_a"])
    )
    fields = {e["field"] for e in refused.json()["errors"]}
    assert {"child.region_code", "kind", "description"} <= fields
    assert SafetyReport.objects.count() == 0
