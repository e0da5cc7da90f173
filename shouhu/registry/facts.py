"""The mapping between the exchange format and effective-dated circumstances.

Only non-default facts are stored: no 低保 row means not 低保, no father row means the father's
status is unknown, no guardian row means no guardian, no schooling row means not in school, no
living-arrangement row means living with family. Changing a fact back to its default closes the
open row.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from .exchange.format import ChildRecord, Disability, Guardian, Parent
from .labels import (
    DISABILITY_LABELS,
    KIND_DEFAULTS,
    LIVING_LABELS,
    PARENT_STATUS_LABELS,
    RELATIONSHIP_LABELS,
    STAGE_LABELS,
)
from .models import FLAG_KINDS, Circumstance, Kind


@dataclass(frozen=True)
class Fact:
    """The value columns of one circumstance (see Circumstance's docstring)."""

    flag: bool | None = None
    status: str = ""
    detail: str = ""
    grade: int | None = None
    since: datetime.date | None = None
    until: datetime.date | None = None

    @classmethod
    def of(cls, row: Circumstance) -> Fact:
        return cls(row.flag, row.status, row.detail, row.grade, row.since, row.until)


def facts_from_record(record: ChildRecord) -> dict[str, Fact]:
    facts: dict[str, Fact] = {}
    for kind in FLAG_KINDS:
        if getattr(record, kind):
            facts[kind] = Fact(flag=True)
    for parent in record.parents:
        facts[parent.role] = Fact(
            status=parent.status,
            since=parent.since,
            until=parent.until,
            detail=parent.disability_type or "",
            grade=parent.disability_grade,
        )
    if record.guardian:
        facts[Kind.GUARDIAN] = Fact(detail=record.guardian.relationship, flag=record.guardian.able)
    if record.disability:
        facts[Kind.DISABILITY] = Fact(detail=record.disability.type, grade=record.disability.grade)
    if record.school_stage != "none" or record.school_enrolled:
        facts[Kind.SCHOOLING] = Fact(detail=record.school_stage, flag=record.school_enrolled)
    if record.living_arrangement != "family":
        facts[Kind.LIVING_ARRANGEMENT] = Fact(status=record.living_arrangement)
    return facts


def record_fields_from_facts(facts: dict[str, Fact]) -> dict[str, object]:
    """The circumstance part of a ChildRecord (keyword arguments) from the facts in force."""
    fields: dict[str, object] = {kind: kind in facts and bool(facts[kind].flag) for kind in FLAG_KINDS}
    parents = []
    for role in (Kind.FATHER, Kind.MOTHER):
        fact = facts.get(role)
        if fact is not None:
            parents.append(Parent(str(role), fact.status, fact.since, fact.until, fact.detail or None, fact.grade))
    fields["parents"] = tuple(parents)
    guardian = facts.get(Kind.GUARDIAN)
    fields["guardian"] = Guardian(guardian.detail, bool(guardian.flag)) if guardian else None
    disability = facts.get(Kind.DISABILITY)
    fields["disability"] = Disability(disability.detail, disability.grade or 0) if disability else None
    schooling = facts.get(Kind.SCHOOLING)
    fields["school_stage"] = schooling.detail if schooling else "none"
    fields["school_enrolled"] = bool(schooling.flag) if schooling else False
    living = facts.get(Kind.LIVING_ARRANGEMENT)
    fields["living_arrangement"] = living.status if living else "family"
    return fields


def in_force(rows: Iterable[Circumstance], on: datetime.date) -> dict[str, Circumstance]:
    """The row of each kind in force on `on` (the latest started, if a correction left overlaps)."""
    current: dict[str, Circumstance] = {}
    for row in rows:
        if row.valid_from <= on and (row.valid_to is None or row.valid_to >= on):
            held = current.get(row.kind)
            if held is None or (row.valid_from, row.pk or 0) > (held.valid_from, held.pk or 0):
                current[row.kind] = row
    return current


def fact_valid_from(kind: str, fact: Fact, effective: datetime.date) -> datetime.date:
    """A parent's status starts at its `since` when known; everything else at the effective date."""
    if kind in (Kind.FATHER, Kind.MOTHER) and fact.since and fact.since < effective:
        return fact.since
    return effective


def describe(kind: str, fact: Fact | None) -> str:
    """A short Chinese description of a fact, for history and change previews."""
    label = Kind(kind).label
    if fact is None:
        return KIND_DEFAULTS.get(kind, f"非{label}")
    if kind in (Kind.FATHER, Kind.MOTHER):
        text = f"{label}：{PARENT_STATUS_LABELS.get(fact.status, fact.status)}"
        if fact.detail:
            text += f"（{DISABILITY_LABELS.get(fact.detail, fact.detail)} {fact.grade} 级）"
        if fact.since:
            text += f"，自 {fact.since}"
        if fact.until:
            text += f" 至 {fact.until}"
        return text
    if kind == Kind.GUARDIAN:
        able = "有" if fact.flag else "无"
        return f"实际监护人：{RELATIONSHIP_LABELS.get(fact.detail, fact.detail)}（{able}监护能力）"
    if kind == Kind.DISABILITY:
        return f"{DISABILITY_LABELS.get(fact.detail, fact.detail)} {fact.grade} 级"
    if kind == Kind.SCHOOLING:
        return f"{STAGE_LABELS.get(fact.detail, fact.detail)}（{'在读' if fact.flag else '未在读'}）"
    if kind == Kind.LIVING_ARRANGEMENT:
        return f"生活安置：{LIVING_LABELS.get(fact.status, fact.status)}"
    return label
