"""What the registry shows on the home page (found by autodiscovery): the children in the user's
jurisdiction, the potential duplicates waiting for review, and the transfers waiting for the
user's decision."""

from __future__ import annotations

from django.urls import reverse

from shouhu.access import Capability, can, children_visible_to, duplicates_visible_to
from shouhu.accounts.models import Role, User
from shouhu.web.home import Panel, home_contributor
from shouhu.web.pagination import cached_count

from .models import ChildStatus, DuplicateState
from .selectors import transfers_waiting_count


@home_contributor
def duplicates_panel(user: User) -> list[Panel]:
    if not can(user, Capability.REVIEW_DUPLICATES):
        return []
    # A county's first scan queues hundreds of thousands of pairs at province size, and scoping each
    # pair reads both children: a large count is remembered for a minute (as the list's own is).
    waiting = cached_count(duplicates_visible_to(user).filter(state=DuplicateState.OPEN))
    return [
        Panel(
            title="疑似重复档案",
            stat=waiting,
            text=f"待核查 {waiting} 对" if waiting else "没有待核查的疑似重复档案",
            link=reverse("registry:duplicates"),
            link_label="去核查",
        )
    ]


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


@home_contributor
def transfers_panel(user: User) -> list[Panel]:
    """For those who decide transfers, while some wait (a request is rare: no panel otherwise)."""
    if not can(user, Capability.DECIDE_TRANSFERS):
        return []
    waiting = transfers_waiting_count(user)
    if not waiting:
        return []
    return [
        Panel(
            title="迁入申请",
            stat=waiting,
            text=f"待确认 {waiting} 件",
            link=reverse("registry:transfers"),
            link_label="去处理",
        )
    ]
