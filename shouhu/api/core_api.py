"""Core endpoints: health, who am I, regions and departments (scoped by the access layer)."""

from __future__ import annotations

from importlib.metadata import version

from django.db import connection
from django.http import HttpRequest
from ninja import Router
from ninja.pagination import LimitOffsetPagination, paginate

from shouhu.access import Capability, access_region, api_access, api_public, departments_visible_to, regions_visible_to
from shouhu.accounts.models import User
from shouhu.regions.models import Region

from .schemas import DepartmentOut, HealthOut, MeOut, RegionOut, responses

router = Router()


@router.get("/health", auth=None, response=HealthOut, summary="健康检查")
@api_public
def health(request: HttpRequest) -> dict[str, str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return {"status": "ok", "database": connection.vendor, "version": version("shouhu")}


def _region_out(region: Region) -> dict[str, object]:
    return {
        "code": region.code,
        "name": region.name,
        "level": region.level,
        "parent_code": region.parent.code if region.parent else None,
    }


@router.get("/me", response=responses(MeOut), summary="当前身份")
@api_access(Capability.VIEW_HOME)
def me(request: HttpRequest) -> dict[str, object]:
    user: User = request.auth  # type: ignore[attr-defined]
    return {
        "username": user.username,
        "full_name": user.full_name,
        "role": user.role,
        "role_label": user.get_role_display(),
        "region_code": user.region.code if user.region else None,
        "department": user.department.official_name if user.department else None,
    }


@router.get("/regions", response=responses(list[RegionOut]), summary="可见的行政区划")
@api_access(Capability.VIEW_REGIONS)
@paginate(LimitOffsetPagination)
def regions(request: HttpRequest) -> list[dict[str, object]]:
    rows = regions_visible_to(request.auth).select_related("parent").order_by("code")  # type: ignore[attr-defined]
    return [_region_out(r) for r in rows]


@router.get("/regions/{code}", response=responses(RegionOut, 404), summary="一个行政区划")
@api_access(Capability.VIEW_REGIONS)
def region(request: HttpRequest, code: str) -> dict[str, object]:
    return _region_out(access_region(request.auth, code))  # type: ignore[attr-defined]


@router.get("/departments", response=responses(list[DepartmentOut]), summary="责任单位")
@api_access(Capability.VIEW_DEPARTMENTS)
def departments(request: HttpRequest) -> list[object]:
    return list(departments_visible_to(request.auth).order_by("id"))  # type: ignore[attr-defined]
