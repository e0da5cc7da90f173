"""The deadline sweep: warn before a deadline, mark overdue, escalate to county civil affairs."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django_tasks import task

from shouhu.core.notifications import notify
from shouhu.core.periodic import periodic

from .calendar import WorkingCalendar
from .models import Referral, ReferralEvent, ReferralState
from .notify import county_supervisors, handlers_of

S = ReferralState


def due_date(referral: Referral) -> datetime.date:
    return referral.accept_due if referral.state in (S.SUBMITTED,) else referral.decide_due


def sweep(today: datetime.date) -> dict[str, int]:
    calendar = WorkingCalendar.around(today, span_days=60)
    warn_until = calendar.add(today, settings.REFERRAL_WARN_DAYS)
    open_referrals = Referral.objects.filter(state__in=(S.SUBMITTED, S.ACCEPTED, S.IN_PROGRESS)).select_related(
        "child", "intake", "department"
    )
    warned = overdue = 0
    for referral in open_referrals.filter(Q(accept_due__lte=warn_until) | Q(decide_due__lte=warn_until)):
        due = due_date(referral)
        if due < today and not referral.overdue:
            updated = Referral.objects.filter(pk=referral.pk, overdue=False).update(
                overdue=True, escalated_at=timezone.now()
            )
            if updated:
                overdue += 1
                ReferralEvent.objects.create(
                    referral=referral, action="overdue", note=f"已超过期限 {due}，已提请县民政局督办"
                )
                title = f"逾期督办：{referral.department.name} · {referral.child.name} · {referral.code}（期限 {due}）"
                notify(
                    recipients=county_supervisors(),
                    kind="referral.escalated",
                    link=f"/referrals/{referral.pk}/",
                    title=title,
                    dedupe_key=f"escalated:{referral.pk}:{due}",
                )
                notify(
                    recipients=handlers_of(referral),
                    kind="referral.overdue",
                    link=f"/referrals/{referral.pk}/",
                    title=title,
                    dedupe_key=f"overdue:{referral.pk}:{due}",
                )
        elif today <= due <= warn_until:
            warned += notify(
                recipients=handlers_of(referral),
                kind="referral.due_soon",
                link=f"/referrals/{referral.pk}/",
                title=f"即将到期：{referral.child.name} · {referral.code}（期限 {due}）",
                dedupe_key=f"due_soon:{referral.pk}:{due}",
            )
    return {"warned": warned, "overdue": overdue}


@periodic(every=datetime.timedelta(hours=1), name="casework.referral_deadlines")
@task()
def referral_deadlines(today: str | None = None) -> dict[str, int]:
    return sweep(datetime.date.fromisoformat(today) if today else timezone.localdate())


@task()
def draft_part_suggestions(part_id: int) -> dict[str, int]:
    """Draft intakes for the township window to confirm, for a finished screening part's children
    (queued by receivers.py when eligibility says the part is screened). Idempotent per run, so a
    repeated task adds nothing."""
    from shouhu.eligibility.models import ScreeningPart

    from .suggestions import create_suggestions

    part = ScreeningPart.objects.select_related("run").get(pk=part_id)
    return {"part": part_id, "suggested": create_suggestions(part.run, region_prefix=part.region_prefix)}
