"""Property test: the in-memory evaluator, the set-based SQL (one EXISTS query per rule) and the
facts-row target (one facts row per child, every rule an expression over it: what screening runs)
agree on every category and measure and on what is undetermined (policy rules v2), for generated
children, including birthdays on the as-of date, month-end six-month spans, parents, attendance and
guardians not recorded, and rows a correction left overlapping. Runs on whichever
database the suite runs on (SQLite and PostgreSQL in CI)."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.db import connection, transaction
from django.db.models import QuerySet
from django.db.models.expressions import RawSQL
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shouhu.eligibility.dates import add_months
from shouhu.eligibility.engine import RuleSet, Screened, contract_ruleset, screen_database
from shouhu.eligibility.screening import screen_facts
from shouhu.registry.exchange.bulk import bulk_register
from shouhu.registry.exchange.format import (
    DISABILITY_TYPES,
    LIVING_ARRANGEMENTS,
    PARENT_STATUSES,
    SCHOOL_STAGES,
    STATUSES_NEEDING_SINCE,
    parse_record,
)
from shouhu.registry.models import FLAG_KINDS, Child, Circumstance, Kind
from shouhu.registry.selectors import situation_on

RULES = contract_ruleset()


class CompiledOnce(RuleSet):
    """The same rules for `screen_database`, each rule's query built and compiled to SQL once per
    as-of date (over all children) instead of once per example: building and compiling the ORM
    query was nearly all of an example's time, and it is the same for every example on a date.
    Each example still runs that SQL, restricted to its own children, through screen_database."""

    def __init__(self, rules: RuleSet) -> None:
        self.__dict__.update(rules.__dict__)
        self.compiled: dict[tuple[str, datetime.date, str], tuple[str, tuple[Any, ...]]] = {}

    def matching(self, code: str, as_of: datetime.date, children: QuerySet[Child] | None = None) -> QuerySet[Child]:
        if (code, as_of, "true") not in self.compiled:
            query = super().matching(code, as_of).values("pk").query
            self.compiled[code, as_of, "true"] = query.sql_with_params()
        children = children if children is not None else Child.objects.all()
        return children.filter(pk__in=RawSQL(*self.compiled[code, as_of, "true"]))  # noqa: S611  (SQL Django compiled)

    def undetermined_among(self, code: str, as_of: datetime.date, children: QuerySet[Child]) -> QuerySet[Child]:
        if (code, as_of, "undetermined") not in self.compiled:
            query = super().undetermined_among(code, as_of, Child.objects.all()).values("pk").query
            self.compiled[code, as_of, "undetermined"] = query.sql_with_params()
        return children.filter(pk__in=RawSQL(*self.compiled[code, as_of, "undetermined"]))  # noqa: S611


SQL_RULES = CompiledOnce(RULES)
VILLAGE = "210522100201"
AS_OF_DATES = [
    datetime.date(2026, 11, 28),
    datetime.date(2025, 2, 28),
    datetime.date(2024, 2, 29),
    datetime.date(2026, 8, 31),
    datetime.date(2027, 3, 1),
]


@st.composite
def dates_near(draw: Any, anchor: datetime.date) -> datetime.date:
    """A date close to an interesting point: the anchor ± a few days, or a month end before it."""
    months_back = draw(st.integers(0, 14))
    base = add_months(anchor, -months_back)
    return base + datetime.timedelta(days=draw(st.integers(-3, 3)))


@st.composite
def parent(draw: Any, role: str, as_of: datetime.date) -> dict[str, Any] | None:
    if draw(st.booleans()) and draw(st.booleans()):
        # not recorded: missing from the list, or said so
        return draw(st.sampled_from([None, {"role": role, "status": "not_recorded"}]))
    status = draw(st.sampled_from(PARENT_STATUSES))
    item: dict[str, Any] = {"role": role, "status": status}
    if status in STATUSES_NEEDING_SINCE or draw(st.booleans()):
        since = draw(dates_near(as_of))
        since = min(since, as_of)
        item["since"] = since.isoformat()
        if draw(st.booleans()):
            # until around since + 6 months, including month-end clamping
            until = add_months(since, 6) + datetime.timedelta(days=draw(st.integers(-2, 2)))
            item["until"] = max(until, since).isoformat()
    if status == "severe_disability":
        item["disability_type"] = draw(st.sampled_from(DISABILITY_TYPES))
        item["disability_grade"] = draw(st.integers(1, 4))
    return item


@st.composite
def child(draw: Any, as_of: datetime.date) -> dict[str, Any]:
    age = draw(st.sampled_from([0, 2, 3, 5, 6, 7, 10, 14, 15, 16, 17, 18]))
    birthday_offset = draw(st.sampled_from([-1, 0, 0, 1, 40]))  # the birthday on the as-of date is special
    try:
        birth = as_of.replace(year=as_of.year - age)
    except ValueError:
        birth = datetime.date(as_of.year - age, 2, 28)
    birth += datetime.timedelta(days=birthday_offset)
    birth = min(birth, as_of)
    parents = [p for p in (draw(parent("father", as_of)), draw(parent("mother", as_of))) if p]
    disability = draw(
        st.none() | st.fixed_dictionaries({"type": st.sampled_from(DISABILITY_TYPES), "grade": st.integers(1, 4)})
    )
    able = st.sampled_from([True, False, None])  # None: ability not recorded
    guardian = draw(
        st.sampled_from(["absent", None])
        | st.fixed_dictionaries({"relationship": st.just("grandparent"), "able": able})
    )
    flag = st.booleans()
    schooling = draw(
        st.none()
        | st.fixed_dictionaries(
            {"stage": st.sampled_from(SCHOOL_STAGES), "enrolled": st.sampled_from([True, False, None])}
        )
    )
    item = {
        "id_number": None,
        "no_id_reason": "测试",
        "name": "测试",
        "sex": draw(st.sampled_from(["male", "female"])),
        "birth_date": birth.isoformat(),
        "region_code": VILLAGE,
        "household": {"low_income": draw(flag), "extreme_poverty": draw(flag), "temporary_hardship": draw(flag)},
        "parents": parents,
        "guardian": guardian,
        "disability": disability,
        "serious_illness": draw(flag),
        "schooling": schooling,
        "living_arrangement": draw(st.sampled_from(LIVING_ARRANGEMENTS)),
        "migrant": draw(flag),
        "left_behind": draw(flag),
        "safety": {"abuse": draw(flag) and draw(flag), "neglect": draw(flag) and draw(flag), "abandoned": draw(flag)},
    }
    if guardian == "absent":  # the key left out: the guardian is not recorded
        del item["guardian"]
    return item


REGISTERED = datetime.date(2000, 1, 1)  # facts recorded long before: every status is in force


@st.composite
def corrected_row(draw: Any, as_of: datetime.date) -> dict[str, Any]:
    """A row as a correction (`circumstance_correct`) can leave it: any kind, any period around the
    as-of date (often overlapping the registered row, sometimes starting the same day), and values
    that may differ from the row it overlaps — a flag corrected to false included."""
    # Not the guardian: a child has one guardian of record a day, and the database refuses a second
    # row over the same days (registry/0011_guardian_interval), so no correction leaves one.
    kind = draw(st.sampled_from([k for k in Kind if k != Kind.GUARDIAN]))
    starts = draw(st.sampled_from([REGISTERED, as_of, as_of + datetime.timedelta(days=1)]) | dates_near(as_of))
    row: dict[str, Any] = {"kind": kind, "valid_from": starts}
    if draw(st.booleans()):
        row["valid_to"] = max(starts, draw(dates_near(as_of + datetime.timedelta(days=2))))
    if kind in FLAG_KINDS:
        row["flag"] = draw(st.sampled_from([True, True, False]))
    elif kind in (Kind.FATHER, Kind.MOTHER):
        row["status"] = draw(st.sampled_from(PARENT_STATUSES))
        row["since"] = min(draw(dates_near(as_of)), as_of) if draw(st.booleans()) else None
        if row["since"] and draw(st.booleans()):
            row["until"] = add_months(row["since"], 6) + datetime.timedelta(days=draw(st.integers(-2, 2)))
        if row["status"] == "severe_disability":
            row["detail"], row["grade"] = draw(st.sampled_from(DISABILITY_TYPES)), draw(st.integers(1, 4))
    elif kind == Kind.DISABILITY:
        row["detail"], row["grade"] = draw(st.sampled_from(DISABILITY_TYPES)), draw(st.integers(1, 4))
    elif kind == Kind.SCHOOLING:
        row["detail"], row["flag"] = draw(st.sampled_from(SCHOOL_STAGES)), draw(st.sampled_from([True, False, None]))
    else:
        row["status"] = draw(st.sampled_from(LIVING_ARRANGEMENTS))
    return row


Scenario = tuple[datetime.date, list[tuple[dict[str, Any], list[dict[str, Any]]]]]


@st.composite
def scenario(draw: Any) -> Scenario:
    """Children, each with (often no) corrected rows added after registration."""
    as_of = draw(st.sampled_from(AS_OF_DATES))
    corrections = st.lists(corrected_row(as_of), max_size=3) if draw(st.booleans()) else st.just([])
    return as_of, draw(st.lists(st.tuples(child(as_of), corrections), min_size=1, max_size=12))


def _register(as_of: datetime.date, children: list[tuple[dict[str, Any], list[dict[str, Any]]]]) -> list[int]:
    records = []
    for item, _ in children:
        record, errors = parse_record(item, today=as_of)
        assert record is not None, errors
        records.append(record)
    ids = bulk_register(actor=None, records=records, effective=REGISTERED)
    Circumstance.objects.bulk_create(
        Circumstance(child_id=pk, **row) for pk, (_, rows) in zip(ids, children, strict=True) for row in rows
    )
    return ids


@pytest.fixture(scope="module", autouse=True)
def _registry_tables_as_they_are(django_db_setup: Any, django_db_blocker: Any) -> None:
    """On PostgreSQL, vacuum and analyze the registry's tables before the examples: earlier tests
    in this process rolled back many rows (dead until a vacuum) and may have left statistics of
    data that no longer exists, and the examples' handful of children were then planned and read
    as if the tables were large (seconds a query, minutes for the test in one CI run)."""
    if connection.vendor != "postgresql":
        return
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE registry_child, registry_circumstance")


@pytest.mark.django_db
# Examples from the Hypothesis profile (conftest.py: "ci" 100, "dev" 20), each a handful of
# children screened three ways on one of five as-of dates.
@settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(scenario())
def test_all_three_targets_agree(data: Scenario) -> None:
    as_of, children = data
    with transaction.atomic():
        ids = _register(as_of, children)
        in_db = screen_database(SQL_RULES, as_of, Child.objects.filter(pk__in=ids))
        by_facts = screen_facts(RULES, as_of, Child.objects.filter(pk__in=ids))
        for pk in ids:
            record = situation_on(Child.objects.get(pk=pk), as_of)
            memory = RULES.decide(record, as_of)
            expected = (memory.categories, memory.measures, memory.undetermined)
            assert _outcome(by_facts[pk]) == expected, (record, as_of)
            assert _outcome(in_db[pk]) == expected, (record, as_of)
        transaction.set_rollback(True)


@pytest.mark.django_db
def test_a_correction_overrides_the_row_it_overlaps_in_every_target() -> None:
    as_of = AS_OF_DATES[0]
    item = {"id_number": None, "no_id_reason": "测试", "name": "测试", "sex": "female",
            "birth_date": "2020-05-01", "region_code": VILLAGE, "household": {"low_income": True}}  # fmt: skip
    # A correction from the as-of date says the family is not on 低保 any more; the old row is open.
    (pk,) = _register(as_of, [(item, [{"kind": Kind.LOW_INCOME, "valid_from": as_of, "flag": False}])])
    children = Child.objects.filter(pk=pk)
    memory = RULES.decide(situation_on(children.get(), as_of), as_of)
    assert "low_income" not in memory.categories
    assert screen_facts(RULES, as_of, children)[pk].decided == (memory.categories, memory.measures)
    assert screen_database(RULES, as_of, children)[pk].decided == (memory.categories, memory.measures)


def _outcome(screened: Screened) -> tuple[list[str], list[str], dict[str, list[str]]]:
    return screened.categories, screened.measures, screened.undetermined
