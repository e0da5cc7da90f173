"""Supervision (督办) services: the only writers of supervision data.

`task_set_report_frequency`, `progress_report_submit`, `progress_report_review`,
`evidence_open` (a download is audited) and the two workbook exports. Each validates first,
writes its audit row in the same transaction and sends notifications only after commit.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import IO, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import File
from django.db import IntegrityError, transaction
from django.utils import timezone

from shouhu.access import Capability, can_open_report, reports_for_unit, require
from shouhu.accounts.models import Department, User
from shouhu.core.audit import record
from shouhu.core.dates import today
from shouhu.core.notifications import notify
from shouhu.core.uploads import original_name, stored_name
from shouhu.regions.models import Region
from shouhu.web.caching import POLICY, bump

from ..models import (
    EvidenceFile,
    PolicyTask,
    ProgressReport,
    ProgressStatus,
    ReportFrequency,
    ReviewState,
)
from .evidence import check_evidence_files
from .periods import Period, parse_period
from .reports import DEPARTMENT_REPORT_PERIODS, obligation_row, sorted_obligations, summary_notes, workbook_bytes
from .selectors import obligations_for_period, obligations_recent, reviewers, unit_answers_for, unit_reporters


def _unit_label(department: Department, township: Region | None) -> str:
    return township.name if township is not None else department.name


def report_path(report: ProgressReport) -> str:
    return f"/policy/supervision/reports/{report.pk}/"


@transaction.atomic
def task_set_report_frequency(*, actor: User, task: PolicyTask, frequency: str) -> PolicyTask:
    require(actor, Capability.MANAGE_POLICY)
    if frequency not in ReportFrequency.values:
        raise ValidationError({"frequency": f"报告周期「{frequency}」无效"})
    previous = task.report_frequency
    if previous == frequency:
        return task
    PolicyTask.objects.filter(pk=task.pk).update(report_frequency=frequency)
    task.report_frequency = frequency
    bump(POLICY)  # the kept tasks carry their reporting frequency
    record(
        actor=actor,
        action="policy.task_frequency",
        target=task,
        summary=f"任务 {task.number} 报告周期：{ReportFrequency(previous).label} → {ReportFrequency(frequency).label}",
        detail={"task": task.number, "document": task.document_id, "from": previous, "to": frequency},
    )
    return task


def _check_obligation(actor: User, task: PolicyTask, department: Department, township: Region | None) -> None:
    """The actor must report for this unit, and the unit must answer for the task today."""
    if not reports_for_unit(actor, department, township) or not unit_answers_for(task, department, township):
        raise PermissionDenied("您不能为该单位报告此任务的进展")


def _save_evidence(report: ProgressReport, actor: User, checked: list[tuple[Any, str, str]]) -> list[EvidenceFile]:
    saved: list[EvidenceFile] = []
    try:
        for upload, extension, content_type in checked:
            evidence = EvidenceFile(
                report=report,
                original_name=original_name(upload),
                content_type=content_type,
                size=int(upload.size),
                uploaded_by=actor,
            )
            upload.seek(0)
            evidence.file.save(stored_name(extension), File(upload), save=False)
            evidence.save()
            saved.append(evidence)
    except Exception:
        for evidence in saved:
            evidence.file.delete(save=False)
        raise
    return saved


@transaction.atomic
def progress_report_submit(
    *,
    actor: User,
    task: PolicyTask,
    department: Department,
    township: Region | None = None,
    period: str,
    status: str,
    narrative: str,
    files: Sequence[Any] = (),
) -> ProgressReport:
    """Submit (or, after it was returned, resubmit) a unit's report on a task for a period."""
    require(actor, Capability.REPORT_PROGRESS)
    _check_obligation(actor, task, department, township)
    errors: dict[str, list[str]] = {}
    try:
        parsed = parse_period(period)
    except ValidationError as e:
        errors["period"] = e.messages
    else:
        if parsed.frequency != task.report_frequency:
            errors["period"] = [
                f"任务 {task.number} 按{ReportFrequency(task.report_frequency).label}报告，报告期「{period}」不符"
            ]
        elif parsed.start > today():
            errors["period"] = [f"报告期「{parsed.label}」尚未开始"]
    if status not in ProgressStatus.values:
        errors["status"] = ["请选择进展状态"]
    narrative = (narrative or "").strip()
    if not narrative:
        errors["narrative"] = ["请填写进展情况"]
    try:
        checked = check_evidence_files(list(files))
    except ValidationError as e:
        errors.update(e.message_dict)
        checked = []
    if errors:
        raise ValidationError(errors)
    key = parsed.key
    unit = _unit_label(department, township)
    existing = (
        ProgressReport.objects.select_for_update()
        .filter(task=task, department=department, township=township, period=key)
        .first()
    )
    now = timezone.now()
    if existing is None:
        report = ProgressReport(
            task=task,
            department=department,
            township=township,
            period=key,
            status=status,
            narrative=narrative,
            review_state=ReviewState.SUBMITTED,
            submitted_by=actor,
            submitted_at=now,
        )
        try:
            with transaction.atomic():
                report.save()
        except IntegrityError:
            raise ValidationError("该报告期的报告刚刚由他人提交，请刷新页面查看") from None
        action, previous = "progress.submit", None
    else:
        if existing.review_state == ReviewState.ACCEPTED:
            raise ValidationError(f"{unit} {parsed.label} 的报告已通过审核，不能再修改")
        if existing.review_state == ReviewState.SUBMITTED:
            raise ValidationError(f"{unit} {parsed.label} 的报告已提交、正在等待审核；如需修改，请联系审核人退回")
        previous = {
            "status": existing.status,
            "narrative": existing.narrative,
            "review_comment": existing.review_comment,
            "submitted_by": existing.submitted_by_id,
            "submitted_at": existing.submitted_at.isoformat(),
            "reviewed_by": existing.reviewed_by_id,
            "reviewed_at": existing.reviewed_at.isoformat() if existing.reviewed_at else None,
        }
        updated = ProgressReport.objects.filter(pk=existing.pk, review_state=ReviewState.RETURNED).update(
            status=status,
            narrative=narrative,
            review_state=ReviewState.SUBMITTED,
            submitted_by=actor,
            submitted_at=now,
            updated_at=now,
        )
        if not updated:
            raise ValidationError("该报告刚刚被他人修改，请刷新页面后再试")
        existing.refresh_from_db()
        report, action = existing, "progress.resubmit"
    evidence = _save_evidence(report, actor, checked)
    record(
        actor=actor,
        action=action,
        target=report,
        summary=f"{'重新提交' if previous else '提交'}进展报告：任务 {task.number} · {unit} · {parsed.label}",
        detail={
            "task": task.number,
            "department": department.name,
            "township": township.code if township else None,
            "period": key,
            "status": status,
            "narrative": narrative,
            "evidence": [{"id": e.pk, "name": e.original_name, "size": e.size} for e in evidence],
            "previous": previous,
        },
    )
    title = f"{unit}{'重新' if previous else ''}提交了任务 {task.number} 的{parsed.label}进展报告"
    link = report_path(report)
    transaction.on_commit(
        lambda: notify(
            recipients=list(reviewers()),
            title=title,
            body=f"状态：{ProgressStatus(status).label}。请审核。",
            link=link,
            kind="supervision.submitted",
        )
    )
    return report


REVIEW_DECISIONS = ("accept", "return")


@transaction.atomic
def progress_report_review(*, actor: User, report: ProgressReport, decision: str, comment: str = "") -> ProgressReport:
    require(actor, Capability.REVIEW_PROGRESS)
    comment = (comment or "").strip()
    if decision not in REVIEW_DECISIONS:
        raise ValidationError({"decision": "请选择“通过”或“退回”"})
    if decision == "return" and not comment:
        raise ValidationError({"comment": "退回报告时必须填写审核意见，说明需要补充或修改的内容"})
    new_state = ReviewState.ACCEPTED if decision == "accept" else ReviewState.RETURNED
    now = timezone.now()
    updated = ProgressReport.objects.filter(pk=report.pk, review_state=ReviewState.SUBMITTED).update(
        review_state=new_state,
        review_comment=comment,
        reviewed_by=actor,
        reviewed_at=now,
        updated_at=now,
    )
    if not updated:
        raise ValidationError("该报告已被他人审核或已撤回修改，请刷新页面后再试")
    report.refresh_from_db()
    period = parse_period(report.period)
    unit = _unit_label(report.department, report.township)
    verb = "通过" if decision == "accept" else "退回"
    record(
        actor=actor,
        action="progress.accept" if decision == "accept" else "progress.return",
        target=report,
        summary=f"审核{verb}进展报告：任务 {report.task.number} · {unit} · {period.label}",
        detail={
            "task": report.task.number,
            "department": report.department.name,
            "township": report.township.code if report.township else None,
            "period": report.period,
            "decision": decision,
            "comment": comment,
        },
    )
    recipients = list(unit_reporters(report.department, report.township))
    title = f"任务 {report.task.number} 的{period.label}进展报告已{verb}"
    body = f"审核意见：{comment}" if comment else ""
    link = report_path(report)
    transaction.on_commit(
        lambda: notify(
            recipients=recipients,
            title=title,
            body=body,
            link=link,
            kind=f"supervision.{decision}",
        )
    )
    return report


@transaction.atomic
def evidence_open(*, actor: User, evidence: EvidenceFile) -> IO[bytes]:
    """Open an evidence file for download, recording who fetched it."""
    if not can_open_report(actor, evidence.report):
        raise PermissionDenied("您不能查看该佐证材料")
    handle = evidence.file.open("rb")
    record(
        actor=actor,
        action="progress.evidence_download",
        target=evidence,
        summary=f"下载佐证材料「{evidence.original_name}」（报告 {evidence.report_id}）",
        detail={"report": evidence.report_id, "name": evidence.original_name, "size": evidence.size},
    )
    return handle


# --- audited workbook exports ------------------------------------------------------------------


@transaction.atomic
def department_report_xlsx(
    *, actor: User, department: Department, periods: int = DEPARTMENT_REPORT_PERIODS, on: datetime.date | None = None
) -> tuple[bytes, str]:
    """One department's obligations and reports over its tasks' last `periods` periods."""
    on = on or today()
    items = sorted_obligations(obligations_recent(periods, on=on, department=department))
    title = f"{department.name}任务落实督办情况（最近 {periods} 个报告期）"
    data = workbook_bytes(
        title,
        [obligation_row(o) for o in items],
        [
            ("单位", department.official_name),
            ("报告期数", str(periods)),
            ("统计日期", on.isoformat()),
            ("导出人", actor.display_name),
            *summary_notes(items),
        ],
    )
    record(
        actor=actor,
        action="supervision.export_department",
        target=department,
        summary=f"导出 {department.name} 督办报表（最近 {periods} 期，{len(items)} 行）",
        detail={"department": department.name, "periods": periods, "rows": len(items), "on": on.isoformat()},
    )
    return data, f"督办报表_{department.name}_{on:%Y%m%d}.xlsx"


@transaction.atomic
def county_report_xlsx(
    *, actor: User, chosen: Period | None = None, on: datetime.date | None = None
) -> tuple[bytes, str]:
    """All units' obligations for a period (None: each task's current period)."""
    on = on or today()
    items = sorted_obligations(obligations_for_period(chosen, on=on))
    label = chosen.label if chosen else "本期"
    title = f"全县困境儿童保障重点任务督办情况（{label}）"
    data = workbook_bytes(
        title,
        [obligation_row(o) for o in items],
        [
            ("报告期", label),
            ("统计日期", on.isoformat()),
            ("导出人", actor.display_name),
            *summary_notes(items),
        ],
    )
    record(
        actor=actor,
        action="supervision.export_county",
        object_type="policy.supervision",
        object_id=chosen.key if chosen else "current",
        summary=f"导出全县督办报表（{label}，{len(items)} 行）",
        detail={"period": chosen.key if chosen else None, "rows": len(items), "on": on.isoformat()},
    )
    return data, f"督办报表_全县_{chosen.key if chosen else on.strftime('%Y%m%d')}.xlsx"
