"""A report's attachments (checked like every upload, refused naming the file, nothing half
written; downloaded only by the reporter and those who see the case, each download audited),
follow-up questions from the handlers to the reporter (who sees the question and nothing else of
the case), and task 28's unit by the reporter's kind of institution."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from shouhu.accounts.models import OrganisationKind, Role, User
from shouhu.accounts.personas import VILLAGE_A, VILLAGE_B
from shouhu.accounts.services import user_create, user_update
from shouhu.casework.tests.helpers import import_table
from shouhu.core.models import AuditEvent, Notification
from shouhu.safeguarding import services
from shouhu.safeguarding.models import (
    FollowUpQuestion,
    ReportAttachment,
    ReportSource,
    SafetyCase,
    SafetyCaseEvent,
    SafetyReport,
    UnitRole,
)

from .factories import file_report

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.4\n%test\n"


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return Path(settings.MEDIA_ROOT)


def files_in(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def _form(**changes: Any) -> dict[str, Any]:
    observed = timezone.localtime() - datetime.timedelta(hours=1)
    data: dict[str, Any] = {
        "child_name": "不详",
        "approx_age": "8",
        "region": VILLAGE_A,
        "kind": "abuse",
        "observed_at": observed.strftime("%Y-%m-%dT%H:%M"),
        "description": "孩子手臂有淤青",
    }
    data.update(changes)
    return data


# -- attachments ---------------------------------------------------------------------------------


def test_a_reporter_files_with_photos_and_only_those_who_may_see_download_them(
    login: Any, personas: dict[str, User], media: Path
) -> None:
    import_table()
    client = login("reporter_a")
    uploads = [SimpleUploadedFile("伤情照片.png", PNG), SimpleUploadedFile("校医记录.pdf", PDF)]
    response = client.post("/safety/report/", _form(attachments=uploads))
    assert response.status_code == 302
    report = SafetyReport.objects.get()
    files = list(report.attachments.order_by("id"))
    assert [f.original_name for f in files] == ["伤情照片.png", "校医记录.pdf"]
    assert [f.content_type for f in files] == ["image/png", "application/pdf"]
    assert len(files_in(media)) == 2 and all("伤情" not in p.name for p in files_in(media))  # random names
    page = client.get(f"/safety/reports/{report.pk}/").content.decode()
    url = f"/safety/attachments/{files[0].pk}/"
    assert "伤情照片.png" in page and url in page

    download = client.get(url)
    assert download.status_code == 200 and b"".join(download.streaming_content) == PNG  # type: ignore[attr-defined]
    assert download["Cache-Control"] == "private, no-store"
    assert AuditEvent.objects.filter(action="safety.attachment_download", actor=personas["reporter_a"]).count() == 1
    assert login("officer_p").get(url).status_code == 200  # 县公安局 leads the case
    assert login("officer_a").get(url).status_code == 200  # 县教育局: a school's report, by duty
    for key in ("reporter_b", "officer_b", "supervisor_b"):
        assert login(key).get(url).status_code == 404, key
    assert login("director_a").get(url).status_code == 403
    case_page = login("officer_p").get(f"/safety/cases/{report.case.pk}/").content.decode()
    assert "校医记录.pdf" in case_page


def test_a_bad_file_refuses_the_whole_report_naming_the_file(login: Any, media: Path) -> None:
    client = login("reporter_a")
    uploads = [SimpleUploadedFile("照片.png", PNG), SimpleUploadedFile("伤情.jpg", b"MZ\x90\x00 not a photo")]
    response = client.post("/safety/report/", _form(attachments=uploads))
    page = response.content.decode()
    assert response.status_code == 200
    assert "文件「伤情.jpg」的内容不是 jpg 文件" in page
    assert SafetyReport.objects.count() == 0 and SafetyCase.objects.count() == 0
    assert ReportAttachment.objects.count() == 0 and files_in(media) == []


def test_too_many_files_or_a_wrong_type_are_refused_by_the_service(personas: dict[str, User], media: Path) -> None:
    from .factories import report_input

    six = [SimpleUploadedFile(f"照片{i}.png", PNG) for i in range(6)]
    with pytest.raises(ValidationError) as refused:
        services.report_file(actor=personas["reporter_a"], data=report_input(), attachments=six)
    assert "一次最多上传 5 个文件" in str(refused.value.message_dict["attachments"])
    with pytest.raises(ValidationError) as refused:
        services.report_file(
            actor=personas["reporter_a"],
            data=report_input(),
            attachments=[SimpleUploadedFile("病历.exe", b"MZ\x90\x00")],
        )
    assert "文件「病历.exe」的类型不允许上传" in str(refused.value.message_dict["attachments"])
    assert SafetyReport.objects.count() == 0 and files_in(media) == []


def test_a_supplement_may_bring_files_and_they_reach_the_case(login: Any, personas: dict[str, User]) -> None:
    report = file_report(personas["reporter_a"])
    client = login("reporter_a")
    empty = client.post(f"/safety/reports/{report.pk}/supplement/", {"text": ""})
    assert empty.status_code == 200 and "补充内容" in empty.content.decode()
    response = client.post(
        f"/safety/reports/{report.pk}/supplement/",
        {"text": "", "attachments": [SimpleUploadedFile("第二张照片.png", PNG)]},
    )
    assert response.status_code == 302
    attachment = ReportAttachment.objects.get()
    assert attachment.supplement is not None and attachment.report_id == report.pk
    event = SafetyCaseEvent.objects.get(case=report.case, action="supplemented")
    assert "第二张照片.png" in event.note
    page = client.get(f"/safety/reports/{report.pk}/").content.decode()
    assert f"/safety/attachments/{attachment.pk}/" in page
    case_page = login("caseworker").get(f"/safety/cases/{report.case.pk}/").content.decode()
    assert f"/safety/attachments/{attachment.pk}/" in case_page


# -- follow-up questions -------------------------------------------------------------------------


def test_a_handler_asks_and_the_reporter_answers_seeing_nothing_else(
    login: Any, personas: dict[str, User], django_capture_on_commit_callbacks: Any
) -> None:
    import_table()
    report = file_report(personas["reporter_a"])
    case = report.case
    police = login("officer_p")
    with django_capture_on_commit_callbacks(execute=True):
        response = police.post(f"/safety/cases/{case.pk}/ask/", {"text": "孩子今天有没有到校？"})
    assert response.status_code == 302
    question = FollowUpQuestion.objects.get()
    assert question.asked_by == personas["officer_p"] and question.answered_at is None
    assert SafetyCaseEvent.objects.filter(case=case, action="question_asked").exists()
    bell = Notification.objects.get(recipient=personas["reporter_a"], kind="safety.question")
    assert report.reference in bell.title and "县公安局" not in bell.title

    reporter = login("reporter_a")
    home = reporter.get("/").content.decode()
    assert "待回答的追问" in home and f"#question-{question.pk}" in home
    page = reporter.get(f"/safety/reports/{report.pk}/").content.decode()
    assert "孩子今天有没有到校？" in page
    assert "魏公安" not in page and "县公安局" not in page  # not who asked, nor which unit

    url = f"/safety/reports/{report.pk}/questions/{question.pk}/answer/"
    empty = reporter.post(url, {})
    assert empty.status_code == 200 and "您的回答" in empty.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        answered = reporter.post(url, {f"q{question.pk}-text": "今天没有到校，电话也打不通"})
    assert answered.status_code == 302
    question.refresh_from_db()
    assert question.answer == "今天没有到校，电话也打不通" and question.answered_at is not None
    event = SafetyCaseEvent.objects.get(case=case, action="question_answered")
    assert "孩子今天有没有到校？" in event.note and "电话也打不通" in event.note
    for key in ("officer_p", "caseworker", "supervisor_a"):
        assert Notification.objects.filter(recipient=personas[key], kind="safety.answer").exists(), key
    assert "待回答的追问" not in reporter.get("/").content.decode()
    case_page = police.get(f"/safety/cases/{case.pk}/").content.decode()
    assert "电话也打不通" in case_page

    # Once: a second answer changes nothing and says why.
    again = reporter.post(url, {f"q{question.pk}-text": "改一下"}, follow=True)
    assert "已经回答过了" in again.content.decode()
    question.refresh_from_db()
    assert question.answer == "今天没有到校，电话也打不通"
    assert AuditEvent.objects.filter(action="safety.question_answer").count() == 1


def test_who_may_ask_and_answer(personas: dict[str, User]) -> None:
    import_table()
    report = file_report(personas["reporter_a"])
    for key in ("officer_b", "supervisor_b", "admin", "reporter_a", "director_a"):
        with pytest.raises(PermissionDenied):
            services.question_ask(actor=personas[key], case=report.case, text="？")
    question = services.question_ask(actor=personas["supervisor_a"], case=report.case, text="家长的电话是多少？")
    with pytest.raises(PermissionDenied):
        services.question_answer(actor=personas["reporter_b"], question=question, text="不知道")
    with pytest.raises(ValidationError, match="追问内容"):
        services.question_ask(actor=personas["caseworker"], case=report.case, text="  ")
    phone = file_report(personas["caseworker"], source=ReportSource.HOTLINE_12345, caller="王女士")
    with pytest.raises(ValidationError, match="来电报告"):
        services.question_ask(actor=personas["caseworker"], case=phone.case, text="几岁？")
    assert FollowUpQuestion.objects.count() == 1


def test_a_reporter_never_sees_another_reporters_reports(login: Any, personas: dict[str, User]) -> None:
    import_table()
    theirs = file_report(personas["reporter_b"], region_code=VILLAGE_B)
    mine = file_report(personas["reporter_a"])
    client = login("reporter_a")
    listing = client.get("/safety/reports/").content.decode()
    assert mine.reference in listing and theirs.reference not in listing
    assert client.get(f"/safety/reports/{theirs.pk}/").status_code == 404
    assert client.get(f"/api/v1/safety/reports/{theirs.pk}").status_code == 404
    assert client.post(f"/safety/reports/{theirs.pk}/supplement/", {"text": "x"}).status_code == 404


# -- task 28's unit by duty ----------------------------------------------------------------------


def _units(report: SafetyReport) -> set[tuple[str, str]]:
    return {(u.department.name, u.role) for u in report.case.units.select_related("department")}


def test_a_health_centres_report_goes_to_the_health_commission_by_duty(personas: dict[str, User]) -> None:
    import_table()
    report = file_report(personas["reporter_b"], region_code=VILLAGE_B)
    assert report.organisation_kind == OrganisationKind.MEDICAL and report.organisation == "普乐堡镇中心卫生院"
    # The table writes 县卫计局; the 2019 reform made it 县卫健局, and the case goes to the successor.
    assert ("县卫健局", UnitRole.DUTY) in _units(report)
    assert "县教育局" not in {name for name, _ in _units(report)}
    assert "医疗卫生机构" in report.case.routing_note


def test_a_welfare_institutions_report_keeps_civil_affairs_as_it_was(personas: dict[str, User]) -> None:
    import_table()
    reporter = user_create(
        actor=None,
        username="fuliyuan",
        password="x",
        role=Role.MANDATORY_REPORTER,
        organisation="桓仁县儿童福利院",
        organisation_kind=OrganisationKind.WELFARE,
        check_password=False,
    )
    report = file_report(reporter)
    units = _units(report)
    assert ("县民政局", UnitRole.COOPERATING) in units  # task 17 already has it: not added twice
    assert not any(role == UnitRole.DUTY for _, role in units)
    assert "已在承办单位中" in report.case.routing_note


def test_a_telephone_report_has_no_duty_unit(personas: dict[str, User]) -> None:
    import_table()
    report = file_report(personas["caseworker"], source=ReportSource.POLICE_110)
    assert report.organisation_kind == ""
    assert not any(role == UnitRole.DUTY for _, role in _units(report))


def test_a_mandatory_reporter_needs_a_kind_of_institution(personas: dict[str, User]) -> None:
    with pytest.raises(ValidationError) as refused:
        user_create(actor=None, username="noschool", password="x", role=Role.MANDATORY_REPORTER, check_password=False)
    assert "机构类别" in str(refused.value.message_dict["organisation_kind"])
    officer = personas["officer_a"]
    user_update(
        actor=personas["admin"],
        user=officer,
        full_name=officer.full_name,
        role=officer.role,
        region=None,
        department=officer.department,
        organisation_kind=OrganisationKind.SCHOOL,  # not a reporter: not kept
    )
    officer.refresh_from_db()
    assert officer.organisation_kind == ""


def test_the_admin_sets_the_kind_on_the_user_form(login: Any, personas: dict[str, User]) -> None:
    reporter = personas["reporter_b"]
    client = login("admin")
    page = client.get(f"/users/{reporter.pk}/").content.decode()
    assert "机构类别" in page and 'value="medical" selected' in page
    response = client.post(
        f"/users/{reporter.pk}/",
        {
            "full_name": reporter.full_name,
            "role": Role.MANDATORY_REPORTER,
            "organisation": "普乐堡镇敬老院",
            "organisation_kind": OrganisationKind.WELFARE,
        },
    )
    assert response.status_code == 302
    reporter.refresh_from_db()
    assert reporter.organisation_kind == OrganisationKind.WELFARE
