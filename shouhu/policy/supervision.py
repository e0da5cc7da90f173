"""Supervision (督办): reporting periods, progress reports with evidence, and their review.

Periods
    Every task reports once per period of its `report_frequency`. A period has a key —
    ``2026M03`` (month, zero-padded so keys sort), ``2026Q4``, ``2026H2``, ``2026`` — start and
    end dates, and a due date ``SUPERVISION_REPORT_DUE_DAYS`` days after its end.

Services (the only writers of supervision data)
    `task_set_report_frequency`, `progress_report_submit`, `progress_report_review`,
    `evidence_open`. Each validates first, writes its audit row in the same transaction and
    sends notifications only after commit.
"""

from __future__ import annotations

import calendar
import datetime
import io
import re
import uuid
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import File
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from shouhu.access import Capability, can, require
from shouhu.accounts.models import Department, Role, User
from shouhu.core.audit import record
from shouhu.core.dates import today
from shouhu.core.notifications import notify
from shouhu.regions.models import Region
from shouhu.web.caching import POLICY, bump

from .models import (
    EvidenceFile,
    PolicyTask,
    ProgressReport,
    ProgressStatus,
    ReportFrequency,
    ReviewState,
)

# ---------------------------------------------------------------------------------------------
# Periods
# ---------------------------------------------------------------------------------------------

DEFAULT_REPORT_DUE_DAYS = 10  # used when settings.SUPERVISION_REPORT_DUE_DAYS is not set
DUE_SOON_DAYS = 3  # the "due soon" reminder goes out this many days before the due date

_KEY_RE = re.compile(r"^(?P<year>\d{4})(?:(?P<kind>[MQH])(?P<index>\d{1,2}))?$")
_FREQUENCY_BY_KIND = {
    "M": ReportFrequency.MONTHLY,
    "Q": ReportFrequency.QUARTERLY,
    "H": ReportFrequency.HALF_YEARLY,
    None: ReportFrequency.YEARLY,
}
_MONTHS_PER_PERIOD = {
    ReportFrequency.MONTHLY: 1,
    ReportFrequency.QUARTERLY: 3,
    ReportFrequency.HALF_YEARLY: 6,
    ReportFrequency.YEARLY: 12,
}
_QUARTER_NAMES = {1: "一", 2: "二", 3: "三", 4: "四"}


def report_due_days() -> int:
    """Days after a period's end by which its report is due (setting SUPERVISION_REPORT_DUE_DAYS)."""
    return int(getattr(settings, "SUPERVISION_REPORT_DUE_DAYS", DEFAULT_REPORT_DUE_DAYS))


@dataclass(frozen=True, order=True)
class Period:
    """One reporting period. Ordered by start date."""

    start: datetime.date
    frequency: str
    index: int  # month 1–12, quarter 1–4, half 1–2, 1 for a year

    @property
    def year(self) -> int:
        return self.start.year

    @property
    def key(self) -> str:
        if self.frequency == ReportFrequency.MONTHLY:
            return f"{self.year}M{self.index:02d}"
        if self.frequency == ReportFrequency.QUARTERLY:
            return f"{self.year}Q{self.index}"
        if self.frequency == ReportFrequency.HALF_YEARLY:
            return f"{self.year}H{self.index}"
        return f"{self.year}"

    @property
    def end(self) -> datetime.date:
        months = _MONTHS_PER_PERIOD[ReportFrequency(self.frequency)]
        last_month = self.start.month + months - 1
        return datetime.date(self.year, last_month, calendar.monthrange(self.year, last_month)[1])

    @property
    def due(self) -> datetime.date:
        return self.end + datetime.timedelta(days=report_due_days())

    @property
    def label(self) -> str:
        if self.frequency == ReportFrequency.MONTHLY:
            return f"{self.year}年{self.index}月"
        if self.frequency == ReportFrequency.QUARTERLY:
            return f"{self.year}年第{_QUARTER_NAMES[self.index]}季度"
        if self.frequency == ReportFrequency.HALF_YEARLY:
            return f"{self.year}年{'上' if self.index == 1 else '下'}半年"
        return f"{self.year}年度"

    def contains(self, day: datetime.date) -> bool:
        return self.start <= day <= self.end

    def previous(self) -> Period:
        return period_for(self.start - datetime.timedelta(days=1), self.frequency)

    def next(self) -> Period:
        return period_for(self.end + datetime.timedelta(days=1), self.frequency)

    def __str__(self) -> str:
        return self.key


def period_for(day: datetime.date, frequency: str = ReportFrequency.QUARTERLY) -> Period:
    """The period of `frequency` that contains `day`."""
    months = _MONTHS_PER_PERIOD[ReportFrequency(frequency)]
    index = (day.month - 1) // months + 1
    return Period(start=datetime.date(day.year, (index - 1) * months + 1, 1), frequency=frequency, index=index)


def period_key(day: datetime.date, frequency: str = ReportFrequency.QUARTERLY) -> str:
    return period_for(day, frequency).key


def parse_period(key: str) -> Period:
    """`2026Q4` → Period. Accepts `2026M3` as well as `2026M03`; raises ValidationError in Chinese."""
    match = _KEY_RE.match((key or "").strip().upper())
    if not match:
        raise ValidationError(f"报告期「{key}」格式不正确，应为 2026Q4、2026M11、2026H2 或 2026")
    year = int(match["year"])
    frequency = _FREQUENCY_BY_KIND[match["kind"]]
    index = int(match["index"] or 1)
    count = 12 // _MONTHS_PER_PERIOD[frequency]
    if not 1 <= index <= count or not 1900 < year < 2200:
        raise ValidationError(f"报告期「{key}」不存在")
    months = _MONTHS_PER_PERIOD[frequency]
    return Period(start=datetime.date(year, (index - 1) * months + 1, 1), frequency=frequency, index=index)


def period_bounds(key: str) -> tuple[datetime.date, datetime.date]:
    period = parse_period(key)
    return period.start, period.end


def due_date(key: str) -> datetime.date:
    return parse_period(key).due


def current_period(frequency: str = ReportFrequency.QUARTERLY, on: datetime.date | None = None) -> Period:
    return period_for(on or today(), frequency)


def previous_period(frequency: str = ReportFrequency.QUARTERLY, on: datetime.date | None = None) -> Period:
    return current_period(frequency, on).previous()


def recent_periods(frequency: str, count: int, on: datetime.date | None = None) -> list[Period]:
    """The current period and the `count - 1` before it, newest first."""
    periods = [current_period(frequency, on)]
    while len(periods) < count:
        periods.append(periods[-1].previous())
    return periods


def period_for_task(task: PolicyTask, chosen: Period | None, on: datetime.date | None = None) -> Period:
    """The task's own period that answers for the `chosen` one (of any frequency): the period
    containing today when the chosen period contains today, otherwise the one containing the
    chosen period's last day. `None` means the current period."""
    on = on or today()
    if chosen is None:
        return period_for(on, task.report_frequency)
    reference = min(max(on, chosen.start), chosen.end)
    return period_for(reference, task.report_frequency)


# ---------------------------------------------------------------------------------------------
# Evidence files
# ---------------------------------------------------------------------------------------------

MAX_EVIDENCE_BYTES = 10 * 1024 * 1024
MAX_EVIDENCE_FILES_PER_SUBMISSION = 10
ALLOWED_EVIDENCE_EXTENSIONS = ("pdf", "jpg", "jpeg", "png", "doc", "docx", "xls", "xlsx")
EVIDENCE_CONTENT_TYPES = {
    "pdf": "application/pdf",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "doc": "application/msword",
    "xls": "application/vnd.ms-excel",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_MAGIC = {
    "pdf": (b"%PDF-",),
    "jpg": (b"\xff\xd8\xff",),
    "jpeg": (b"\xff\xd8\xff",),
    "png": (b"\x89PNG\r\n\x1a\n",),
    "doc": (_OLE2,),
    "xls": (_OLE2,),
    "docx": (b"PK\x03\x04",),
    "xlsx": (b"PK\x03\x04",),
}
_OOXML_PART = {"docx": "word/", "xlsx": "xl/"}
_TYPE_LABEL = {
    "pdf": "PDF",
    "jpg": "JPG 图片",
    "jpeg": "JPG 图片",
    "png": "PNG 图片",
    "doc": "Word 文档",
    "docx": "Word 文档",
    "xls": "Excel 表格",
    "xlsx": "Excel 表格",
}


def _extension(name: str) -> str:
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""


def _read_all(upload: Any) -> bytes:
    upload.seek(0)
    data: bytes = upload.read()
    upload.seek(0)
    return data


def check_evidence_file(upload: Any) -> tuple[str, str]:
    """Validate one upload by extension, size and magic bytes; returns (extension, content type).
    Raises ValidationError naming the file."""
    name = str(getattr(upload, "name", "") or "")
    display = name.rsplit("/", 1)[-1] or "（无名文件）"
    extension = _extension(display)
    if extension not in ALLOWED_EVIDENCE_EXTENSIONS:
        raise ValidationError(
            f"文件「{display}」的类型不允许上传：佐证材料只接受 PDF、JPG、PNG、Word（doc/docx）和 Excel（xls/xlsx）文件"
        )
    size = int(getattr(upload, "size", 0) or 0)
    if size > MAX_EVIDENCE_BYTES:
        raise ValidationError(
            f"文件「{display}」大小为 {size / 1024 / 1024:.1f} MB，"
            f"超过每个文件 {MAX_EVIDENCE_BYTES // 1024 // 1024} MB 的上限"
        )
    if size == 0:
        raise ValidationError(f"文件「{display}」是空文件")
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    if not any(head.startswith(magic) for magic in _MAGIC[extension]):
        raise ValidationError(
            f"文件「{display}」的内容不是{_TYPE_LABEL[extension]}（扩展名与文件内容不符），已拒绝上传"
        )
    if extension in _OOXML_PART:
        try:
            with zipfile.ZipFile(io.BytesIO(_read_all(upload))) as archive:
                names = archive.namelist()
        except zipfile.BadZipFile:
            names = []
        if not any(n.startswith(_OOXML_PART[extension]) for n in names):
            raise ValidationError(
                f"文件「{display}」的内容不是{_TYPE_LABEL[extension]}（扩展名与文件内容不符），已拒绝上传"
            )
    return extension, EVIDENCE_CONTENT_TYPES[extension]


def check_evidence_files(files: Sequence[Any]) -> list[tuple[Any, str, str]]:
    if len(files) > MAX_EVIDENCE_FILES_PER_SUBMISSION:
        raise ValidationError(f"一次最多上传 {MAX_EVIDENCE_FILES_PER_SUBMISSION} 个佐证材料")
    errors, checked = [], []
    for upload in files:
        try:
            extension, content_type = check_evidence_file(upload)
        except ValidationError as e:
            errors.extend(e.messages)
        else:
            checked.append((upload, extension, content_type))
    if errors:
        raise ValidationError({"files": errors})
    return checked


# ---------------------------------------------------------------------------------------------
# Who reports, who reviews, who gets told
# ---------------------------------------------------------------------------------------------

REVIEWER_ROLES = (Role.COUNTY_ADMIN, Role.CASEWORKER)


def reviewers() -> QuerySet[User]:
    return User.objects.filter(is_active=True, role__in=REVIEWER_ROLES).order_by("id")


def unit_reporters(department: Department, township: Region | None = None) -> QuerySet[User]:
    """Active users who report for a unit: its officers, or a township's supervisors."""
    if township is not None:
        return User.objects.filter(is_active=True, role=Role.TOWNSHIP_SUPERVISOR, region=township).order_by("id")
    return User.objects.filter(is_active=True, role=Role.DEPARTMENT_OFFICER, department=department).order_by("id")


def reports_for_unit(user: User, department: Department, township: Region | None) -> bool:
    """Whether `user` is one of the people who report for this unit (township) at all."""
    if not can(user, Capability.REPORT_PROGRESS):
        return False
    if township is not None:
        return user.role == Role.TOWNSHIP_SUPERVISOR and user.region_id == township.pk
    return user.role == Role.DEPARTMENT_OFFICER and user.department_id == department.pk


def _unit_label(department: Department, township: Region | None) -> str:
    return township.name if township is not None else department.name


def report_path(report: ProgressReport) -> str:
    return f"/policy/supervision/reports/{report.pk}/"


# ---------------------------------------------------------------------------------------------
# Services
# ---------------------------------------------------------------------------------------------


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
    from .supervision_selectors import unit_answers_for

    if not reports_for_unit(actor, department, township) or not unit_answers_for(task, department, township):
        raise PermissionDenied("您不能为该单位报告此任务的进展")


def _save_evidence(report: ProgressReport, actor: User, checked: list[tuple[Any, str, str]]) -> list[EvidenceFile]:
    saved: list[EvidenceFile] = []
    try:
        for upload, extension, content_type in checked:
            evidence = EvidenceFile(
                report=report,
                original_name=str(upload.name).rsplit("/", 1)[-1][:255],
                content_type=content_type,
                size=int(upload.size),
                uploaded_by=actor,
            )
            upload.seek(0)
            # A generated name: original names (Chinese, spaces, odd characters) stay in original_name.
            evidence.file.save(f"{uuid.uuid4().hex}.{extension}", File(upload), save=False)
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


def can_open_report(user: User, report: ProgressReport) -> bool:
    """The reporting unit's own people, reviewers and the county leader."""
    if can(user, Capability.REVIEW_PROGRESS) or user.role == Role.LEADER:
        return can(user, Capability.VIEW_SUPERVISION)
    return reports_for_unit(user, report.department, report.township)


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
