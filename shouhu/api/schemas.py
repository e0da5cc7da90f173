"""The API's shared schemas: the error bodies every operation answers with, and the core ones."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from ninja import Schema


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
