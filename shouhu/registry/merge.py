"""Reviewing potential duplicates: merge two records into one, or dismiss the pair.

A merge keeps everything: the surviving record takes the other's circumstances and documents
where they do not conflict with its own (same kind, overlapping period, different value), and any
identity detail it lacks (ID number, phone, address, household registration); the other record is
closed with reason "merged" and the note "已合并到 #id". Nothing is deleted; what moved and what
stayed is written to the audit log of both children.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from shouhu.accounts.models import User
from shouhu.core import audit
from shouhu.core.dates import today

from .facts import Fact, describe
from .models import Child, ChildDocument, ChildStatus, Circumstance, CloseReason, DuplicateCandidate, DuplicateState
from .services import ConcurrentEditError


@dataclass
class MergePlan:
    survivor: Child
    merged: Child
    moved: list[Circumstance] = field(default_factory=list)
    already_held: list[Circumstance] = field(default_factory=list)  # same fact already on the survivor
    conflicts: list[Circumstance] = field(default_factory=list)  # a different fact for the same period
    documents: list[ChildDocument] = field(default_factory=list)
    identity: list[str] = field(default_factory=list)  # fields the survivor takes over

    def describe(self, row: Circumstance) -> str:
        period = f"{row.valid_from} 起" + (f"至 {row.valid_to}" if row.valid_to else "")
        return f"{describe(row.kind, Fact.of(row))}（{period}）"


IDENTITY_LABELS = {"id_number": "身份证号", "phone": "联系电话", "address": "详细住址", "hukou_region_code": "户籍地"}


def _overlaps(a: Circumstance, b: Circumstance) -> bool:
    far = datetime.date.max
    return a.valid_from <= (b.valid_to or far) and b.valid_from <= (a.valid_to or far)


def plan_merge(candidate: DuplicateCandidate, survivor_id: int) -> MergePlan:
    """What merging would do, for the confirmation page and the merge itself."""
    if survivor_id not in (candidate.child_a_id, candidate.child_b_id):
        raise ValidationError({"survivor": "「保留的档案」必须是这对记录之一"})
    survivor, merged = (
        (candidate.child_a, candidate.child_b)
        if survivor_id == candidate.child_a_id
        else (candidate.child_b, candidate.child_a)
    )
    plan = MergePlan(survivor=survivor, merged=merged)
    held = list(survivor.circumstances.all())
    for row in merged.circumstances.order_by("kind", "valid_from", "id"):
        same_kind = [h for h in held if h.kind == row.kind and _overlaps(h, row)]
        if not same_kind:
            plan.moved.append(row)
        elif all(Fact.of(h) == Fact.of(row) for h in same_kind):
            plan.already_held.append(row)
        else:
            plan.conflicts.append(row)
    plan.documents = list(merged.documents.order_by("id"))
    if not survivor.id_number and merged.id_number:
        plan.identity.append("id_number")
    for name in ("phone", "address", "hukou_region_code"):
        if not getattr(survivor, name) and getattr(merged, name):
            plan.identity.append(name)
    return plan


def _bump(child: Child, expected_version: int) -> None:
    updated = Child.objects.filter(pk=child.pk, version=expected_version).update(
        version=F("version") + 1, updated_at=timezone.now()
    )
    if updated != 1:
        raise ConcurrentEditError()
    child.version = expected_version + 1


def _lock_open(candidate: DuplicateCandidate) -> DuplicateCandidate:
    locked = DuplicateCandidate.objects.select_for_update().select_related("child_a", "child_b").get(pk=candidate.pk)
    if locked.state != DuplicateState.OPEN:
        raise ValidationError(f"这对记录已处理（{locked.get_state_display()}），请刷新页面")
    return locked


@transaction.atomic
def duplicate_merge(
    *,
    actor: User,
    candidate: DuplicateCandidate,
    survivor_id: int,
    expected_versions: dict[int, int],
    on: datetime.date | None = None,
) -> MergePlan:
    """Merge the pair into `survivor_id`. `expected_versions` ({child id: version} as shown on the
    confirmation page) guards against merging records someone changed meanwhile."""
    candidate = _lock_open(candidate)
    plan = plan_merge(candidate, survivor_id)
    survivor, merged = plan.survivor, plan.merged
    for child in (survivor, merged):
        if child.status != ChildStatus.ACTIVE:
            raise ValidationError(f"#{child.pk} {child.name} 的档案已销档，不能合并；如需合并请先恢复档案")
    for child in (survivor, merged):
        if child.pk not in expected_versions:
            raise ValidationError("缺少档案版本，请刷新页面后重试")
        _bump(child, expected_versions[child.pk])
    on = on or today()
    note = f"由 #{merged.pk} 合并"
    for row in plan.moved:
        row.child = survivor
        row.note = f"{row.note}；{note}"[:300] if row.note else note
        row.save(update_fields=["child", "note"])
    for document in plan.documents:
        document.child = survivor
        document.save(update_fields=["child", "updated_at"])
    identity_fields: list[str] = []
    if "id_number" in plan.identity:
        # The blind index is unique: the merged record gives it up (its encrypted number stays).
        number, index, masked = merged.id_number, merged.id_number_index, merged.id_number_masked
        merged.id_number_index = None
        merged.save(update_fields=["id_number_index"])
        survivor.id_number, survivor.id_number_index, survivor.id_number_masked = number, index, masked
        survivor.no_id_reason = ""
        identity_fields += ["id_number", "id_number_index", "id_number_masked", "no_id_reason"]
    for name in ("phone", "address", "hukou_region_code"):
        if name in plan.identity:
            setattr(survivor, name, getattr(merged, name))
            identity_fields.append(name)
    if identity_fields:
        survivor.save(update_fields=identity_fields)
    merged.status, merged.closed_reason, merged.closed_on = ChildStatus.CLOSED, CloseReason.MERGED, on
    merged.closed_note = f"已合并到 #{survivor.pk}"
    merged.save(update_fields=["status", "closed_reason", "closed_on", "closed_note"])
    candidate.state, candidate.survivor = DuplicateState.MERGED, survivor
    candidate.reviewed_by, candidate.reviewed_at = actor, timezone.now()
    candidate.save(update_fields=["state", "survivor", "reviewed_by", "reviewed_at", "updated_at"])
    repointed = _repoint_open_pairs(merged=merged, survivor=survivor, actor=actor)
    detail = {
        "candidate": candidate.pk,
        "survivor": survivor.pk,
        "merged": merged.pk,
        "moved_circumstances": [{"id": r.pk, "fact": plan.describe(r)} for r in plan.moved],
        "already_held": [{"id": r.pk, "fact": plan.describe(r)} for r in plan.already_held],
        "conflicts_kept_on_merged": [{"id": r.pk, "fact": plan.describe(r)} for r in plan.conflicts],
        "moved_documents": [{"id": d.pk, "name": d.original_name} for d in plan.documents],
        "identity_taken_over": [IDENTITY_LABELS[n] for n in plan.identity],
        "repointed_pairs": repointed,
    }
    audit.record(
        actor=actor,
        action="children.merge",
        target=survivor,
        summary=f"合并重复档案：#{merged.pk} {merged.name} 并入 #{survivor.pk} {survivor.name}",
        detail=detail,
    )
    audit.record(
        actor=actor,
        action="children.close",
        target=merged,
        summary=f"销档：{merged.name}（重复档案，已合并到 #{survivor.pk}）",
        detail={"reason": CloseReason.MERGED, "on": str(on), "survivor": survivor.pk},
    )
    return plan


def _repoint_open_pairs(*, merged: Child, survivor: Child, actor: User) -> list[int]:
    """Other open pairs with the merged record now concern the survivor: queue (survivor, X)
    instead, and close the old pair as merged."""
    others = DuplicateCandidate.objects.filter(Q(child_a=merged) | Q(child_b=merged), state=DuplicateState.OPEN)
    repointed = []
    for pair in others.select_for_update():
        third_id = pair.child_b_id if pair.child_a_id == merged.pk else pair.child_a_id
        if third_id != survivor.pk:
            a, b = sorted((survivor.pk, third_id))
            DuplicateCandidate.objects.get_or_create(
                child_a_id=a, child_b_id=b, defaults={"reason": f"{pair.reason}（经 #{merged.pk} 合并转入）"[:200]}
            )
        pair.state, pair.survivor, pair.reviewed_by, pair.reviewed_at = (
            DuplicateState.MERGED,
            survivor,
            actor,
            timezone.now(),
        )
        pair.save(update_fields=["state", "survivor", "reviewed_by", "reviewed_at", "updated_at"])
        repointed.append(pair.pk)
    return repointed


@transaction.atomic
def duplicate_dismiss(*, actor: User, candidate: DuplicateCandidate, note: str = "") -> DuplicateCandidate:
    """Not the same child: the pair is closed and not queued again."""
    candidate = _lock_open(candidate)
    candidate.state, candidate.reviewed_by, candidate.reviewed_at = DuplicateState.DISMISSED, actor, timezone.now()
    candidate.save(update_fields=["state", "reviewed_by", "reviewed_at", "updated_at"])
    audit.record(
        actor=actor,
        action="children.duplicate_dismiss",
        target=candidate,
        summary=f"核查疑似重复：#{candidate.child_a_id} {candidate.child_a.name} 与 "
        f"#{candidate.child_b_id} {candidate.child_b.name} 不是同一名儿童",
        detail={"child_a": candidate.child_a_id, "child_b": candidate.child_b_id, "note": note.strip()[:300]},
    )
    return candidate


@transaction.atomic
def duplicate_pair_viewed(*, actor: User, candidate: DuplicateCandidate) -> None:
    """The reviewer opened a pair side by side: both children's records were read (audited as
    views, each with the pair it was read for)."""
    for child in (candidate.child_a, candidate.child_b):
        audit.record(
            actor=actor,
            action="children.view",
            target=child,
            summary=f"核查疑似重复时查看儿童 {child.name}",
            detail={"via": "duplicates", "pair": candidate.pk},
        )
