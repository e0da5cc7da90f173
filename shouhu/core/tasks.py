"""Housekeeping background jobs."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from django_tasks import task

from .periodic import periodic

FINISHED_RESULTS_KEPT_FOR = timedelta(days=30)


@periodic(every=timedelta(days=1), name="core.prune_finished_task_results")
@task()
def prune_finished_task_results() -> int:
    """Delete finished background-task results older than 30 days; returns how many."""
    from django_tasks_db.models import DBTaskResult

    cutoff = timezone.now() - FINISHED_RESULTS_KEPT_FOR
    deleted, _ = DBTaskResult.objects.filter(finished_at__lt=cutoff).delete()
    return deleted
