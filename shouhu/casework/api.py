"""The referrals API (`/api/v1/referrals`): a department's own system lists its referrals, reads
one, accepts, completes and returns them.

Same services and access layer as the screens: `referrals_visible_to` / `access_referral` decide
what a token's user sees (404 outside it); acting needs the handling unit (404 for a referral the
user may see but not handle, e.g. as a cooperating unit). Every action carries the `version` read
with the referral: if someone acted first the answer is 409 with the Chinese message, and nothing
changed. Bad input is 422 `{"errors": [{"field", "message"}]}`. Children appear with the minimal
fields an officer needs (name, sex, age, village, masked ID number).

No `from __future__ import annotations` here: ninja reads the operations' annotations through the
`api_access` wrapper, whose module globals would not resolve them.
"""

import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.responses import Status

from shouhu.access import (
    Capability,
    access_handled_referral,
    access_referral,
    api_access,
    referrals_visible_to,
    request_user,
)
from shouhu.accounts.models import User
from shouhu.api.bodies import InvalidInput, read_json
from shouhu.api.schemas import PageParams, errors_out, responses

from . import outcomes, selectors, services
from .forms import TransitionForm
from .models import Arrangement, BenefitPeriod, InformMethod, Outcome, OutcomeKind, Referral, ReferralState

router = Router()


def _body_schema(properties: dict[str, Any], required: list[str], example: dict[str, Any]) -> dict[str, Any]:
    return {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "required": required,
                    "properties": properties,
                    "example": example,
                }
            }
        },
    }


VERSION = {"type": "integer", "description": "读取转介时的版本号（乐观锁）"}
_ACCEPT_BODY = _body_schema({"version": VERSION}, ["version"], {"version": 1})
_COMPLETE_BODY = _body_schema(
    {
        "version": VERSION,
        "outcome": {
            "type": "string",
            "enum": Outcome.values,
            "description": "approved 批准（服务类：提供服务）/ not_approved 不批准（服务类：无法提供）；"
            "告知类只能为 informed 已告知，可省略",
        },
        "reason": {"type": "string", "description": "not_approved 时必填"},
        "amount": {
            "type": ["string", "number"],
            "description": '救助补贴类，批准时必填：金额（元，大于 0，最多两位小数），如 "1300" 或 1300.5',
        },
        "period": {
            "type": "string",
            "enum": BenefitPeriod.values,
            "description": "救助补贴类：发放周期，monthly 每月（默认）/ per_term 每学期 / yearly 每年 / one_off 一次性",
        },
        "start_month": {"type": "string", "description": "救助补贴类，批准时必填：起始月份 YYYY-MM"},
        "service": {"type": "string", "description": "服务类，提供服务时必填：服务内容（至多 100 字）"},
        "provider": {"type": "string", "description": "服务类，提供服务时必填：服务提供方（至多 100 字）"},
        "start_date": {"type": "string", "format": "date", "description": "服务类，提供服务时必填：开始日期"},
        "arrangement": {
            "type": "string",
            "enum": Arrangement.values,
            "description": "安置监护类，批准时必填：" + "、".join(f"{v} {label}" for v, label in Arrangement.choices),
        },
        "arrangement_note": {"type": "string", "description": "安置监护类：安置说明（至多 200 字；other 时必填）"},
        "placed_on": {"type": "string", "format": "date", "description": "安置监护类，批准时必填：安置日期"},
        "informed_on": {"type": "string", "format": "date", "description": "告知类必填：告知日期（不晚于今天）"},
        "informed_how": {
            "type": "string",
            "enum": InformMethod.values,
            "description": "告知类必填：" + "、".join(f"{v} {label}" for v, label in InformMethod.choices),
        },
    },
    ["version"],
    {"version": 2, "outcome": "approved", "amount": "1300", "period": "monthly", "start_month": "2026-05"},
)
_RETURN_BODY = _body_schema(
    {"version": VERSION, "reason": {"type": "string", "description": "需要补充的材料或信息"}},
    ["version", "reason"],
    {"version": 1, "reason": "请补充在读证明"},
)


class ReferralChildOut(Schema):
    name: str
    sex: str
    age: int
    village: str
    township: str
    id_number_masked: str


class CooperationOut(Schema):
    department: str
    note: str


class EventOut(Schema):
    at: datetime.datetime
    action: str
    from_state: str
    to_state: str
    note: str
    actor: str | None


class OutcomeOut(Schema):
    """The recorded outcome's fields; only those of `outcome_kind` are filled."""

    amount: Decimal | None = Field(None, description="救助补贴类：金额（元）")
    period: str = Field("", description="救助补贴类：发放周期")
    start_month: str | None = Field(None, description="救助补贴类：起始月份 YYYY-MM")
    service: str = Field("", description="服务类：服务内容")
    provider: str = Field("", description="服务类：服务提供方")
    start_date: datetime.date | None = Field(None, description="服务类：开始日期")
    arrangement: str = Field("", description="安置监护类：安置方式代码")
    arrangement_label: str = Field("", description="安置监护类：安置方式")
    arrangement_note: str = Field("", description="安置监护类：安置说明")
    placed_on: datetime.date | None = Field(None, description="安置监护类：安置日期")
    informed_on: datetime.date | None = Field(None, description="告知类：告知日期")
    informed_how: str = Field("", description="告知类：告知方式代码")
    informed_how_label: str = Field("", description="告知类：告知方式")


class ReferralOut(Schema):
    id: int
    version: int
    reference: str
    code: str
    measure: str
    task_number: int | None
    mode: str
    department: str
    township: str | None
    cooperating: list[CooperationOut]
    state: str
    state_label: str
    accept_due: datetime.date
    decide_due: datetime.date
    overdue: bool
    assigned_to: str | None
    outcome_kind: str = Field(
        description="结果类型：benefit 救助补贴类 / service 服务类 / placement 安置监护类 / information 告知类。"
        "已办结的为办结时的类型（在有结果类型之前办结的为空，其结果只有 outcome_detail 的原文）；"
        "未办结的为办结时须填写的类型"
    )
    outcome_kind_label: str
    outcome: str
    outcome_label: str = Field(description="办理结果（服务类：提供服务 / 无法提供）")
    outcome_detail: str = Field(description="结果摘要，由结构化字段生成")
    outcome_fields: OutcomeOut
    reason: str
    child: ReferralChildOut
    created_at: datetime.datetime


class ReferralDetailOut(ReferralOut):
    explanation: str
    events: list[EventOut]


class ReferralListOut(Schema):
    count: int
    limit: int
    offset: int
    items: list[ReferralOut]


class ReferralFilters(PageParams):
    state: str = ""
    due_before: datetime.date | None = None
    code: str = ""


def _outcome_fields(referral: Referral) -> dict[str, Any]:
    kind, on = referral.outcome_kind, referral.outcome_on
    fields: dict[str, Any] = {}
    if kind == OutcomeKind.BENEFIT:
        fields = {
            "amount": referral.outcome_amount,
            "period": referral.outcome_period,
            "start_month": f"{on:%Y-%m}" if on else None,
        }
    elif kind == OutcomeKind.SERVICE:
        fields = {"service": referral.outcome_service, "provider": referral.outcome_provider, "start_date": on}
    elif kind == OutcomeKind.PLACEMENT:
        fields = {
            "arrangement": referral.outcome_arrangement,
            "arrangement_label": referral.get_outcome_arrangement_display(),
            "arrangement_note": referral.outcome_arrangement_note,
            "placed_on": on,
        }
    elif kind == OutcomeKind.INFORMATION:
        fields = {
            "informed_on": on,
            "informed_how": referral.outcome_informed_how,
            "informed_how_label": referral.get_outcome_informed_how_display(),
        }
    return fields


def _out(referral: Referral, labels: dict[str, str]) -> dict[str, Any]:
    summary = selectors.child_summary(referral.child)
    # Decided: the kind it was decided as; open: the measure's now (`with_outcome_kind` names it).
    kind = referral.outcome_kind or getattr(referral, "measure_kind", "") or outcomes.kind_of(referral.code)
    return {
        "id": referral.pk,
        "version": referral.version,
        "reference": referral.intake.reference,
        "code": referral.code,
        "measure": labels.get(referral.code, ""),
        "task_number": referral.task_number,
        "mode": referral.mode,
        "department": referral.department.name,
        "township": referral.township.name if referral.township else None,
        "cooperating": [{"department": c.department.name, "note": c.note} for c in referral.cooperations.all()],
        "state": referral.state,
        "state_label": referral.get_state_display(),
        "accept_due": referral.accept_due,
        "decide_due": referral.decide_due,
        "overdue": referral.overdue,
        "assigned_to": referral.assigned_to.display_name if referral.assigned_to else None,
        "outcome_kind": kind,
        "outcome_kind_label": outcomes.kind_label(kind),
        "outcome": referral.outcome,
        "outcome_label": referral.outcome_label if referral.outcome else "",
        "outcome_detail": referral.outcome_detail,
        "outcome_fields": _outcome_fields(referral),
        "reason": referral.reason,
        "child": summary.__dict__,
        "created_at": referral.created_at,
    }


def _detail(referral: Referral) -> dict[str, Any]:
    labels = selectors.measure_labels()
    measure = selectors.intake_measure_of(referral)  # its explanation and the measure's outcome kind
    explanation = measure.explanation if measure is not None else ""
    if measure is not None:
        referral.measure_kind = measure.measure_kind  # type: ignore[attr-defined]
    events = [
        {
            "at": e.at,
            "action": e.action,
            "from_state": e.from_state,
            "to_state": e.to_state,
            "note": e.note,
            "actor": e.actor.display_name if e.actor else None,
        }
        for e in selectors.referral_events(referral)
    ]
    return {**_out(referral, labels), "explanation": explanation or "", "events": events}


# What `_out` reads of a referral, loaded with it (`_load`) or with a page of them (`referral_list`).
RELATED = ("child__region__parent", "department", "intake", "township", "assigned_to")
PREFETCH = ("cooperations__department",)


def _load(user: User, referral_id: int) -> Referral:
    """The referral in the user's scope (404 otherwise) with all the answer shows, in one load."""
    return access_referral(user, referral_id, related=RELATED, prefetch=PREFETCH)


GENERATED = (
    "「outcome_detail」由结果字段生成，不能直接填写：请按措施的结果类型（outcome_kind）填写 amount、service 等字段"
)


def _body(request: HttpRequest, allowed: set[str]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    body, problems = read_json(request)
    if problems:
        return {}, problems
    if not isinstance(body, dict):
        return {}, [{"field": None, "message": "请求体应为 JSON 对象"}]
    errors = [
        {"field": key, "message": GENERATED if key == "outcome_detail" else f"「{key}」是未知字段"}
        for key in sorted(set(body) - allowed)
    ]
    version = body.get("version")
    if isinstance(version, bool) or not isinstance(version, int):
        errors.append({"field": "version", "message": "「version」不能为空，应为读取转介时的版本号（整数）"})
    for key in allowed - {"version"}:
        number = key == "amount" and isinstance(body.get(key), int | float) and not isinstance(body[key], bool)
        if key in body and body[key] is not None and not isinstance(body[key], str) and not number:
            errors.append({"field": key, "message": f"「{key}」应为字符串"})
    return body, errors


def _outcome_answer(referral: Referral, body: dict[str, Any]) -> tuple[outcomes.Answer | None, list[dict[str, Any]]]:
    """A decision's fields read by the screen's form, for the measure's kind: a field of another
    kind is named, bad values get the form's Chinese messages."""
    kind = outcomes.kind_of(referral.code)
    own = set(outcomes.FIELDS[kind])
    errors = [
        {
            "field": key,
            "message": f"「{key}」不属于本措施的结果类型（{outcomes.kind_label(kind)}），"
            f"应填写：{'、'.join(outcomes.FIELDS[kind])}",
        }
        for key in sorted(set(body) & set(outcomes.ALL_FIELDS) - own)
    ]
    data = {key: str(value) for key, value in body.items() if key in own and value is not None}
    form = TransitionForm({**data, "version": body["version"]}, kind=kind)
    if not form.is_valid():
        errors += [
            {"field": name, "message": str(message)} for name, messages in form.errors.items() for message in messages
        ]
    return (form.answer() if not errors else None), errors


def _act(request: HttpRequest, referral_id: int, action: str, allowed: set[str]) -> Status[dict[str, Any]]:
    user = request_user(request)
    referral = access_handled_referral(user, referral_id)  # what the step needs; the answer is read after it
    body, errors = _body(request, allowed)
    answer = None
    if not errors and action == "complete":
        answer, errors = _outcome_answer(referral, body)
    if errors:
        return Status(422, {"errors": errors})
    try:
        services.referral_transition(
            actor=user,
            referral=referral,
            action=action,
            expected_version=body["version"],
            reason=body.get("reason", ""),
            outcome=body.get("outcome", ""),
            answer=answer,
        )
    except services.ReferralChangedError as e:
        return Status(409, {"detail": str(e)})
    except ValidationError as e:
        return Status(422, errors_out(e))
    except PermissionDenied as e:
        return Status(403, {"detail": str(e)})
    # The step refreshed the referral's own fields only: the answer reads it again with its relations.
    return Status(200, _detail(_load(user, referral.pk)))


@router.get("", response=responses(ReferralListOut), summary="本单位的转介（分页）")
@api_access(Capability.HANDLE_REFERRALS)
def referral_list(request: HttpRequest, filters: Query[ReferralFilters]) -> Any:
    """本单位承办和配合的转介（乡镇督导员：本乡镇儿童的转介），按期限排序。`state`：submitted、accepted、
    in_progress、completed、returned、rejected，可用逗号分隔多个；`due_before`：当前期限（待受理看受理期限，
    其余看办结期限）早于该日期；`code`：措施代码。"""
    user = request_user(request)
    states = [s for s in filters.state.split(",") if s]
    unknown = [s for s in states if s not in ReferralState.values]
    if unknown:
        raise InvalidInput("state", f"「state」取值无效：{'、'.join(unknown)}")
    limit, offset = filters.limit, filters.offset
    referrals = selectors.with_outcome_kind(selectors.with_due(referrals_visible_to(user)))
    if states:
        referrals = referrals.filter(state__in=states)
    if filters.due_before:
        referrals = referrals.filter(Q(due__lt=filters.due_before))
    if filters.code:
        referrals = referrals.filter(code=filters.code)
    page = list(
        referrals.select_related(*RELATED).prefetch_related(*PREFETCH).order_by("due", "id")[offset : offset + limit]
    )
    labels = selectors.measure_labels()
    return {"count": referrals.count(), "limit": limit, "offset": offset, "items": [_out(r, labels) for r in page]}


@router.get("/{referral_id}", response=responses(ReferralDetailOut, 404), summary="一件转介（含办理记录）")
@api_access(Capability.HANDLE_REFERRALS)
def referral_read(request: HttpRequest, referral_id: int) -> dict[str, Any]:
    return _detail(_load(request_user(request), referral_id))


@router.post(
    "/{referral_id}/accept",
    response=responses(ReferralDetailOut, 404, 409, 413),
    summary="受理",
    openapi_extra={"requestBody": _ACCEPT_BODY},
)
@api_access(Capability.HANDLE_REFERRALS)
def referral_accept(request: HttpRequest, referral_id: int) -> Status[dict[str, Any]]:
    """待受理 → 已受理，经办人为令牌代表的用户。版本号不一致（已被他人处理）时返回 409。"""
    return _act(request, referral_id, "accept", {"version"})


@router.post(
    "/{referral_id}/complete",
    response=responses(ReferralDetailOut, 404, 409, 413),
    summary="办结",
    openapi_extra={"requestBody": _COMPLETE_BODY},
)
@api_access(Capability.HANDLE_REFERRALS)
def referral_complete(request: HttpRequest, referral_id: int) -> Status[dict[str, Any]]:
    """已受理或办理中 → 已办结。按措施的结果类型（读取转介时的 `outcome_kind`）填写：救助补贴类 amount、
    period、start_month；服务类 service、provider、start_date；安置监护类 arrangement、arrangement_note、
    placed_on；告知类 informed_on、informed_how。不批准（服务类：无法提供）须填写理由（reason）。
    `outcome_detail` 由这些字段生成。"""
    return _act(request, referral_id, "complete", {"version", "outcome", "reason", *outcomes.ALL_FIELDS})


@router.post(
    "/{referral_id}/return",
    response=responses(ReferralDetailOut, 404, 409, 413),
    summary="退回补充材料",
    openapi_extra={"requestBody": _RETURN_BODY},
)
@api_access(Capability.HANDLE_REFERRALS)
def referral_return(request: HttpRequest, referral_id: int) -> Status[dict[str, Any]]:
    """退回受理窗口补充材料（须填写理由）；窗口补充后重新提交，期限重新计算。"""
    return _act(request, referral_id, "return", {"version", "reason"})
