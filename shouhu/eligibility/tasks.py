"""Background screening runs."""

from __future__ import annotations

from django_tasks import task


@task()
def screen_region(run_id: int) -> dict[str, int]:
    from shouhu.casework.suggestions import create_suggestions

    from .models import ScreeningRun
    from .screening import run_screening

    run = run_screening(ScreeningRun.objects.get(pk=run_id))
    create_suggestions(run)  # casework: draft intakes for the township windows to confirm
    return {"children": run.children_screened, "gained": run.gained, "lost": run.lost}
