"""Supervision pages as the personas see them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from shouhu.accounts.models import User
from shouhu.accounts.personas import TOWNSHIP_A, TOWNSHIP_B
from shouhu.core.models import AuditEvent
from shouhu.policy.models import PolicyDocument, ProgressReport, ReviewState
from shouhu.policy.supervision.periods import current_period
from shouhu.policy.supervision.services import progress_report_review, progress_report_submit
from shouhu.regions.models import Region

from .supervision_factories import EXE_BYTES, create_table, department, pdf, task, upload


@pytest.fixture
def table(db: None) -> PolicyDocument:
    return create_table()


@pytest.fixture
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def report_url(table: PolicyDocument, number: int, unit: str, township: str = "") -> str:
    url = f"/policy/supervision/report/{task(table, number).pk}/{department(unit).pk}/"
    return f"{url}?township={township}" if township else url


def make_report(
    personas: dict[str, User],
    table: PolicyDocument,
    number: int = 9,
    unit: str = "县教育局",
    actor: str = "officer_a",
    township: str | None = None,
) -> ProgressReport:
    t = task(table, number)
    return progress_report_submit(
        actor=personas[actor],
        task=t,
        department=department(unit),
        township=Region.objects.get(code=township) if township else None,
        period=current_period(t.report_frequency).key,
        status="in_progress",
        narrative="推进中",
        files=[pdf()],
    )


def test_officer_reports_through_the_form(table: PolicyDocument, login: Any, media: Path) -> None:
    client = login("officer_a")
    page = client.get(report_url(table, 9, "县教育局"))
    assert page.status_code == 200 and "报告任务 9 的进展" in page.content.decode()
    period = current_period("quarterly").key
    response = client.post(
        report_url(table, 9, "县教育局"),
        {
            "period": period,
            "status": "done",
            "narrative": "已全部落实",
            "files": [pdf("落实情况.pdf")],
        },
    )
    report = ProgressReport.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/policy/supervision/reports/{report.pk}/"
    assert report.evidence.get().original_name == "落实情况.pdf"
    detail = client.get(response["Location"]).content.decode()
    assert "落实情况.pdf" in detail and "已全部落实" in detail and "提交进展报告" in detail


def test_form_shows_errors_naming_the_file_and_writes_nothing(table: PolicyDocument, login: Any, media: Path) -> None:
    client = login("officer_a")
    response = client.post(
        report_url(table, 9, "县教育局"),
        {
            "period": current_period("quarterly").key,
            "status": "done",
            "narrative": "x",
            "files": [upload("总结.pdf", EXE_BYTES)],
        },
    )
    assert response.status_code == 200
    assert "文件「总结.pdf」的内容不是PDF" in response.content.decode()
    assert ProgressReport.objects.count() == 0
    assert not media.exists() or not any(p.is_file() for p in media.rglob("*"))


def test_officer_cannot_report_for_another_unit(table: PolicyDocument, login: Any, media: Path) -> None:
    client = login("officer_a")
    assert client.get(report_url(table, 5, "县卫健局")).status_code == 404
    assert (
        client.post(
            report_url(table, 5, "县卫健局"),
            {"period": current_period("quarterly").key, "status": "done", "narrative": "x"},
        ).status_code
        == 404
    )
    assert login("supervisor_b").get(report_url(table, 25, "各乡镇（街道）", TOWNSHIP_A)).status_code == 404
    assert login("supervisor_b").get(report_url(table, 25, "各乡镇（街道）", TOWNSHIP_B)).status_code == 200
    assert login("supervisor_a").get(report_url(table, 25, "各乡镇（街道）", TOWNSHIP_A)).status_code == 200
    assert login("leader").get(report_url(table, 9, "县教育局")).status_code == 403
    assert ProgressReport.objects.count() == 0


def test_report_form_is_locked_once_submitted(
    table: PolicyDocument, personas: dict[str, User], login: Any, media: Path
) -> None:
    make_report(personas, table)
    page = login("officer_a").get(report_url(table, 9, "县教育局")).content.decode()
    assert "正在等待审核；审核前不能修改" in page and "<textarea" not in page


def test_review_through_the_pages(
    table: PolicyDocument, personas: dict[str, User], login: Any, media: Path, django_capture_on_commit_callbacks: Any
) -> None:
    first = make_report(personas, table, 9)
    second = make_report(personas, table, 5, "县卫健局", "officer_b")
    client = login("caseworker")
    queue = client.get("/policy/supervision/queue/").content.decode()
    assert queue.index(f"/reports/{first.pk}/") < queue.index(f"/reports/{second.pk}/")  # oldest first
    filtered = client.get(f"/policy/supervision/queue/?department={department('县卫健局').pk}").content.decode()
    assert f"/reports/{second.pk}/" in filtered and f"/reports/{first.pk}/" not in filtered
    assert "格式不正确" in client.get("/policy/supervision/queue/?period=2026X1").content.decode()
    detail = client.get(f"/policy/supervision/reports/{first.pk}/").content.decode()
    assert "退回修改" in detail and "data-confirm=" in detail
    response = client.post(
        f"/policy/supervision/reports/{first.pk}/review/", {"decision": "return", "comment": ""}, follow=True
    )
    assert "必须填写审核意见" in response.content.decode()
    first.refresh_from_db()
    assert first.review_state == ReviewState.SUBMITTED
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/policy/supervision/reports/{first.pk}/review/", {"decision": "return", "comment": "补充名单"})
    first.refresh_from_db()
    assert first.review_state == ReviewState.RETURNED and first.review_comment == "补充名单"
    assert personas["officer_a"].notifications.filter(kind="supervision.return").exists()
    officer_page = login("officer_a").get(f"/policy/supervision/reports/{first.pk}/").content.decode()
    assert "修改后重新提交" in officer_page and "补充名单" in officer_page
    assert (
        login("officer_a").post(f"/policy/supervision/reports/{second.pk}/review/", {"decision": "accept"}).status_code
        == 403
    )


def test_report_detail_and_evidence_access(
    table: PolicyDocument, personas: dict[str, User], login: Any, media: Path
) -> None:
    report = make_report(personas, table)
    evidence = report.evidence.get()
    for key in ("officer_a", "caseworker", "admin", "leader"):
        assert login(key).get(f"/policy/supervision/reports/{report.pk}/").status_code == 200, key
        response = login(key).get(f"/policy/supervision/evidence/{evidence.pk}/")
        assert response.status_code == 200, key
        assert b"".join(response.streaming_content).startswith(b"%PDF-")  # type: ignore[attr-defined]
        assert "attachment" in response["Content-Disposition"]
    for key in ("officer_b", "supervisor_a"):
        assert login(key).get(f"/policy/supervision/reports/{report.pk}/").status_code == 404, key
        assert login(key).get(f"/policy/supervision/evidence/{evidence.pk}/").status_code == 404, key
    downloads = AuditEvent.objects.filter(action="progress.evidence_download")
    assert downloads.count() == 4 and {e.actor_label for e in downloads} == {
        "officer_a",
        "caseworker",
        "admin",
        "leader",
    }


def test_matrix_for_an_officer(table: PolicyDocument, personas: dict[str, User], login: Any, media: Path) -> None:
    make_report(personas, table, 5, "县卫健局", "officer_b")
    page = login("officer_a").get("/policy/supervision/").content.decode()
    assert "县卫健局" in page and "县教育局" in page and "各乡镇（街道）" in page
    assert "县卫计局" not in page.split('data-testid="matrix"')[1]
    # officer_a may report for 县教育局's tasks only; 县卫健局's report is not theirs to open.
    assert report_url(table, 9, "县教育局").replace("?", "") in page.replace("?", "")
    assert f"/policy/supervision/report/{task(table, 5).pk}/{department('县卫健局').pk}/" not in page
    assert "/policy/supervision/reports/" not in page
    assert 'data-testid="export-department"' in page and 'data-testid="export-county"' not in page
    filtered = login("officer_a").get("/policy/supervision/?area=强化教育保障").content.decode()
    assert "9.</strong>" in filtered and "5.</strong>" not in filtered


def test_matrix_for_a_township_supervisor(table: PolicyDocument, login: Any) -> None:
    page = login("supervisor_a").get(f"/policy/supervision/?township={TOWNSHIP_B}").content.decode()
    matrix = page.split('data-testid="matrix"')[1]
    assert "桓仁镇" in matrix and "普乐堡镇" not in matrix and "县民政局" not in matrix
    assert "25.</strong>" in matrix and "9.</strong>" not in matrix


def test_matrix_for_county_roles(
    table: PolicyDocument, personas: dict[str, User], login: Any, media: Path, django_assert_max_num_queries: Any
) -> None:
    report = make_report(personas, table)
    client = login("caseworker")
    with django_assert_max_num_queries(40):
        page = client.get("/policy/supervision/").content.decode()
    assert f"/policy/supervision/reports/{report.pk}/" in page
    assert "已报 0/13" in page and 'data-testid="export-county"' in page
    township_view = client.get(f"/policy/supervision/?township={TOWNSHIP_A}").content.decode()
    assert "桓仁镇" in township_view.split('data-testid="matrix"')[1]
    assert "设置任务的报告周期" not in page
    assert "设置任务的报告周期" in login("admin").get("/policy/supervision/").content.decode()
    past = client.get("/policy/supervision/?period=2026Q3").content.decode()
    assert "逾期未报" in past and "2026年第三季度" in past


def test_admin_sets_the_frequency(table: PolicyDocument, login: Any) -> None:
    t = task(table, 9)
    response = login("admin").post("/policy/supervision/frequency/", {"task": t.pk, "frequency": "half_yearly"})
    assert response.status_code == 302
    t.refresh_from_db()
    assert t.report_frequency == "half_yearly"
    assert AuditEvent.objects.filter(action="policy.task_frequency", object_id=str(t.pk)).exists()
    assert (
        login("caseworker").post("/policy/supervision/frequency/", {"task": t.pk, "frequency": "yearly"}).status_code
        == 403
    )
    form = login("officer_a").get(report_url(table, 9, "县教育局")).content.decode()
    assert "上半年" in form or "下半年" in form


def test_my_obligations_page(table: PolicyDocument, personas: dict[str, User], login: Any, media: Path) -> None:
    make_report(personas, table)
    page = login("officer_a").get("/policy/supervision/mine/").content.decode()
    assert "本单位待报告事项" in page and "县教育局" in page and "待审核" in page and "截止日期" in page
    township = login("supervisor_b").get("/policy/supervision/mine/").content.decode()
    assert "普乐堡镇" in township and "25.</strong>" in township
    assert login("leader").get("/policy/supervision/mine/").status_code == 403


def test_home_panels(table: PolicyDocument, personas: dict[str, User], login: Any, media: Path) -> None:
    report = make_report(personas, table)
    officer = login("officer_a").get("/").content.decode()
    assert "待报告" in officer and "逾期" in officer
    assert "待审核 1 份" in login("caseworker").get("/").content.decode()
    progress_report_review(actor=personas["admin"], report=report, decision="accept")
    leader = login("leader").get("/").content.decode()
    assert "已到期报告落实率" in leader and "尚未到期，已报告 1/" in leader
    assert "待报告" in login("supervisor_a").get("/").content.decode()


def test_pages_without_a_table(db: None, login: Any) -> None:
    assert "还没有导入任务分工表" in login("caseworker").get("/policy/supervision/").content.decode()
    assert "还没有导入任务分工表" in login("officer_a").get("/policy/supervision/mine/").content.decode()


def test_an_older_returned_report_can_be_resubmitted(
    table: PolicyDocument, personas: dict[str, User], login: Any, media: Path
) -> None:
    t = task(table, 9)
    report = progress_report_submit(
        actor=personas["officer_a"],
        task=t,
        department=department("县教育局"),
        period="2025Q1",
        status="in_progress",
        narrative="旧报告",
    )
    progress_report_review(actor=personas["caseworker"], report=report, decision="return", comment="补充")
    url = report_url(table, 9, "县教育局") + "?period=2025Q1"
    assert "2025年第一季度" in login("officer_a").get(url).content.decode()
    response = login("officer_a").post(url, {"period": "2025Q1", "status": "done", "narrative": "已补充"})
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.review_state == ReviewState.SUBMITTED and report.narrative == "已补充"


def test_review_queue_queries_do_not_grow(
    table: PolicyDocument, personas: dict[str, User], login: Any, media: Path, django_assert_max_num_queries: Any
) -> None:
    for number in (9, 10, 11, 12):
        make_report(personas, table, number)
    make_report(personas, table, 5, "县卫健局", "officer_b")
    make_report(personas, table, 25, "各乡镇（街道）", "supervisor_a", TOWNSHIP_A)
    client = login("caseworker")
    with django_assert_max_num_queries(12):
        page = client.get("/policy/supervision/queue/").content.decode()
    assert page.count("/policy/supervision/reports/") == 6 and "桓仁镇" in page
