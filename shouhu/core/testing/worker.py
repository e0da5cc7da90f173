"""The real worker (`shouhu worker`) run inside a test's transaction, for tests of work the web
request only queues."""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager

from django.core.management import call_command
from django.db import connection


@contextmanager
def worker_inside_the_test_transaction() -> Iterator[None]:
    """The worker calls `close_old_connections()` each loop, which drops a connection whose
    autocommit differs from its settings — always so inside the test's transaction (PostgreSQL
    then loses the test's data; SQLite's in-memory database ignores the close). Make the test
    connection look as configured while the real worker runs, then put everything back."""
    saved = connection.settings_dict["AUTOCOMMIT"], connection.close_at
    connection.settings_dict["AUTOCOMMIT"], connection.close_at = connection.get_autocommit(), None
    try:
        yield
    finally:
        connection.settings_dict["AUTOCOMMIT"], connection.close_at = saved


def run_worker(loops: int = 2) -> str:
    """Run the real worker command for `loops` loops; returns what it printed."""
    out = io.StringIO()
    with worker_inside_the_test_transaction():
        call_command("worker", loops=loops, interval=0, stdout=out)
    return out.getvalue()
