"""Planner statistics after bulk writes (PostgreSQL).

PostgreSQL plans every query from table statistics that autovacuum refreshes some time after a
table changes — a minute or more later, and never where autovacuum is off, as on the project's CI
machines. A query right after a bulk write plans from the old picture: the first screening of
100,000 children straight after `shouhu demo generate` took 14.5 minutes instead of about 40 s,
because `fill_facts` joined the circumstances as if the registry were empty
(docs/performance.md, "Statistics after bulk writes"). So the bulk writers refresh the statistics
of what they wrote (`analyze`), and screening refreshes those it reads when they are stale by
autovacuum's own rule (`analyze_stale`).

SQLite is left alone: without `sqlite_stat1` its planner uses fixed heuristics that the engine's
queries were written and measured against, and `ANALYZE` there reads whole tables.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Model

# autovacuum's defaults (autovacuum_analyze_threshold, autovacuum_analyze_scale_factor): a table
# is stale once more rows changed since its last ANALYZE than 50 + 10% of its live rows.
ANALYZE_THRESHOLD = 50
ANALYZE_SCALE_FACTOR = 0.1


def needs_analyze(*, live_rows: int, changed_rows: int, analyzed_before: bool) -> bool:
    """Autovacuum's rule, plus: a table with rows that was never analyzed has no statistics."""
    if not analyzed_before:
        return live_rows + changed_rows > 0
    return changed_rows > ANALYZE_THRESHOLD + ANALYZE_SCALE_FACTOR * live_rows


def _tables(models: Iterable[type[Model]]) -> list[str]:
    return sorted({model._meta.db_table for model in models})


def analyze(models: Iterable[type[Model]], *, using: str = DEFAULT_DB_ALIAS) -> list[str]:
    """ANALYZE the models' tables now (PostgreSQL; nothing elsewhere); returns the tables."""
    if connections[using].vendor != "postgresql":
        return []
    return analyze_tables(_tables(models), using=using)


def analyze_stale(models: Iterable[type[Model]], *, using: str = DEFAULT_DB_ALIAS) -> list[str]:
    """ANALYZE those of the models' tables whose statistics are stale by `needs_analyze`;
    returns them. The counts come from the statistics system, which sees another session's writes
    once they are committed and reported (within about a second)."""
    connection = connections[using]
    tables = _tables(models)
    if connection.vendor != "postgresql" or not tables:
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT relname, n_live_tup, n_mod_since_analyze,
                      last_analyze IS NOT NULL OR last_autoanalyze IS NOT NULL
                 FROM pg_stat_user_tables
                WHERE schemaname = current_schema() AND relname = ANY(%s)""",
            [tables],
        )
        stale = [
            name
            for name, live, changed, analyzed in cursor.fetchall()
            if needs_analyze(live_rows=live, changed_rows=changed, analyzed_before=analyzed)
        ]
    return analyze_tables(sorted(stale), using=using)


def analyze_tables(tables: list[str], *, using: str = DEFAULT_DB_ALIAS) -> list[str]:
    """One ANALYZE of the named tables (PostgreSQL; callers pass them sorted), inside the caller's
    transaction if any."""
    connection = connections[using]
    if tables:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE " + ", ".join(connection.ops.quote_name(table) for table in tables))
    return tables
