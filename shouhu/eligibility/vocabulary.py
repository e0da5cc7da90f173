"""What rules can talk about: fields and parent building blocks, each with its in-memory value,
its SQL over the registry (as of a date), and a Chinese phrase naming the fact.

The SQL side reads `registry.Circumstance` rows in force on the as-of date; a kind with no row has
its default (see shouhu/registry/facts.py): flags false, parent status unknown, no guardian, no
disability, not in school, living with family.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import DateField as DateFieldType
from django.db.models import Exists, ExpressionWrapper, F, OuterRef, Q
from django.db.models.functions import ExtractDay, ExtractMonth, ExtractYear

from shouhu.registry.exchange import (
    DISABILITY_TYPES,
    LIVING_ARRANGEMENTS,
    PARENT_STATUSES,
    SCHOOL_STAGES,
    SEXES,
    ChildRecord,
    Parent,
)
from shouhu.registry.identity import age_on
from shouhu.registry.labels import DISABILITY_LABELS, LIVING_LABELS, PARENT_STATUS_LABELS, STAGE_LABELS
from shouhu.registry.models import Circumstance

from .dates import add_months, birth_date_limit, latest_start_for

PARENTS = {"father": "父亲", "mother": "母亲"}
GONE = ("deceased", "declared_dead", "unknown")
AWAY_OR_MISSING = (*GONE, "declared_missing")
RESTRICTED = ("imprisoned", "drug_rehab", "detained")
MENTAL = ("intellectual", "mental")


@dataclass(frozen=True)
class Context:
    """One child (as an exchange record) on a date, with the parameter values in force."""

    record: ChildRecord
    as_of: datetime.date
    params: dict[str, int]

    def parent(self, role: str) -> Parent | None:
        return self.record.parent(role)


@dataclass(frozen=True)
class SqlContext:
    as_of: datetime.date
    params: dict[str, int]


def in_force(kind: str, ctx: SqlContext, *conditions: Q, **filters: Any) -> Exists:
    """A row of `kind` in force on the as-of date, for the outer child, matching the filters."""
    rows = Circumstance.objects.filter(
        Q(valid_to__isnull=True) | Q(valid_to__gte=ctx.as_of), *conditions,
        child=OuterRef("pk"), kind=kind, valid_from__lte=ctx.as_of, **filters,
    )  # fmt: skip
    return Exists(rows)


# ---------------------------------------------------------------------------------------------
# Fields


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    type: str  # "bool" | "int" | "enum"
    get: Callable[[Context], Any]
    # bool fields: the SQL test; int/enum fields: (ctx, op, value) -> Q
    sql: Callable[..., Q]
    values: tuple[str, ...] = ()
    labels: dict[str, str] | None = None
    phrase: Callable[[Context], str] | None = None

    def describe_value(self, value: Any) -> str:
        if value is None:
            return "无"
        if self.labels and value in self.labels:
            return self.labels[value]
        return str(value)


def _flag(kind: str) -> Callable[[SqlContext], Q]:
    return lambda ctx: Q(in_force(kind, ctx, flag=True))


def _enum_sql(kind: str, column: str, default: str | None) -> Callable[[SqlContext, str, Any], Q]:
    """==, !=, in, not in on a column of a kind's row; `default` applies when there is no row
    (None: no row means the field is absent and every test is false)."""

    def build(ctx: SqlContext, op: str, value: Any) -> Q:
        values = tuple(value) if isinstance(value, tuple) else (value,)
        positive = op in ("==", "in")
        if default is None:
            matching = {f"{column}__in": values}
            return Q(in_force(kind, ctx, **matching)) if positive else Q(in_force(kind, ctx, ~Q(**matching)))
        default_selected = default in values
        if positive == default_selected:
            # true when there is no row or the row's value is (not) in the set
            excluded = ~Q(**{f"{column}__in": values}) if positive else Q(**{f"{column}__in": values})
            return ~Q(in_force(kind, ctx, excluded))
        included = Q(**{f"{column}__in": values}) if positive else ~Q(**{f"{column}__in": values})
        return Q(in_force(kind, ctx, included))

    return build


def _int_sql(kind: str, column: str) -> Callable[[SqlContext, str, int], Q]:
    lookups = {"<": "lt", "<=": "lte", ">": "gt", ">=": "gte", "==": "exact"}

    def build(ctx: SqlContext, op: str, value: int) -> Q:
        if op == "!=":
            return Q(in_force(kind, ctx, ~Q(**{column: value})))
        return Q(in_force(kind, ctx, **{f"{column}__{lookups[op]}": value}))

    return build


def _age_sql(ctx: SqlContext, op: str, value: int) -> Q:
    # age >= n  <=>  birth_date <= birth_date_limit(as_of, n)
    def at_least(n: int) -> Q:
        return Q(birth_date__lte=birth_date_limit(ctx.as_of, n))

    if op == ">=":
        return at_least(value)
    if op == ">":
        return at_least(value + 1)
    if op == "<":
        return ~at_least(value)
    if op == "<=":
        return ~at_least(value + 1)
    if op == "==":
        return at_least(value) & ~at_least(value + 1)
    return ~(at_least(value) & ~at_least(value + 1))


def _sex_sql(ctx: SqlContext, op: str, value: Any) -> Q:
    values = tuple(value) if isinstance(value, tuple) else (value,)
    q = Q(sex__in=values)
    return q if op in ("==", "in") else ~q


def _disability_type(c: Context) -> str | None:
    return c.record.disability.type if c.record.disability else None


def _disability_grade(c: Context) -> int | None:
    return c.record.disability.grade if c.record.disability else None


def _parent_status(role: str) -> Callable[[Context], str]:
    def get(c: Context) -> str:
        parent = c.parent(role)
        return parent.status if parent else "unknown"

    return get


def _guardian_able(c: Context) -> bool:
    return bool(c.record.guardian and c.record.guardian.able)


def _disability(ctx: Context) -> str:
    d = ctx.record.disability
    return f"{DISABILITY_LABELS.get(d.type, d.type)} {d.grade} 级" if d else ""


def _school(ctx: Context) -> str:
    return f"在读（{STAGE_LABELS.get(ctx.record.school_stage, ctx.record.school_stage)}）"


def _in_school_sql(ctx: SqlContext) -> Q:
    return Q(in_force("schooling", ctx, ~Q(detail="none"), flag=True))


FIELDS: dict[str, Field] = {
    f.name: f
    for f in [
        Field("age", "年龄", "int", lambda c: age_on(c.record.birth_date, c.as_of), _age_sql),
        Field("sex", "性别", "enum", lambda c: c.record.sex, _sex_sql, SEXES, {"male": "男", "female": "女"}),
        Field("household.low_income", "低保家庭", "bool", lambda c: c.record.low_income, _flag("low_income")),
        Field("household.extreme_poverty", "特困供养", "bool", lambda c: c.record.extreme_poverty,
              _flag("extreme_poverty")),
        Field("household.temporary_hardship", "临时困难家庭", "bool", lambda c: c.record.temporary_hardship,
              _flag("temporary_hardship")),
        Field("serious_illness", "患重病", "bool", lambda c: c.record.serious_illness, _flag("serious_illness")),
        Field("migrant", "随迁子女", "bool", lambda c: c.record.migrant, _flag("migrant")),
        Field("left_behind", "留守儿童", "bool", lambda c: c.record.left_behind, _flag("left_behind")),
        Field("safety.abuse", "遭受虐待", "bool", lambda c: c.record.abuse, _flag("abuse")),
        Field("safety.neglect", "被忽视", "bool", lambda c: c.record.neglect, _flag("neglect")),
        Field("safety.abandoned", "被遗弃", "bool", lambda c: c.record.abandoned, _flag("abandoned")),
        Field("disability", "残疾", "bool", lambda c: c.record.disability is not None,
              lambda ctx: Q(in_force("disability", ctx)), phrase=_disability),
        Field("disability.type", "残疾类别", "enum", _disability_type,
              _enum_sql("disability", "detail", None), DISABILITY_TYPES, DISABILITY_LABELS),
        Field("disability.grade", "残疾等级", "int", _disability_grade,
              _int_sql("disability", "grade")),
        Field("guardian", "有实际监护人", "bool", lambda c: c.record.guardian is not None,
              lambda ctx: Q(in_force("guardian", ctx))),
        Field("guardian.able", "实际监护人有监护能力", "bool", _guardian_able,
              lambda ctx: Q(in_force("guardian", ctx, flag=True))),
        Field("schooling.stage", "就学阶段", "enum", lambda c: c.record.school_stage,
              _enum_sql("schooling", "detail", "none"), SCHOOL_STAGES, STAGE_LABELS),
        Field("schooling.enrolled", "在读", "bool", lambda c: c.record.school_enrolled,
              lambda ctx: Q(in_force("schooling", ctx, flag=True)), phrase=_school),
        Field("living_arrangement", "生活安置", "enum", lambda c: c.record.living_arrangement,
              _enum_sql("living_arrangement", "status", "family"), LIVING_ARRANGEMENTS, LIVING_LABELS),
        Field("father.status", "父亲状况", "enum", _parent_status("father"),
              _enum_sql("father", "status", "unknown"), PARENT_STATUSES, PARENT_STATUS_LABELS),
        Field("mother.status", "母亲状况", "enum", _parent_status("mother"),
              _enum_sql("mother", "status", "unknown"), PARENT_STATUSES, PARENT_STATUS_LABELS),
    ]
}  # fmt: skip


# ---------------------------------------------------------------------------------------------
# Parent building blocks: parent_gone(p), parent_away_or_missing(p), parent_unable(p), parent_alive(p)


def _status(ctx: Context, role: str) -> str:
    parent = ctx.parent(role)
    return parent.status if parent else "unknown"


def restriction_long_enough(parent: Parent, months: int) -> bool:
    return parent.until is None or (parent.since is not None and parent.until >= add_months(parent.since, months))


def parent_unable(ctx: Context, role: str) -> bool:
    parent = ctx.parent(role)
    if parent is None:
        return False
    months, grade_max = ctx.params["parent_unable_months"], ctx.params["parent_severe_grade_max"]
    status = parent.status
    if status == "severe_disability":
        grade = parent.disability_grade or 99
        return grade <= grade_max or (grade <= 4 and parent.disability_type in MENTAL)
    if status == "serious_illness" or status in ("guardianship_revoked", "deported"):
        return True
    if status in RESTRICTED:
        return restriction_long_enough(parent, months)
    if status == "lost_contact":
        return parent.since is not None and ctx.as_of >= add_months(parent.since, months)
    return False


def _months_between_at_least(months: int) -> tuple[Q, dict[str, Any]]:
    """until >= since + `months` calendar months (clamped), in SQL on both databases: the month
    difference exceeds it, or equals it and the day is reached or `until` is a month's last day.
    Returns the condition and the annotations it needs."""
    month_index_until = ExtractYear("until") * 12 + ExtractMonth("until")
    month_index_since = ExtractYear("since") * 12 + ExtractMonth("since")
    next_day = ExpressionWrapper(F("until") + datetime.timedelta(days=1), output_field=DateFieldType())
    annotations = {
        "_months": month_index_until - month_index_since,
        "_until_day": ExtractDay("until"),
        "_since_day": ExtractDay("since"),
        "_next_day_day": ExtractDay(next_day),
    }
    day_reached = Q(_until_day__gte=F("_since_day")) | Q(_next_day_day=1)
    condition = Q(_months__gt=months) | (Q(_months=months) & day_reached)
    return condition, annotations


def parent_unable_sql(ctx: SqlContext, role: str) -> Q:
    months, grade_max = ctx.params["parent_unable_months"], ctx.params["parent_severe_grade_max"]
    long_enough, annotations = _months_between_at_least(months)
    rows = (
        Circumstance.objects.filter(child=OuterRef("pk"), kind=role, valid_from__lte=ctx.as_of)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=ctx.as_of))
        .annotate(**annotations)
        .filter(
            Q(status="severe_disability", grade__lte=grade_max)
            | Q(status="severe_disability", grade__lte=4, detail__in=MENTAL)
            | Q(status__in=("serious_illness", "guardianship_revoked", "deported"))
            | Q(status__in=RESTRICTED, until__isnull=True)
            | (Q(status__in=RESTRICTED, since__isnull=False) & long_enough)
            | Q(status="lost_contact", since__lte=latest_start_for(ctx.as_of, months))
        )
    )
    return Q(Exists(rows))


def _parent_phrase(ctx: Context, role: str) -> str:
    parent = ctx.parent(role)
    who = PARENTS[role]
    if parent is None:
        return f"{who}情况不详（视为查找不到）"
    text = who + PARENT_STATUS_LABELS.get(parent.status, parent.status)
    if parent.status == "severe_disability":
        kind = parent.disability_type or ""
        text += f"（{DISABILITY_LABELS.get(kind, kind)} {parent.disability_grade} 级）"
    months = ctx.params["parent_unable_months"]
    if parent.status in RESTRICTED:
        if parent.until:
            span = "满" if restriction_long_enough(parent, months) else "不满"
            text += f" {parent.since} 至 {parent.until}（{span} {months} 个月）"
        else:
            text += f"，自 {parent.since}（未定结束日期）"
    elif parent.status == "lost_contact" and parent.since:
        span = "满" if ctx.as_of >= add_months(parent.since, months) else "不满"
        text += f"，自 {parent.since}（{span} {months} 个月）"
    return text


@dataclass(frozen=True)
class Block:
    name: str
    label: str
    test: Callable[[Context, str], bool]
    sql: Callable[[SqlContext, str], Q]


BLOCKS: dict[str, Block] = {
    b.name: b
    for b in [
        Block("parent_gone", "父母一方死亡或查找不到", lambda c, r: _status(c, r) in GONE,
              lambda ctx, r: ~Q(in_force(r, ctx, ~Q(status__in=GONE)))),
        Block("parent_away_or_missing", "父母一方死亡、失踪或查找不到", lambda c, r: _status(c, r) in AWAY_OR_MISSING,
              lambda ctx, r: ~Q(in_force(r, ctx, ~Q(status__in=AWAY_OR_MISSING)))),
        Block("parent_unable", "父母一方无法履行抚养义务", parent_unable, parent_unable_sql),
        Block("parent_alive", "父母一方健在", lambda c, r: _status(c, r) == "alive",
              lambda ctx, r: Q(in_force(r, ctx, status="alive"))),
    ]
}  # fmt: skip


def block_phrase(ctx: Context, role: str) -> str:
    return _parent_phrase(ctx, role)
