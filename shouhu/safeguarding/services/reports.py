"""Filing a mandatory report, which opens its safety case in the same transaction, and a
reporter's supplement to it, each with checked attachments (`attachments`). A report is never
withdrawn: there is no service for it."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from shouhu.access import Capability, can, safety_reports_filed_by
from shouhu.accounts.models import Role, User
from shouhu.core import audit
from shouhu.core.input_text import person_name_problem, text_problem
from shouhu.regions.models import Level, Region
from shouhu.registry.identity import id_number_errors, normalise_id_number
from shouhu.registry.models import Child
from shouhu.registry.services import find_by_id_number

from ..clocks import hours_in_force, next_level_at, parameter_for
from ..models import (
    FILED_KINDS,
    FILED_SOURCES,
    ClockStep,
    ReportKind,
    ReportSource,
    ReportSupplement,
    SafetyCase,
    SafetyCaseEvent,
    SafetyCaseUnit,
    SafetyClock,
    SafetyReport,
)
from ..notify import notify_new_case, notify_supplement
from ..routing import FALLBACK_UNIT as CIVIL_AFFAIRS_UNIT
from ..routing import CaseRoute, route_case
from .attachments import attach_files, attachment_problems

MAX_DESCRIPTION = 4000
MAX_AGE = 17
# A reporter's device clock may run a little ahead of the server's.
FUTURE_SKEW = datetime.timedelta(minutes=10)
# The fields of a report, by the names the API gives them (the form maps its own onto these).
FIELD_LABELS = {
    "child.id_number": "身份证号",
    "child.name": "儿童姓名",
    "child.approx_age": "大约年龄",
    "child.region_code": "所在村（社区）",
    "child.location": "具体位置",
    "kind": "发现的情况",
    "observed_at": "发现时间",
    "urgent": "是否紧急",
    "description": "情况描述",
    "source": "来源",
    "caller": "来电人及联系方式",
    "attachments": "附件",
}


@dataclass(frozen=True)
class ReportInput:
    child_name: str
    region_code: str
    kind: str
    observed_at: datetime.datetime | None
    description: str
    id_number: str = ""
    approx_age: int | None = None
    location: str = ""
    urgent: bool = False
    source: str = ReportSource.REPORTER
    caller: str = ""


def _problems(data: ReportInput, actor: User, now: datetime.datetime) -> dict[str, list[str]]:
    problems: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        problems.setdefault(field, []).append(f"「{FIELD_LABELS[field]}」{message}")

    for field, value in (
        ("child.name", data.child_name),
        ("child.location", data.location),
        ("description", data.description),
        ("caller", data.caller),
        ("child.id_number", data.id_number),
    ):
        problem = text_problem(value) or (person_name_problem(value) if field == "child.name" else None)
        if problem:
            add(field, problem)
    id_errors = id_number_errors(data.id_number) if data.id_number else []
    if id_errors:
        # The registry's messages name the number itself (身份证号 … 校验码错误).
        problems.setdefault("child.id_number", []).extend(id_errors)
    if not data.child_name.strip() and not data.id_number:
        add("child.name", "不能为空：请填写儿童姓名（不知道姓名的，写“不详”并填写大约年龄和位置），或填写身份证号")
    if len(data.child_name.strip()) > 50:
        add("child.name", "最多 50 个字")
    if not data.id_number and data.approx_age is None:
        add("child.approx_age", "不能为空：没有身份证号时请填写儿童的大约年龄")
    if data.approx_age is not None and not 0 <= data.approx_age <= MAX_AGE:
        add("child.approx_age", f"应为 0 到 {MAX_AGE} 之间的整数")
    if len(data.location) > 200:
        add("child.location", "最多 200 个字")
    if data.kind not in FILED_KINDS:
        add(
            "kind",
            "取值无效，应为：" + "、".join(f"{v}（{label}）" for v, label in ReportKind.choices if v in FILED_KINDS),
        )
    if data.observed_at is None:
        add("observed_at", "不能为空，应为日期时间，如 2026-05-12T08:30:00+08:00")
    elif data.observed_at > now + FUTURE_SKEW:
        add("observed_at", "不能晚于现在")
    if not data.description.strip():
        add("description", "不能为空：请写明看到或听到的情况")
    elif len(data.description) > MAX_DESCRIPTION:
        add("description", f"最多 {MAX_DESCRIPTION} 个字")
    if data.source not in FILED_SOURCES:
        add(
            "source",
            "取值无效，应为："
            + "、".join(f"{v}（{label}）" for v, label in ReportSource.choices if v in FILED_SOURCES),
        )
    elif actor.role == Role.MANDATORY_REPORTER and data.source != ReportSource.REPORTER:
        add("source", "强制报告责任单位提交的报告，来源只能是 reporter")
    elif actor.role != Role.MANDATORY_REPORTER and data.source == ReportSource.REPORTER:
        add("source", "县民政局代为登记的报告，请选择来电来源（12345、110 或其他来电）")
    if len(data.caller) > 100:
        add("caller", "最多 100 个字")
    if not _region(data.region_code):
        add("child.region_code", f"{data.region_code or '（空）'} 不是本县的村（社区）或乡镇（街道）代码")
    return problems


def _region(code: str) -> Region | None:
    if not code:
        return None
    return Region.objects.filter(code=code, level__in=(Level.VILLAGE, Level.TOWNSHIP)).select_related("parent").first()


def next_reference(township: Region, on: datetime.date) -> str:
    """AQ<township's 3 digits>-<year>-<sequence>: the township's row is locked until the
    transaction commits, so two reports cannot take the same number."""
    list(Region.objects.select_for_update().filter(pk=township.pk).values_list("pk"))
    prefix = f"AQ{township.code[6:9]}-{on.year}-"
    taken = SafetyReport.objects.filter(reference__gte=prefix, reference__lt=prefix[:-1] + ".").count()
    return f"{prefix}{taken + 1:05d}"


@transaction.atomic
def report_file(
    *,
    actor: User,
    data: ReportInput,
    attachments: Sequence[UploadedFile] = (),
    now: datetime.datetime | None = None,
) -> SafetyReport:
    """File a report and open its case at once: routed to the units of the table's safety task,
    the unit that supervises the reporter's kind of institution (task 28) and the child's
    township, with its clocks running from now. The child is linked to the registry only when
    the ID number is on record (the reporter is never told whether it is). Every attachment is
    checked before anything is written: one bad file refuses the whole report, naming the file."""
    if not can(actor, Capability.FILE_SAFETY_REPORTS):
        raise PermissionDenied("您没有提交强制报告的权限")
    now = now or timezone.now()
    problems = _problems(data, actor, now)
    file_problems = attachment_problems(attachments)
    if file_problems:
        problems["attachments"] = file_problems
    if problems:
        raise ValidationError(problems)
    region = _region(data.region_code)
    assert region is not None and data.observed_at is not None  # checked above
    township = region if region.level == Level.TOWNSHIP else region.parent
    assert township is not None
    id_number = normalise_id_number(data.id_number) if data.id_number else ""
    child = find_by_id_number(id_number) if id_number else None
    name = data.child_name.strip() or (child.name if child is not None else "")
    reference = next_reference(township, timezone.localdate(now))
    by_reporter = actor.role == Role.MANDATORY_REPORTER
    report = SafetyReport.objects.create(
        reference=reference,
        source=data.source,
        reported_by=actor,
        organisation=actor.organisation if by_reporter else "",
        organisation_kind=actor.organisation_kind if by_reporter else "",
        caller=data.caller.strip(),
        child=child,
        child_name=name,
        child_id_number=id_number,
        approx_age=data.approx_age,
        region=region,
        location=data.location.strip(),
        kind=data.kind,
        observed_at=data.observed_at,
        urgent=data.urgent,
        description=data.description.strip(),
        received_at=now,
    )
    case = _open_case(report, township, now)
    files = attach_files(actor=actor, report=report, uploads=attachments)
    audit.record(
        actor=actor,
        action="safety.report_file",
        target=report,
        summary=f"强制报告 {reference}：{ReportKind(data.kind).label}{'（紧急）' if data.urgent else ''}",
        detail={
            "source": data.source,
            "urgent": data.urgent,
            "case": case.reference,
            "linked": child is not None,
            "attachments": [f.pk for f in files],
        },
    )
    transaction.on_commit(lambda: notify_new_case(case.pk))
    return report


@transaction.atomic
def report_from_notice(
    *,
    actor: User,
    child: Child,
    task_number: int,
    description: str,
    urgent: bool,
    now: datetime.datetime | None = None,
) -> SafetyReport:
    """A case opened by a detention or imprisonment notice (shouhu/custody) that needs civil
    affairs to arrange a child's care: a report of source 拘留、服刑通知 by the recording officer,
    routed by the notice's task with 县民政局 leading, and the child's township. The notice's service
    has checked who may record it and what it says."""
    now = now or timezone.now()
    region = child.region
    township = region.parent if region.level == Level.VILLAGE else region
    assert township is not None
    report = SafetyReport.objects.create(
        reference=next_reference(township, timezone.localdate(now)),
        source=ReportSource.CUSTODY_NOTICE,
        reported_by=actor,
        organisation=actor.department.name if actor.department is not None else "",
        child=child,
        child_name=child.name,
        child_id_number=child.id_number or "",
        region=region,
        kind=ReportKind.CARE_NEEDED,
        observed_at=now,
        urgent=urgent,
        description=description,
        received_at=now,
    )
    case = _open_case(report, township, now, route_case(task_number, lead=CIVIL_AFFAIRS_UNIT))
    audit.record(
        actor=actor,
        action="safety.report_file",
        target=report,
        summary=f"拘留、服刑通知立案 {report.reference}：{ReportKind.CARE_NEEDED.label}",
        detail={"source": report.source, "urgent": urgent, "case": case.reference, "linked": True},
    )
    transaction.on_commit(lambda: notify_new_case(case.pk))
    return report


def _open_case(
    report: SafetyReport, township: Region, now: datetime.datetime, route: CaseRoute | None = None
) -> SafetyCase:
    route = route or route_case(organisation_kind=report.organisation_kind)
    case = SafetyCase.objects.create(
        report=report,
        reference=report.reference,
        child=report.child,
        child_name=report.child_name,
        region_code=report.region.code,
        township=township,
        kind=report.kind,
        urgent=report.urgent,
        opened_at=now,
        routing_note=route.note,
    )
    SafetyCaseUnit.objects.bulk_create([SafetyCaseUnit(case=case, department=d, role=role) for d, role in route.units])
    for step, department in ((ClockStep.ACKNOWLEDGE, route.lead), (ClockStep.SEE_CHILD, route.township_unit)):
        hours = hours_in_force(parameter_for(step, urgent=report.urgent), now)
        due = now + datetime.timedelta(hours=hours)
        SafetyClock.objects.create(
            case=case,
            step=step,
            department=department,
            hours=hours,
            started_at=now,
            due_at=due,
            next_escalation_at=next_level_at(now, due, now),
        )
    SafetyCaseEvent.objects.create(case=case, at=now, action="opened", to_state=case.state, note=route.note)
    return case


@transaction.atomic
def report_supplement(
    *, actor: User, report: SafetyReport, text: str, attachments: Sequence[UploadedFile] = ()
) -> ReportSupplement:
    """A reporter adds to their own report (something seen since, a photo): text, files or both."""
    if not safety_reports_filed_by(actor).filter(pk=report.pk).exists():
        raise PermissionDenied("只能补充本人提交的报告")
    text = text.strip()
    problem = text_problem(text)
    problems: dict[str, list[str]] = {}
    if not text and not attachments:
        problems["text"] = ["「补充内容」不能为空：请写明补充的情况，或上传附件"]
    elif problem:
        problems["text"] = [f"「补充内容」{problem}"]
    elif len(text) > MAX_DESCRIPTION:
        problems["text"] = [f"「补充内容」最多 {MAX_DESCRIPTION} 个字"]
    file_problems = attachment_problems(attachments)
    if file_problems:
        problems["attachments"] = file_problems
    if problems:
        raise ValidationError(problems)
    now = timezone.now()
    supplement = ReportSupplement.objects.create(report=report, text=text, added_by=actor, added_at=now)
    files = attach_files(actor=actor, report=report, uploads=attachments, supplement=supplement)
    case = SafetyCase.objects.get(report=report)
    names = "、".join(f"「{f.original_name}」" for f in files)
    note = "\n".join(part for part in (text, f"附件：{names}" if files else "") if part)
    SafetyCaseEvent.objects.create(case=case, at=now, actor=actor, action="supplemented", note=note)
    audit.record(
        actor=actor,
        action="safety.report_supplement",
        target=report,
        summary=f"补充强制报告 {report.reference}",
        detail={"attachments": [f.pk for f in files]},
    )
    transaction.on_commit(lambda: notify_supplement(case.pk))
    return supplement
