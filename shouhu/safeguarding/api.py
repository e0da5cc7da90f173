"""The safety reports API (`/api/v1/safety/reports`): an institution's own system files a
mandatory report with a reporter's token (or session), and reads it back.

Filing goes through the same service as the form (`services.report_file`): the case opens at once.
Reading: the report's reporter gets its status only (已接收 / 处理中 / 已结案); whoever may see the
case (county civil affairs, the handling units' officers, the child's township supervisor) gets
the case with its units, clocks, steps, latest risk assessment and assistance plan (each action's
referrals); anyone else 404. Every read is audited. Bad input is
422 `{"errors": [{"field", "message"}]}`, each message in Chinese naming its field.

No `from __future__ import annotations` here: ninja reads the operations' annotations through the
`api_access` wrapper, whose module globals would not resolve them.
"""

import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from django.utils import timezone
from ninja import Router, Schema
from ninja.responses import Status

from shouhu.access import Capability, access_safety_report, api_access, request_user
from shouhu.api.bodies import read_json
from shouhu.api.schemas import errors_out, responses

from . import selectors, services
from .models import FILED_KINDS, FILED_SOURCES, ReportKind, ReportSource, SafetyReport
from .services.reports import FIELD_LABELS
from .transitions import report_status

router = Router()

CHILD_FIELDS = {"id_number", "name", "approx_age", "region_code", "location"}
TOP_FIELDS = {"child", "kind", "urgent", "observed_at", "description", "source", "caller"}
_REPORT_BODY = {
    "required": True,
    "content": {
        "application/json": {
            "schema": {
                "type": "object",
                "required": ["child", "kind", "observed_at", "description"],
                "properties": {
                    "child": {
                        "type": "object",
                        "required": ["region_code"],
                        "properties": {
                            "id_number": {"type": ["string", "null"], "description": "身份证号（知道才填）"},
                            "name": {"type": ["string", "null"], "description": "姓名（不知道写“不详”）"},
                            "approx_age": {
                                "type": ["integer", "null"],
                                "description": "大约年龄（0–17），没有身份证号时必填",
                            },
                            "region_code": {"type": "string", "description": "儿童所在村（社区）或乡镇（街道）的代码"},
                            "location": {"type": ["string", "null"], "description": "具体位置"},
                        },
                    },
                    "kind": {
                        "type": "string",
                        "enum": FILED_KINDS,
                        "description": "、".join(f"{v} {label}" for v, label in ReportKind.choices if v in FILED_KINDS),
                    },
                    "urgent": {"type": "boolean", "description": "儿童现在就有危险（见到儿童的时限缩短）"},
                    "observed_at": {"type": "string", "format": "date-time", "description": "发现时间，不晚于现在"},
                    "description": {"type": "string", "description": "看到或听到的情况（至多 4000 字）"},
                    "source": {
                        "type": "string",
                        "enum": FILED_SOURCES,
                        "description": "来源：强制报告责任单位为 reporter（默认）；县民政局登记来电时为 "
                        "hotline_12345、police_110 或 phone",
                    },
                    "caller": {"type": "string", "description": "来电人及联系方式（登记来电时）"},
                },
                "example": {
                    "child": {
                        "id_number": None,
                        "name": "不详",
                        "approx_age": 6,
                        "region_code": "210522100201",
                        "location": "东关村小卖部门口",
                    },
                    "kind": "neglect",
                    "urgent": True,
                    "observed_at": "2026-05-12T08:30:00+08:00",
                    "description": "孩子独自在路边，身上有伤，说家里没有大人。",
                },
            }
        }
    },
}


class SafetyReportCreatedOut(Schema):
    id: int
    reference: str
    status: str
    status_label: str
    received_at: datetime.datetime


class SafetyClockOut(Schema):
    step: str
    step_label: str
    round: int
    unit: str
    counts_in: str
    hours: int | None
    working_days: int | None
    due_at: datetime.datetime
    done_at: datetime.datetime | None


class SafetyAssessmentOut(Schema):
    number: int
    level: str
    level_label: str
    factors: list[str]
    factor_labels: list[str]
    at: datetime.datetime


class SafetyReferralOut(Schema):
    id: int
    unit: str
    status: str
    status_label: str
    decide_due: datetime.date


class SafetyPlanActionOut(Schema):
    what: str
    code: str
    code_label: str
    unit: str
    due: datetime.date
    referrals: list[SafetyReferralOut]


class SafetyUnitOut(Schema):
    unit: str
    role: str
    role_label: str


class SafetyStepOut(Schema):
    at: datetime.datetime
    action: str
    from_state: str
    to_state: str
    note: str
    actor: str | None


class SafetyCaseOut(Schema):
    id: int
    reference: str
    version: int
    state: str
    state_label: str
    urgent: bool
    kind: str
    kind_label: str
    child_name: str
    child_registered: bool
    township: str
    units: list[SafetyUnitOut]
    clocks: list[SafetyClockOut]
    steps: list[SafetyStepOut]
    assessment: SafetyAssessmentOut | None = None
    plan: list[SafetyPlanActionOut] = []


class SafetyReportOut(Schema):
    id: int
    reference: str
    status: str
    status_label: str
    received_at: datetime.datetime
    case: SafetyCaseOut | None = None


def _status(report: SafetyReport) -> dict[str, Any]:
    status = report_status(report.case.state)
    return {
        "id": report.pk,
        "reference": report.reference,
        "status": status.value,
        "status_label": status.label,
        "received_at": report.received_at,
    }


def _text(value: Any, field: str, errors: list[dict[str, Any]], *, nullable: bool = True) -> str:
    if value is None and nullable:
        return ""
    if not isinstance(value, str):
        errors.append({"field": field, "message": f"「{FIELD_LABELS[field]}」应为字符串"})
        return ""
    return value


def _parse(body: Any) -> tuple[services.ReportInput | None, list[dict[str, Any]]]:
    if not isinstance(body, dict):
        return None, [{"field": None, "message": "请求体应为 JSON 对象"}]
    errors = [{"field": key, "message": f"「{key}」是未知字段"} for key in sorted(set(body) - TOP_FIELDS)]
    child = body.get("child")
    if not isinstance(child, dict):
        errors.append({"field": "child", "message": "「child」不能为空，应为对象（身份证号或姓名、年龄、所在地）"})
        child = {}
    errors += [
        {"field": f"child.{key}", "message": f"「child.{key}」是未知字段"} for key in sorted(set(child) - CHILD_FIELDS)
    ]
    age = child.get("approx_age")
    if age is not None and (isinstance(age, bool) or not isinstance(age, int)):
        errors.append({"field": "child.approx_age", "message": "「大约年龄」应为整数"})
        age = None
    urgent = body.get("urgent", False)
    if not isinstance(urgent, bool):
        errors.append({"field": "urgent", "message": "「是否紧急」应为 true 或 false"})
    observed_text = _text(body.get("observed_at"), "observed_at", errors)
    observed: datetime.datetime | None = None
    if observed_text:
        try:
            observed = datetime.datetime.fromisoformat(observed_text)
        except ValueError:
            errors.append({"field": "observed_at", "message": "「发现时间」应为日期时间，如 2026-05-12T08:30:00+08:00"})
        else:
            if timezone.is_naive(observed):
                observed = timezone.make_aware(observed)
    data = services.ReportInput(
        id_number=_text(child.get("id_number"), "child.id_number", errors).strip(),
        child_name=_text(child.get("name"), "child.name", errors),
        approx_age=age,
        region_code=_text(child.get("region_code"), "child.region_code", errors),
        location=_text(child.get("location"), "child.location", errors),
        kind=_text(body.get("kind"), "kind", errors),
        observed_at=observed,
        urgent=bool(urgent) if isinstance(urgent, bool) else False,
        description=_text(body.get("description"), "description", errors),
        source=_text(body.get("source", ReportSource.REPORTER), "source", errors) or ReportSource.REPORTER,
        caller=_text(body.get("caller"), "caller", errors),
    )
    return (None, errors) if errors else (data, [])


@router.post(
    "/reports",
    response=responses(SafetyReportCreatedOut, 413, status=201),
    summary="提交强制报告",
    openapi_extra={"requestBody": _REPORT_BODY},
)
@api_access(Capability.FILE_SAFETY_REPORTS)
def report_create(request: HttpRequest) -> Status[dict[str, Any]]:
    """提交一份强制报告：立即立案，按任务分工表分派给承办单位和儿童所在乡镇，处置时限从现在起按小时计算。
    报告不能撤回。儿童不在名册中也可以报告（填写姓名或“不详”、大约年龄和所在地）。"""
    body, problems = read_json(request)
    if problems:
        return Status(422, {"errors": problems})
    data, errors = _parse(body)
    if data is None:
        return Status(422, {"errors": errors})
    try:
        report = services.report_file(actor=request_user(request), data=data)
    except ValidationError as e:
        return Status(422, errors_out(e))
    except PermissionDenied as e:
        return Status(403, {"detail": str(e)})
    return Status(201, _status(report))


def _case(report: SafetyReport) -> dict[str, Any]:
    case = selectors.case_for_api(report)
    return {
        "id": case.pk,
        "reference": case.reference,
        "version": case.version,
        "state": case.state,
        "state_label": case.get_state_display(),
        "urgent": case.urgent,
        "kind": case.kind,
        "kind_label": case.get_kind_display(),
        "child_name": case.child_name,
        "child_registered": case.child_id is not None,
        "township": case.township.name,
        "units": [
            {
                "unit": case.township.name if u.department.is_townships else u.department.name,
                "role": u.role,
                "role_label": u.get_role_display(),
            }
            for u in case.units.all()
        ],
        "clocks": selectors.clocks_json(case),
        "assessment": selectors.assessment_json(case),
        "plan": selectors.plan_json(case),
        "steps": [
            {
                "at": e.at,
                "action": e.action,
                "from_state": e.from_state,
                "to_state": e.to_state,
                "note": e.note,
                "actor": e.actor.display_name if e.actor else None,
            }
            for e in case.events.all()
        ],
    }


@router.get("/reports/{report_id}", response=responses(SafetyReportOut, 404), summary="一份强制报告")
@api_access(Capability.READ_SAFETY_REPORTS)
def report_read(request: HttpRequest, report_id: int) -> dict[str, Any]:
    """报告人：只有状态（received 已接收 / handling 处理中 / closed 已结案）。县民政局、承办单位和属地乡镇：
    另有个案（case），含承办单位、处置时限（clocks：step、unit、counts_in 为 hours 小时或 working_days
    工作日、due_at、done_at）、处置记录（steps）、最新的风险评估（assessment：level、factors、at）和
    帮扶计划（plan：每项措施的承办单位、完成期限和转介 referrals 的 id、状态）。"""
    user = request_user(request)
    report, full = access_safety_report(user, report_id)
    answer = _status(report)
    if full:
        services.case_viewed(actor=user, case=report.case, via="api")
        answer["case"] = _case(report)
    else:
        services.report_viewed(actor=user, report=report, via="api")
    return answer
