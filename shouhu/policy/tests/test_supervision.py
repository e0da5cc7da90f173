"""Supervision on the real table: obligations, reporting, evidence checks, review."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from shouhu.accounts.models import User
from shouhu.accounts.personas import TOWNSHIP_A, TOWNSHIP_B
from shouhu.core.models import AuditEvent, Notification
from shouhu.policy.models import EvidenceFile, PolicyDocument, ProgressReport, ReportFrequency, ReviewState
from shouhu.policy.supervision.evidence import MAX_EVIDENCE_BYTES
from shouhu.policy.supervision.periods import current_period, parse_period
from shouhu.policy.supervision.selectors import (
    ObligationState,
    my_obligations,
    obligations_for_period,
    unit_answers_for,
)
from shouhu.policy.supervision.services import progress_report_review, progress_report_submit, task_set_report_frequency
from shouhu.regions.models import Region

from .supervision_factories import EXE_BYTES, create_table, department, docx_bytes, pdf, task, upload

D = datetime.date


@pytest.fixture
def table(db: None) -> PolicyDocument:
    return create_table()


@pytest.fixture
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def files_in(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def submit(
    actor: User, table: PolicyDocument, number: int, unit: str, township: str | None = None, **kwargs: Any
) -> ProgressReport:
    t = task(table, number)
    values: dict[str, Any] = {
        "period": current_period(t.report_frequency).key,
        "status": "in_progress",
        "narrative": "已召开部署会，正在推进。",
        "files": (),
    }
    values.update(kwargs)
    return progress_report_submit(
        actor=actor,
        task=t,
        department=department(unit),
        township=Region.objects.get(code=township) if township else None,
        **values,
    )


# --- obligations -----------------------------------------------------------------------------


def test_health_bureau_reports_the_tasks_of_the_old_health_and_family_planning_bureau(table: PolicyDocument) -> None:
    items = obligations_for_period(None)
    health = {o.task.number for o in items if o.department.name == "县卫健局"}
    assert {5, 6} <= health
    # 城乡居民医保 (7, 8) passed to 县医保局 in the 2019 reform: it reports them, not 卫健.
    assert health == {5, 6, 16, 21, 22, 23, 26, 28, 31, 33, 39, 40}
    insurance = {o.task.number for o in items if o.department.name == "县医保局"}
    assert insurance == {5, 7, 8}
    assert not [o for o in items if o.department.name == "县卫计局"]


def test_each_township_task_has_one_obligation_per_township(table: PolicyDocument) -> None:
    items = obligations_for_period(None)
    task_25 = [o for o in items if o.task.number == 25]
    assert len(task_25) == 13
    assert {o.township.code for o in task_25 if o.township} >= {TOWNSHIP_A, TOWNSHIP_B}
    assert all(o.department.name == "各乡镇（街道）" for o in task_25)
    # Tasks 1–4: 县民政局 leads, every township cooperates.
    task_1 = [o for o in items if o.task.number == 1]
    assert len(task_1) == 14
    assert [o.department.name for o in task_1 if o.township is None] == ["县民政局"]


def test_merged_units_report_once(table: PolicyDocument) -> None:
    task_34 = [o.unit.label for o in obligations_for_period(None) if o.task.number == 34]
    assert task_34.count("县税务局") == 1
    assert "县国税局" not in task_34 and "县地税局" not in task_34


def test_obligation_states(table: PolicyDocument, personas: dict[str, User]) -> None:
    on = D(2026, 11, 28)
    q3 = parse_period("2026Q3")
    education = department("县教育局")
    before = {o.task.number: o for o in obligations_for_period(q3, on=on, department=education)}
    assert before[9].state == ObligationState.OVERDUE and before[9].overdue
    current = {o.task.number: o for o in obligations_for_period(None, on=on, department=education)}
    assert current[9].state == ObligationState.MISSING and current[9].due == D(2027, 1, 10)
    submit(personas["officer_a"], table, 9, "县教育局", period="2026Q3")
    report = submit(personas["officer_a"], table, 10, "县教育局", period="2026Q3")
    progress_report_review(actor=personas["caseworker"], report=report, decision="return", comment="请补充数据")
    accepted = submit(personas["officer_a"], table, 11, "县教育局", period="2026Q3")
    progress_report_review(actor=personas["caseworker"], report=accepted, decision="accept")
    after = {o.task.number: o for o in obligations_for_period(q3, on=on, department=education)}
    assert after[9].state == ObligationState.SUBMITTED and not after[9].overdue
    assert after[10].state == ObligationState.RETURNED and after[10].overdue  # returned and past due
    assert after[11].state == ObligationState.ACCEPTED
    assert after[9].status == "in_progress"


def test_my_obligations(table: PolicyDocument, personas: dict[str, User]) -> None:
    mine = my_obligations(personas["officer_a"], on=D(2026, 11, 28))
    assert {o.department.name for o in mine.current + mine.previous} == {"县教育局"}
    assert {o.period.key for o in mine.current} == {"2026Q4"}
    assert {o.period.key for o in mine.previous} == {"2026Q3"}
    assert len(mine.overdue) == len(mine.previous) and len(mine.to_report) == len(mine.current)
    township = my_obligations(personas["supervisor_b"], on=D(2026, 11, 28))
    assert {o.township.code for o in township.current if o.township} == {TOWNSHIP_B}
    assert {o.task.number for o in township.current} == {1, 2, 3, 4, 25}
    assert my_obligations(personas["leader"]).current == []


def test_frequency_is_set_per_task_by_admins(table: PolicyDocument, personas: dict[str, User]) -> None:
    t = task(table, 9)
    with pytest.raises(PermissionDenied):
        task_set_report_frequency(actor=personas["officer_a"], task=t, frequency=ReportFrequency.MONTHLY)
    with pytest.raises(ValidationError):
        task_set_report_frequency(actor=personas["admin"], task=t, frequency="weekly")
    task_set_report_frequency(actor=personas["admin"], task=t, frequency=ReportFrequency.MONTHLY)
    t.refresh_from_db()
    assert t.report_frequency == ReportFrequency.MONTHLY
    event = AuditEvent.objects.get(action="policy.task_frequency")
    assert event.detail["from"] == "quarterly" and event.detail["to"] == "monthly"
    items = obligations_for_period(parse_period("2026Q3"), on=D(2026, 11, 28))
    assert {o.period.key for o in items if o.task.number == 9} == {"2026M09"}


# --- reporting -------------------------------------------------------------------------------


def test_only_the_units_own_officers_report(table: PolicyDocument, personas: dict[str, User], media: Path) -> None:
    with pytest.raises(PermissionDenied):
        submit(personas["officer_a"], table, 5, "县卫健局")
    with pytest.raises(PermissionDenied):
        submit(personas["officer_b"], table, 9, "县教育局")  # 县卫健局 is not responsible for task 9 at all
    with pytest.raises(PermissionDenied):
        submit(personas["officer_b"], table, 9, "县卫健局")
    with pytest.raises(PermissionDenied):
        submit(personas["supervisor_b"], table, 25, "各乡镇（街道）", TOWNSHIP_A)
    with pytest.raises(PermissionDenied):
        submit(personas["caseworker"], table, 9, "县教育局")
    assert ProgressReport.objects.count() == 0
    report = submit(personas["supervisor_a"], table, 25, "各乡镇（街道）", TOWNSHIP_A)
    assert (
        report.township is not None
        and report.township.code == TOWNSHIP_A
        and report.review_state == ReviewState.SUBMITTED
    )
    assert submit(personas["officer_b"], table, 5, "县卫健局").department.name == "县卫健局"
    assert unit_answers_for(task(table, 5), department("县卫健局"), None)
    assert not unit_answers_for(task(table, 5), department("县卫计局"), None)


def test_submit_validates_fields_and_period(table: PolicyDocument, personas: dict[str, User], media: Path) -> None:
    officer = personas["officer_a"]
    with pytest.raises(ValidationError) as error:
        submit(officer, table, 9, "县教育局", status="", narrative="  ", period="2026Q9")
    assert set(error.value.message_dict) == {"period", "status", "narrative"}
    with pytest.raises(ValidationError) as error:
        submit(officer, table, 9, "县教育局", period="2026M10")
    assert "每季度" in error.value.message_dict["period"][0]
    future = current_period(ReportFrequency.QUARTERLY).next().key
    with pytest.raises(ValidationError) as error:
        submit(officer, table, 9, "县教育局", period=future)
    assert "尚未开始" in error.value.message_dict["period"][0]
    assert ProgressReport.objects.count() == 0 and not AuditEvent.objects.filter(action__startswith="progress.")


def test_submit_with_evidence(table: PolicyDocument, personas: dict[str, User], media: Path) -> None:
    report = submit(
        personas["officer_a"],
        table,
        9,
        "县教育局",
        files=[
            pdf("学生资助名单.pdf"),
            upload("照片.png", b"\x89PNG\r\n\x1a\n" + b"0" * 10),
            upload("方案.docx", docx_bytes()),
        ],
    )
    evidence = list(report.evidence.order_by("id"))
    assert [e.original_name for e in evidence] == ["学生资助名单.pdf", "照片.png", "方案.docx"]
    assert evidence[0].content_type == "application/pdf" and evidence[0].size > 0
    assert all(Path(e.file.path).is_file() and str(media) in e.file.path for e in evidence)
    event = AuditEvent.objects.get(action="progress.submit")
    assert [e["name"] for e in event.detail["evidence"]] == ["学生资助名单.pdf", "照片.png", "方案.docx"]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("总结.pdf", EXE_BYTES, "文件「总结.pdf」的内容不是PDF"),
        ("setup.exe", EXE_BYTES, "文件「setup.exe」的类型不允许上传"),
        ("照片.jpg", b"\x89PNG\r\n\x1a\n0000", "文件「照片.jpg」的内容不是JPG 图片"),
        ("台账.xlsx", docx_bytes(), "文件「台账.xlsx」的内容不是Excel 表格"),
        ("空.pdf", b"", "文件「空.pdf」是空文件"),
    ],
)
def test_bad_evidence_is_refused_and_nothing_is_written(
    table: PolicyDocument, personas: dict[str, User], media: Path, name: str, content: bytes, message: str
) -> None:
    with pytest.raises(ValidationError) as error:
        submit(personas["officer_a"], table, 9, "县教育局", files=[pdf("好的.pdf"), upload(name, content)])
    assert any(message in m for m in error.value.message_dict["files"])
    assert ProgressReport.objects.count() == 0 and EvidenceFile.objects.count() == 0
    assert files_in(media) == []
    assert not AuditEvent.objects.filter(action__startswith="progress.").exists()


def test_an_11_mb_file_is_refused(table: PolicyDocument, personas: dict[str, User], media: Path) -> None:
    big = upload("大文件.pdf", b"%PDF-1.4\n" + b"0" * (11 * 1024 * 1024))
    assert (big.size or 0) > MAX_EVIDENCE_BYTES
    with pytest.raises(ValidationError) as error:
        submit(personas["officer_a"], table, 9, "县教育局", files=[big])
    assert "文件「大文件.pdf」大小为 11.0 MB，超过每个文件 10 MB 的上限" in error.value.message_dict["files"][0]
    assert ProgressReport.objects.count() == 0 and files_in(media) == []


def test_resubmission_after_return_updates_the_same_report(
    table: PolicyDocument, personas: dict[str, User], media: Path
) -> None:
    officer, caseworker = personas["officer_a"], personas["caseworker"]
    report = submit(officer, table, 9, "县教育局", narrative="第一稿")
    with pytest.raises(ValidationError) as error:
        submit(officer, table, 9, "县教育局", narrative="审核前修改")
    assert "等待审核" in error.value.messages[0]
    with pytest.raises(ValidationError) as error:
        progress_report_review(actor=caseworker, report=report, decision="return", comment="  ")
    assert "必须填写审核意见" in error.value.message_dict["comment"][0]
    progress_report_review(actor=caseworker, report=report, decision="return", comment="请补充受助学生人数")
    report.refresh_from_db()
    assert report.review_state == ReviewState.RETURNED and report.reviewed_by == caseworker
    again = submit(officer, table, 9, "县教育局", narrative="第二稿：受助学生 120 人", status="done", files=[pdf()])
    assert again.pk == report.pk and ProgressReport.objects.count() == 1
    assert (
        again.review_state == ReviewState.SUBMITTED and again.narrative.startswith("第二稿") and again.status == "done"
    )
    actions = list(
        AuditEvent.objects.filter(object_id=str(report.pk), object_type="policy.progressreport")
        .order_by("at", "id")
        .values_list("action", flat=True)
    )
    assert actions == ["progress.submit", "progress.return", "progress.resubmit"]
    resubmit = AuditEvent.objects.get(action="progress.resubmit")
    assert resubmit.detail["previous"]["narrative"] == "第一稿"
    assert resubmit.detail["previous"]["review_comment"] == "请补充受助学生人数"


def test_accepted_is_final(table: PolicyDocument, personas: dict[str, User], media: Path) -> None:
    report = submit(personas["officer_a"], table, 9, "县教育局")
    progress_report_review(actor=personas["admin"], report=report, decision="accept", comment="")
    with pytest.raises(ValidationError) as error:
        submit(personas["officer_a"], table, 9, "县教育局", narrative="改一下")
    assert "已通过审核，不能再修改" in error.value.messages[0]
    with pytest.raises(ValidationError):
        progress_report_review(actor=personas["caseworker"], report=report, decision="return", comment="再看看")
    report.refresh_from_db()
    assert report.review_state == ReviewState.ACCEPTED and report.narrative == "已召开部署会，正在推进。"


def test_only_reviewers_review(table: PolicyDocument, personas: dict[str, User], media: Path) -> None:
    report = submit(personas["officer_a"], table, 9, "县教育局")
    for key in ("officer_a", "leader", "supervisor_a"):
        with pytest.raises(PermissionDenied):
            progress_report_review(actor=personas[key], report=report, decision="accept")
    with pytest.raises(ValidationError):
        progress_report_review(actor=personas["admin"], report=report, decision="maybe")


def test_notifications_are_sent_after_commit(
    table: PolicyDocument, personas: dict[str, User], media: Path, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        submit(personas["officer_a"], table, 9, "县教育局")
    assert callbacks and Notification.objects.count() == 0  # nothing before commit
    with django_capture_on_commit_callbacks(execute=True):
        report = submit(personas["officer_a"], table, 10, "县教育局")
    to_reviewers = Notification.objects.filter(kind="supervision.submitted")
    assert {n.recipient.username for n in to_reviewers} == {"admin", "caseworker"}
    assert to_reviewers[0].link == f"/policy/supervision/reports/{report.pk}/"
    with django_capture_on_commit_callbacks(execute=True):
        progress_report_review(actor=personas["caseworker"], report=report, decision="return", comment="数据不全")
    returned = Notification.objects.get(kind="supervision.return")
    assert returned.recipient == personas["officer_a"] and "数据不全" in returned.body
    with django_capture_on_commit_callbacks(execute=True):
        township_report = submit(personas["supervisor_a"], table, 25, "各乡镇（街道）", TOWNSHIP_A)
        progress_report_review(actor=personas["admin"], report=township_report, decision="accept")
    accepted = Notification.objects.get(kind="supervision.accept")
    assert accepted.recipient == personas["supervisor_a"]
