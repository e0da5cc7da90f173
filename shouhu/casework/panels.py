"""What casework shows on the home page (found by autodiscovery): the unit's inbox, the window's
suggestions and returned items, and county supervision of overdue referrals. Built from scoped
selectors only."""

from __future__ import annotations

from django.db.models import Q
from django.urls import reverse

from shouhu.access import Capability, can, referrals_visible_to
from shouhu.accounts.models import User
from shouhu.web.home import Panel, home_contributor
from shouhu.web.pagination import cached_count

from . import selectors
from .models import ReferralState


@home_contributor
def referral_panels(user: User) -> list[Panel]:
    panels = []
    if can(user, Capability.HANDLE_REFERRALS):
        # Only what the user can act on: referrals to accept (their unit's, their township's) and
        # cooperating parts to fill in; the deadlines are the handling unit's.
        counts = selectors.tab_counts(user)
        panels.append(
            Panel(
                title="转介待办",
                stat=counts["new"] + counts["cooperate"],
                text=f"待受理 {counts['new']} 件，待配合 {counts['cooperate']} 件，"
                f"即将到期 {counts['due_soon']} 件，已逾期 {counts['overdue']} 件",
                link=reverse("referrals:inbox"),
                link_label="打开转介收件箱",
            )
        )
    if can(user, Capability.TAKE_INTAKE):
        # A first screening drafts thousands per township: a large total is remembered for a minute.
        waiting = cached_count(selectors.suggestions_for(user).prefetch_related(None))
        returned = referrals_visible_to(user).filter(state=ReferralState.RETURNED).count()
        link = f"{reverse('referrals:children')}?tab=returned" if can(user, Capability.VIEW_CHILDREN) else ""
        items = [(f"退回补充材料、待窗口补充的转介 {returned} 件", link)] if returned else []
        panels.append(
            Panel(
                title="受理窗口",
                stat=waiting,
                text=f"待确认的筛查建议 {waiting} 件" if waiting else "没有待确认的筛查建议",
                link=reverse("intake:suggestions"),
                link_label="查看待确认建议",
                items=items,
            )
        )
    if can(user, Capability.VIEW_CHILDREN) and not (
        can(user, Capability.HANDLE_REFERRALS) or can(user, Capability.MANAGE_REFERRALS)
    ):
        # A village director reads the referrals of their village's children (and acts on none).
        counts = selectors.children_tab_counts(user)
        panels.append(
            Panel(
                title="辖区儿童的转介",
                stat=counts["open"],
                text=f"在办 {counts['open']} 件，退回待补充 {counts['returned']} 件，已办结 {counts['done']} 件",
                link=reverse("referrals:children"),
                link_label="查看辖区转介",
            )
        )
    if can(user, Capability.MANAGE_REFERRALS):
        escalated = (
            referrals_visible_to(user)
            .filter(state__in=selectors.ACTIVE_STATES)
            .filter(Q(overdue=True) | Q(escalated_at__isnull=False))
            .count()
        )
        panels.append(
            Panel(
                title="转介督办",
                stat=escalated,
                text=f"逾期督办中的转介 {escalated} 件" if escalated else "没有逾期的转介",
                link=reverse("referrals:supervision"),
                link_label="查看督办",
            )
        )
    return panels
