"""The notices API (`POST /api/v1/custody/notices`): the police's or the justice bureau's own
system records a notice with an officer's token, with the same fields and the same service as the
form (`services.notice_record`). Bad input is 422 `{"errors": [{"field", "message"}]}`, each
message in Chinese naming its field (`children[1].caregiver_phone`).

No `from __future__ import annotations` here: ninja reads the operations' annotations through the
`api_access` wrapper, whose module globals would not resolve them.
"""

import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from ninja import Router, Schema
from ninja.responses import Status

from shouhu.access import Capability, api_access, request_user
from shouhu.api.bodies import read_json
from shouhu.api.schemas import errors_out, responses

from . import services
from .models import Arrangement, NoticeKind, ParentRole

router = Router()

TOP_FIELDS = {"kind", "person", "parent_role", "since", "until", "children_need_care", "children", "note"}
PERSON_FIELDS = {"name", "id_number"}
CHILD_FIELDS = {
    "id_number",
    "name",
    "sex",
    "birth_date",
    "region_code",
    "arrangement",
    "arrangement_reason",
    "caregiver_name",
    "caregiver_relationship",
    "caregiver_phone",
}
_TEXT = {"type": ["string", "null"]}
_NOTICE_BODY = {
    "required": True,
    "content": {
        "application/json": {
            "schema": {
                "type": "object",
                "required": ["kind", "person", "parent_role", "since", "children_need_care"],
                "properties": {
                    "kind": {
                        "type": "string",
                        "enum": NoticeKind.values,
                        "description": "、".join(f"{v} {label}" for v, label in NoticeKind.choices)
                        + "（县公安局登记拘留，县司法局登记服刑、戒毒）",
                    },
                    "person": {
                        "type": "object",
                        "required": ["name", "id_number"],
                        "properties": {
                            "name": {"type": "string", "description": "被羁押人姓名"},
                            "id_number": {"type": "string", "description": "被羁押人身份证号"},
                        },
                    },
                    "parent_role": {
                        "type": "string",
                        "enum": ParentRole.values,
                        "description": "father 父亲、mother 母亲",
                    },
                    "since": {"type": "string", "format": "date", "description": "羁押开始日期，不晚于今天"},
                    "until": {"type": ["string", "null"], "format": "date", "description": "预计释放（解除）日期"},
                    "children_need_care": {"type": "boolean", "description": "是否有需要照料的未成年子女"},
                    "children": {
                        "type": "array",
                        "maxItems": 10,
                        "items": {
                            "type": "object",
                            "required": ["name", "region_code", "arrangement"],
                            "properties": {
                                "id_number": {**_TEXT, "description": "身份证号；没有的填写 sex 和 birth_date"},
                                "name": {"type": "string", "description": "姓名"},
                                "sex": {**_TEXT, "description": "male 男、female 女（没有身份证号时）"},
                                "birth_date": {**_TEXT, "format": "date", "description": "出生日期（没有身份证号时）"},
                                "region_code": {"type": "string", "description": "现住村（社区）的 12 位代码"},
                                "arrangement": {
                                    "type": "string",
                                    "enum": Arrangement.values,
                                    "description": "、".join(f"{v} {label}" for v, label in Arrangement.choices),
                                },
                                "arrangement_reason": {**_TEXT, "description": "无需安排（none_needed）的原因"},
                                "caregiver_name": {**_TEXT, "description": "照料人姓名（亲属、其他成年人时必填）"},
                                "caregiver_relationship": {**_TEXT, "description": "照料人与儿童的关系"},
                                "caregiver_phone": {**_TEXT, "description": "照料人电话"},
                            },
                        },
                    },
                    "note": {**_TEXT, "description": "说明（至多 300 字）"},
                },
                "example": {
                    "kind": "criminal_detention",
                    "person": {"name": "韩大山", "id_number": "210522198503121113"},
                    "parent_role": "father",
                    "since": "2026-05-10",
                    "until": "2026-06-10",
                    "children_need_care": True,
                    "children": [
                        {
                            "id_number": "210522201708151214",
                            "name": "韩小北",
                            "region_code": "210522100201",
                            "arrangement": "relative",
                            "caregiver_name": "韩王氏",
                            "caregiver_relationship": "祖母",
                            "caregiver_phone": "13800000011",
                        }
                    ],
                },
            }
        }
    },
}


class CustodyNoticeCreatedOut(Schema):
    id: int
    reference: str
    kind: str
    kind_label: str
    recorded_at: datetime.datetime
    safety_cases: list[str]


def _text(value: Any, field: str, errors: list[dict[str, Any]]) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        errors.append({"field": field, "message": f"「{field}」应为字符串"})
        return ""
    return value


def _date(value: Any, field: str, errors: list[dict[str, Any]]) -> datetime.date | None:
    text = _text(value, field, errors)
    if not text:
        return None
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        errors.append({"field": field, "message": f"「{field}」应为日期，如 2026-05-12"})
        return None


def _unknown(obj: dict[str, Any], allowed: set[str], prefix: str) -> list[dict[str, Any]]:
    return [{"field": f"{prefix}{k}", "message": f"「{prefix}{k}」是未知字段"} for k in sorted(set(obj) - allowed)]


def _child(raw: Any, i: int, errors: list[dict[str, Any]]) -> services.ChildInput:
    prefix = f"children[{i}]."
    if not isinstance(raw, dict):
        errors.append({"field": f"children[{i}]", "message": f"「children[{i}]」应为对象"})
        return services.ChildInput()
    errors += _unknown(raw, CHILD_FIELDS, prefix)
    values = {key: _text(raw.get(key), prefix + key, errors) for key in CHILD_FIELDS - {"birth_date"}}
    return services.ChildInput(birth_date=_date(raw.get("birth_date"), prefix + "birth_date", errors), **values)


def _parse(body: Any) -> tuple[services.NoticeInput | None, list[dict[str, Any]]]:
    if not isinstance(body, dict):
        return None, [{"field": None, "message": "请求体应为 JSON 对象"}]
    errors = _unknown(body, TOP_FIELDS, "")
    person = body.get("person")
    if not isinstance(person, dict):
        errors.append({"field": "person", "message": "「person」不能为空，应为对象（name、id_number）"})
        person = {}
    errors += _unknown(person, PERSON_FIELDS, "person.")
    need = body.get("children_need_care")
    if not isinstance(need, bool):
        errors.append({"field": "children_need_care", "message": "「children_need_care」应为 true 或 false"})
    raw_children = body.get("children") or []
    if not isinstance(raw_children, list):
        errors.append({"field": "children", "message": "「children」应为数组"})
        raw_children = []
    data = services.NoticeInput(
        kind=_text(body.get("kind"), "kind", errors),
        person_name=_text(person.get("name"), "person.name", errors),
        person_id_number=_text(person.get("id_number"), "person.id_number", errors),
        parent_role=_text(body.get("parent_role"), "parent_role", errors),
        since=_date(body.get("since"), "since", errors),
        until=_date(body.get("until"), "until", errors),
        children_need_care=bool(need) if isinstance(need, bool) else False,
        children=tuple(_child(raw, i, errors) for i, raw in enumerate(raw_children[: services.MAX_CHILDREN + 1])),
        note=_text(body.get("note"), "note", errors),
    )
    return (None, errors) if errors else (data, [])


@router.post(
    "/notices",
    response=responses(CustodyNoticeCreatedOut, 413, status=201),
    summary="登记拘留、服刑通知",
    openapi_extra={"requestBody": _NOTICE_BODY},
)
@api_access(Capability.RECORD_CUSTODY_NOTICES)
def notice_create(request: HttpRequest) -> Status[dict[str, Any]]:
    """县公安局（行政拘留、刑事拘留）或县司法局（服刑、强制隔离戒毒）登记通知：儿童按身份证号匹配名册或登记入册，
    父母状况写入名册并立即筛查；照料安排为民政机构或暂无合适照料人的，立即为县民政局和儿童所在乡镇立案。"""
    body, problems = read_json(request)
    if problems:
        return Status(422, {"errors": problems})
    data, errors = _parse(body)
    if data is None:
        return Status(422, {"errors": errors})
    try:
        notice = services.notice_record(actor=request_user(request), data=data)
    except ValidationError as e:
        return Status(422, errors_out(e))
    except PermissionDenied as e:
        return Status(403, {"detail": str(e)})
    cases = [
        ref
        for ref in notice.children.filter(safety_case__isnull=False)
        .order_by("id")
        .values_list("safety_case__reference", flat=True)
    ]
    return Status(
        201,
        {
            "id": notice.pk,
            "reference": notice.reference,
            "kind": notice.kind,
            "kind_label": notice.get_kind_display(),
            "recorded_at": notice.recorded_at,
            "safety_cases": cases,
        },
    )
