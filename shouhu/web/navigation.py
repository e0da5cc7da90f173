"""The navigation a role sees: built from the same capabilities that guard the views."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from shouhu.access import Capability, can, may_see_custody_notices


@dataclass(frozen=True)
class NavItem:
    label: str
    url: str
    active: bool


NAV = [
    (_("首页"), "home", Capability.VIEW_HOME),
    (_("儿童"), "registry:list", Capability.VIEW_CHILDREN),
    (_("受理"), "intake:list", Capability.TAKE_INTAKE),
    (_("转介"), "referrals:inbox", Capability.HANDLE_REFERRALS),
    (_("辖区转介"), "referrals:children", Capability.VIEW_CHILDREN),
    (_("转介督办"), "referrals:supervision", Capability.MANAGE_REFERRALS),
    (_("安全个案"), "safety:cases", Capability.VIEW_SAFETY_CASES),
    (_("监护干预"), "guardianship:list", Capability.VIEW_SAFETY_CASES),
    (_("我的报告"), "safety:my_reports", Capability.FOLLOW_SAFETY_REPORTS),
    (_("爱心家庭"), "placements:families", Capability.VIEW_FAMILIES),
    # Not every officer: only 县公安局's and 县司法局's (and civil affairs, the township supervisors).
    (_("拘留服刑通知"), "custody:notices", may_see_custody_notices),
    (_("资格筛查"), "eligibility:runs", Capability.VIEW_ELIGIBILITY),
    (_("任务分工"), "policy:tasks", Capability.VIEW_POLICY),
    (_("督办"), "policy:supervision", Capability.VIEW_SUPERVISION),
    (_("行政区划"), "regions:list", Capability.VIEW_REGIONS),
    (_("责任单位"), "departments:list", Capability.VIEW_DEPARTMENTS),
    (_("用户"), "users:list", Capability.MANAGE_USERS),
    (_("接口令牌"), "users:api_tokens", Capability.MANAGE_USERS),
    (_("审计日志"), "audit:list", Capability.VIEW_AUDIT),
]
# A user's own account: in the header's "我的账号" menu, not the main navigation (one row of
# links on a phone). `None`: everyone signed in.
ACCOUNT = [
    (_("修改密码"), "account:password", None),
    (_("两步验证"), "account:two_factor", None),
    (_("我的API令牌"), "account:api_tokens", Capability.OWN_API_TOKENS),
]


def _active_url(urls: list[str], path: str) -> str:
    """The one item a page belongs to: the longest item URL the path starts with (/policy/ and
    /policy/supervision/ both prefix the 督办 page; it is 督办's). The home page only for "/"."""
    matching = [url for url in urls if (path == url if url == "/" else path.startswith(url))]
    return max(matching, key=len, default="")


def _items(user: object, path: str, menu: list[tuple[Any, str, Any]]) -> list[NavItem]:
    if not getattr(user, "is_authenticated", False):
        return []
    entries = []
    for label, name, capability in menu:
        # An entry's rule: a capability, or the access layer's predicate when the role alone does not decide.
        if capability is None:
            allowed = True
        elif callable(capability):
            allowed = capability(user)
        else:
            allowed = can(user, capability)  # type: ignore[arg-type]
        if not allowed:
            continue
        try:
            url = reverse(name)
        except NoReverseMatch:  # an app not installed has no URL
            continue
        entries.append((str(label), url))
    active = _active_url([url for _label, url in entries], path)
    return [NavItem(label, url, url == active) for label, url in entries]


def nav_items_for(user: object, path: str) -> list[NavItem]:
    return _items(user, path, NAV)  # type: ignore[arg-type]


def account_items_for(user: object, path: str) -> list[NavItem]:
    return _items(user, path, ACCOUNT)
