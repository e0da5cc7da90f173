"""A month before a known release date the child's township is reminded to plan the child's return:
once per child of a notice, however often the daily job runs (a unique constraint on the child's
reminder), and late rather than never when the notice was recorded less than a month before."""

from __future__ import annotations

import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from shouhu.core import audit
from shouhu.core.dates import today

from ..models import CustodyChild, ReleaseReminder
from ..notify import notify_reminder

AHEAD = datetime.timedelta(days=30)


def due_children(on: datetime.date) -> list[CustodyChild]:
    """The children whose parent's release falls within the next 30 days (today included) and
    whose township has not been reminded; a notice already released needs no reminder."""
    return list(
        CustodyChild.objects.filter(
            notice__released_on__isnull=True,
            notice__until__isnull=False,
            notice__until__gte=on,
            notice__until__lte=on + AHEAD,
            reminder__isnull=True,
        )
        .select_related("notice", "child")
        .order_by("notice__until", "id")
    )


def remind_releases(*, on: datetime.date | None = None, now: datetime.datetime | None = None) -> int:
    """Remind each due child's township once; returns how many reminders were made. Each reminder
    is its own transaction: the row's unique constraint decides a race between two runs."""
    on = on or today()
    now = now or timezone.now()
    made = 0
    for entry in due_children(on):
        try:
            with transaction.atomic():
                release_on = entry.notice.until
                assert release_on is not None  # filtered above
                ReleaseReminder.objects.create(notice_child=entry, release_on=release_on, sent_at=now)
                audit.record(
                    actor=None,
                    action="custody.release_remind",
                    target=entry.notice,
                    summary=f"提醒乡镇：通知 {entry.notice.reference} 的被羁押人预计 {entry.notice.until} 释放",
                    detail={"child": entry.child_id, "release_on": str(entry.notice.until)},
                )
                notify_reminder(entry)
        except IntegrityError:
            continue  # another run reminded this child first
        made += 1
    return made
