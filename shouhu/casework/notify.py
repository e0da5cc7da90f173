"""Who hears about a referral, after commit: the bell for users, the outbound channel for the
applicant. Messages name the child and the measure, never an ID number."""

from __future__ import annotations

import datetime

from django.db.models import Q, QuerySet

from shouhu.access import ROLES_BY_CAPABILITY, Capability, referral_cooperators, referral_handlers
from shouhu.accounts.models import Role, User
from shouhu.core.notifications import notify
from shouhu.core.outbound import queue_outbound
from shouhu.eligibility.models import Rule, RuleKind

from .models import Referral


def window_of(referral: Referral) -> QuerySet[User]:
    return User.objects.filter(
        Q(role=Role.TOWNSHIP_SUPERVISOR, region_id=referral.intake.township_id) | Q(pk=referral.intake.received_by_id),
        is_active=True,
    )


def county_supervisors() -> QuerySet[User]:
    """County civil affairs: whoever supervises referrals (MANAGE_REFERRALS)."""
    return User.objects.filter(is_active=True, role__in=ROLES_BY_CAPABILITY[Capability.MANAGE_REFERRALS])


def _link(referral: Referral) -> str:
    return f"/referrals/{referral.pk}/"


def notify_new_referrals(referral_ids: list[int]) -> None:
    """The handling unit hears of a new referral; whoever fills in a cooperating part (a unit's
    officers, the supervisor of the child's township for 各乡镇（街道）) hears of its part."""
    names = dict(Rule.objects.filter(kind=RuleKind.MEASURE).values_list("code", "label"))
    for referral in Referral.objects.filter(pk__in=referral_ids).select_related("child", "intake", "department"):
        handlers = referral_handlers(referral)
        notify(
            recipients=handlers,
            kind="referral.new",
            link=_link(referral),
            title=f"新转介：{referral.child.name} · {referral.code}（受理编号 {referral.intake.reference}）",
            body=f"请于 {referral.accept_due} 前受理",
        )
        notify(
            recipients=referral_cooperators(referral).exclude(pk__in=handlers.values("pk")),
            kind="referral.cooperate",
            link=_link(referral),
            title=f"配合事项：{referral.child.name} · {referral.code} {names.get(referral.code, '')}"
            f"（{referral.department.name}承办）",
            body="请在转介页面填写本单位的配合情况",
        )


def notify_transition(referral_id: int, action: str) -> None:
    referral = Referral.objects.select_related("child", "intake", "department").get(pk=referral_id)
    title = f"{referral.child.name} · {referral.code}：{referral.department.name}{referral.get_state_display()}"
    if action == "resubmit":
        notify(recipients=referral_handlers(referral), kind="referral.resubmit", link=_link(referral), title=title)
        return
    notify(
        recipients=window_of(referral),
        kind=f"referral.{action}",
        link=_link(referral),
        title=title,
        body=referral.reason or referral.outcome_detail,
    )
    if action in ("complete", "return", "reject") and referral.intake.applicant_phone:
        queue_outbound(
            referral.intake.applicant_phone,
            f"【守护】受理编号 {referral.intake.reference} 的{referral.code}事项：{referral.get_state_display()}。"
            "详情请咨询乡镇（街道）民政窗口。",
        )


def notify_due_soon(referral: Referral, due: datetime.date) -> int:
    """Warn the handlers once per deadline; how many were told."""
    return notify(
        recipients=referral_handlers(referral),
        kind="referral.due_soon",
        link=_link(referral),
        title=f"即将到期：{referral.child.name} · {referral.code}（期限 {due}）",
        dedupe_key=f"due_soon:{referral.pk}:{due}",
    )


def notify_overdue(referral: Referral, due: datetime.date) -> None:
    """Escalate to county civil affairs and tell the handlers, once per deadline."""
    title = f"逾期督办：{referral.department.name} · {referral.child.name} · {referral.code}（期限 {due}）"
    notify(
        recipients=county_supervisors(),
        kind="referral.escalated",
        link=_link(referral),
        title=title,
        dedupe_key=f"escalated:{referral.pk}:{due}",
    )
    notify(
        recipients=referral_handlers(referral).exclude(pk__in=county_supervisors().values("pk")),
        kind="referral.overdue",
        link=_link(referral),
        title=title,
        dedupe_key=f"overdue:{referral.pk}:{due}",
    )
