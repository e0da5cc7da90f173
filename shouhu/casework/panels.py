"""What casework shows on the home page (found by autodiscovery): the unit's inbox, the window's
suggestions and returned items, and county supervision of overdue referrals. Built from scoped
selectors only."""

from __future__ import annotations

from django.db.models import Q
from django.urls import reverse

from shouhu.access import Capability, can, referrals_visible_to, township_of
from shouhu.accounts.models import Role, User
from shouhu.web.home import Panel, home_contributor
from shouhu.web.pagination import cached_count

from . import selectors
from .models import ReferralState


@home_contributor
def referral_panels(user: User) -> list[Panel]:
    panels = []
    if can(user, Capability.HANDLE_REFERRALS):
        panels.append(_inbox_panel(user))
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


def _inbox_panel(user: User) -> Panel:
    """Only what the user can act on: referrals to accept (their unit's, their township's) and
    cooperating parts to fill in; the deadlines are the handling unit's. A township supervisor's
    card names the measures that reach the township; when the table routes none there, the card
    says so and shows what the township does have (its parts, its tasks) instead of an inbox that
    could only ever be empty."""
    counts = selectors.tab_counts(user)
    inbox = reverse("referrals:inbox")
    text = (
        f"待受理 {counts['new']} 件，待配合 {counts['cooperate']} 件，"
        f"即将到期 {counts['due_soon']} 件，已逾期 {counts['overdue']} 件"
    )
    if user.role != Role.TOWNSHIP_SUPERVISOR:
        return Panel("转介待办", counts["new"] + counts["cooperate"], text, inbox, "打开转介收件箱")
    measures = selectors.township_measures(user)
    township = township_of(user)
    tasks_link = reverse("policy:township", args=[township.code]) if township is not None else ""
    if not measures:
        return Panel(
            title="本乡镇（街道）的转介",
            stat=counts["cooperate"],
            text=f"现行任务分工表没有转给乡镇（街道）办理或配合的措施；待配合 {counts['cooperate']} 件。"
            "本乡镇承担的任务见任务分工。",
            link=tasks_link,
            link_label="查看本乡镇承担的任务",
        )
    items = [(f"{name}（{role}）", f"{inbox}?tab=all&code={name.split()[0]}") for name, role in measures]
    return Panel(
        "转介待办", counts["new"] + counts["cooperate"], text + "。转到本乡镇的措施：", inbox, "打开转介收件箱", items
    )
