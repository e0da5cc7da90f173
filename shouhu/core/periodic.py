"""Periodic jobs without cron.

Every worker calls `schedule_due_jobs()` on each loop. A job runs at most once per
period because claiming a period inserts a row guarded by a unique constraint: the
first worker's insert wins, the others get an IntegrityError and move on. The claimed
job is then enqueued as an ordinary background task, so any worker may run it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from .models import PeriodicJobRun

logger = logging.getLogger(__name__)
_EPOCH = datetime(2020, 1, 6, tzinfo=UTC)  # a Monday, so weekly periods start on Mondays (UTC)


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    task: Any  # a django_tasks Task
    every: timedelta

    def period_start(self, now: datetime) -> datetime:
        periods = (now - _EPOCH) // self.every
        return _EPOCH + periods * self.every

    def period_key(self, now: datetime) -> str:
        return self.period_start(now).strftime("%Y%m%dT%H%M%S")


_jobs: dict[str, PeriodicJob] = {}


def periodic(*, every: timedelta, name: str | None = None) -> Any:
    """Register a django_tasks Task to be enqueued once per `every`."""

    def decorator(task: Any) -> Any:
        job_name = name or task.name
        _jobs[job_name] = PeriodicJob(name=job_name, task=task, every=every)
        return task

    return decorator


def registered_jobs() -> dict[str, PeriodicJob]:
    return dict(_jobs)


def claim_period(job: PeriodicJob, *, now: datetime, worker_id: str) -> PeriodicJobRun | None:
    try:
        with transaction.atomic():
            return PeriodicJobRun.objects.create(
                job_name=job.name, period_key=job.period_key(now), claimed_by=worker_id[:100]
            )
    except IntegrityError:
        return None


def schedule_due_jobs(*, worker_id: str, now: datetime | None = None) -> list[str]:
    """Enqueue every registered job whose current period nobody has claimed yet."""
    now = now or timezone.now()
    started = []
    for job in _jobs.values():
        run = claim_period(job, now=now, worker_id=worker_id)
        if run is None:
            continue
        result = job.task.enqueue()
        PeriodicJobRun.objects.filter(pk=run.pk).update(task_result_id=str(result.id))
        logger.info("periodic job %s enqueued for period %s", job.name, run.period_key)
        started.append(job.name)
    return started
