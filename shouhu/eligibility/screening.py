"""Screening: the registry (set-based, stored, with changes) and exchange-format files."""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from shouhu.accounts.models import User
from shouhu.core import audit
from shouhu.regions.models import prefix_of_code
from shouhu.registry.exchange import ChildRecord, parse_record
from shouhu.registry.models import Child, ChildStatus

from .engine import Context, RuleSet
from .models import ChangeKind, Eligibility, EligibilityChange, RuleKind, RunState, ScreeningRun
from .rules import parameters_on, rule_versions_on, ruleset_on

Progress = Callable[[int, int], None]


def screened_codes(ruleset: RuleSet) -> list[str]:
    return sorted(code for code, rule in ruleset.rules.items() if rule.kind != RuleKind.BLOCK)


@transaction.atomic
def screening_request(*, actor: User | None, region_code: str, as_of: datetime.date) -> ScreeningRun:
    run = ScreeningRun.objects.create(
        as_of=as_of, region_code=region_code, region_prefix=prefix_of_code(region_code), requested_by=actor
    )
    audit.record(
        actor=actor, action="screening.request", target=run, summary=f"发起筛查：{region_code}，基准日 {as_of}"
    )
    return run


def _apply_code(run: ScreeningRun, ruleset: RuleSet, code: str, children: Any) -> tuple[int, int, int]:
    """One rule: one query for who matches now, one for who was open before, then the difference."""
    matching = set(ruleset.matching(code, run.as_of, children).values_list("pk", flat=True))
    open_rows = dict(
        Eligibility.objects.filter(
            code=code, until__isnull=True, child__region_code__startswith=run.region_prefix
        ).values_list("child_id", "pk")
    )
    gained = matching - open_rows.keys()
    lost = [pk for child_id, pk in open_rows.items() if child_id not in matching]
    version = ruleset.rules[code].version
    with transaction.atomic():
        Eligibility.objects.bulk_create(
            [Eligibility(child_id=c, code=code, since=run.as_of, rule_version=version, found_by=run) for c in gained],
            batch_size=5000,
        )
        Eligibility.objects.filter(pk__in=lost).update(until=run.as_of, ended_by=run)
        lost_children = [c for c in open_rows if c not in matching]
        EligibilityChange.objects.bulk_create(
            [EligibilityChange(run=run, child_id=c, code=code, change=ChangeKind.GAINED) for c in gained]
            + [EligibilityChange(run=run, child_id=c, code=code, change=ChangeKind.LOST) for c in lost_children],
            batch_size=5000,
        )
    return len(matching), len(gained), len(lost)


def run_screening(run: ScreeningRun, *, on_progress: Progress | None = None) -> ScreeningRun:
    """Screen the run's region as of its date with the rules in force then. Idempotent: a rerun
    only records what differs from the open results."""
    ruleset = ruleset_on(run.as_of)
    codes = screened_codes(ruleset)
    children = Child.objects.filter(region_code__startswith=run.region_prefix, status=ChildStatus.ACTIVE)
    run.state, run.started_at, run.progress_total, run.progress_done = RunState.RUNNING, timezone.now(), len(codes), 0
    run.rule_versions = {code: v.version for code, v in rule_versions_on(run.as_of).items()} | {
        f"${name}": value for name, value in parameters_on(run.as_of).items()
    }
    run.children_screened = children.count()
    run.save()
    counts, gained_total, lost_total = {}, 0, 0
    try:
        for done, code in enumerate(codes, start=1):
            counts[code], gained, lost = _apply_code(run, ruleset, code, children)
            gained_total, lost_total = gained_total + gained, lost_total + lost
            ScreeningRun.objects.filter(pk=run.pk).update(progress_done=done)
            if on_progress:
                on_progress(done, len(codes))
    except Exception as e:
        ScreeningRun.objects.filter(pk=run.pk).update(
            state=RunState.FAILED, error=str(e)[:2000], finished_at=timezone.now()
        )
        raise
    run.counts, run.gained, run.lost = counts, gained_total, lost_total
    run.state, run.progress_done, run.finished_at = RunState.DONE, len(codes), timezone.now()
    run.save()
    return run


# ---------------------------------------------------------------------------------------------
# Exchange-format files (`shouhu screen --input`)


@dataclass(frozen=True)
class FileLine:
    line: int
    record: ChildRecord | None
    errors: list[str]


def read_lines(lines: Iterable[str], *, known_regions: set[str] | None) -> Iterator[FileLine]:
    for number, text in enumerate(lines, start=1):
        if not text.strip():
            continue
        try:
            obj = json.loads(text)
        except json.JSONDecodeError as e:
            yield FileLine(number, None, [f"不是有效的 JSON：{e.msg}（第 {e.colno} 列）"])
            continue
        record, errors = parse_record(obj, known_regions=known_regions)
        yield FileLine(number, record, [str(e) for e in errors])


def explain_codes(ruleset: RuleSet, record: ChildRecord, as_of: datetime.date, codes: Iterable[str]) -> dict[str, str]:
    ctx = Context(record, as_of, ruleset.params)
    memo: dict[str, bool] = {}
    return {code: ruleset.explanation(code, ctx, memo) for code in codes}


def output_object(
    ruleset: RuleSet, record: ChildRecord, as_of: datetime.date, categories: list[str], measures: list[str]
) -> dict[str, Any]:
    return {
        "id_number": record.id_number,
        "as_of": as_of.isoformat(),
        "categories": sorted(categories),
        "measures": sorted(measures),
        "explanations": explain_codes(ruleset, record, as_of, sorted(measures)),
    }


# ---------------------------------------------------------------------------------------------
# Additions for the screening UI. New functions only.

STALE_AFTER = datetime.timedelta(hours=2)


def screening_start(*, actor: User, region_code: str, as_of: datetime.date) -> ScreeningRun:
    """Start a background screening of a region in the actor's jurisdiction: the run and its task
    are written in one transaction (the task queue lives in the database, so there is never a run
    without its task or a task without its run). Refused while an overlapping run is unfinished."""
    from django.core.exceptions import PermissionDenied, ValidationError

    from shouhu.accounts.access import Capability, jurisdiction, require
    from shouhu.regions.models import Region

    from .tasks import screen_region

    require(actor, Capability.RUN_SCREENING)
    region = Region.objects.filter(code=region_code).first()
    if region is None:
        raise ValidationError({"region_code": f"「范围」：区划代码 {region_code} 不存在"})
    scope = jurisdiction(actor)
    if scope is None or not region.code.startswith(scope.prefix):
        raise PermissionDenied("只能筛查您辖区内的儿童")
    with transaction.atomic():
        busy = ScreeningRun.objects.select_for_update().filter(
            state__in=(RunState.QUEUED, RunState.RUNNING), created_at__gte=timezone.now() - STALE_AFTER
        )
        for other in busy:
            if other.region_prefix.startswith(region.prefix) or region.prefix.startswith(other.region_prefix):
                raise ValidationError(f"筛查 #{other.pk}（{other.region_code}）尚未完成，请等它完成后再发起")
        run = screening_request(actor=actor, region_code=region.code, as_of=as_of)
        screen_region.enqueue(run.pk)
    return run
