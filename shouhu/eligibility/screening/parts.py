"""A run in township-sized parts: one part per township under the run's region (or one, for a
township or a village), each screened in ONE transaction (results.py). Parts may run in any worker
at once; a part that dies rolls back and is taken again once its lease runs out, and the part that
finishes last adds up the run.

Locks (the comments at each say why; change none without them): a part's own row only, while it
is claimed, screened or put back (`_locked_part`: never its run, which every part in progress holds
FOR KEY SHARE while it writes results naming it); the run FOR NO KEY UPDATE to plan it and, as a
part ends, to count the finished parts (`_complete_if_last`), so parts finishing at once take
turns instead of deadlocking. A task is queued inside the transaction that holds its part
(`requeue_expired_parts`), or its run (`runs.screening_start`)."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models.functions import Substr
from django.utils import timezone

from shouhu.core import dbstats
from shouhu.registry.models import Child, ChildStatus, Circumstance

from ..models import RunState, ScreeningPart, ScreeningRun
from ..rules import parameters_on, rule_versions_on, ruleset_on
from ..signals import part_screened
from .results import screen_prefix, screened_codes

TOWNSHIP_DIGITS = 9

# Queues a task for a part's or a run's id (`tasks.screen_part_task.enqueue`,
# `tasks.screen_region.enqueue`): passed in by the task or view calling the service, since tasks
# build on services and never the other way round.
Enqueue = Callable[[int], object]


def part_prefixes(region_prefix: str) -> list[str]:
    """The township prefixes under a region that have children on record (all children, not only
    active ones: a child who left still has open results to close)."""
    if len(region_prefix) >= TOWNSHIP_DIGITS:
        return [region_prefix]
    return sorted(
        Child.objects.filter(region_code__startswith=region_prefix)
        .order_by()
        .annotate(township=Substr("region_code", 1, TOWNSHIP_DIGITS))
        .values_list("township", flat=True)
        .distinct()
    )


def rules_in_force(as_of: datetime.date) -> dict[str, int]:
    """What a run records of the rules it applies: each rule's version, and each parameter's value
    (as `$name`)."""
    return {code: v.version for code, v in rule_versions_on(as_of).items()} | {
        f"${name}": value for name, value in parameters_on(as_of).items()
    }


def plan_parts(run: ScreeningRun) -> list[ScreeningPart]:
    """Record the rules in force and split the run into parts (idempotent). A run with nothing on
    record under its region is finished at once."""
    with transaction.atomic():
        run = ScreeningRun.objects.select_for_update(no_key=True).get(pk=run.pk)  # see _complete_if_last
        if run.parts.exists() or run.state != RunState.QUEUED:
            return list(run.parts.all())
        prefixes = part_prefixes(run.region_prefix)
        # Every part is planned from the registry's statistics; a bulk write may have left them
        # stale (14.5 min instead of 40 s for 100,000 children: docs/performance.md).
        dbstats.analyze_stale([Child, Circumstance])
        run.rule_versions = rules_in_force(run.as_of)
        run.children_screened = Child.objects.filter(
            region_code__startswith=run.region_prefix, status=ChildStatus.ACTIVE
        ).count()
        run.state, run.started_at = RunState.RUNNING, timezone.now()
        run.progress_total, run.progress_done = len(prefixes), 0
        run.save()
        lease = _lease_from_now()
        parts = ScreeningPart.objects.bulk_create(
            [ScreeningPart(run=run, region_prefix=p, lease_expires_at=lease) for p in prefixes]
        )
        if not parts:
            _complete_if_last(run.pk)
        return parts


def screen_part(part_id: int, *, announce: bool = False) -> ScreeningRun | None:
    """Screen one part. Returns the run when this part was the last one (the run is then done),
    else None — also when another attempt already finished the part.

    `announce`: send `part_screened` inside the part's transaction, before the part is marked done,
    so what listens (casework drafts the township's suggestions) commits with the part or not at
    all: a part is never done without its follow-up, and a part that dies mid-way is taken again
    whole. The receivers' answers (how many suggestions) are kept on the part (`suggested`)."""
    if not _claim(part_id):
        return None
    try:
        with transaction.atomic():
            # Held until commit: a second attempt at the same part waits here, then finds it done.
            # Only the part's row: locking the joined run too would make parallel parts wait in turn.
            part = ScreeningPart.objects.select_for_update(of=("self",)).select_related("run").get(pk=part_id)
            if part.state == RunState.DONE:
                return None
            counts, gained, lost = screen_prefix(part.run, part.region_prefix)
            screened = Child.objects.filter(
                region_code__startswith=part.region_prefix, status=ChildStatus.ACTIVE
            ).count()
            suggested = 0
            if announce:  # an exception in a receiver rolls the whole part back (and it is taken again)
                responses: list[tuple[Any, Any]] = part_screened.send(sender=ScreeningPart, part=part, run=part.run)
                suggested = sum(answer for _receiver, answer in responses if isinstance(answer, int))
            ScreeningPart.objects.filter(pk=part.pk).update(
                state=RunState.DONE, counts=counts, gained=gained, lost=lost, children_screened=screened,
                suggested=suggested, error="", finished_at=timezone.now(),
            )  # fmt: skip
            return _complete_if_last(part.run_id)
    except Exception as e:
        _part_failed(part_id, e)
        raise


def requeue_expired_parts(now: datetime.datetime | None = None, *, enqueue: Enqueue) -> list[int]:
    """Parts whose lease ran out without finishing (their worker died or hangs) go back on the
    queue (`enqueue`, called inside the part's locked transaction: the task is queued exactly when
    the part is put back); after SCREENING_PART_MAX_ATTEMPTS the part and its run fail. Returns the
    requeued ids."""
    now = now or timezone.now()
    requeued = []
    expired = ScreeningPart.objects.filter(
        state__in=(RunState.QUEUED, RunState.RUNNING), lease_expires_at__lt=now, run__state=RunState.RUNNING
    )
    for part_id in expired.values_list("pk", flat=True):
        with transaction.atomic():
            part = _locked_part(part_id, skip_locked=True)
            if part is None or part.state == RunState.DONE or part.lease_expires_at >= now:  # type: ignore[operator]
                continue
            if part.attempts >= settings.SCREENING_PART_MAX_ATTEMPTS:
                _fail(part, f"{part.attempts} 次尝试均未完成")
                continue
            ScreeningPart.objects.filter(pk=part.pk).update(state=RunState.QUEUED, lease_expires_at=_lease_from_now())
            enqueue(part.pk)
            requeued.append(part.pk)
    return requeued


def _lease_from_now() -> datetime.datetime:
    return timezone.now() + datetime.timedelta(seconds=settings.SCREENING_PART_LEASE_SECONDS)


def _locked_part(part_id: int, *, skip_locked: bool = False) -> ScreeningPart | None:
    """The part's row, locked until commit — only its row: the parts' default ordering joins their
    run, and FOR UPDATE would lock the run too, waiting for every part in progress (each holds the
    run FOR KEY SHARE while it writes results that name it)."""
    return ScreeningPart.objects.select_for_update(of=("self",), skip_locked=skip_locked).filter(pk=part_id).first()


def _claim(part_id: int) -> bool:
    """Mark the part taken (committed at once, so the lease is visible while the work runs)."""
    with transaction.atomic():
        part = _locked_part(part_id)
        if part is None or part.state in (RunState.DONE, RunState.FAILED):
            return False
        ScreeningPart.objects.filter(pk=part_id).update(
            state=RunState.RUNNING, attempts=part.attempts + 1, lease_expires_at=_lease_from_now()
        )
        return True


def _part_failed(part_id: int, error: Exception) -> None:
    with transaction.atomic():
        part = _locked_part(part_id)
        if part is None:
            return
        if part.attempts >= settings.SCREENING_PART_MAX_ATTEMPTS:
            _fail(part, str(error))
        else:  # taken again once the lease runs out
            ScreeningPart.objects.filter(pk=part_id).update(state=RunState.QUEUED, error=str(error)[:2000])


def _fail(part: ScreeningPart, error: str) -> None:
    ScreeningPart.objects.filter(pk=part.pk).update(state=RunState.FAILED, error=error[:2000])
    ScreeningRun.objects.filter(pk=part.run_id).update(
        state=RunState.FAILED, error=f"{part.region_prefix}：{error}"[:2000], finished_at=timezone.now()
    )


def _complete_if_last(run_id: int) -> ScreeningRun | None:
    """Count the finished parts; when all are done, add up their results and finish the run."""
    # FOR NO KEY UPDATE, not FOR UPDATE: every other part in progress holds the run FOR KEY SHARE
    # (its results' reference check, until it commits); FOR UPDATE waited for them, and two parts
    # finishing at once deadlocked. Parts finishing still take turns here.
    run = ScreeningRun.objects.select_for_update(no_key=True).get(pk=run_id)
    parts = list(run.parts.values("state", "counts", "gained", "lost"))
    done = [p for p in parts if p["state"] == RunState.DONE]
    run.progress_done = len(done)
    if len(done) < len(parts) or run.state != RunState.RUNNING:
        run.save(update_fields=["progress_done"])
        return None
    counts: dict[str, int] = {}
    for part in done:
        for code, n in part["counts"].items():
            counts[code] = counts.get(code, 0) + n
    if not parts:
        counts = {code: 0 for code in screened_codes(ruleset_on(run.as_of))}
    run.counts = dict(sorted(counts.items()))
    run.gained, run.lost = sum(p["gained"] for p in done), sum(p["lost"] for p in done)
    run.state, run.finished_at = RunState.DONE, timezone.now()
    run.save()
    return run
