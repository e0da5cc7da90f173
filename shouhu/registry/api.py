"""The children API (`/api/v1/children`): list/search, read, create, update, circumstances.

Same services and access layer as the UI: `children_visible_to` / `access_child` decide scope
(404 outside it), `services.child_register` / `child_update` write, each one child announced
(`announce=True`: the child is screened at once, registry/signals.py). Bodies are the child exchange
format v1 (shared/design/policy-rules.md), validated by `exchange.format.parse_record`, so errors are
the same Chinese messages naming the field as in imports: `{"errors": [{"field", "message"}]}`
with status 422. ID numbers are masked, and beside a masked number the birth date is given to the
month only (`2015-03`: the day is part of the number; docs/security.md, "ID masks"); a user with
REVEAL_SENSITIVE may ask for the full number with `?reveal=id_number` (audited). Every read of a
child's personal data is audited.

No `from __future__ import annotations` here: ninja reads the operations' annotations through the
`api_access` wrapper, whose module globals would not resolve them.
"""

import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError
from ninja.responses import Status

from shouhu.access import Capability, access_child, api_access, can, request_user
from shouhu.accounts.models import User
from shouhu.api.bodies import InvalidInput, read_json
from shouhu.api.schemas import PageParams, errors_out, responses
from shouhu.core.dates import today

from . import selectors, services
from .exchange.format import FIELD_LABELS, ChildRecord, FieldError, parse_record, record_to_dict
from .facts import Fact, describe
from .identity import birth_date_of, birth_month, id_number_errors
from .models import Child, Kind

router = Router()
MAX_AGE = 30  # the age filter's bound, as on the children list page (forms/filters.py)

_EXCHANGE_BODY = {
    "description": "儿童交换格式 v1 的一条记录（JSON 对象），见 policy-rules.md",
    "required": True,
    "content": {
        "application/json": {
            "schema": {
                "type": "object",
                "example": {
                    "id_number": "210522201503150015",
                    "no_id_reason": None,
                    "name": "张小明",
                    "sex": "male",
                    "birth_date": "2015-03-15",
                    "region_code": "210522100201",
                    "household": {"low_income": True},
                    "parents": [{"role": "father", "status": "deceased"}],
                    "schooling": {"stage": "primary", "enrolled": True},
                },
            }
        }
    },
}
_UPDATE_BODY = {
    "description": "`version`：读取时的版本号（乐观锁）；`record`：完整的交换格式记录；"
    "`effective`：变化生效日期（可选，默认今天）。record.id_number 可以原样回传脱敏值、record.birth_date "
    "可以原样回传出生年月，表示不变。",
    "required": True,
    "content": {
        "application/json": {
            "schema": {
                "type": "object",
                "required": ["version", "record"],
                "properties": {
                    "version": {"type": "integer"},
                    "effective": {"type": "string", "format": "date"},
                    "record": {"type": "object"},
                },
            }
        }
    },
}


class ChildSummaryOut(Schema):
    id: int
    name: str
    sex: str
    birth_date: datetime.date | None = Field(description="出生日期；有身份证号（脱敏）的儿童为空，见 birth_month")
    birth_month: str = Field(description="出生年月 YYYY-MM")
    id_number_masked: str
    region_code: str
    region_name: str
    status: str
    version: int


class ChildListOut(Schema):
    count: int
    limit: int
    offset: int
    items: list[ChildSummaryOut]


class ChildRecordOut(Schema):
    id: int
    version: int
    status: str
    closed_reason: str
    as_of: datetime.date
    id_number_revealed: bool
    record: dict[str, Any]


class CircumstanceOut(Schema):
    id: int
    kind: str
    kind_label: str
    description: str
    valid_from: datetime.date
    valid_to: datetime.date | None
    flag: bool | None
    status: str
    detail: str
    grade: int | None
    since: datetime.date | None
    until: datetime.date | None
    note: str
    recorded_at: datetime.datetime
    recorded_by: str | None


class ChildFilters(PageParams):
    q: str = ""
    region_code: str = ""
    sex: str = ""
    age_min: int | None = Field(None, ge=0, le=MAX_AGE, description=f"最小年龄（周岁），0–{MAX_AGE}")
    age_max: int | None = Field(None, ge=0, le=MAX_AGE, description=f"最大年龄（周岁），0–{MAX_AGE}")
    status: str = "active"
    flags: list[str] = []


def _errors(errors: list[FieldError] | ValidationError) -> dict[str, Any]:
    if isinstance(errors, ValidationError):
        return errors_out(errors)
    return {
        "errors": [
            {"field": e.field, "message": f"「{FIELD_LABELS.get(e.field, e.field)}」{e.message}"} for e in errors
        ]
    }


def _json_body(request: HttpRequest) -> tuple[Any, dict[str, Any] | None]:
    body, problems = read_json(request, FIELD_LABELS)
    return body, ({"errors": problems} if problems else None)


def _summary(child: Child) -> dict[str, Any]:
    return {
        "id": child.pk,
        "name": child.name,
        "sex": child.sex,
        "birth_date": None if child.id_number_masked else child.birth_date,
        "birth_month": birth_month(child.birth_date),
        "id_number_masked": child.id_number_masked,
        "region_code": child.region_code,
        "region_name": child.region.name,
        "status": child.status,
        "version": child.version,
    }


def _child_out(child: Child, on: datetime.date, *, full_id: str | None = None) -> dict[str, Any]:
    record = record_to_dict(selectors.situation_on(child, on))
    if record["id_number"] and not full_id:
        record["id_number"] = child.id_number_masked
        record["birth_date"] = birth_month(child.birth_date)  # the day is in the number
    elif record["id_number"]:
        record["id_number"] = full_id
    return {
        "id": child.pk,
        "version": child.version,
        "status": child.status,
        "closed_reason": child.closed_reason,
        "as_of": on,
        "id_number_revealed": full_id is not None,
        "record": record,
    }


def _unmasked(child: Child, raw: dict[str, Any]) -> dict[str, Any]:
    """A record read from `_child_out` and sent back: the masked number and the birth month mean
    "unchanged" (a corrected number brings its own birth date)."""
    if raw.get("id_number") == child.id_number_masked:
        raw = {**raw, "id_number": child.id_number}
    if raw.get("birth_date") == birth_month(child.birth_date):
        number = raw.get("id_number")
        if number == child.id_number:
            raw = {**raw, "birth_date": child.birth_date.isoformat()}
        elif isinstance(number, str) and not id_number_errors(number):
            raw = {**raw, "birth_date": birth_date_of(number).isoformat()}
    return raw


def _audit_view(user: User, child: Child, what: str, **detail: Any) -> None:
    services.child_viewed(
        actor=user, child=child, summary=f"通过接口查看儿童 {child.name} 的{what}", detail={"via": "api", **detail}
    )


def _parse(obj: Any) -> tuple[ChildRecord | None, list[FieldError]]:
    return parse_record(obj, today=today())


@router.get("", response=responses(ChildListOut), summary="查找儿童（分页）")
@api_access(Capability.VIEW_CHILDREN)
def child_list(request: HttpRequest, filters: Query[ChildFilters]) -> dict[str, Any]:
    """姓名（中文）、全拼或首字母、身份证号（精确）、区划、性别、年龄范围、今日有效的情况（flags，
    如 low_income、left_behind）；只返回令牌用户辖区内的儿童，身份证号脱敏。"""
    user = request_user(request)
    limit, offset = filters.limit, filters.offset
    unknown = [f for f in filters.flags if f not in Kind.values]
    if unknown:
        raise InvalidInput("flags", f"「flags」取值无效：{'、'.join(unknown)}")
    children = selectors.search_children(
        user,
        q=filters.q,
        region_code=filters.region_code,
        sex=filters.sex,
        age_min=filters.age_min,
        age_max=filters.age_max,
        status=filters.status,
        flags=filters.flags,
    ).order_by("region_code", "name_pinyin", "id")
    page = list(children[offset : offset + limit])
    if page:
        services.children_listed(
            actor=user,
            summary=f"通过接口查找儿童，返回 {len(page)} 名",
            detail={"via": "api", "query": request.GET.urlencode()[:500], "ids": [c.pk for c in page]},
        )
    return {"count": children.count(), "limit": limit, "offset": offset, "items": [_summary(c) for c in page]}


@router.post(
    "",
    response=responses(ChildRecordOut, 413, status=201),
    summary="登记儿童",
    openapi_extra={"requestBody": _EXCHANGE_BODY},
)
@api_access(Capability.REGISTER_CHILDREN)
def child_create(request: HttpRequest) -> Status[dict[str, Any]]:
    body, problem = _json_body(request)
    if problem:
        return Status(422, problem)
    record, errors = _parse(body)
    if record is None:
        return Status(422, _errors(errors))
    try:
        child = services.child_register(actor=request_user(request), record=record, announce=True)
    except ValidationError as e:
        return Status(422, _errors(e))
    except PermissionDenied as e:
        return Status(403, {"detail": str(e)})
    return Status(201, _child_out(child, today()))


@router.get("/{child_id}", response=responses(ChildRecordOut, 404), summary="一名儿童（交换格式）")
@api_access(Capability.VIEW_CHILDREN)
def child_read(
    request: HttpRequest, child_id: int, on: datetime.date | None = None, reveal: str = ""
) -> dict[str, Any]:
    """`on`：查看某一日期的情况（默认今天）。`reveal=id_number`：返回完整身份证号（需要查看敏感信息权限，记入日志）。"""
    user = request_user(request)
    child = access_child(user, child_id)
    if reveal and reveal != "id_number":
        raise InvalidInput("reveal", "「reveal」只能是 id_number")
    full_id = None
    if reveal:
        if not can(user, Capability.REVEAL_SENSITIVE):
            raise HttpError(403, "您没有查看完整身份证号的权限")
        full_id = services.child_reveal(actor=user, child=child, field="id_number") or None
    on = on or today()
    _audit_view(user, child, "档案", on=str(on))
    return _child_out(child, on, full_id=full_id)


@router.put(
    "/{child_id}",
    response=responses(ChildRecordOut, 404, 409, 413),
    summary="更新儿童信息（乐观锁）",
    openapi_extra={"requestBody": _UPDATE_BODY},
)
@api_access(Capability.REGISTER_CHILDREN)
def child_update(request: HttpRequest, child_id: int) -> Status[dict[str, Any]]:
    """变化的情况从 `effective` 起生效，原记录截止到前一天（不覆盖历史）。版本号不一致时返回 409。"""
    user = request_user(request)
    try:
        child = access_child(user, child_id, for_write=True)
    except PermissionDenied as e:
        return Status(403, {"detail": str(e)})
    body, problem = _json_body(request)
    if problem:
        return Status(422, problem)
    if not isinstance(body, dict):
        return Status(422, {"errors": [{"field": None, "message": "请求体应为 JSON 对象"}]})
    errors: list[dict[str, Any]] = []
    unknown = sorted(set(body) - {"version", "record", "effective"})
    errors += [{"field": key, "message": f"「{key}」是未知字段"} for key in unknown]
    version = body.get("version")
    if isinstance(version, bool) or not isinstance(version, int):
        errors.append({"field": "version", "message": "「version」不能为空，应为读取档案时的版本号（整数）"})
    effective = today()
    if body.get("effective") is not None:
        try:
            effective = datetime.date.fromisoformat(str(body["effective"]))
        except ValueError:
            errors.append(
                {"field": "effective", "message": f"「effective」{body['effective']} 不是有效日期（YYYY-MM-DD）"}
            )
    raw = body.get("record")
    if isinstance(raw, dict) and child.id_number:
        raw = _unmasked(child, raw)
    record, record_errors = _parse(raw) if isinstance(raw, dict) else (None, [])
    if not isinstance(raw, dict):
        errors.append({"field": "record", "message": "「record」应为交换格式的 JSON 对象"})
    errors += [{"field": f"record.{e['field']}", "message": e["message"]} for e in _errors(record_errors)["errors"]]
    if errors or record is None:
        return Status(422, {"errors": errors})
    assert isinstance(version, int)
    try:
        services.child_update(
            actor=user, child=child, record=record, expected_version=version, effective=effective, announce=True
        )
    except services.ConcurrentEditError as e:
        return Status(409, {"detail": str(e)})
    except ValidationError as e:
        return Status(422, _errors(e))
    except PermissionDenied as e:
        return Status(403, {"detail": str(e)})
    child.refresh_from_db()
    return Status(200, _child_out(child, max(effective, today())))


@router.get("/{child_id}/circumstances", response=responses(list[CircumstanceOut], 404), summary="情况记录（完整历史）")
@api_access(Capability.VIEW_CHILDREN)
def child_circumstances(request: HttpRequest, child_id: int) -> list[dict[str, Any]]:
    """每一条有效期记录，最新在前；`valid_to` 为空表示仍然有效。"""
    user = request_user(request)
    child = access_child(user, child_id)
    _audit_view(user, child, "情况记录")
    return [
        {
            "id": row.pk,
            "kind": row.kind,
            "kind_label": row.get_kind_display(),
            "description": describe(row.kind, Fact.of(row)),
            "valid_from": row.valid_from,
            "valid_to": row.valid_to,
            "flag": row.flag,
            "status": row.status,
            "detail": row.detail,
            "grade": row.grade,
            "since": row.since,
            "until": row.until,
            "note": row.note,
            "recorded_at": row.recorded_at,
            "recorded_by": row.recorded_by.get_username() if row.recorded_by else None,
        }
        for row in selectors.history(child)
    ]
