"""Recording the actual release (释放、解除): the notice is closed and the parent's status the notice
wrote ends in each child's registry record.

What the status becomes (docs/custody.md, "Release"): the parent's fact before the notice, when it
was one a release brings back (健在, 重残, 重病 …: a fact about the person, not their custody),
restored from the release date; otherwise — nothing was recorded, or it was itself a custody
status or 失联/查找不到 — the fact is left **not recorded**, so the child appears on the township's
待补充信息 worklist and the supervisor records what the return visit finds. 查找不到 (`unknown`) is
never written: a released parent is not missing. A fact someone recorded after the notice (the
open row no longer carries the notice's source) is left as it is."""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from shouhu.access import may_record_custody_release
from shouhu.accounts.models import User
from shouhu.core import audit
from shouhu.core.dates import today
from shouhu.registry.facts import Fact
from shouhu.registry.services import fact_record

from ..models import CUSTODY_STATUSES, CustodyChild, CustodyNotice, NoticeKind
from ..notify import notify_release

# Prior statuses a release does not bring back: the custody itself, and not knowing where the parent is.
NOT_RESTORED = CUSTODY_STATUSES | {"lost_contact", "unknown"}


class NoticeChangedError(Exception):
    """Someone recorded the release first: nothing written."""

    def __init__(self, *, seen_version: int, version: int) -> None:
        super().__init__(
            f"该通知已被他人更新（您看到的是版本 {seen_version}，现在是版本 {version}）。您的操作未执行，请刷新后查看。"
        )


def restored_fact(prior: dict[str, object] | None) -> Fact | None:
    """The parent's fact after the release (None: not recorded), from the one before the notice."""
    if not prior or prior.get("status") in NOT_RESTORED:
        return None
    # From the release date on: the prior fact's own dates belong to before the custody.
    return Fact(
        flag=prior.get("flag"),  # type: ignore[arg-type]
        status=str(prior.get("status") or ""),
        detail=str(prior.get("detail") or ""),
        grade=prior.get("grade"),  # type: ignore[arg-type]
    )


def _end_status(actor: User, notice: CustodyNotice, entry: CustodyChild, effective: datetime.date) -> str:
    child = entry.child
    row = (
        child.circumstances.filter(kind=notice.parent_role, valid_to__isnull=True)
        .order_by("-valid_from", "-id")
        .first()
    )
    if row is None or row.source != notice.source:
        return "父母状况已由他人更新，未改动"
    # A fact cannot end on the day it started: a release the same day ends it the day after.
    effective = max(effective, row.valid_from + datetime.timedelta(days=1))
    after = restored_fact(entry.prior_fact)
    fact_record(
        actor=actor,
        child=child,
        kind=notice.parent_role,
        fact=after,
        effective=effective,
        source=notice.source,
        note=f"{NoticeKind(notice.kind).label}通知 {notice.reference}：已释放（解除）",
    )
    return "已恢复为羁押前的状况" if after is not None else "父母状况改为未填写，待乡镇核实"


@transaction.atomic
def release_record(
    *,
    actor: User,
    notice: CustodyNotice,
    released_on: datetime.date | None,
    expected_version: int,
    now: datetime.datetime | None = None,
) -> CustodyNotice:
    if not may_record_custody_release(actor, notice):
        raise PermissionDenied("只有登记该通知的单位可以登记释放（解除）")
    on = today()
    if released_on is None:
        raise ValidationError({"released_on": ["「实际释放（解除）日期」不能为空，应为日期，如 2026-05-12"]})
    if released_on > on:
        raise ValidationError({"released_on": ["「实际释放（解除）日期」不能晚于今天"]})
    if released_on < notice.since:
        raise ValidationError(
            {"released_on": [f"「实际释放（解除）日期」不能早于羁押开始日期 {notice.since:%Y-%m-%d}"]}
        )
    now = now or timezone.now()
    updated = CustodyNotice.objects.filter(pk=notice.pk, version=expected_version, released_on__isnull=True).update(
        released_on=released_on, released_by=actor, released_at=now, version=F("version") + 1
    )
    if updated != 1:
        current = CustodyNotice.objects.filter(pk=notice.pk).values_list("version", flat=True).first()
        raise NoticeChangedError(seen_version=expected_version, version=current or notice.version)
    notice.refresh_from_db()
    outcomes: dict[int, str] = {}
    for entry in notice.children.select_related("child").order_by("id"):
        entry.release_note = _end_status(actor, notice, entry, released_on)
        entry.save(update_fields=["release_note"])
        outcomes[entry.child_id] = entry.release_note
    audit.record(
        actor=actor,
        action="custody.release_record",
        target=notice,
        summary=f"登记释放（解除）：通知 {notice.reference}，{released_on:%Y-%m-%d}",
        detail={"released_on": str(released_on), "children": outcomes},
    )
    transaction.on_commit(lambda: notify_release(notice.pk))
    return notice
