from __future__ import annotations

from ninja import Schema


class ErrorOut(Schema):
    detail: str


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
