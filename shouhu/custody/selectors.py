"""Every read in custody, already scoped through `shouhu.access`."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Prefetch, Q, QuerySet

from shouhu.access import (
    access_custody_notice,
    custody_children_visible_to,
    custody_notices_visible_to,
    in_subtree,
)
from shouhu.accounts.models import User
from shouhu.core.dates import today
from shouhu.regions.models import Level, Region

from .models import CustodyChild, CustodyNotice

SOON = datetime.timedelta(days=30)


@dataclass(frozen=True)
class NoticeFilters:
    kind: str = ""
    state: str = ""  # "held" (not released), "released", "due" (release within 30 days)
    township: str = ""  # a township code: notices with a child there


def _children(user: User) -> Prefetch:  # type: ignore[type-arg]
    """A notice's children as the user may see them: a township supervisor only their township's."""
    rows = custody_children_visible_to(user).select_related("child", "region", "safety_case").order_by("id")
    return Prefetch("children", queryset=rows, to_attr="shown_children")


def notice_list(user: User, filters: NoticeFilters, on: datetime.date | None = None) -> QuerySet[CustodyNotice]:
    on = on or today()
    notices = custody_notices_visible_to(user).select_related("department")
    if filters.kind:
        notices = notices.filter(kind=filters.kind)
    if filters.state == "held":
        notices = notices.filter(released_on__isnull=True)
    elif filters.state == "released":
        notices = notices.filter(released_on__isnull=False)
    elif filters.state == "due":
        notices = notices.filter(released_on__isnull=True, until__gte=on, until__lte=on + SOON)
    if filters.township:
        there = CustodyChild.objects.filter(in_subtree("child__region_code", filters.township[:9])).values("notice_id")
        notices = notices.filter(pk__in=there)
    return notices.prefetch_related(_children(user)).order_by("-recorded_at", "-id")


def notice_detail(user: User, notice_id: int) -> CustodyNotice:
    notice = access_custody_notice(user, notice_id)
    rows = custody_children_visible_to(user).filter(notice=notice)
    notice.shown_children = list(rows.select_related("child", "region", "safety_case").order_by("id"))  # type: ignore[attr-defined]
    return notice


def releases_due(user: User, on: datetime.date | None = None) -> QuerySet[CustodyNotice]:
    """The user's notices whose release is within 30 days (today included), not yet released."""
    on = on or today()
    return (
        custody_notices_visible_to(user)
        .filter(released_on__isnull=True, until__gte=on, until__lte=on + SOON)
        .order_by("until", "id")
    )


def recent(user: User) -> QuerySet[CustodyNotice]:
    return custody_notices_visible_to(user).order_by("-recorded_at", "-id")


def counts(user: User, on: datetime.date | None = None) -> dict[str, int]:
    on = on or today()
    notices = custody_notices_visible_to(user)
    return {
        "held": notices.filter(released_on__isnull=True).count(),
        "due": notices.filter(Q(released_on__isnull=True) & Q(until__gte=on) & Q(until__lte=on + SOON)).count(),
    }


def townships() -> list[Region]:
    return list(Region.objects.filter(level=Level.TOWNSHIP).order_by("code"))


def village_choices() -> list[tuple[str, object]]:
    """Villages grouped by township (a child is registered in a village)."""
    regions = Region.objects.filter(level__in=(Level.TOWNSHIP, Level.VILLAGE)).order_by("code")
    groups: dict[str, tuple[str, list[tuple[str, str]]]] = {}
    for code, name, level in regions.values_list("code", "name", "level"):
        township = code[:9] + "000"
        if level == Level.TOWNSHIP:
            groups[township] = (name, [])
        elif township in groups:
            groups[township][1].append((code, name))
    return [("", "请选择"), *[(label, options) for label, options in groups.values() if options]]
