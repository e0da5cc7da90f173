"""The child's timeline: registration and changes, circumstances recorded, screenings, intakes,
referrals and each of their steps, and documents — in one chronological list, scoped to what the
viewer may see.

Scope comes from the access layer only: the child's own records (registration, circumstances,
screenings, documents) need VIEW_CHILDREN and `access_child`; intakes come through
`intakes_visible_to`, referrals and their steps through `referrals_visible_to`. A department
officer (no VIEW_CHILDREN) may open the timeline of a child referred to their unit and sees only
those referrals; any other child is "not found".
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.urls import reverse
from django.utils import timezone

from shouhu.access import (
    Capability,
    can,
    intakes_visible_to,
    referrals_visible_to,
)
from shouhu.accounts.models import User
from shouhu.core.models import AuditEvent
from shouhu.eligibility.models import Eligibility, Rule, RuleKind
from shouhu.registry.facts import Fact, describe
from shouhu.registry.models import Child

from .models import IntakeState, ReferralEvent, ReferralState

# Audit actions on a child that are changes to its record (not reads).
CHILD_CHANGES = {
    "children.register": "登记",
    "children.import": "导入登记",
    "children.generate": "登记（演示数据）",
    "children.update": "信息变化",
    "children.correct": "更正记录",
    "children.close": "销档",
    "children.reopen": "恢复档案",
    "children.merge": "合并重复档案",
    "children.transfer_confirm": "迁入（居住地变更）",
}
EVENT_LABELS = {
    "submit": "转办",
    "accept": "受理",
    "start": "开始办理",
    "complete": "办结",
    "return": "退回补充材料",
    "reject": "不予受理",
    "resubmit": "补充后重新提交",
    "reassign": "改派",
    "transfer": "移交",
    "cooperate": "配合单位填写情况",
    "overdue": "逾期，提请督办",
    "follow_child": "随儿童迁入，转新乡镇办理",
}


@dataclass(frozen=True)
class Entry:
    at: datetime.datetime
    kind: str  # registry, circumstance, screening, intake, referral, document
    kind_label: str
    title: str
    detail: str = ""
    actor: str = ""
    link: str = ""
    date_only: bool = False


def _day(d: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(d, datetime.time.min))


def _name(user: User | None) -> str:
    return user.display_name if user is not None else "系统"


def timeline_for(user: User, child: Child) -> list[Entry]:
    """Newest first."""
    entries: list[Entry] = []
    if can(user, Capability.VIEW_CHILDREN):
        entries += _record_entries(child)
    entries += _intake_entries(user, child)
    entries += _referral_entries(user, child)
    return sorted(entries, key=lambda e: e.at, reverse=True)


def _record_entries(child: Child) -> list[Entry]:
    entries = []
    events = AuditEvent.objects.filter(
        object_type="registry.child", object_id=str(child.pk), action__in=CHILD_CHANGES
    ).select_related("actor")
    for event in events:
        entries.append(
            Entry(
                event.at,
                "registry",
                "档案",
                CHILD_CHANGES[event.action],
                event.summary,
                event.actor.display_name if event.actor else event.actor_label,
            )
        )
    for row in child.circumstances.select_related("recorded_by"):
        period = f"{row.valid_from} 起" + (f"，至 {row.valid_to}" if row.valid_to else "")
        entries.append(
            Entry(
                row.recorded_at,
                "circumstance",
                "情况",
                f"记录情况：{row.get_kind_display()}",
                f"{describe(row.kind, Fact.of(row))}（{period}）",
                _name(row.recorded_by),
            )
        )
    rules = {code: (kind, label) for code, kind, label in Rule.objects.values_list("code", "kind", "label")}
    for found in Eligibility.objects.filter(child=child).order_by("since", "code"):
        kind, label = rules.get(found.code, (RuleKind.CATEGORY, found.code))
        name = f"{found.code} {label}" if kind == RuleKind.MEASURE else label
        entries.append(
            Entry(
                _day(found.since),
                "screening",
                "筛查",
                f"筛查：符合「{name}」",
                f"筛查 #{found.found_by_id}，规则版本 {found.rule_version}",
                date_only=True,
            )
        )
        if found.until is not None:
            entries.append(
                Entry(
                    _day(found.until),
                    "screening",
                    "筛查",
                    f"筛查：不再符合「{name}」",
                    f"筛查 #{found.ended_by_id}",
                    date_only=True,
                )
            )
    for doc in child.documents.select_related("uploaded_by"):
        link = reverse("registry:document_download", kwargs={"child_id": child.pk, "document_id": doc.pk})
        entries.append(
            Entry(
                doc.created_at,
                "document",
                "材料",
                f"上传材料：{doc.get_doc_type_display()}",
                doc.original_name,
                _name(doc.uploaded_by),
                link,
            )
        )
    return entries


def _intake_entries(user: User, child: Child) -> list[Entry]:
    entries = []
    intakes = list(
        intakes_visible_to(user)
        .filter(child=child)
        .select_related("received_by", "township")
        .prefetch_related("measures")
    )
    cancelled = [str(i.pk) for i in intakes if i.state == IntakeState.CANCELLED]
    cancels: dict[str, AuditEvent] = {}
    if cancelled:
        for event in AuditEvent.objects.filter(
            action="intake.cancel", object_type="casework.intake", object_id__in=cancelled
        ).order_by("-at", "-id"):
            cancels.setdefault(event.object_id, event)
    names = dict(Rule.objects.filter(kind=RuleKind.MEASURE).values_list("code", "label")) if intakes else {}
    for intake in intakes:
        link = reverse("intake:detail", kwargs={"intake_id": intake.pk})
        measures = "、".join(f"{m.code} {names.get(m.code, '')}".strip() for m in intake.measures.all())
        entries.append(
            Entry(
                intake.created_at,
                "intake",
                "受理",
                f"{intake.get_kind_display()} {intake.reference}（{intake.township.name}）",
                f"筛查建议：{measures}" if measures else "",
                _name(intake.received_by),
                link,
            )
        )
        if intake.confirmed_at is not None:
            sent = "、".join(f"{m.code} {names.get(m.code, '')}".strip() for m in intake.measures.all() if m.confirmed)
            entries.append(
                Entry(
                    intake.confirmed_at,
                    "intake",
                    "受理",
                    f"确认转办 {intake.reference}",
                    f"转办措施：{sent}",
                    link=link,
                )
            )
        if intake.state == IntakeState.CANCELLED:
            cancel = cancels.get(str(intake.pk))
            reason = cancel.detail.get("reason", "") if cancel and isinstance(cancel.detail, dict) else ""
            at = cancel.at if cancel else intake.updated_at
            actor = cancel.actor_label if cancel else ""
            entries.append(Entry(at, "intake", "受理", f"撤销 {intake.reference}", reason, actor, link))
    return entries


def _referral_entries(user: User, child: Child) -> list[Entry]:
    entries = []
    referrals = referrals_visible_to(user).filter(child=child)
    events = (
        ReferralEvent.objects.filter(referral__in=referrals.values("pk"))
        .select_related("actor", "referral__department", "referral__intake")
        .order_by("at", "id")
    )
    labels = dict(Rule.objects.values_list("code", "label"))
    for event in events:
        referral = event.referral
        measure = f"{referral.code} {labels.get(referral.code, '')}".strip()
        action = EVENT_LABELS.get(event.action, event.action)
        state_label = ReferralState(event.to_state).label if event.to_state else ""
        state = f" → {state_label}" if state_label and state_label != action else ""
        link = reverse("referrals:detail", kwargs={"referral_id": referral.pk})
        entries.append(
            Entry(
                event.at,
                "referral",
                "转介",
                f"{measure} · {referral.department.name}：{action}{state}",
                event.note,
                _name(event.actor),
                link,
            )
        )
    return entries
