"""Registered by shouhu.registry.contributions: the children panel on the home page."""

from __future__ import annotations

from django.urls import reverse

from shouhu.accounts.access import Capability, can, children_visible_to
from shouhu.accounts.models import Role, User
from shouhu.web.home import Panel, home_contributor
from shouhu.web.pagination import cached_count

from .models import ChildStatus


@home_contributor
def children_panels(user: User) -> list[Panel]:
    if not can(user, Capability.VIEW_CHILDREN):
        return []
    # A county's count reads a million index entries: remembered for a minute once it is large.
    count = cached_count(children_visible_to(user).filter(status=ChildStatus.ACTIVE))
    items = []
    if user.role == Role.VILLAGE_DIRECTOR and can(user, Capability.REGISTER_CHILDREN):
        items.append(("登记儿童", reverse("registry:create")))
    return [
        Panel(
            title="儿童名册",
            stat=count,
            text=f"辖区在册儿童 {count} 名",
            link=reverse("registry:list"),
            link_label="查看儿童名册",
            items=items,
        )
    ]
