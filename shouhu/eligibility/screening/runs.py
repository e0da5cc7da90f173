"""Screening runs: asking for one (audited), starting one in the background, and screening one
part after another in this process."""

from __future__ import annotations

import datetime
from collections.abc import Callable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from shouhu.access import Capability, may_screen_region, require
from shouhu.accounts.models import User
from shouhu.core import audit
from shouhu.regions.models import Region, prefix_of_code

from ..models import RunState, ScreeningRun
from .parts import Enqueue, plan_parts, screen_part

Progress = Callable[[int, int], None]
STALE_AFTER = datetime.timedelta(hours=2)


@transaction.atomic
def screening_request(*, actor: User | None, region_code: str, as_of: datetime.date) -> ScreeningRun:
    run = ScreeningRun.objects.create(
        as_of=as_of, region_code=region_code, region_prefix=prefix_of_code(region_code), requested_by=actor
    )
    audit.record(
        actor=actor,
        action="screening.request",
        target=run,
        summary=f"发起筛查：{_region_name(region_code)}，基准日 {as_of}",
    )
    return run


def _region_name(code: str) -> str:
    return Region.objects.filter(code=code).values_list("name", flat=True).first() or code


def run_screening(run: ScreeningRun, *, on_progress: Progress | None = None, announce: bool = False) -> ScreeningRun:
    """Screen the run's region as of its date with the rules in force then, part after part in
    this process (workers take the parts in parallel instead: `tasks.screen_region`). Idempotent:
    a rerun only records what differs from the open results. Called again for a run that was
    interrupted (`unfinished_run`), it screens only the parts not done yet: each part is its own
    transaction, done or not at all. `announce`: each part sends `part_screened` inside its
    transaction (parts.screen_part), so its suggestions are drafted with it."""
    parts = plan_parts(run)
    try:
        for done, part in enumerate(parts, start=1):
            screen_part(part.pk, announce=announce)
            if on_progress:
                on_progress(done, len(parts))
    except Exception as e:
        ScreeningRun.objects.filter(pk=run.pk).update(
            state=RunState.FAILED, error=str(e)[:2000], finished_at=timezone.now()
        )
        raise
    run.refresh_from_db()
    return run


def unfinished_run(*, region_code: str, as_of: datetime.date) -> ScreeningRun | None:
    """The latest run of this region and date that was started and never finished (its process was
    killed part-way): `shouhu screen --all` goes on with it instead of starting another, so the
    parts already done keep what they wrote (and drafted) and the others are screened once."""
    return (
        ScreeningRun.objects.filter(
            region_code=region_code, as_of=as_of, child__isnull=True, state__in=(RunState.QUEUED, RunState.RUNNING)
        )
        .order_by("-created_at", "-id")
        .first()
    )


def screening_start(*, actor: User, region_code: str, as_of: datetime.date, enqueue: Enqueue) -> ScreeningRun:
    """Start a background screening of a region in the actor's jurisdiction: the run and its task
    (`enqueue`, the caller's `tasks.screen_region.enqueue`) are written in one transaction (the
    task queue lives in the database, so there is never a run without its task or a task without
    its run). Refused while an overlapping run is unfinished."""
    require(actor, Capability.RUN_SCREENING)
    region = Region.objects.filter(code=region_code).first()
    if region is None:
        raise ValidationError({"region_code": f"「范围」：区划代码 {region_code} 不存在"})
    if not may_screen_region(actor, region):
        raise PermissionDenied("只能筛查您辖区内的儿童")
    with transaction.atomic():
        busy = ScreeningRun.objects.select_for_update(no_key=True).filter(  # see parts._complete_if_last
            state__in=(RunState.QUEUED, RunState.RUNNING), created_at__gte=timezone.now() - STALE_AFTER
        )
        for other in busy:
            if other.region_prefix.startswith(region.prefix) or region.prefix.startswith(other.region_prefix):
                raise ValidationError(f"筛查 #{other.pk}（{other.region_code}）尚未完成，请等它完成后再发起")
        run = screening_request(actor=actor, region_code=region.code, as_of=as_of)
        enqueue(run.pk)
    return run
