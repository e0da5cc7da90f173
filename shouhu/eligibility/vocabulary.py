"""What rules can talk about: fields and parent building blocks, each with its in-memory value,
its SQL over the registry (as of a date), its SQL over a facts row, and a Chinese phrase naming the
fact.

The SQL side (`sql`) reads `registry.Circumstance` rows in force on the as-of date through EXISTS;
the facts-row side (`row`) reads one materialised row per child (see "Facts rows" below). A kind
with no row has its default (see shouhu/registry/facts.py): flags false, no disability, living with
family — except parents, the guardian and schooling, which are then **not recorded** (policy rules
v2).

Every form is three-valued (Kleene): True, False, or undetermined when it reads a not-recorded fact
(None in memory; NULL over a facts row; over the registry a pair of filters, one for "true" and one
for "false", so that undetermined is neither). A field that can be not recorded names its fact
(`Field.fact`, a contract name such as `parents.father`); any other absent value (a child with no
disability has no disability type) makes every test false, as in v1.

Kept whole: each field and building block is one entry holding its three forms side by
side (memory, registry SQL, facts row), and the facts row's columns (`fact_columns`) are what the
row forms read. Split by compile target, the forms that must agree (test_agreement.py checks they
do) and the column names and their readers would sit in different files.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import DateField as DateFieldType
from django.db.models import Exists, ExpressionWrapper, F, OuterRef, Q, QuerySet
from django.db.models.functions import ExtractDay, ExtractMonth, ExtractYear

from shouhu.registry.exchange.format import (
    DISABILITY_TYPES,
    FACT_ENROLLED,
    FACT_GUARDIAN,
    LIVING_ARRANGEMENTS,
    PARENT_STATUSES,
    SCHOOL_STAGES,
    SEXES,
    ChildRecord,
    Parent,
)
from shouhu.registry.facts import NOBODY
from shouhu.registry.identity import age_on
from shouhu.registry.labels import DISABILITY_LABELS, LIVING_LABELS, PARENT_STATUS_LABELS, STAGE_LABELS
from shouhu.registry.models import FLAG_KINDS, Circumstance, Kind

from .dates import add_months, birth_date_limit, latest_start_for

PARENTS = {"father": "父亲", "mother": "母亲"}
# A truth value in memory: None is undetermined (it reads a fact that was not recorded).
Truth = bool | None


def parent_fact(role: str) -> str:
    return f"parents.{role}"


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
    """The outer child's row of `kind` in force on the as-of date matches the filters."""
    return Exists(_row_in_force(kind, ctx).filter(*conditions, **filters))


def _row_in_force(kind: str, ctx: SqlContext) -> QuerySet[Circumstance]:
    """The outer child's row of `kind` in force on the as-of date: when a correction left several,
    only the latest started (valid_from, then id), as `registry.facts.in_force` picks it."""
    in_force_then = Q(valid_to__isnull=True) | Q(valid_to__gte=ctx.as_of)
    later = Circumstance.objects.filter(
        in_force_then,
        Q(valid_from__gt=OuterRef("valid_from")) | Q(valid_from=OuterRef("valid_from"), pk__gt=OuterRef("pk")),
        child=OuterRef("child"), kind=kind, valid_from__lte=ctx.as_of,
    )  # fmt: skip
    return Circumstance.objects.filter(
        in_force_then, ~Exists(later), child=OuterRef("pk"), kind=kind, valid_from__lte=ctx.as_of
    )


# ---------------------------------------------------------------------------------------------
# Facts rows: the third compile target
#
# Screening a part first materialises ONE row per child (shouhu/eligibility/screening/results.py,
# the temp table `shouhu_screening_facts`, alias `f`): id, birth date, sex and, per kind, the values
# of the child's row in force on the as-of date, chosen as `registry.facts.in_force` chooses (the
# latest (valid_from, id) when corrections left overlaps), with the kind's default when there is
# none (`fact_columns` below). Each field and block has a `row` form: a boolean SQL expression over that
# row. Row forms are never NULL — a value that can be absent is tested `IS NOT NULL AND …` — so
# NOT, AND and OR mean what `not`, `and`, `or` mean in memory.


@dataclass(frozen=True)
class RowSql:
    """A boolean SQL expression over the facts row `f` (NULL: undetermined), with its parameters."""

    sql: str
    params: tuple[Any, ...] = ()


def row_all(items: Iterable[RowSql]) -> RowSql:
    return _row_join(" AND ", list(items))


def row_any(items: Iterable[RowSql]) -> RowSql:
    return _row_join(" OR ", list(items))


def row_not(item: RowSql) -> RowSql:
    return RowSql(f"NOT {item.sql}", item.params)


def _row_join(operator: str, items: list[RowSql]) -> RowSql:
    if len(items) == 1:
        return items[0]
    return RowSql("(" + operator.join(i.sql for i in items) + ")", tuple(p for i in items for p in i.params))


def _marks(values: tuple[Any, ...]) -> str:
    return ", ".join(["%s"] * len(values))


@dataclass(frozen=True)
class FactColumn:
    """A column of the facts row: its type (the same words on SQLite and PostgreSQL) and how it is
    taken from the child's rows in force (alias `c`, at most one per kind; no row: no `c` at all)."""

    name: str
    type: str
    pivot: str


def fact_columns(vendor: str) -> list[FactColumn]:
    """The facts row's columns after id, birth_date and sex. Defaults as in registry/facts.py; a
    not-recorded parent's status, guardian, guardian_able, schooling_stage and schooling_enrolled
    are NULL."""

    def of(kind: str, value: str) -> str:
        return f"MAX(CASE WHEN c.kind = '{kind}' THEN {value} END)"

    def present(kind: str, condition: str = "") -> str:
        return f"MAX(CASE WHEN c.kind = '{kind}'{condition} THEN 1 ELSE 0 END)"

    # A flag as 1 / 0 / NULL on both databases (SQLite stores 1 / 0, PostgreSQL a boolean).
    flag = "CASE WHEN c.flag THEN 1 WHEN NOT c.flag THEN 0 END"
    columns = [FactColumn(str(kind), "integer", present(kind, " AND c.flag")) for kind in FLAG_KINDS]
    for role in PARENTS:
        columns += [
            FactColumn(f"{role}_status", "varchar(30)", of(role, "c.status")),
            FactColumn(f"{role}_detail", "varchar(30)", f"COALESCE({of(role, 'c.detail')}, '')"),
            FactColumn(f"{role}_grade", "integer", of(role, "c.grade")),
            FactColumn(f"{role}_since", "date", of(role, "c.since")),
            FactColumn(f"{role}_until", "date", of(role, "c.until")),
            FactColumn(f"{role}_months", "integer", of(role, _whole_months_sql(vendor, "c.since", "c.until"))),
        ]
    return [
        *columns,
        FactColumn("guardian", "integer", of(Kind.GUARDIAN, f"CASE WHEN c.status = '{NOBODY}' THEN 0 ELSE 1 END")),
        FactColumn(
            "guardian_able", "integer", of(Kind.GUARDIAN, f"CASE WHEN c.status = '{NOBODY}' THEN 0 ELSE {flag} END")
        ),
        FactColumn("disability", "integer", present(Kind.DISABILITY)),
        FactColumn("disability_type", "varchar(30)", of(Kind.DISABILITY, "c.detail")),  # NULL: none
        FactColumn("disability_grade", "integer", of(Kind.DISABILITY, "COALESCE(c.grade, 0)")),  # as in memory
        FactColumn("schooling_stage", "varchar(30)", of(Kind.SCHOOLING, "c.detail")),
        FactColumn(
            "schooling_enrolled", "integer", of(Kind.SCHOOLING, f"CASE WHEN c.detail = 'none' THEN 0 ELSE {flag} END")
        ),
        FactColumn(
            "living_arrangement", "varchar(30)", f"COALESCE({of(Kind.LIVING_ARRANGEMENT, 'c.status')}, 'family')"
        ),
    ]


# Over the facts row: each not-recorded fact (a contract name) as an SQL test.
NOT_RECORDED_SQL = {
    "parents.father": "f.father_status IS NULL",
    "parents.mother": "f.mother_status IS NULL",
    FACT_ENROLLED: "f.schooling_enrolled IS NULL",
    FACT_GUARDIAN: "f.guardian_able IS NULL",
}


def _whole_months_sql(vendor: str, since: str, until: str) -> str:
    """The largest n with add_months(since, n) <= until (NULL when either is NULL): the month
    difference, less one when `until` falls short of since's day — unless `until` is its month's last
    day, where add_months clamps. So `until >= add_months(since, m)` is `this >= m`."""
    if vendor == "postgresql":

        def part(name: str, column: str) -> str:
            return f"EXTRACT({name} FROM {column})::integer"

        month_end = f"EXTRACT(DAY FROM {until} + 1) = 1"
    else:
        formats = {"YEAR": "%%Y", "MONTH": "%%m", "DAY": "%%d"}  # %% : executed with parameters

        def part(name: str, column: str) -> str:
            return f"CAST(strftime('{formats[name]}', {column}) AS INTEGER)"

        month_end = f"strftime('%%d', {until}, '+1 day') = '01'"
    months = (
        f"({part('YEAR', until)} * 12 + {part('MONTH', until)}) - ({part('YEAR', since)} * 12 + {part('MONTH', since)})"
    )
    short = f"CASE WHEN {part('DAY', until)} >= {part('DAY', since)} OR {month_end} THEN 0 ELSE 1 END"
    return f"({months} - {short})"


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
    # The same test over a facts row: (ctx) -> RowSql, or (ctx, op, value) -> RowSql
    row: Callable[..., RowSql] = field(kw_only=True)
    # The not-recorded fact this field reads (a contract name), or "" when it is always known.
    fact: str = field(default="", kw_only=True)
    # The registry filter for "false" when the field can be not recorded (else false is not true).
    sql_false: Callable[..., Q] | None = field(default=None, kw_only=True)

    def describe_value(self, value: Any) -> str:
        if value is None:
            return "未填写" if self.fact else "无"
        if self.labels and value in self.labels:
            return self.labels[value]
        return str(value)

    def absent(self) -> Truth:
        """What a test on an absent value is: undetermined when the fact was not recorded, else false."""
        return None if self.fact else False


NEGATED = {"==": "!=", "!=": "==", "in": "not in", "not in": "in"}


def _flag(kind: str) -> Callable[[SqlContext], Q]:
    return lambda ctx: Q(in_force(kind, ctx, flag=True))


def _enum_sql(kind: str, column: str, default: str | None) -> Callable[[SqlContext, str, Any], Q]:
    """==, !=, in, not in on a column of a kind's row; `default` applies when there is no row
    (None: no row means the field is absent or not recorded, and the test is not true)."""

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


def _recorded_enum_false(kind: str, column: str) -> Callable[[SqlContext, str, Any], Q]:
    """A recorded value's test is false: the row exists and the opposite test holds on it."""
    build = _enum_sql(kind, column, None)
    return lambda ctx, op, value: build(ctx, NEGATED[op], value)


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


def _flag_row(column: str) -> Callable[[SqlContext], RowSql]:
    return lambda ctx: RowSql(f"f.{column} = 1")


def _recorded_row(column: str) -> Callable[[SqlContext], RowSql]:
    return lambda ctx: RowSql(f"f.{column} IS NOT NULL")


def _enum_row(column: str, *, absent: bool = False) -> Callable[[SqlContext, str, Any], RowSql]:
    """==, !=, in, not in on a column of the facts row; `absent`: the column is NULL when the kind
    has no row, and then every test is false (as in memory). Without it a NULL column is a
    not-recorded fact, and the test is NULL (undetermined)."""

    def build(ctx: SqlContext, op: str, value: Any) -> RowSql:
        values = tuple(value) if isinstance(value, tuple) else (value,)
        test = f"f.{column} {'IN' if op in ('==', 'in') else 'NOT IN'} ({_marks(values)})"
        return RowSql(f"(f.{column} IS NOT NULL AND {test})" if absent else test, values)

    return build


def _int_row(column: str) -> Callable[[SqlContext, str, int], RowSql]:
    """A comparison on a column that is NULL when the kind has no row (then false, as in memory)."""
    operators = {"==": "=", "!=": "<>"}

    def build(ctx: SqlContext, op: str, value: int) -> RowSql:
        return RowSql(f"(f.{column} IS NOT NULL AND f.{column} {operators.get(op, op)} %s)", (value,))

    return build


def _age_row(ctx: SqlContext, op: str, value: int) -> RowSql:
    # as _age_sql: age >= n  <=>  birth_date <= birth_date_limit(as_of, n)
    def at_least(n: int) -> RowSql:
        return RowSql("f.birth_date <= %s", (birth_date_limit(ctx.as_of, n),))

    exactly = row_all([at_least(value), row_not(at_least(value + 1))])
    return {
        ">=": lambda: at_least(value),
        ">": lambda: at_least(value + 1),
        "<": lambda: row_not(at_least(value)),
        "<=": lambda: row_not(at_least(value + 1)),
        "==": lambda: exactly,
        "!=": lambda: row_not(exactly),
    }[op]()


def _disability_type(c: Context) -> str | None:
    return c.record.disability.type if c.record.disability else None


def _disability_grade(c: Context) -> int | None:
    return c.record.disability.grade if c.record.disability else None


def _parent_status(role: str) -> Callable[[Context], str | None]:
    def get(c: Context) -> str | None:
        parent = c.parent(role)
        return parent.status if parent else None

    return get


def _has_guardian(c: Context) -> bool | None:
    return (c.record.guardian is not None) if c.record.guardian_recorded else None


def _disability(ctx: Context) -> str:
    d = ctx.record.disability
    return f"{DISABILITY_LABELS.get(d.type, d.type)} {d.grade} 级" if d else ""


def school_phrase(ctx: Context) -> str:
    """The child's schooling as it decides a rule: 在读（小学）, 未在读（初中）, 未入学."""
    stage, enrolled = ctx.record.school_stage, ctx.record.school_enrolled
    if stage is None:
        return "就学情况未填写"
    if stage == "none":
        return "未入学"
    label = STAGE_LABELS.get(stage, stage)
    return {True: f"在读（{label}）", False: f"未在读（{label}）", None: f"{label}，是否在读未填写"}[enrolled]


def guardian_phrase(ctx: Context) -> str:
    record = ctx.record
    if not record.guardian_recorded:
        return "实际监护人未填写"
    if record.guardian is None:
        return "无实际监护人"
    return {True: "实际监护人有监护能力", False: "实际监护人无监护能力", None: "实际监护人监护能力未填写"}[
        record.guardian.able
    ]


_NOT_NOBODY = ~Q(status=NOBODY)
_NOT_IN_SCHOOL = Q(detail="none") | Q(flag=False)


FIELDS: dict[str, Field] = {
    f.name: f
    for f in [
        Field("age", "年龄", "int", lambda c: age_on(c.record.birth_date, c.as_of), _age_sql, row=_age_row),
        Field("sex", "性别", "enum", lambda c: c.record.sex, _sex_sql, SEXES, {"male": "男", "female": "女"},
              row=_enum_row("sex")),
        Field("household.low_income", "低保家庭", "bool", lambda c: c.record.low_income, _flag("low_income"),
              row=_flag_row("low_income")),
        Field("household.extreme_poverty", "特困供养", "bool", lambda c: c.record.extreme_poverty,
              _flag("extreme_poverty"), row=_flag_row("extreme_poverty")),
        Field("household.temporary_hardship", "临时困难家庭", "bool", lambda c: c.record.temporary_hardship,
              _flag("temporary_hardship"), row=_flag_row("temporary_hardship")),
        Field("serious_illness", "患重病", "bool", lambda c: c.record.serious_illness, _flag("serious_illness"),
              row=_flag_row("serious_illness")),
        Field("migrant", "随迁子女", "bool", lambda c: c.record.migrant, _flag("migrant"), row=_flag_row("migrant")),
        Field("left_behind", "留守儿童", "bool", lambda c: c.record.left_behind, _flag("left_behind"),
              row=_flag_row("left_behind")),
        Field("safety.abuse", "遭受虐待", "bool", lambda c: c.record.abuse, _flag("abuse"), row=_flag_row("abuse")),
        Field("safety.neglect", "被忽视", "bool", lambda c: c.record.neglect, _flag("neglect"),
              row=_flag_row("neglect")),
        Field("safety.abandoned", "被遗弃", "bool", lambda c: c.record.abandoned, _flag("abandoned"),
              row=_flag_row("abandoned")),
        Field("disability", "残疾", "bool", lambda c: c.record.disability is not None,
              lambda ctx: Q(in_force("disability", ctx)), phrase=_disability, row=_flag_row("disability")),
        Field("disability.type", "残疾类别", "enum", _disability_type,
              _enum_sql("disability", "detail", None), DISABILITY_TYPES, DISABILITY_LABELS,
              row=_enum_row("disability_type", absent=True)),
        Field("disability.grade", "残疾等级", "int", _disability_grade,
              _int_sql("disability", "grade"), row=_int_row("disability_grade")),
        Field("guardian", "有实际监护人", "bool", _has_guardian,
              lambda ctx: Q(in_force("guardian", ctx, _NOT_NOBODY)), row=_flag_row("guardian"),
              fact=FACT_GUARDIAN, sql_false=lambda ctx: Q(in_force("guardian", ctx, status=NOBODY)),
              phrase=guardian_phrase),
        Field("guardian.able", "实际监护人有监护能力", "bool", lambda c: c.record.guardian_able,
              lambda ctx: Q(in_force("guardian", ctx, _NOT_NOBODY, flag=True)), row=_flag_row("guardian_able"),
              fact=FACT_GUARDIAN, phrase=guardian_phrase,
              sql_false=lambda ctx: Q(in_force("guardian", ctx, Q(status=NOBODY) | Q(flag=False)))),
        Field("guardian.recorded", "实际监护人已填写", "bool", lambda c: c.record.guardian_able is not None,
              lambda ctx: Q(in_force("guardian", ctx, Q(status=NOBODY) | Q(flag__isnull=False))),
              row=_recorded_row("guardian_able"), phrase=guardian_phrase),
        Field("schooling.stage", "就学阶段", "enum", lambda c: c.record.school_stage,
              _enum_sql("schooling", "detail", None), SCHOOL_STAGES, STAGE_LABELS,
              row=_enum_row("schooling_stage"), fact=FACT_ENROLLED, phrase=school_phrase,
              sql_false=_recorded_enum_false("schooling", "detail")),
        Field("schooling.enrolled", "在读", "bool", lambda c: c.record.school_enrolled,
              lambda ctx: Q(in_force("schooling", ctx, ~Q(detail="none"), flag=True)), phrase=school_phrase,
              row=_flag_row("schooling_enrolled"), fact=FACT_ENROLLED,
              sql_false=lambda ctx: Q(in_force("schooling", ctx, _NOT_IN_SCHOOL))),
        Field("schooling.attendance_recorded", "是否在读已填写", "bool", lambda c: c.record.school_enrolled is not None,
              lambda ctx: Q(in_force("schooling", ctx, Q(detail="none") | Q(flag__isnull=False))),
              row=_recorded_row("schooling_enrolled"), phrase=school_phrase),
        Field("living_arrangement", "生活安置", "enum", lambda c: c.record.living_arrangement,
              _enum_sql("living_arrangement", "status", "family"), LIVING_ARRANGEMENTS, LIVING_LABELS,
              row=_enum_row("living_arrangement")),
        *(
            Field(f"{role}.status", f"{who}状况", "enum", _parent_status(role),
                  _enum_sql(role, "status", None), PARENT_STATUSES, PARENT_STATUS_LABELS,
                  row=_enum_row(f"{role}_status"), fact=parent_fact(role),
                  sql_false=_recorded_enum_false(role, "status"))
            for role, who in PARENTS.items()
        ),
    ]
}  # fmt: skip


# ---------------------------------------------------------------------------------------------
# Parent building blocks: parent_gone(p), parent_away_or_missing(p), parent_unable(p), parent_alive(p),
# parent_recorded(p). All but the last are undetermined for a parent who was not recorded.


def _status(ctx: Context, role: str) -> str | None:
    parent = ctx.parent(role)
    return parent.status if parent else None


def _status_in(statuses: tuple[str, ...]) -> Callable[[Context, str], Truth]:
    def test(ctx: Context, role: str) -> Truth:
        status = _status(ctx, role)
        return None if status is None else status in statuses

    return test


def restriction_long_enough(parent: Parent, months: int) -> bool:
    return parent.until is None or (parent.since is not None and parent.until >= add_months(parent.since, months))


def parent_unable(ctx: Context, role: str) -> Truth:
    parent = ctx.parent(role)
    if parent is None:
        return None
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


def _unable_rows(ctx: SqlContext, role: str) -> QuerySet[Circumstance]:
    months, grade_max = ctx.params["parent_unable_months"], ctx.params["parent_severe_grade_max"]
    long_enough, annotations = _months_between_at_least(months)
    return (
        _row_in_force(role, ctx)
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


def parent_unable_sql(ctx: SqlContext, role: str) -> Q:
    return Q(Exists(_unable_rows(ctx, role)))


def parent_unable_sql_false(ctx: SqlContext, role: str) -> Q:
    """Recorded, and not unable."""
    return Q(Exists(_row_in_force(role, ctx))) & ~Q(Exists(_unable_rows(ctx, role)))


def parent_unable_row(ctx: SqlContext, role: str) -> RowSql:
    """`parent_unable` over the facts row. A not-recorded parent's status is NULL, and so is this:
    the status tests are NULL and every other part is ANDed with one of them."""
    months, grade_max = ctx.params["parent_unable_months"], ctx.params["parent_severe_grade_max"]
    p = f"f.{role}"
    grade = f"COALESCE(NULLIF({p}_grade, 0), 99)"  # in memory: `disability_grade or 99`
    unable = [
        RowSql(
            f"({p}_status = 'severe_disability' AND ({grade} <= %s OR ({grade} <= 4 AND {p}_detail IN "
            f"({_marks(MENTAL)}))))",
            (grade_max, *MENTAL),
        ),
        RowSql(f"{p}_status IN ('serious_illness', 'guardianship_revoked', 'deported')"),
        RowSql(
            f"({p}_status IN ({_marks(RESTRICTED)}) AND ({p}_until IS NULL OR ({p}_since IS NOT NULL "
            f"AND {p}_months >= %s)))",
            (*RESTRICTED, months),
        ),
        RowSql(
            f"({p}_status = 'lost_contact' AND {p}_since IS NOT NULL AND {p}_since <= %s)",
            (latest_start_for(ctx.as_of, months),),
        ),
    ]
    return row_any(unable)


def _status_sql(statuses: tuple[str, ...]) -> Callable[[SqlContext, str], Q]:
    return lambda ctx, role: Q(in_force(role, ctx, status__in=statuses))


def _status_sql_false(statuses: tuple[str, ...]) -> Callable[[SqlContext, str], Q]:
    return lambda ctx, role: Q(in_force(role, ctx, ~Q(status__in=statuses)))


def _status_row(statuses: tuple[str, ...]) -> Callable[[SqlContext, str], RowSql]:
    return lambda ctx, role: RowSql(f"f.{role}_status IN ({_marks(statuses)})", statuses)


def _parent_phrase(ctx: Context, role: str) -> str:
    parent = ctx.parent(role)
    who = PARENTS[role]
    if parent is None:
        return f"{who}情况未填写"
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
    test: Callable[[Context, str], Truth]
    sql: Callable[[SqlContext, str], Q]
    row: Callable[[SqlContext, str], RowSql]
    # The registry filter for "false"; None: the block is never undetermined (false is not true).
    sql_false: Callable[[SqlContext, str], Q] | None = None


BLOCKS: dict[str, Block] = {
    b.name: b
    for b in [
        Block("parent_gone", "父母一方死亡或查找不到", _status_in(GONE), _status_sql(GONE), _status_row(GONE),
              _status_sql_false(GONE)),
        Block("parent_away_or_missing", "父母一方死亡、失踪或查找不到", _status_in(AWAY_OR_MISSING),
              _status_sql(AWAY_OR_MISSING), _status_row(AWAY_OR_MISSING), _status_sql_false(AWAY_OR_MISSING)),
        Block("parent_unable", "父母一方无法履行抚养义务", parent_unable, parent_unable_sql, parent_unable_row,
              parent_unable_sql_false),
        Block("parent_alive", "父母一方健在", _status_in(("alive",)), _status_sql(("alive",)),
              _status_row(("alive",)), _status_sql_false(("alive",))),
        Block("parent_recorded", "父母一方情况已填写", lambda c, r: c.parent(r) is not None,
              lambda ctx, r: Q(Exists(_row_in_force(r, ctx))), lambda ctx, r: RowSql(f"f.{r}_status IS NOT NULL")),
    ]
}  # fmt: skip


def block_phrase(ctx: Context, role: str) -> str:
    return _parent_phrase(ctx, role)
