"""In-product notifications (the bell). `notify` is the one way to send one."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from .models import Notification

if TYPE_CHECKING:
    from shouhu.accounts.models import User


def notify(
    *, recipients: Iterable[User], title: str, body: str = "", link: str = "", kind: str = "", dedupe_key: str = ""
) -> int:
    """Create one notification per active recipient; with `dedupe_key`, a recipient who already
    has that key gets nothing new. Returns how many were created."""
    created = 0
    for user in recipients:
        if not user.is_active:
            continue
        try:
            with transaction.atomic():
                Notification.objects.create(
                    recipient=user,
                    title=title[:200],
                    body=body,
                    link=link[:300],
                    kind=kind,
                    dedupe_key=dedupe_key[:200],
                )
            created += 1
        except IntegrityError:
            continue  # already sent for this dedupe key
    return created


def unread_for(user: User) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=user, read_at__isnull=True)


# The bell counts unread notifications up to here and then says 99+: every page shows it, and a
# county caseworker who never clears the bell has tens of thousands (each safety report tells
# them), whose full count cost ~8 ms of the database on each page at a million children.
BELL_CAP = 100


def unread_for_bell(user: User) -> int:
    """How many unread notifications the bell shows: the exact number below `BELL_CAP`, else
    `BELL_CAP` (shown as 99+). One query that stops at the cap."""
    return unread_for(user)[:BELL_CAP].count()


def notifications_for(user: User) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=user)


def mark_read(*, user: User, notification_ids: Iterable[int] | None = None) -> int:
    """Not audited: reading one's own notifications changes no domain state."""
    rows = unread_for(user)
    if notification_ids is not None:
        rows = rows.filter(pk__in=list(notification_ids))
    return rows.update(read_at=timezone.now())
