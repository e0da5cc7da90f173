"""The API's shared schemas: the error bodies every operation answers with, the bounds of paging,
`responses(...)` declaring what an operation may answer, and the core ones.

Every schema's class name is unique across the API (it is its name in the OpenAPI document):
`api/tests/test_openapi.py` checks.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from ninja import Field, Schema

# Paging of the API's lists: at most MAX_LIMIT rows a page; an offset past MAX_OFFSET is refused
# (no county or province has that many rows, and the database's integers end not far above).
MAX_LIMIT = 500
MAX_OFFSET = 100_000_000


class ErrorOut(Schema):
    """403, 404, 409: one message."""

    detail: str


class FieldErrorOut(Schema):
    field: str | None
    message: str


class ErrorsOut(Schema):
    """422: every problem, each naming its field (None for the whole request)."""

    errors: list[FieldErrorOut]


def errors_out(error: ValidationError) -> dict[str, Any]:
    """A service's ValidationError as an `ErrorsOut` body."""
    if hasattr(error, "error_dict"):
        return {
            "errors": [
                {"field": None if name == "__all__" else name, "message": message}
                for name, messages in error.message_dict.items()
                for message in messages
            ]
        }
    return {"errors": [{"field": None, "message": message} for message in error.messages]}


ERROR_SCHEMAS: dict[int, type[Schema]] = {
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    409: ErrorOut,
    413: ErrorOut,
    422: ErrorsOut,
}


def responses(ok: Any, *errors: int, status: int = 200) -> dict[int, Any]:
    """An operation's `response=`: its success schema and the refusals it may answer with. Every
    operation behind a token may answer 401 and 403, and 422 for a bad parameter."""
    codes = sorted({401, 403, 422, *errors})
    return {status: ok, **{code: ERROR_SCHEMAS[code] for code in codes}}


class PageParams(Schema):
    """`limit` and `offset` of a list, bounded (a value outside is a 422 naming it)."""

    limit: int = Field(50, ge=1, le=MAX_LIMIT, description=f"每页条数，1–{MAX_LIMIT}")
    offset: int = Field(0, ge=0, le=MAX_OFFSET, description="跳过的条数")


class HealthOut(Schema):
    status: str
    database: str
    version: str


class MeOut(Schema):
    username: str
    full_name: str
    role: str
    role_label: str
    region_code: str | None
    department: str | None


class RegionOut(Schema):
    code: str
    name: str
    level: str
    parent_code: str | None


class DepartmentOut(Schema):
    id: int
    name: str
    official_name: str
    kind: str
