"""Real worker processes screening a run part by part: a worker killed in the middle of a
part leaves nothing of it written, and another worker takes the part again once its lease runs out."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from shouhu.core.testing.processes import scratch_database, shouhu_process, shouhu_run

LEASE = {"SHOUHU_SCREENING_PART_LEASE_SECONDS": "2"}


def wait_for(check: Callable[[], Any], timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.mark.skipif(
    "sqlite" in settings.DATABASES["default"]["ENGINE"],
    reason="Needs a lock another process can hold while a worker is inside a part: SQLite has one writer "
    "at a time, so the worker would stop before its part starts; the retry itself is tested on both "
    "databases in test_screening_parts.py",
)
def test_a_worker_killed_mid_part_leaves_nothing_and_another_finishes(tmp_path: Path) -> None:
    import psycopg

    with scratch_database(tmp_path) as url:
        shouhu_run(["migrate", "--noinput", "-v0"], url)
        shouhu_run(["demo", "generate", "--children", "400", "--seed", "7"], url)
        run_id = int(
            shouhu_run(["shell", "-c", (
                "from django.utils import timezone; from shouhu.eligibility.screening import screening_request; "
                "from shouhu.eligibility.tasks import screen_region; "
                "r = screening_request(actor=None, region_code='210522000000', as_of=timezone.localdate()); "
                "screen_region.enqueue(r.pk); print(r.pk)"
            )], url).split()[-1]
        )  # fmt: skip
        dsn = url.replace("postgres://", "postgresql://")
        with psycopg.connect(dsn, autocommit=True) as watcher:

            def one(sql: str, *params: Any) -> Any:
                row = watcher.execute(sql, params).fetchone()
                return row[0] if row else None

            # Hold back writes of results, so the first worker stops inside its first part.
            blocker = psycopg.connect(dsn)
            blocker.execute("LOCK TABLE eligibility_eligibilitychange IN EXCLUSIVE MODE")
            first = shouhu_process(["worker", "--interval", "0.2"], url, **LEASE)
            stuck_backend = wait_for(
                lambda: one(
                    "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' "
                    "AND query LIKE 'INSERT INTO eligibility_eligibilitychange%%'"
                ),
                120,
                "the first worker to block inside a part",
            )
            part_id = one("SELECT id FROM eligibility_screeningpart WHERE state = 'running'")
            first.kill()
            first.wait(timeout=30)
            watcher.execute("SELECT pg_terminate_backend(%s)", (stuck_backend,))
            blocker.rollback()
            blocker.close()
            # Nothing of the part was written: its transaction died with the worker.
            assert one("SELECT COUNT(*) FROM eligibility_eligibilitychange") == 0
            assert one("SELECT COUNT(*) FROM eligibility_eligibility") == 0
            assert one("SELECT state FROM eligibility_screeningpart WHERE id = %s", part_id) == "running"

            second = shouhu_process(["worker", "--interval", "0.2"], url, **LEASE)
            try:
                wait_for(
                    lambda: one("SELECT state FROM eligibility_screeningrun WHERE id = %s", run_id) == "done",
                    180,
                    "the second worker to finish the run",
                )
            finally:
                second.terminate()
                out, _ = second.communicate(timeout=60)
            assert one("SELECT attempts FROM eligibility_screeningpart WHERE id = %s", part_id) == 2
            assert (
                one("SELECT COUNT(*) FROM eligibility_screeningpart WHERE run_id = %s AND state <> 'done'", run_id) == 0
            )
            counts = one("SELECT counts FROM eligibility_screeningrun WHERE id = %s", run_id)
            open_results = one("SELECT COUNT(*) FROM eligibility_eligibility WHERE until IS NULL")
            gained = one(
                "SELECT COUNT(*) FROM eligibility_eligibilitychange WHERE run_id = %s AND change = 'gained'", run_id
            )
            assert open_results == gained == sum(counts.values()) > 0, out
