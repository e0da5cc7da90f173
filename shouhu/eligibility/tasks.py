"""Background screening runs."""

from __future__ import annotations

from django_tasks import task


@task()
def screen_region(run_id: int) -> dict[str, int]:
    from .models import ScreeningRun
    from .screening import run_screening

    run = run_screening(ScreeningRun.objects.get(pk=run_id))
    return {"children": run.children_screened, "gained": run.gained, "lost": run.lost}
