"""Background jobs of the registry: validating and committing roster imports, recovering import
runs whose process died (their lease ran out), and the daily scan for potential duplicates.

Uploaded rosters are read only here, never in a web request (`exchange.runs.import_run_validate`,
`exchange.runs.import_run_commit`; the reading itself happens in a memory-limited child process,
`core.sandbox`); a run that is not in the expected state is left alone, so a task delivered twice
does nothing the second time. Tasks import the services, never the other way round:
the import views queue these tasks (`views/rosters.py`).
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from django.conf import settings
from django_tasks import task

from shouhu.core.periodic import periodic

from .duplicates import scan
from .exchange.runs import import_run_commit, import_run_validate, recover_expired_runs
from .models import ImportRun

logger = logging.getLogger(__name__)


def _summary(run: ImportRun) -> dict[str, Any]:
    return {
        "run": run.pk,
        "state": run.state,
        "rows": run.total_rows,
        "new": run.new_count,
        "updated": run.updated_count,
        "errors": run.error_count,
    }


@task()
def validate_import(run_id: int) -> dict[str, Any]:
    run = ImportRun.objects.select_related("created_by").get(pk=run_id)
    return _summary(import_run_validate(run))


@task()
def commit_import(run_id: int) -> dict[str, Any]:
    run = ImportRun.objects.select_related("created_by").get(pk=run_id)
    return _summary(import_run_commit(run))


# Four times per lease (between once a second and once an hour): a run whose process died waits
# at most about a lease and a quarter.
RECOVER_EVERY = timedelta(seconds=min(3600, max(1, settings.IMPORT_RUN_LEASE_SECONDS // 4)))


@periodic(every=RECOVER_EVERY, name="registry.recover_import_runs")
@task()
def recover_import_runs() -> dict[str, int]:
    """Check again (or fail, for the user to retry) import runs whose lease ran out."""
    return recover_expired_runs(enqueue_validation=lambda run_id: validate_import.enqueue(run_id=run_id))


@periodic(every=timedelta(days=1), name="registry.duplicates_scan")
@task()
def scan_duplicates() -> int:
    """Queue potential duplicates among the county's active children; returns how many were new."""
    queued = scan(county_prefix=settings.SHOUHU_COUNTY_CODE[:6])
    logger.info("duplicates scan queued %d new pairs", queued)
    return queued
