"""The assessment, plan and review on the case page, per role, and what the API gives of them:
the handlers see and act; the administrator sees and does not act; someone out of scope gets 404;
the reporter sees the status only (处理中), nothing of the assessment or plan."""

from __future__ import annotations

import json
from typing import Any

import pytest

from shouhu.accounts.models import User
from shouhu.accounts.services import api_token_issue
from shouhu.casework.tests.helpers import import_table, register
from shouhu.core.models import AuditEvent
from shouhu.safeguarding import services
from shouhu.safeguarding.models import CaseState, PlanAction, RiskAssessment, SafetyCase

from .test_plans import assess, id_number, seen_case

pytestmark = pytest.mark.django_db


def _api(user: User) -> dict[str, str]:
    _token, key = api_token_issue(actor=None, name="t", user=user)
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def _assessment_form(case: SafetyCase, **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "assess-version": str(case.version),
        "assess-assessment": str(RiskAssessment.objects.filter(case=case).count()),
        "assess-level": "high",
        "assess-factors": ["physical_harm", "revictimisation"],
        "assess-other_factors": "",
        "assess-summary": "父亲多次殴打",
    }
    data.update(changes)
    return data


def test_a_handler_assesses_links_plans_and_reviews_on_the_case_page(login: Any, personas: dict[str, User]) -> None:
    import_table()
    case = seen_case(personas)
    client = login("supervisor_a")
    page = client.get(f"/safety/cases/{case.pk}/").content.decode()
    assert 'data-testid="assessment-form"' in page and "风险评估" in page
    assert "3 个工作日" in page  # the assessment clock
    refused = client.post(f"/safety/cases/{case.pk}/assessments/", _assessment_form(case, **{"assess-level": ""}))
    assert (
        refused.status_code == 200
        and "风险等级" in refused.content.decode()
        and "error-summary" in refused.content.decode()
    )
    stale = _assessment_form(case)
    assert client.post(f"/safety/cases/{case.pk}/assessments/", _assessment_form(case)).status_code == 302
    answer = client.post(f"/safety/cases/{case.pk}/assessments/", stale)
    text = answer.content.decode()
    assert answer.status_code == 409 and "尚未评估" in text and "「高」（第 1 次评估）" in text
    case.refresh_from_db()
    assert case.state == CaseState.ASSESSED and RiskAssessment.objects.filter(case=case).count() == 1

    # The plan asks first for the registered child: an unknown number names its field.
    page = client.get(f"/safety/cases/{case.pk}/").content.decode()
    assert 'data-testid="link-needed"' in page and 'data-testid="form-register"' in page
    unknown = client.post(f"/safety/cases/{case.pk}/child/link/", {"link-id_number": id_number()})
    assert unknown.status_code == 200 and "没有找到" in unknown.content.decode()
    child = register(id_number=id_number("20150315", "006"), name="李小芳", sex="female", birth_date="2015-03-15")
    linked = client.post(f"/safety/cases/{case.pk}/child/link/", {"link-id_number": child.id_number})
    assert linked.status_code == 302
    added = client.post(
        f"/safety/cases/{case.pk}/plan/actions/", {"action-what": "临时监护", "action-code": "T17", "action-due": ""}
    )
    assert added.status_code == 302
    action = PlanAction.objects.get(case=case)
    page = client.get(f"/safety/cases/{case.pk}/").content.decode()
    assert "县公安局" in page and f"/referrals/{action.intake.referrals.get().pk}/" in page
    assert client.post(f"/safety/cases/{case.pk}/plan/", {"plan-version": str(case.version)}).status_code == 302
    case.refresh_from_db()
    assert case.state == CaseState.PLANNED
    review = {"review-version": str(case.version), "review-assessment": "1", "review-note": "儿童已复学"}
    assert client.post(f"/safety/cases/{case.pk}/reviews/", review).status_code == 302
    page = client.get(f"/safety/cases/{case.pk}/").content.decode()
    assert "第 1 次复查" in page and "儿童已复学" in page
    # The steps with their own forms are not taken through the generic step address.
    assert client.post(f"/safety/cases/{case.pk}/review/", review).status_code == 404
    assert AuditEvent.objects.filter(action="safety.case_review", object_id=str(case.pk)).exists()


def test_out_of_scope_and_the_administrator_cannot_act(login: Any, personas: dict[str, User]) -> None:
    case = seen_case(personas)
    form = _assessment_form(case)
    assert login("supervisor_b").post(f"/safety/cases/{case.pk}/assessments/", form).status_code == 404
    # 县卫健局 is not on a school's report (县教育局 is, by task 28's duty).
    assert login("officer_b").post(f"/safety/cases/{case.pk}/assessments/", form).status_code == 404
    assert login("admin").post(f"/safety/cases/{case.pk}/assessments/", form).status_code == 403
    assert login("director_a").post(f"/safety/cases/{case.pk}/assessments/", form).status_code == 403
    admin_page = login("admin").get(f"/safety/cases/{case.pk}/").content.decode()
    assert 'data-testid="assessment-form"' not in admin_page
    assert not RiskAssessment.objects.exists()


def test_the_api_gives_the_assessment_plan_and_clocks_to_the_handlers_only(
    client: Any, personas: dict[str, User]
) -> None:
    import_table()
    case = seen_case(personas)
    assess(personas["caseworker"], case, "urgent")
    child = register(id_number=id_number("20150315", "008"), name="赵小兰", sex="female", birth_date="2015-03-15")
    services.case_child_link(actor=personas["caseworker"], case=case, id_number=child.id_number)
    action = services.plan_action_add(actor=personas["caseworker"], case=case, what="临时监护", code="T17")
    url = f"/api/v1/safety/reports/{case.report_id}"
    county = client.get(url, **_api(personas["caseworker"])).json()["case"]
    assert county["assessment"]["level"] == "urgent" and county["assessment"]["factors"] == [
        "physical_harm",
        "guardianship",
    ]
    [planned] = county["plan"]
    referral = action.intake.referrals.get()
    assert planned["code"] == "T17" and planned["unit"] == "县公安局" and planned["due"] == action.due.isoformat()
    assert planned["referrals"] == [
        {
            "id": referral.pk,
            "unit": "县公安局",
            "status": "submitted",
            "status_label": "待受理",
            "decide_due": referral.decide_due.isoformat(),
        }
    ]
    clocks = {c["step"]: c for c in county["clocks"]}
    assert clocks["plan"]["counts_in"] == "working_days" and clocks["plan"]["working_days"] == 5
    assert clocks["plan"]["hours"] is None and clocks["acknowledge"]["counts_in"] == "hours"
    mine = client.get(url, **_api(personas["reporter_a"])).json()
    assert mine["case"] is None and mine["status_label"] == "处理中"
    assert "urgent" not in json.dumps(mine) and "T17" not in json.dumps(mine)
    assert client.get(url, **_api(personas["supervisor_b"])).status_code == 404


def test_the_reporter_sees_only_handling(login: Any, personas: dict[str, User]) -> None:
    case = seen_case(personas)
    assess(personas["caseworker"], case, "urgent", other_factors="父亲酗酒")
    page = login("reporter_a").get(f"/safety/reports/{case.report_id}/").content.decode()
    assert "处理中" in page
    assert "风险" not in page and "父亲酗酒" not in page and "帮扶" not in page
    assert login("reporter_a").get(f"/safety/cases/{case.pk}/").status_code in (403, 404)


def test_the_clocks_page_shows_and_sets_the_working_day_parameters(login: Any, personas: dict[str, User]) -> None:
    client = login("admin")
    page = client.get("/safety/clocks/").content.decode()
    assert "复查周期（低风险）" in page and "60 工作日" in page
    assert client.post("/safety/clocks/set/", {"parameter": "review_low", "value": "40"}).status_code == 302
    refused = client.post("/safety/clocks/set/", {"parameter": "review_low", "value": "400"})
    assert refused.status_code == 200 and "250" in refused.content.decode()
    page = client.get("/safety/clocks/").content.decode()
    assert "40 工作日" in page
    assert AuditEvent.objects.filter(action="safety.clock_set", summary__contains="60 工作日 → 40 工作日").exists()
