"""A child moved to another township (the registry's confirmed transfer, `child_moved`): what the
window and the township handle for the child follows it there."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Exists, F, OuterRef
from django.utils import timezone

from shouhu.accounts.models import User
from shouhu.core import audit
from shouhu.regions.models import Region
from shouhu.registry.models import Child

from ..models import OPEN_STATES, Intake, IntakeState, Referral, ReferralEvent
from ..notify import notify_new_referrals


def _township(region: Region) -> Region:
    return region.parent or region


@transaction.atomic
def follow_moved_child(*, actor: User | None, child: Child, before: Region, after: Region) -> str | None:
    """Re-route the child's open referrals that the old township handles (tasks each township
    answers for) to the new township, with a step on each and the new township notified; move the
    child's waiting suggestions, and the intakes whose referrals are still open, to the new window.
    Decided referrals and closed intakes stay where they were handled. Returns a line for the
    confirmation (None when nothing had to move, e.g. a move within one township)."""
    old, new = _township(before), _township(after)
    if old.pk == new.pk:
        return None
    now = timezone.now()
    referrals = list(Referral.objects.filter(child=child, township=old, state__in=OPEN_STATES).order_by("pk"))
    note = f"儿童迁入{new.name}{after.name}，由{old.name}转{new.name}办理"
    if referrals:
        Referral.objects.filter(pk__in=[r.pk for r in referrals]).update(
            township=new, version=F("version") + 1, updated_at=now
        )
        ReferralEvent.objects.bulk_create(
            ReferralEvent(referral=r, actor=actor, action="follow_child", note=note) for r in referrals
        )
        audit.record_many(
            actor=actor,
            action="referral.follow_child",
            targets=[(r, f"{r.code}：{note}") for r in referrals],
        )
        ids = [r.pk for r in referrals]
        transaction.on_commit(lambda: notify_new_referrals(ids))
    open_referral = Referral.objects.filter(intake=OuterRef("pk"), state__in=OPEN_STATES)
    intakes = Intake.objects.filter(child=child, township=old).filter(
        Exists(open_referral) | Exists(Intake.objects.filter(pk=OuterRef("pk"), state=IntakeState.DRAFT))
    )
    moved_intakes = list(intakes.values_list("pk", flat=True))
    if moved_intakes:
        Intake.objects.filter(pk__in=moved_intakes).update(township=new, updated_at=now)
        audit.record(
            actor=actor,
            action="intake.follow_child",
            target=child,
            summary=f"{len(moved_intakes)} 件受理随儿童由{old.name}转至{new.name}受理窗口",
            detail={"intakes": moved_intakes, "from": old.code, "to": new.code},
        )
    if not referrals and not moved_intakes:
        return None
    parts = []
    if referrals:
        parts.append(f"{len(referrals)} 件办理中的转介")
    if moved_intakes:
        parts.append(f"{len(moved_intakes)} 件受理")
    return f"{'、'.join(parts)}已随儿童转至{new.name}"
