"""Screening runs as a user sees them: the runs in (or covering) their jurisdiction, with the
totals and changes that are theirs to see (their own children's, for a wider run)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.db.models import Count, Q, QuerySet

from shouhu.access import (
    children_visible_to,
    eligibility_prefix,
    jurisdiction,
    run_within_scope,
    runs_visible_to,
    screening_regions_for,
)
from shouhu.accounts.models import User
from shouhu.regions.models import Level, Region
from shouhu.web.pagination import COUNT_CACHE_FROM

from ..models import ChangeKind, Eligibility, EligibilityChange, RunState, ScreeningPart, ScreeningRun
from .rule_pages import code_labels


def run_list(user: User) -> QuerySet[ScreeningRun]:
    """The runs page: newest first, with who asked for each. Runs of one child (screened at once
    after a registration or a change, `ScreeningRun.child`) are left out: they are the child's."""
    runs = runs_visible_to(user).filter(child__isnull=True)
    return runs.select_related("requested_by").order_by("-created_at", "-pk")


def region_names(codes: set[str]) -> dict[str, str]:
    return dict(Region.objects.filter(code__in=codes).values_list("code", "name"))


@dataclass
class RunRow:
    run: ScreeningRun
    region_name: str
    whole: bool
    gained: int
    lost: int


def run_rows(user: User, runs: list[ScreeningRun]) -> list[RunRow]:
    """Runs with the gained/lost totals the user may see (their own children for a wider run)."""
    prefix = eligibility_prefix(user) or "-"
    names = region_names({r.region_code for r in runs})
    partial = [r for r in runs if not run_within_scope(user, r)]
    scoped = _changes_in_scope(partial, prefix) if partial else {}
    rows = []
    for run in runs:
        whole = run_within_scope(user, run)
        gained = run.gained if whole else scoped.get((run.pk, ChangeKind.GAINED), 0)
        lost = run.lost if whole else scoped.get((run.pk, ChangeKind.LOST), 0)
        rows.append(RunRow(run, names.get(run.region_code, run.region_code), whole, gained, lost))
    return rows


def _changes_in_scope(runs: list[ScreeningRun], prefix: str) -> dict[tuple[int, str], int]:
    """(run, change) → how many of a wider run's changes concern children under `prefix`. A
    township's share is its part's totals; a smaller region's is counted — a county's first run
    changes millions of results, so a finished run's large count is remembered."""
    scoped: dict[tuple[int, str], int] = {}
    parts = ScreeningPart.objects.filter(run__in=runs, region_prefix=prefix, state=RunState.DONE)
    for part in parts.values("run_id", "gained", "lost"):
        scoped[(part["run_id"], ChangeKind.GAINED)] = part["gained"]
        scoped[(part["run_id"], ChangeKind.LOST)] = part["lost"]
    keys = {
        run.pk: f"shouhu:run-changes:{run.pk}:{run.finished_at.isoformat()}:{prefix}"
        for run in runs
        if run.state == RunState.DONE and run.finished_at is not None
    }
    remembered = cache.get_many(list(keys.values())) if keys else {}
    counted: dict[int, dict[str, int]] = {}
    for run in runs:
        if (run.pk, ChangeKind.GAINED) not in scoped:
            counted[run.pk] = remembered.get(keys.get(run.pk, ""), {})
    missing = [pk for pk, found in counted.items() if not found and keys.get(pk, "") not in remembered]
    if missing:
        for row in (
            EligibilityChange.objects.filter(run_id__in=missing, child__region_code__startswith=prefix)
            .values("run_id", "change")
            .annotate(n=Count("id"))
        ):
            counted[row["run_id"]][row["change"]] = row["n"]
        cache.set_many(
            {keys[pk]: counted[pk] for pk in missing if pk in keys and sum(counted[pk].values()) >= COUNT_CACHE_FROM},
            3600,
        )
    for pk, changes in counted.items():
        for change, n in changes.items():
            scoped[(pk, change)] = n
    return scoped


@dataclass
class CodeCount:
    code: str
    label: str
    kind: str
    matching: int | None
    gained: int
    lost: int
    version: int | None = None


def open_at_run(run: ScreeningRun) -> Q:
    """Eligibility rows that held right after `run` (runs apply in id order)."""
    return Q(found_by_id__lte=run.pk) & (Q(ended_by__isnull=True) | Q(ended_by_id__gt=run.pk))


def run_counts(user: User, run: ScreeningRun) -> list[CodeCount]:
    """Per category and measure: how many matched in the run, and its changes — the whole run's
    totals when it lies inside the user's jurisdiction, otherwise the user's part of it."""
    prefix = eligibility_prefix(user) or "-"
    labels = code_labels()
    changes: dict[tuple[str, str], int] = defaultdict(int)
    for row in (
        EligibilityChange.objects.filter(run=run, child__region_code__startswith=prefix)
        .values("code", "change")
        .annotate(n=Count("id"))
    ):
        changes[(row["code"], row["change"])] = row["n"]
    if run_within_scope(user, run):
        matching: dict[str, int] = {k: int(v) for k, v in run.counts.items()}
    else:
        matching = dict(
            Eligibility.objects.filter(open_at_run(run), child__region_code__startswith=prefix)
            .filter(child__region_code__startswith=run.region_prefix)
            .values("code")
            .annotate(n=Count("id"))
            .values_list("code", "n")
        )
    codes = [c for c in labels if c in run.counts or c in matching] or list(labels)
    return [
        CodeCount(
            code,
            labels[code][0],
            labels[code][1],
            matching.get(code, 0) if run.state == RunState.DONE else None,
            changes[(code, ChangeKind.GAINED)],
            changes[(code, ChangeKind.LOST)],
            run.rule_versions.get(code),
        )
        for code in codes
    ]


def run_changes(user: User, run: ScreeningRun, *, code: str = "", change: str = "") -> QuerySet[EligibilityChange]:
    """The run's changes for children the user may see (none for users who see no children)."""
    changes = EligibilityChange.objects.filter(run=run, child__in=children_visible_to(user))
    if code:
        changes = changes.filter(code=code)
    if change:
        changes = changes.filter(change=change)
    return changes.select_related("child__region").order_by(
        "code", "change", "child__region_code", "child__name_pinyin", "pk"
    )


def run_parameters(run: ScreeningRun) -> list[tuple[str, Any]]:
    return sorted((k[1:], v) for k, v in run.rule_versions.items() if k.startswith("$"))


def latest_runs(user: User, limit: int = 1) -> list[ScreeningRun]:
    """The newest runs the user may see, runs of one child left out (as on the runs page)."""
    return list(runs_visible_to(user).filter(child__isnull=True).order_by("-created_at", "-pk")[:limit])


def latest_run_for_jurisdiction(user: User) -> ScreeningRun | None:
    """The latest run that covers the user's whole jurisdiction (for a county user the county's,
    not a township's run that happens to be newer; for a township its own or the county's), else
    the latest the user may see."""
    scope = jurisdiction(user)
    # The region and the regions above it, from its code (county 6 digits, township 9, village 12).
    codes = sorted({scope.code, scope.code[:9] + "000", scope.code[:6] + "000000"}) if scope is not None else []
    runs = runs_visible_to(user).order_by("-created_at", "-pk")
    found = runs.filter(region_code__in=codes).first() if codes else None
    return found or runs.first()


def run_region_choices(user: User) -> list[tuple[str, str]]:
    """Regions a user may start a screening for: their county or township, and its townships."""
    regions = screening_regions_for(user)
    scope = jurisdiction(user)
    if scope is None:
        return []
    return [
        (r.code, ("　" if r.level == Level.TOWNSHIP and scope.level == Level.COUNTY else "") + r.name)
        for r in regions.order_by("code")
    ]
