"""Background screening runs: a run is planned into township-sized parts, each part is its own
task that any worker takes (several workers screen a run in parallel; each part announces itself
by `signals.part_screened` inside its own transaction, on which casework drafts the township's
suggestions, so a part is done only with its drafts), and a periodic sweep puts back parts whose
worker died.

Tasks call the screening service and hand it their own `enqueue` where it queues work inside its
transaction; the service never imports tasks."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django_tasks import task

from shouhu.core.periodic import periodic

from .models import ScreeningPart, ScreeningRun
from .screening import plan_parts, requeue_expired_parts, screen_part


@task()
def screen_region(run_id: int) -> dict[str, int]:
    """Plan the run into parts and queue one task per part."""
    parts = plan_parts(ScreeningRun.objects.get(pk=run_id))
    for part in parts:
        screen_part_task.enqueue(part.pk)
    return {"parts": len(parts)}


@task()
def screen_part_task(part_id: int) -> dict[str, int]:
    """Screen one part and announce it (`part_screened`) inside the part's transaction: what
    listens (casework drafts the township's suggestions) is written with the part, or the part is
    not done and is taken again. A repeated task finds the part done and does nothing."""
    screen_part(part_id, announce=True)
    part = ScreeningPart.objects.get(pk=part_id)
    return {"part": part_id, "gained": part.gained, "lost": part.lost, "suggested": part.suggested}


# Sweep four times per lease (between once a second and once an hour), so a dead worker's part
# waits at most about a lease and a quarter before another worker takes it.
SWEEP_EVERY = timedelta(seconds=min(3600, max(1, settings.SCREENING_PART_LEASE_SECONDS // 4)))


@periodic(every=SWEEP_EVERY, name="eligibility.requeue_expired_parts")
@task()
def requeue_expired_parts_task() -> dict[str, int]:
    return {"requeued": len(requeue_expired_parts(enqueue=screen_part_task.enqueue))}
