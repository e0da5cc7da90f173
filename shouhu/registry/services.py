"""Every write to the registry."""

from __future__ import annotations

import datetime
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote_plus

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from shouhu.access import Capability, may_register_in, require
from shouhu.accounts.models import User
from shouhu.core import audit, crypto
from shouhu.core.dates import today
from shouhu.regions.models import Level, Region

from .duplicates import queue_duplicates_of
from .exchange.format import ChildRecord
from .facts import Fact, describe, fact_valid_from, facts_from_record, in_force
from .identity import mask_id_number
from .models import Child, ChildStatus, Circumstance, CloseReason, Kind
from .names import name_readings
from .signals import child_facts_changed


class ConcurrentEditError(Exception):
    """Someone else saved the child since this form was opened."""

    def __init__(self) -> None:
        super().__init__("该儿童的信息已被他人修改，您的修改未保存。请刷新页面查看最新信息后重试。")


@dataclass(frozen=True)
class Change:
    kind: str
    before: str
    after: str


def _village(region_code: str) -> Region:
    try:
        region = Region.objects.get(code=region_code)
    except Region.DoesNotExist:
        raise ValidationError({"region_code": f"「居住地区划代码」：区划代码 {region_code} 不存在"}) from None
    if region.level != Level.VILLAGE:
        raise ValidationError(
            {"region_code": f"「居住地区划代码」：{region.name} 不是村（社区），请选择到村（社区）一级"}
        )
    return region


def _check_region(actor: User | None, region: Region) -> None:
    if actor is not None and not may_register_in(actor, region):
        raise PermissionDenied(f"{region.name} 不在您的辖区内")


def _set_identity(child: Child, record: ChildRecord, region: Region) -> None:
    child.id_number = record.id_number
    child.id_number_index = crypto.blind_index(record.id_number) if record.id_number else None
    child.id_number_masked = mask_id_number(record.id_number) if record.id_number else ""
    child.no_id_reason = "" if record.id_number else (record.no_id_reason or "")
    child.name = record.name
    child.name_pinyin, child.name_initials, child.name_pinyin_common, child.name_initials_common = name_readings(
        record.name
    )
    child.sex = record.sex
    child.birth_date = record.birth_date
    child.region = region
    child.region_code = region.code
    child.hukou_region_code = record.hukou_region_code or ""


def find_by_id_number(id_number: str) -> Child | None:
    """Exact lookup through the blind index (not scoped: callers decide what to reveal)."""
    return Child.objects.filter(id_number_index=crypto.blind_index(id_number)).first()


def _open_facts(child: Child) -> dict[str, Circumstance]:
    return {row.kind: row for row in child.circumstances.filter(valid_to__isnull=True)}


def planned_changes(child: Child, record: ChildRecord, *, on: datetime.date | None = None) -> list[Change]:
    """What applying `record` would change, in Chinese (for previews before commit)."""
    on = on or today()
    held = {kind: Fact.of(row) for kind, row in in_force(child.circumstances.all(), on).items()}
    wanted = facts_from_record(record)
    changes = []
    for kind in Kind.values:
        if held.get(kind) != wanted.get(kind):
            changes.append(Change(kind, describe(kind, held.get(kind)), describe(kind, wanted.get(kind))))
    for label, old, new in (
        ("name", child.name, record.name),
        ("sex", child.sex, record.sex),
        ("birth_date", str(child.birth_date), str(record.birth_date)),
        ("region_code", child.region_code, record.region_code),
        ("hukou_region_code", child.hukou_region_code, record.hukou_region_code or ""),
    ):
        if old != new:
            changes.append(Change(label, old, new))
    return changes


def _replace_fact(
    *,
    actor: User | None,
    child: Child,
    kind: str,
    row: Circumstance | None,
    new: Fact | None,
    effective: datetime.date,
    source: str = "",
    note: str = "",
) -> tuple[Change | None, Circumstance | None]:
    """Close `row` (the open fact of `kind`) the day before the new fact starts and build the new
    row (unsaved). Nothing changes when the fact is the same."""
    old = Fact.of(row) if row else None
    if old == new:
        return None, None
    start = fact_valid_from(kind, new, effective) if new else effective
    if row is not None:
        if row.valid_from >= start:
            raise ValidationError(
                f"「{Kind(kind).label}」已有 {row.valid_from} 起的记录，新情况的起始日期 {start} 必须晚于它；"
                "如是录入错误，请更正原记录"
            )
        row.valid_to = start - datetime.timedelta(days=1)
        row.save(update_fields=["valid_to"])
    if new is not None and kind in INTERVAL_KINDS:
        _refuse_overlap(child, kind, start, None, exclude=row.pk if row is not None else None)
    built = None
    if new is not None:
        built = Circumstance(
            child=child,
            kind=kind,
            valid_from=start,
            flag=new.flag,
            status=new.status,
            detail=new.detail,
            grade=new.grade,
            since=new.since,
            until=new.until,
            recorded_by=actor,
            source=source,
            note=note,
        )
    return Change(kind, describe(kind, old), describe(kind, new)), built


# Kinds of which a child has at most one row on any day (the guardian of record): the database
# refuses an overlap too (migration registry/0011_guardian_interval), these checks say it in Chinese.
INTERVAL_KINDS = (Kind.GUARDIAN,)


def _refuse_overlap(
    child: Child, kind: str, start: datetime.date, end: datetime.date | None, *, exclude: int | None
) -> None:
    """Refuse a `kind` period start..end (None: open) that would overlap another row of the child's."""
    if child.pk is None:
        return
    others = child.circumstances.filter(kind=kind).exclude(valid_to__lt=start)
    if end is not None:
        others = others.filter(valid_from__lte=end)
    if exclude is not None:
        others = others.exclude(pk=exclude)
    clash = others.order_by("valid_from", "id").first()
    if clash is not None:
        period = f"{clash.valid_from} 至 {clash.valid_to or '今'}"
        raise ValidationError(
            {
                "valid_from": [
                    f"「{Kind(kind).label}」同一天只能有一条记录：与 {period} 的记录"
                    f"（{describe(kind, Fact.of(clash))}）时间重叠。请先更正或结束那条记录"
                ]
            }
        )


def _apply_facts(*, actor: User | None, child: Child, record: ChildRecord, effective: datetime.date) -> list[Change]:
    wanted = facts_from_record(record)
    open_rows = _open_facts(child)
    changes: list[Change] = []
    new_rows: list[Circumstance] = []
    for kind in Kind.values:
        change, built = _replace_fact(
            actor=actor, child=child, kind=kind, row=open_rows.get(kind), new=wanted.get(kind), effective=effective
        )
        if change is not None:
            changes.append(change)
        if built is not None:
            new_rows.append(built)
    Circumstance.objects.bulk_create(new_rows)
    return changes


@transaction.atomic
def child_register(
    *,
    actor: User | None,
    record: ChildRecord,
    phone: str = "",
    address: str = "",
    effective: datetime.date | None = None,
    announce: bool = False,
) -> Child:
    """Register a new child from an exchange-format record. Refuses an ID number already on record.
    `announce`: a person registered this one child (a form, the API): tell the apps that follow up
    (`signals.child_facts_changed`; their lines end up in `child.follow_ups`)."""
    region = _village(record.region_code)
    _check_region(actor, region)
    if record.id_number and find_by_id_number(record.id_number) is not None:
        raise ValidationError(
            {"id_number": f"「身份证号」：{mask_id_number(record.id_number)} 已登记，请在已有档案上更新"}
        )
    child = Child(phone=phone.strip(), address=address.strip(), created_by=actor)
    _set_identity(child, record, region)
    child.save()
    _apply_facts(actor=actor, child=child, record=record, effective=effective or today())
    audit.record(actor=actor, action="children.register", target=child, summary=f"登记儿童 {child.name}")
    queue_duplicates_of(child)
    if announce:
        _announce(child, actor)
    return child


def _announce(child: Child, actor: User | None) -> None:
    """Send `child_facts_changed` inside the caller's transaction; keep the receivers' lines."""
    responses = child_facts_changed.send(sender=Child, child=child, actor=actor)
    child.follow_ups = tuple(line for _receiver, line in responses if isinstance(line, str) and line)


def _bump_version(child: Child, expected_version: int) -> None:
    """The optimistic lock: the UPDATE only matches if nobody saved since `expected_version`."""
    updated = Child.objects.filter(pk=child.pk, version=expected_version).update(
        version=F("version") + 1, updated_at=timezone.now()
    )
    if updated != 1:
        raise ConcurrentEditError()
    child.version = expected_version + 1


@transaction.atomic
def child_update(
    *,
    actor: User | None,
    child: Child,
    record: ChildRecord,
    expected_version: int,
    effective: datetime.date | None = None,
    phone: str | None = None,
    address: str | None = None,
    announce: bool = False,
) -> list[Change]:
    """Apply a new exchange-format record to a child: identity fields are updated, each changed
    circumstance closes the old fact and opens a new one from `effective`. `announce`: a person
    recorded this one change (a form, the API; never an import): when anything changed, tell the
    apps that follow up (`signals.child_facts_changed`; their lines end up in `child.follow_ups`)."""
    region = _village(record.region_code)
    if region.pk != child.region_id:
        _check_region(actor, region)
    if record.id_number and record.id_number != child.id_number:
        other = find_by_id_number(record.id_number)
        if other is not None and other.pk != child.pk:
            raise ValidationError({"id_number": f"「身份证号」：{mask_id_number(record.id_number)} 已属于另一名儿童"})
    _bump_version(child, expected_version)
    identity_changes = [c for c in planned_changes(child, record, on=effective or today()) if c.kind not in Kind.values]
    _set_identity(child, record, region)
    fields = [
        "id_number",
        "id_number_index",
        "id_number_masked",
        "no_id_reason",
        "name",
        "name_pinyin",
        "name_initials",
        "name_pinyin_common",
        "name_initials_common",
        "sex",
        "birth_date",
        "region",
        "region_code",
        "hukou_region_code",
    ]
    given = {name: value.strip() for name, value in (("phone", phone), ("address", address)) if value is not None}
    # Read (decrypted) only when given: an import's updates never pass them.
    contact = [name for name, value in given.items() if getattr(child, name) != value]
    if phone is not None:
        child.phone, fields = phone.strip(), [*fields, "phone"]
    if address is not None:
        child.address, fields = address.strip(), [*fields, "address"]
    child.save(update_fields=fields)
    changes = identity_changes + _apply_facts(actor=actor, child=child, record=record, effective=effective or today())
    # The contact details are encrypted and never written to the log; that they changed is.
    if changes or contact:
        detail: dict[str, Any] = {
            "changes": [{"kind": c.kind, "before": c.before, "after": c.after} for c in changes],
            "effective": str(effective or today()),
        }
        if contact:
            detail["contact_changed"] = contact
        audit.record(
            actor=actor, action="children.update", target=child, summary=f"更新儿童 {child.name} 的信息", detail=detail
        )
    if announce and changes:
        _announce(child, actor)
    return changes


@transaction.atomic
def fact_record(
    *,
    actor: User | None,
    child: Child,
    kind: str,
    fact: Fact | None,
    effective: datetime.date,
    source: str,
    note: str = "",
    expected_version: int | None = None,
) -> Change | None:
    """Record one fact about a child that another app's work established (a guardianship step of a
    safety case, a detention notice): the open fact of `kind` ends the day before `effective`, the
    new one (None: the fact no longer holds) starts then, with `source` saying where it came from
    (a parent's status from its `since`). When the open fact began that same day, the new one takes
    its place (`_take_the_place_of`); one that began later is refused (the registry's rule: a new
    fact starts after the one it follows).
    The apps that follow up are told at once (the child is screened again). Without
    `expected_version` the child's row is locked and its current version used: such writes come from
    a record of their own, not from a form showing the child."""
    if kind not in Kind.values:
        raise ValidationError(f"未知事项：{kind}")
    if not source:
        raise ValidationError("必须注明情况的来源")
    if expected_version is None:
        expected_version = Child.objects.select_for_update().values_list("version", flat=True).get(pk=child.pk)
    row = child.circumstances.filter(kind=kind, valid_to__isnull=True).order_by("-valid_from", "-id").first()
    if (Fact.of(row) if row else None) == fact:
        return None
    _bump_version(child, expected_version)
    start = fact_valid_from(kind, fact, effective) if fact else effective
    change: Change | None
    if row is not None and row.valid_from == start:
        change = _take_the_place_of(row, fact, actor=actor, source=source, note=note)
    else:
        change, built = _replace_fact(
            actor=actor, child=child, kind=kind, row=row, new=fact, effective=effective, source=source, note=note
        )
        if change is None:
            return None
        if built is not None:
            built.save()
    audit.record(
        actor=actor,
        action="children.fact",
        target=child,
        summary=f"记录 {child.name} 的「{Kind(kind).label}」（来源：{source}）",
        detail={
            "changes": [{"kind": change.kind, "before": change.before, "after": change.after}],
            "effective": str(effective),
            "source": source,
        },
    )
    _announce(child, actor)
    return change


def _take_the_place_of(row: Circumstance, fact: Fact | None, *, actor: User | None, source: str, note: str) -> Change:
    """The open fact began the day the new one does (a child registered the day a detention notice
    comes; two steps of a case on one day): facts are kept by the day, so the later record of a day
    wins — the row is rewritten (or removed, when the fact no longer holds) and the audit row keeps
    what it said."""
    kind, before = row.kind, describe(row.kind, Fact.of(row))
    if fact is None:
        row.delete()
    else:
        for name in ("flag", "status", "detail", "grade", "since", "until"):
            setattr(row, name, getattr(fact, name))
        row.source, row.note, row.recorded_by = source, note, actor
        row.save()
    return Change(kind, before, describe(kind, fact))


@transaction.atomic
def circumstance_correct(
    *, actor: User, circumstance: Circumstance, expected_version: int, announce: bool = False, **values: object
) -> Circumstance:
    """Fix a fact recorded in error (dates or values). The before/after go to the audit log.
    `announce`: as for `child_update` (the lines end up in `circumstance.child.follow_ups`)."""
    allowed = {"valid_from", "valid_to", "flag", "status", "detail", "grade", "since", "until", "note"}
    unknown = set(values) - allowed
    if unknown:
        raise ValidationError(f"不能更正字段：{'、'.join(sorted(unknown))}")
    _bump_version(circumstance.child, expected_version)
    before = {k: str(getattr(circumstance, k)) for k in values}
    for key, value in values.items():
        setattr(circumstance, key, value)
    if circumstance.valid_to is not None and circumstance.valid_to < circumstance.valid_from:
        raise ValidationError({"valid_to": "「结束日期」不能早于起始日期"})
    if circumstance.kind in INTERVAL_KINDS:
        _refuse_overlap(
            circumstance.child,
            circumstance.kind,
            circumstance.valid_from,
            circumstance.valid_to,
            exclude=circumstance.pk,
        )
    circumstance.save()
    audit.record(
        actor=actor,
        action="children.correct",
        target=circumstance.child,
        summary=f"更正 {circumstance.child.name} 的「{circumstance.get_kind_display()}」记录",
        detail={"circumstance": circumstance.pk, "before": before, "after": {k: str(v) for k, v in values.items()}},
    )
    if announce:
        _announce(circumstance.child, actor)
    return circumstance


@transaction.atomic
def child_close(
    *, actor: User, child: Child, reason: str, closed_on: datetime.date, expected_version: int, note: str = ""
) -> Child:
    if reason not in CloseReason.values:
        raise ValidationError({"reason": "「销档原因」无效"})
    if child.status == ChildStatus.CLOSED:
        raise ValidationError("该档案已销档")
    if closed_on > today():
        raise ValidationError({"closed_on": "「销档日期」不能晚于今天"})
    _bump_version(child, expected_version)
    child.status, child.closed_reason, child.closed_on, child.closed_note = ChildStatus.CLOSED, reason, closed_on, note
    child.save(update_fields=["status", "closed_reason", "closed_on", "closed_note"])
    audit.record(
        actor=actor,
        action="children.close",
        target=child,
        summary=f"销档：{child.name}（{CloseReason(reason).label}）",
        detail={"reason": reason, "on": str(closed_on)},
    )
    return child


@transaction.atomic
def child_reopen(*, actor: User, child: Child, expected_version: int, note: str) -> Child:
    if child.status != ChildStatus.CLOSED:
        raise ValidationError("该档案未销档")
    if not note.strip():
        raise ValidationError({"note": "「恢复原因」不能为空"})
    _bump_version(child, expected_version)
    previous = child.get_closed_reason_display()
    child.status, child.closed_reason, child.closed_on, child.closed_note = ChildStatus.ACTIVE, "", None, ""
    child.save(update_fields=["status", "closed_reason", "closed_on", "closed_note"])
    audit.record(
        actor=actor,
        action="children.reopen",
        target=child,
        summary=f"恢复档案：{child.name}",
        detail={"previous_reason": previous, "note": note.strip()},
    )
    return child


def child_reveal(*, actor: User, child: Child, field: str) -> str:
    """The full ID number / phone / address: a logged action for roles that need it."""
    require(actor, Capability.REVEAL_SENSITIVE)
    if field not in {"id_number", "phone", "address"}:
        raise ValidationError("无效字段")
    with transaction.atomic():
        audit.record(
            actor=actor,
            action="children.reveal",
            target=child,
            summary=f"查看 {child.name} 的完整{field}",
            detail={"field": field},
        )
    return str(getattr(child, field) or "")


# Reads of personal data. `audit.record` opens a transaction when there is none, so these add no
# savepoint of their own: a page's read costs the chain's head (two queries) and the row.


def child_viewed(*, actor: User, child: Child, summary: str, detail: dict[str, Any] | None = None) -> None:
    """Someone read a child's record: who, when and through what goes to the audit log (it is
    left out of the child's change trail, `views.READ_ACTIONS`)."""
    audit.record(actor=actor, action="children.view", target=child, summary=summary, detail=detail)


def children_listed(*, actor: User, summary: str, detail: dict[str, Any]) -> None:
    """Someone was handed a list of children (the API's search): which ones goes to the audit log."""
    audit.record(actor=actor, action="children.list", object_type="registry.child", summary=summary, detail=detail)


# Runs of 11 digits or more in a query (an ID number, a phone number) are kept masked in the log.
_LONG_NUMBER = re.compile(r"\d{11,}[\dXx]?")


def children_shown(*, actor: User, page: str, query: str, child_ids: Sequence[int]) -> None:
    """A page showed a list of children (a list, a search, a worklist): one audit row for the
    request, whatever the number of children: the page, its query (filters, search words; ID and
    phone numbers masked), how many children it showed and which."""
    query = _LONG_NUMBER.sub(lambda m: mask_id_number(m.group()), unquote_plus(query))[:500]
    ids = list(dict.fromkeys(child_ids))  # a child on two rows (two referrals) is one child shown
    children_listed(
        actor=actor,
        summary=f"{page}：显示 {len(ids)} 名儿童" + (f"（{query}）" if query else ""),
        detail={"page": page, "query": query, "shown": len(ids), "ids": ids},
    )
