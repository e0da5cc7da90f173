"""What each role's home page shows: built from selectors only (already scoped)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from shouhu.access import Capability, can, jurisdiction, regions_in_jurisdiction
from shouhu.accounts.models import Role, User
from shouhu.regions.models import Level

from .caching import POLICY, shared


@dataclass
class Panel:
    title: str
    stat: int | str | None = None
    text: str = ""
    link: str = ""
    link_label: str = ""
    items: list[tuple[str, str]] = field(default_factory=list)  # (label, url)


HomeContributor = Callable[[User], list[Panel]]
_contributors: list[HomeContributor] = []


def home_contributor(func: HomeContributor) -> HomeContributor:
    """Apps add their panels (e.g. policy: my department's tasks; supervision: reports due)."""
    _contributors.append(func)
    return func


ROLE_INTRO = {
    Role.COUNTY_ADMIN: "管理全县的区划、单位、用户、任务分工表与规则。",
    Role.CASEWORKER: "负责全县儿童的受理、筛查、转介与督办。",
    Role.DEPARTMENT_OFFICER: "办理转介到本单位的事项，报告本单位承担任务的进展。",
    Role.TOWNSHIP_SUPERVISOR: "负责本乡镇（街道）的儿童、受理窗口和走访审核。",
    Role.VILLAGE_DIRECTOR: "负责本村（居）儿童的走访与信息报告。",
    Role.LEADER: "查看全县汇总数据与各单位任务落实情况。",
    Role.COMMUNITY_WORKER: "只能查看与本机构结对的儿童的必要信息。",
    Role.MANDATORY_REPORTER: "发现儿童遭受或疑似遭受侵害时，提交强制报告并跟踪办理状态。",
}


def region_panels(user: User) -> list[Panel]:
    region = jurisdiction(user)
    if region is None or not can(user, Capability.VIEW_REGIONS):
        return []
    townships, villages = shared(POLICY, ("regions_under", region.pk), lambda: _regions_under(user))
    parts = []
    if townships:
        parts.append(f"{townships} 个乡镇（街道）")
    if villages:
        parts.append(f"{villages} 个村（社区）")
    return [
        Panel(
            title=f"我的辖区：{region.name}",
            text="，".join(parts) or "本级区划",
            link=f"/regions/{region.code}/",
            link_label="查看辖区",
        )
    ]


def _regions_under(user: User) -> tuple[int, int]:
    """How many townships and villages the user's jurisdiction holds (the same for everyone with
    that jurisdiction, so kept per region until regions change)."""
    subtree = regions_in_jurisdiction(user)
    return subtree.filter(level=Level.TOWNSHIP).count(), subtree.filter(level=Level.VILLAGE).count()


def department_panels(user: User) -> list[Panel]:
    if user.role != Role.DEPARTMENT_OFFICER or user.department is None:
        return []
    return [
        Panel(
            title=f"我的单位：{user.department.official_name}",
            text=f"简称：{user.department.name}",
            link=f"/departments/{user.department_id}/",
            link_label="本单位承担的任务",
        )
    ]


def admin_panels(user: User) -> list[Panel]:
    if not can(user, Capability.MANAGE_USERS):
        return []
    inactive = User.objects.filter(is_active=False).count()
    return [
        Panel(
            title="用户",
            stat=User.objects.filter(is_active=True).count(),
            text=f"在用账号；停用 {inactive} 个",
            link="/users/",
            link_label="管理用户",
        )
    ]


def home_panels(user: User) -> list[Panel]:
    panels = region_panels(user) + department_panels(user) + admin_panels(user)
    for contributor in _contributors:
        panels.extend(contributor(user))
    return panels


def home_context(user: User) -> dict[str, Any]:
    return {"intro": ROLE_INTRO.get(user.role, ""), "panels": home_panels(user)}  # type: ignore[call-overload]
