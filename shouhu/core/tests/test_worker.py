"""Background jobs with the real worker command, in real processes against a real database
file (SQLite) or database (PostgreSQL) — whichever the suite runs on."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from shouhu.core.models import PeriodicJobRun
from shouhu.core.periodic import PeriodicJob, registered_jobs, schedule_due_jobs
from shouhu.core.testing.processes import scratch_database, shouhu_process, shouhu_run


@pytest.fixture
def worker_database(tmp_path: Path) -> Iterator[str]:
    with scratch_database(tmp_path, migrated=True) as url:
        yield url


def query(url: str, code: str) -> str:
    return shouhu_run(["shell", "-c", code], url).strip().splitlines()[-1]


@pytest.mark.django_db
def test_period_keys_are_stable_within_a_period() -> None:
    job = PeriodicJob(name="x", task=None, every=timedelta(hours=1))
    a = datetime(2026, 11, 28, 10, 0, 1, tzinfo=UTC)
    assert job.period_key(a) == job.period_key(a + timedelta(minutes=59))
    assert job.period_key(a) != job.period_key(a + timedelta(hours=1))


@pytest.mark.django_db
def test_a_period_is_claimed_once() -> None:
    now = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)
    first = schedule_due_jobs(worker_id="w1", now=now)
    second = schedule_due_jobs(worker_id="w2", now=now)
    assert "core.prune_finished_task_results" in first
    assert second == []
    assert PeriodicJobRun.objects.filter(job_name="core.prune_finished_task_results").count() == 1


def test_two_workers_run_each_periodic_job_once(worker_database: str) -> None:
    # Long leases make the sweeps of screening parts and import runs hourly, like the other jobs, so
    # no job's period turns over while the test runs (each job must run exactly once).
    workers = [
        shouhu_process(["worker", "--loops", "3", "--interval", "0.2"], worker_database,
                       SHOUHU_SCREENING_PART_LEASE_SECONDS="14400", SHOUHU_IMPORT_LEASE_SECONDS="14400")
        for _ in range(2)
    ]  # fmt: skip
    outputs = [w.communicate(timeout=180)[0] for w in workers]
    assert all(w.returncode == 0 for w in workers), outputs
    jobs = registered_jobs()
    runs = query(worker_database, "from shouhu.core.models import PeriodicJobRun as R; print(R.objects.count())")
    assert int(runs) == len(jobs)
    done = query(
        worker_database,
        "from django_tasks_db.models import DBTaskResult as T; "
        "print(T.objects.filter(status='SUCCESSFUL').count(), T.objects.exclude(status='SUCCESSFUL').count())",
    )
    assert done == f"{len(jobs)} 0"
