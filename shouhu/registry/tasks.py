"""Background jobs of the registry: validating and committing roster imports.

Both run the same functions the request uses for small files (`importing.import_run_validate`,
`importing.import_run_commit`); a run that is not in the expected state is left alone, so a task
delivered twice does nothing the second time.
"""

from __future__ import annotations

from typing import Any

from django_tasks import task

from .importing import import_run_commit, import_run_validate
from .models import ImportRun


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
