"""Test helper for planner statistics (shouhu/core/dbstats.py)."""

from __future__ import annotations

import datetime

from django.db import connection


def last_analyzed(table: str) -> datetime.datetime | None:
    """When PostgreSQL last ANALYZEd `table` by hand (not autovacuum), read past this transaction's
    cached statistics snapshot."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute("SELECT last_analyze FROM pg_stat_user_tables WHERE relname = %s", [table])
        found: datetime.datetime | None = cursor.fetchone()[0]
        return found
