"""What custody shows on the home page (found by autodiscovery): for the officers of 县公安局 and
县司法局 their unit's recent notices, releases due within 30 days and the way to record one; for
township supervisors and county civil affairs the releases due in their scope."""

from __future__ import annotations

from django.urls import reverse

from shouhu.access import custody_kinds_for, may_see_custody_notices
from shouhu.accounts.models import User
from shouhu.web.home import Panel, home_contributor

from . import selectors


@home_contributor
def custody_panels(user: User) -> list[Panel]:
    if not may_see_custody_notices(user):
        return []
    notices = reverse("custody:notices")
    # The releases due within 30 days are few (a county's detentions): one read gives the count and the items.
    due = list(selectors.releases_due(user))
    due_items = [(f"{n.reference}：{n.until:%Y-%m-%d} 释放", reverse("custody:notice", args=[n.pk])) for n in due[:5]]
    if custody_kinds_for(user):
        recent = [
            (f"{n.reference} {n.get_kind_display()}", reverse("custody:notice", args=[n.pk]))
            for n in selectors.recent(user)[:5]
        ]
        return [
            Panel(
                title="拘留、服刑人员子女",
                stat=len(due),
                text=(
                    "决定拘留、收监或强制隔离戒毒时，登记当事人需要照料的未成年子女和照料安排。"
                    f"30 天内释放（解除）的 {len(due)} 件。"
                ),
                link=reverse("custody:notice_new"),
                link_label="登记通知",
                items=[*recent, *due_items, ("本单位全部通知", notices)],
            )
        ]
    count = len(due)
    return [
        Panel(
            title="父母即将释放的儿童",
            stat=count,
            text=(
                f"30 天内有 {count} 份通知的被羁押人释放（解除），请提前安排儿童回归家庭的准备"
                if count
                else "30 天内没有被羁押的父母释放（解除）"
            ),
            link=f"{notices}?state=due",
            link_label="查看拘留服刑通知",
            items=due_items,
        )
    ]
