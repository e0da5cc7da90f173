"""Planner statistics after bulk writes (shouhu/core/dbstats.py)."""

from __future__ import annotations

import pytest
from django.db import connection

from shouhu.core import dbstats
from shouhu.core.testing.dbstats import last_analyzed
from shouhu.registry.models import Child, Circumstance

ON_POSTGRESQL = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="statistics are refreshed on PostgreSQL only (SQLite: see dbstats)"
)


@pytest.mark.parametrize(
    ("live", "changed", "analyzed", "stale"),
    [
        (0, 0, False, False),  # an empty table never analyzed: nothing to learn
        (0, 100_000, False, True),  # a bulk load into a new table
        (100_000, 0, False, True),  # rows, but no statistics at all
        (100_000, 10_050, True, False),  # 50 + 10% of 100,000 is the limit
        (100_000, 10_051, True, True),
        (1_000_000, 20_000, True, False),  # a day's corrections on a province registry
    ],
)
def test_a_table_is_stale_by_autovacuums_rule(live: int, changed: int, analyzed: bool, stale: bool) -> None:
    assert dbstats.needs_analyze(live_rows=live, changed_rows=changed, analyzed_before=analyzed) is stale


@ON_POSTGRESQL
@pytest.mark.django_db
def test_analyze_refreshes_the_tables_statistics() -> None:
    before = last_analyzed("registry_circumstance")
    assert dbstats.analyze([Child, Circumstance, Child]) == ["registry_child", "registry_circumstance"]
    after = last_analyzed("registry_circumstance")
    assert after is not None and (before is None or after > before)


@ON_POSTGRESQL
@pytest.mark.django_db
def test_fresh_statistics_are_left_alone() -> None:
    dbstats.analyze([Child])
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
    assert dbstats.analyze_stale([Child]) == []


@pytest.mark.django_db
def test_sqlite_keeps_its_heuristics() -> None:
    if connection.vendor == "postgresql":
        pytest.skip("the SQLite case")
    assert dbstats.analyze([Child]) == [] and dbstats.analyze_stale([Child]) == []
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'")
        assert cursor.fetchone()[0] == 0


@ON_POSTGRESQL
@pytest.mark.django_db
def test_generated_children_leave_fresh_statistics() -> None:
    from shouhu.registry.generator import generate_children

    before = last_analyzed("registry_child")
    assert generate_children(count=5, seed=7) == 5
    after = last_analyzed("registry_child")
    assert after is not None and (before is None or after > before)
