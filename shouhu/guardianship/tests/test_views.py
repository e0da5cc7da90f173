"""The 监护干预 section of a safety case's page, the step forms per persona, a stale or refused
form, a document's audited download and the list of interventions in scope."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from shouhu.accounts.models import User
from shouhu.core.dates import today
from shouhu.core.models import AuditEvent
from shouhu.guardianship.models import GuardianshipIntervention, InterventionDocument
from shouhu.safeguarding.tests.factories import file_report

from .factories import linked_case, opened, take

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n%%EOF\n"


def _page(client: Any, case_id: int) -> str:
    response = client.get(f"/safety/cases/{case_id}/")
    assert response.status_code == 200
    return response.content.decode()


def test_the_case_page_offers_the_start_to_civil_affairs_and_the_police_only(
    personas: dict[str, User], login: Any
) -> None:
    case = linked_case(personas)
    assert 'data-testid="guardianship-start"' in _page(login("caseworker"), case.pk)
    assert 'data-testid="guardianship-start"' in _page(login("officer_p"), case.pk)
    township = _page(login("supervisor_a"), case.pk)
    assert "尚未启动监护干预" in township and "guardianship-start" not in township
    unregistered = file_report(personas["reporter_a"]).case
    assert "登记并关联后才能启动监护干预" in _page(login("caseworker"), unregistered.pk)
    response = login("caseworker").post(f"/guardianship/start/{case.pk}/")
    assert response.status_code == 302 and response["Location"].endswith(f"/safety/cases/{case.pk}/#guardianship")
    assert GuardianshipIntervention.objects.filter(case=case).exists()
    assert login("supervisor_a").post(f"/guardianship/start/{case.pk}/").status_code == 404


def test_each_persona_is_offered_its_own_steps(personas: dict[str, User], login: Any) -> None:
    intervention = opened(personas)
    police = _page(login("officer_p"), intervention.case_id)
    assert 'data-testid="guardianship-form-warn"' in police and "guardianship-form-temporary" not in police
    civil = _page(login("caseworker"), intervention.case_id)
    assert 'data-testid="guardianship-form-temporary"' in civil and "guardianship-form-warn" not in civil
    assert 'data-confirm="临时监护将在儿童名册中' in civil and 'enctype="multipart/form-data"' in civil
    township = _page(login("supervisor_a"), intervention.case_id)
    assert 'data-testid="guardianship-steps"' not in township and "guardianship-form-" not in township
    assert "已启动，尚未记录步骤" in township
    assert login("supervisor_b").get(f"/safety/cases/{intervention.case_id}/").status_code == 404


def test_a_step_with_its_document_shows_on_the_case_and_downloads_audited(
    personas: dict[str, User], login: Any
) -> None:
    intervention = opened(personas)
    caseworker = login("caseworker")
    response = caseworker.post(
        f"/guardianship/{intervention.pk}/temporary/",
        {
            "temporary-version": "1",
            "temporary-state": "opened",
            "temporary-on": today().isoformat(),
            "temporary-note": "孩子由县儿童福利院临时照料",
            "temporary-doc_type": "temporary_decision",
            "temporary-document": SimpleUploadedFile("临时监护决定书.pdf", PDF, content_type="application/pdf"),
        },
    )
    assert response.status_code == 302
    page = _page(login("supervisor_a"), intervention.case_id)
    assert "临时监护中" in page and "县民政局" in page and "孩子由县儿童福利院临时照料" in page
    assert "儿童名册：实际监护人：民政部门（国家监护）（有监护能力）" in page
    document = InterventionDocument.objects.get()
    assert f"/guardianship/documents/{document.pk}/" in page
    download = login("supervisor_a").get(f"/guardianship/documents/{document.pk}/")
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF
    assert download["Cache-Control"] == "private, no-store"
    row = AuditEvent.objects.filter(action="guardianship.document_download").get()
    assert row.actor == personas["supervisor_a"] and row.detail == {"document": document.pk}
    assert login("supervisor_b").get(f"/guardianship/documents/{document.pk}/").status_code == 404


def test_a_stale_form_answers_409_with_both_values(personas: dict[str, User], login: Any) -> None:
    intervention = opened(personas)
    take(personas["caseworker"], intervention, "temporary", days_ago=1)
    response = login("officer_p").post(
        f"/guardianship/{intervention.pk}/warn/",
        {"warn-version": "1", "warn-state": "opened", "warn-on": today().isoformat(), "warn-outcome": "corrected"},
    )
    assert response.status_code == 409
    text = response.content.decode()
    assert "您看到的是「已启动」（版本 1），现在是「临时监护中」（版本 2）" in text
    intervention.refresh_from_db()
    assert intervention.state == "temporary" and intervention.steps.count() == 1


def test_a_refused_form_names_its_fields(personas: dict[str, User], login: Any) -> None:
    intervention = opened(personas)
    take(personas["caseworker"], intervention, "temporary", days_ago=3)
    response = login("caseworker").post(
        f"/guardianship/{intervention.pk}/return_home/",
        {
            "return_home-version": "2",
            "return_home-on": today().isoformat(),
            "return_home-guardian": "grandparent",
            "return_home-follow_up_1": (today() - datetime.timedelta(days=1)).isoformat(),
        },
    )
    assert response.status_code == 200
    assert "「回访日期」应晚于送返日期" in response.content.decode()
    assert intervention.steps.count() == 1


def test_the_list_shows_interventions_in_scope_with_filters(personas: dict[str, User], login: Any) -> None:
    intervention = opened(personas)
    reference = intervention.case.reference
    assert reference in login("caseworker").get("/guardianship/").content.decode()
    assert reference in login("supervisor_a").get("/guardianship/?state=open&township=210522100000").content.decode()
    assert reference not in login("caseworker").get("/guardianship/?state=closed").content.decode()
    assert reference not in login("supervisor_b").get("/guardianship/").content.decode()
    # 县卫健局 is not on a school report's case (县教育局 is, by task 28's duty: safeguarding routing).
    assert reference not in login("officer_b").get("/guardianship/").content.decode()
    assert login("director_a").get("/guardianship/").status_code == 403
    row = AuditEvent.objects.filter(action="guardianship.list", actor=personas["caseworker"]).order_by("id").first()
    assert row is not None and row.detail["cases"] == [reference]
