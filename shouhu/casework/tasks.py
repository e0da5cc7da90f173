"""The deadline sweep: warn before a deadline, mark overdue, escalate to county civil affairs."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db.models import Q
from django_tasks import task

from shouhu.core.dates import today as local_today
from shouhu.core.periodic import periodic

from .calendar import WorkingCalendar
from .models import Referral, ReferralState
from .notify import notify_due_soon
from .services import referral_mark_overdue

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
            # Each mark is its own transaction (flag, step, audit row); its notifications follow the commit.
            if referral_mark_overdue(referral=referral, due=due):
                overdue += 1
        elif today <= due <= warn_until:
            warned += notify_due_soon(referral, due)
    return {"warned": warned, "overdue": overdue}


@periodic(every=datetime.timedelta(hours=1), name="casework.referral_deadlines")
@task()
def referral_deadlines(today: str | None = None) -> dict[str, int]:
    return sweep(datetime.date.fromisoformat(today) if today else local_today())


@task()
def draft_part_suggestions(part_id: int) -> dict[str, int]:
    """Draft intakes for a finished screening part's children. Parts now draft inside their own
    transaction (receivers.py); this task stays for tasks an earlier version queued, and adds
    nothing for a part already drafted (idempotent per run)."""
    from shouhu.eligibility.models import ScreeningPart

    from .suggestions import create_suggestions

    part = ScreeningPart.objects.select_related("run").get(pk=part_id)
    return {"part": part_id, "suggested": create_suggestions(part.run, region_prefix=part.region_prefix)}
