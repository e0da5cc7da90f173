"""Writes to the county's working-day calendar (holidays, adjusted working weekend days) and to
each measure's settings (deadlines, outcome kind), by the county admin. The calendar itself is read
in `casework/calendar.py`, the outcome kinds in `casework/outcomes.py`."""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from shouhu.access import Capability, can
from shouhu.accounts.models import User
from shouhu.core import audit
from shouhu.eligibility.models import Rule, RuleKind

from ..models import CalendarDay, MeasureDeadline, MeasureOutcomeKind, OutcomeKind

MAX_DEADLINE_DAYS = 250


def _require_calendar(actor: User) -> None:
    if not can(actor, Capability.MANAGE_POLICY):
        raise PermissionDenied("只有县级管理员可以维护工作日历和办理时限")


@transaction.atomic
def calendar_day_set(*, actor: User, date: datetime.date, is_working: bool, note: str = "") -> CalendarDay:
    """Mark a date as a holiday (not working) or an adjusted working day; replaces an existing row."""
    _require_calendar(actor)
    note = note.strip()
    if len(note) > 100:
        raise ValidationError({"note": "「说明」不能超过 100 个字"})
    if is_working and date.weekday() < 5:
        raise ValidationError({"is_working": f"「类型」：{date} 是周一至周五，本来就是工作日，只有周末才能调为上班"})
    if not is_working and date.weekday() >= 5:
        raise ValidationError({"is_working": f"「类型」：{date} 是周末，本来就不上班，无需设为休息日"})
    day, created = CalendarDay.objects.update_or_create(date=date, defaults={"is_working": is_working, "note": note})
    kind = "调休上班" if is_working else "休息"
    audit.record(
        actor=actor,
        action="casework.calendar_set",
        target=day,
        summary=f"工作日历：{date} {kind}{('（' + note + '）') if note else ''}",
        detail={"date": date.isoformat(), "is_working": is_working, "note": note, "created": created},
    )
    return day


@transaction.atomic
def calendar_day_remove(*, actor: User, day: CalendarDay) -> None:
    _require_calendar(actor)
    summary = f"工作日历：删除 {day.date} 的调整（{'上班' if day.is_working else '休息'}）"
    audit.record(
        actor=actor,
        action="casework.calendar_remove",
        target=day,
        summary=summary,
        detail={"date": day.date.isoformat(), "is_working": day.is_working},
    )
    day.delete()


@transaction.atomic
def measure_deadline_set(*, actor: User, code: str, accept_days: int, decide_days: int) -> MeasureDeadline:
    """Working days to accept and to decide a referral for one measure (applies to new referrals)."""
    _require_calendar(actor)
    if not Rule.objects.filter(code=code, kind=RuleKind.MEASURE).exists():
        raise ValidationError({"code": f"「措施」：{code} 不是一项措施"})
    errors = {}
    if not 1 <= accept_days <= MAX_DEADLINE_DAYS:
        errors["accept_days"] = f"「受理时限」应在 1 到 {MAX_DEADLINE_DAYS} 个工作日之间"
    if not 1 <= decide_days <= MAX_DEADLINE_DAYS:
        errors["decide_days"] = f"「办结时限」应在 1 到 {MAX_DEADLINE_DAYS} 个工作日之间"
    elif decide_days < accept_days:
        errors["decide_days"] = "「办结时限」不能短于受理时限"
    if errors:
        raise ValidationError(errors)
    before = MeasureDeadline.objects.filter(code=code).values("accept_days", "decide_days").first()
    row, _created = MeasureDeadline.objects.update_or_create(
        code=code, defaults={"accept_days": accept_days, "decide_days": decide_days}
    )
    label = Rule.objects.filter(code=code).values_list("label", flat=True).first()
    measure = f"{code} {label}" if label else code
    audit.record(
        actor=actor,
        action="casework.deadline_set",
        target=row,
        summary=f"办理时限：{measure} 受理 {accept_days} 个工作日，办结 {decide_days} 个工作日",
        detail={"code": code, "before": before, "after": {"accept_days": accept_days, "decide_days": decide_days}},
    )
    return row


@transaction.atomic
def measure_outcome_kind_set(*, actor: User, code: str, kind: str) -> MeasureOutcomeKind:
    """What deciding a referral for this measure records (applies to referrals decided from now on;
    decided ones keep the kind they were decided as). Saving confirms a seeded default."""
    _require_calendar(actor)
    if not Rule.objects.filter(code=code, kind=RuleKind.MEASURE).exists():
        raise ValidationError({"code": f"「措施」：{code} 不是一项措施"})
    if kind not in OutcomeKind.values:
        raise ValidationError({"kind": "「结果类型」请选择救助补贴类、服务类、安置监护类或告知类"})
    before = MeasureOutcomeKind.objects.filter(code=code).values("kind", "confirmed").first()
    row, _created = MeasureOutcomeKind.objects.update_or_create(code=code, defaults={"kind": kind, "confirmed": True})
    label = Rule.objects.filter(code=code).values_list("label", flat=True).first()
    measure = f"{code} {label}" if label else code
    audit.record(
        actor=actor,
        action="casework.outcome_kind_set",
        target=row,
        summary=f"措施结果类型：{measure} 为{OutcomeKind(kind).label}",
        detail={"code": code, "before": before, "after": {"kind": kind, "confirmed": True}},
    )
    return row
