"""The mapping between the exchange format and effective-dated circumstances.

Only non-default facts are stored: no 低保 row means not 低保, no disability row means no
disability, no living-arrangement row means living with family. Changing such a fact back to its
default closes the open row.

Parents, the guardian and schooling can be **not recorded** (exchange format v2), and then they have
no row: a father or mother row holds a recorded status (`unknown` is 查找不到, recorded); a guardian
row with status `none` records that nobody cares for the child, otherwise it holds the relationship
and `flag` (able; NULL: not recorded); a schooling row holds the stage and `flag` (enrolled; NULL:
attendance not recorded), with stage `none` meaning known not in school. Changing one of them to
"未填写" closes the open row.
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

# The guardian row's status when it records that nobody cares for the child.
NOBODY = "none"


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
    elif record.guardian_recorded:
        facts[Kind.GUARDIAN] = Fact(status=NOBODY)
    if record.disability:
        facts[Kind.DISABILITY] = Fact(detail=record.disability.type, grade=record.disability.grade)
    if record.school_stage is not None:
        enrolled = False if record.school_stage == "none" else record.school_enrolled
        facts[Kind.SCHOOLING] = Fact(detail=record.school_stage, flag=enrolled)
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
    fields["guardian_recorded"] = guardian is not None
    fields["guardian"] = Guardian(guardian.detail, guardian.flag) if guardian and guardian.status != NOBODY else None
    disability = facts.get(Kind.DISABILITY)
    fields["disability"] = Disability(disability.detail, disability.grade or 0) if disability else None
    schooling = facts.get(Kind.SCHOOLING)
    fields["school_stage"] = (schooling.detail or "none") if schooling else None
    if schooling is None:
        fields["school_enrolled"] = None
    else:
        fields["school_enrolled"] = False if fields["school_stage"] == "none" else schooling.flag
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
        if fact.status == NOBODY:
            return "无实际监护人"
        able = {True: "有监护能力", False: "无监护能力", None: "监护能力未填写"}[fact.flag]
        return f"实际监护人：{RELATIONSHIP_LABELS.get(fact.detail, fact.detail)}（{able}）"
    if kind == Kind.DISABILITY:
        return f"{DISABILITY_LABELS.get(fact.detail, fact.detail)} {fact.grade} 级"
    if kind == Kind.SCHOOLING:
        attending = {True: "在读", False: "未在读", None: "是否在读未填写"}[fact.flag]
        return f"{STAGE_LABELS.get(fact.detail, fact.detail)}（{attending}）"
    if kind == Kind.LIVING_ARRANGEMENT:
        return f"生活安置：{LIVING_LABELS.get(fact.status, fact.status)}"
    return label
