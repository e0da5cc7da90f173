"""Who hears about a notice: the bell (`core.notifications.notify`) and, for the release reminder,
the outbound SMS channel (`core.outbound`) to those with a phone on record. Messages carry the
notice's reference, never the child's or the parent's name or ID number: an SMS leaves the
system."""

from __future__ import annotations

from django.urls import reverse

from shouhu.access import custody_township_people
from shouhu.core.notifications import notify
from shouhu.core.outbound import queue_outbound

from .models import NEEDS_VERIFICATION, Arrangement, CustodyChild, CustodyNotice, NoticeKind, ParentRole


def _link(notice: CustodyNotice) -> str:
    return reverse("custody:notice", args=[notice.pk])


def notify_arrangements(notice_id: int) -> None:
    """A relative or another adult cares for the child: the township's supervisor verifies it."""
    notice = CustodyNotice.objects.get(pk=notice_id)
    for entry in notice.children.select_related("child").filter(arrangement__in=NEEDS_VERIFICATION):
        notify(
            recipients=custody_township_people(entry.child),
            kind="custody.verify",
            link=_link(notice),
            title=f"{NoticeKind(notice.kind).label}通知 {notice.reference}：请核实儿童的照料安排"
            f"（{Arrangement(entry.arrangement).label}）",
            body="公安、司法机关登记了儿童父母被羁押的情况，请入户核实照料人能否妥善照料。",
            dedupe_key=f"custody.verify:{entry.pk}",
        )


def notify_release(notice_id: int) -> None:
    notice = CustodyNotice.objects.get(pk=notice_id)
    for entry in notice.children.select_related("child"):
        notify(
            recipients=custody_township_people(entry.child),
            kind="custody.released",
            link=_link(notice),
            title=f"{NoticeKind(notice.kind).label}通知 {notice.reference}：儿童的"
            f"{ParentRole(notice.parent_role).label}已于 {notice.released_on} 释放（解除）",
            body="请走访核实儿童的生活和监护情况，并更新父母状况。",
            dedupe_key=f"custody.released:{entry.pk}",
        )


def notify_reminder(entry: CustodyChild) -> None:
    """Inside the reminder's transaction: the bell now, the SMS after commit."""
    notice = entry.notice
    title = (
        f"通知 {notice.reference}：一名儿童的{ParentRole(notice.parent_role).label}预计于 "
        f"{notice.until:%Y-%m-%d} 释放（解除）"
    )
    recipients = list(custody_township_people(entry.child))
    notify(
        recipients=recipients,
        kind="custody.release_due",
        link=_link(notice),
        title=title,
        body="请提前安排儿童回归家庭的准备：走访家庭，评估父母的监护能力和照料安排。",
        dedupe_key=f"custody.release_due:{entry.pk}",
    )
    text = f"【守护】{title}，请提前安排儿童回归家庭的准备。"
    for user in recipients:
        if user.phone:
            queue_outbound(user.phone, text)
