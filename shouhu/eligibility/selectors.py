"""Reads for the eligibility screens, already scoped by the access layer.

- rules and parameters with their versions and the task each measure implements;
- previews of a rule or parameter change (set-based counts in the editor's scope);
- screening runs a user may see, their counts and changes;
- open eligibility counts by region and code, and the children behind a count;
- one child's categories and measures (recomputed, explained) and stored history.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import Substr
from django.http import Http404

from shouhu.access import Capability, can, children_visible_to, jurisdiction, region_prefix
from shouhu.accounts.models import User
from shouhu.core.dates import today
from shouhu.regions.models import Level, Region
from shouhu.registry.models import Child, ChildStatus

from . import language as L
from .engine import Decision, RuleSet
from .models import (
    ChangeKind,
    Eligibility,
    EligibilityChange,
    Parameter,
    ParameterVersion,
    Rule,
    RuleKind,
    RuleVersion,
    RunState,
    ScreeningRun,
)
from .rules import ADULT_AGE, rule_versions_on, rules_using_parameter, ruleset_on

PREVIEW_NAMES = 20


def mask_name(name: str) -> str:
    """张小明 → 张**: enough to recognise a child in a preview, not to identify one."""
    name = name.strip()
    return name[:1] + "*" * max(len(name) - 1, 1) if name else ""


# ---------------------------------------------------------------------------------------------
# Rules and parameters


@dataclass
class TaskInfo:
    number: int
    text: str
    lead: list[str]
    cooperating: list[str]


@dataclass
class RuleRow:
    rule: Rule
    version: RuleVersion | None  # in force on the date (None: only future versions)
    latest: RuleVersion | None
    task: TaskInfo | None
    parameters: list[str] = field(default_factory=list)


def _tasks(on: datetime.date, numbers: set[int]) -> dict[int, TaskInfo]:
    """The tasks of the current table with their lead and cooperating units on a date."""
    from shouhu.policy.models import ResponsibilityRole
    from shouhu.policy.selectors import ReorganisationGraph, current_document, responsible_on, tasks_of

    document = current_document()
    if document is None or not numbers:
        return {}
    graph = ReorganisationGraph()
    result = {}
    for task in tasks_of(document).filter(number__in=numbers):
        responsible = responsible_on(task, on, graph)
        lead = [r.department.name for r in responsible if r.role == ResponsibilityRole.LEAD]
        others = [r.department.name for r in responsible if r.role != ResponsibilityRole.LEAD]
        result[task.number] = TaskInfo(task.number, task.text, lead, others)
    return result


def _parameters_of(expression: str) -> list[str]:
    try:
        return sorted(L.parameters(L.parse(expression)))
    except L.RuleSyntaxError:
        return []


def rule_rows(on: datetime.date) -> dict[str, list[RuleRow]]:
    """Categories, measures and building blocks with the version in force on `on`."""
    in_force = rule_versions_on(on)
    latest: dict[int, RuleVersion] = {}
    for row in RuleVersion.objects.order_by("rule_id", "-version"):
        latest.setdefault(row.rule_id, row)
    rules = list(Rule.objects.order_by("position", "code"))
    tasks = _tasks(on, {r.task_number for r in rules if r.task_number})
    grouped: dict[str, list[RuleRow]] = {kind: [] for kind in RuleKind.values}
    for rule in rules:
        version = in_force.get(rule.code)
        shown = version or latest.get(rule.pk)
        grouped[rule.kind].append(
            RuleRow(
                rule,
                version,
                latest.get(rule.pk),
                tasks.get(rule.task_number or 0),
                _parameters_of(shown.expression) if shown else [],
            )
        )
    return grouped


def access_rule_by_code(code: str) -> Rule:
    try:
        return Rule.objects.get(code=code)
    except Rule.DoesNotExist:
        raise Http404("规则不存在") from None


@dataclass
class RulePage:
    rule: Rule
    versions: list[RuleVersion]
    current: RuleVersion | None
    task: TaskInfo | None
    used_by: list[Rule]
    parameters: list[tuple[Parameter, int | None]]


def rule_page(rule: Rule, on: datetime.date) -> RulePage:
    versions = list(rule.versions.select_related("created_by").order_by("-version"))
    current = rule_versions_on(on).get(rule.code)
    shown = current or (versions[0] if versions else None)
    names = _parameters_of(shown.expression) if shown else []
    values = parameter_values_on(on)
    parameters = [(p, values.get(p.name)) for p in Parameter.objects.filter(name__in=names)]
    used_by = []
    for version in rule_versions_on(on).values():
        try:
            if rule.code in L.references(L.parse(version.expression)):
                used_by.append(version.rule)
        except L.RuleSyntaxError:
            continue
    used_by.sort(key=lambda r: (r.position, r.code))
    tasks = _tasks(on, {rule.task_number} if rule.task_number else set())
    return RulePage(rule, versions, current, tasks.get(rule.task_number or 0), used_by, parameters)


def parameter_values_on(on: datetime.date) -> dict[str, int]:
    from .rules import parameters_on

    return parameters_on(on)


@dataclass
class ParameterRow:
    parameter: Parameter
    current: ParameterVersion | None
    versions: list[ParameterVersion]
    used_by: list[str]
    applies_to_all: bool = False


def parameter_rows(on: datetime.date) -> list[ParameterRow]:
    try:
        ruleset: RuleSet | None = ruleset_on(on)
    except L.RuleSyntaxError:
        ruleset = None
    rows = []
    for parameter in Parameter.objects.prefetch_related("versions__created_by").order_by("name"):
        versions = sorted(parameter.versions.all(), key=lambda v: -v.version)
        current = next(
            (v for v in versions if v.effective_from <= on and (v.effective_to is None or v.effective_to >= on)), None
        )
        everything = parameter.name == ADULT_AGE
        used_by = list(rules_using_parameter(ruleset, parameter.name)) if ruleset and not everything else []
        rows.append(ParameterRow(parameter, current, versions, used_by, everything))
    return rows


def access_parameter(name: str) -> Parameter:
    try:
        return Parameter.objects.get(name=name)
    except Parameter.DoesNotExist:
        raise Http404("参数不存在") from None


# ---------------------------------------------------------------------------------------------
# Previews


@dataclass
class PreviewRow:
    code: str
    label: str
    kind: str
    before: int
    after: int
    gained: int
    lost: int
    gained_names: list[tuple[int, str]]
    lost_names: list[tuple[int, str]]

    @property
    def changed(self) -> bool:
        return bool(self.gained or self.lost)


def preview(
    *, before: RuleSet, after: RuleSet, codes: tuple[str, ...], as_of: datetime.date, children: QuerySet[Child]
) -> list[PreviewRow]:
    """For each code: how many of `children` match before and after the change, and who changes
    (set-based: counts and differences are queries, not loops over children)."""
    children = children.filter(status=ChildStatus.ACTIVE)
    rows = []
    for code in codes:
        if code not in after.rules:
            continue
        old = before.matching(code, as_of, children) if code in before.rules else children.none()
        new = after.matching(code, as_of, children)
        gained = new.exclude(pk__in=old.values("pk"))
        lost = old.exclude(pk__in=new.values("pk"))
        rule = after.rules[code]
        rows.append(
            PreviewRow(
                code=code,
                label=rule.label,
                kind=rule.kind,
                before=old.count(),
                after=new.count(),
                gained=gained.count(),
                lost=lost.count(),
                gained_names=[
                    (pk, mask_name(n)) for pk, n in gained.order_by("pk").values_list("pk", "name")[:PREVIEW_NAMES]
                ],
                lost_names=[
                    (pk, mask_name(n)) for pk, n in lost.order_by("pk").values_list("pk", "name")[:PREVIEW_NAMES]
                ],
            )
        )
    return rows


# ---------------------------------------------------------------------------------------------
# Screening runs


def _scope_prefix(user: User) -> str | None:
    """The region prefix whose eligibility a user may see (counts), or None."""
    if not can(user, Capability.VIEW_ELIGIBILITY):
        return None
    return region_prefix(user)


def runs_visible_to(user: User) -> QuerySet[ScreeningRun]:
    """Runs inside the user's jurisdiction, and runs covering it (a county-wide run is seen by
    each township, which sees only its own children in it)."""
    prefix = _scope_prefix(user)
    if prefix is None:
        return ScreeningRun.objects.none()
    covering = {prefix[:6], prefix[:9]} - {prefix}
    return ScreeningRun.objects.filter(Q(region_prefix__startswith=prefix) | Q(region_prefix__in=covering))


def run_list(user: User) -> QuerySet[ScreeningRun]:
    """The runs page: newest first, with who asked for each."""
    return runs_visible_to(user).select_related("requested_by").order_by("-created_at", "-pk")


def access_run(user: User, run_id: int) -> ScreeningRun:
    try:
        return runs_visible_to(user).select_related("requested_by").get(pk=run_id)
    except ScreeningRun.DoesNotExist:
        raise Http404("筛查不存在或不在您的辖区内") from None


def run_within_scope(user: User, run: ScreeningRun) -> bool:
    """True when the whole run is inside the user's jurisdiction (its totals are theirs to see)."""
    prefix = _scope_prefix(user)
    return prefix is not None and run.region_prefix.startswith(prefix)


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
    prefix = _scope_prefix(user) or "-"
    names = region_names({r.region_code for r in runs})
    partial = [r for r in runs if not r.region_prefix.startswith(prefix)]
    scoped = _changes_in_scope(partial, prefix) if partial else {}
    rows = []
    for run in runs:
        whole = run.region_prefix.startswith(prefix)
        gained = run.gained if whole else scoped.get((run.pk, ChangeKind.GAINED), 0)
        lost = run.lost if whole else scoped.get((run.pk, ChangeKind.LOST), 0)
        rows.append(RunRow(run, names.get(run.region_code, run.region_code), whole, gained, lost))
    return rows


def _changes_in_scope(runs: list[ScreeningRun], prefix: str) -> dict[tuple[int, str], int]:
    """(run, change) → how many of a wider run's changes concern children under `prefix`. A
    township's share is its part's totals; a smaller region's is counted — a county's first run
    changes millions of results, so a finished run's large count is remembered (issue 7)."""
    from django.core.cache import cache

    from shouhu.web.pagination import COUNT_CACHE_FROM

    from .models import ScreeningPart

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


def code_labels() -> dict[str, tuple[str, str]]:
    """code → (label, kind) for categories and measures, in display order."""
    return {r.code: (r.label, r.kind) for r in Rule.objects.exclude(kind=RuleKind.BLOCK).order_by("position", "code")}


def open_at_run(run: ScreeningRun) -> Q:
    """Eligibility rows that held right after `run` (runs apply in id order)."""
    return Q(found_by_id__lte=run.pk) & (Q(ended_by__isnull=True) | Q(ended_by_id__gt=run.pk))


def run_counts(user: User, run: ScreeningRun) -> list[CodeCount]:
    """Per category and measure: how many matched in the run, and its changes — the whole run's
    totals when it lies inside the user's jurisdiction, otherwise the user's part of it."""
    prefix = _scope_prefix(user) or "-"
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


# ---------------------------------------------------------------------------------------------
# Counts by region and code


@dataclass
class CountsTable:
    region: Region
    columns: list[Region]
    rows: list[tuple[str, str, str, list[tuple[Region, int]], int]]  # code, label, kind, cells, total
    totals: list[int]


def counting_regions(user: User) -> QuerySet[Region]:
    """Regions a user may break the counts down by: their jurisdiction's county/township levels."""
    scope = jurisdiction(user) if can(user, Capability.VIEW_ELIGIBILITY) else None
    if scope is None:
        return Region.objects.none()
    return Region.objects.filter(code__startswith=scope.prefix, level__in=(Level.COUNTY, Level.TOWNSHIP))


def access_counting_region(user: User, code: str) -> Region:
    scope = jurisdiction(user) if can(user, Capability.VIEW_ELIGIBILITY) else None
    if scope is None:
        raise Http404("没有可查看的区划")
    if not code:
        return scope
    try:
        return Region.objects.filter(code__startswith=scope.prefix).get(code=code)
    except Region.DoesNotExist:
        raise Http404("区划不存在或不在您的辖区内") from None


def open_eligibility(prefix: str) -> QuerySet[Eligibility]:
    return Eligibility.objects.filter(
        until__isnull=True, child__region_code__startswith=prefix, child__status=ChildStatus.ACTIVE
    )


def counts_table(region: Region, *, kind: str = "") -> CountsTable:
    """Open eligibility counts: one row per category/measure, one column per region directly
    under `region` (townships of the county, villages of a township), plus the total."""
    columns = list(region.children.order_by("code")) if region.level != Level.VILLAGE else [region]
    width = 9 if region.level == Level.COUNTY else 12
    cells: dict[tuple[str, str], int] = {}
    for row in (
        open_eligibility(region.prefix)
        .annotate(part=Substr("child__region_code", 1, width))
        .values("code", "part")
        .annotate(n=Count("id"))
    ):
        cells[(row["code"], row["part"])] = row["n"]
    keys = [c.code[:width] for c in columns]
    rows = []
    for code, (label, rule_kind) in code_labels().items():
        if kind and rule_kind != kind:
            continue
        values = [(column, cells.get((code, key), 0)) for column, key in zip(columns, keys, strict=True)]
        total = sum(n for (c, _p), n in cells.items() if c == code)
        rows.append((code, label, rule_kind, values, total))
    totals = [sum(r[3][i][1] for r in rows) for i in range(len(columns))]
    return CountsTable(region, columns, rows, totals)


def eligible_children(user: User, region: Region, code: str) -> QuerySet[Eligibility]:
    """Open eligibility rows of a code in a region, for children the user may see."""
    from shouhu.registry.selectors import within_prefix

    return (
        open_eligibility(region.prefix)
        .filter(within_prefix("child__region_code", region.prefix))  # lets the page's keys come from an index
        .filter(code=code, child__in=children_visible_to(user))
        .select_related("child__region__parent")  # found_by_id is all the list and export show
        .order_by("child__region_code", "child__name_pinyin", "child_id")
    )


# ---------------------------------------------------------------------------------------------
# One child


@dataclass
class HistoryRow:
    row: Eligibility
    label: str
    parameters: list[tuple[str, Any]]


@dataclass
class ChildEligibility:
    as_of: datetime.date
    screened_on: datetime.date | None
    decision: Decision | None
    error: str
    labels: dict[str, tuple[str, str]]
    history: list[HistoryRow]
    stored_open: set[str]

    @property
    def current_codes(self) -> set[str]:
        if self.decision is None:
            return set()
        return set(self.decision.categories) | set(self.decision.measures)

    @property
    def differs(self) -> bool:
        """The stored results of the last screening differ from the rules applied today."""
        return self.decision is not None and self.screened_on == self.as_of and self.current_codes != self.stored_open


def latest_screening_date(child: Child) -> datetime.date | None:
    """The as-of date of the newest finished run covering the child."""
    prefixes = {child.region_code[:6], child.region_code[:9], child.region_code}
    run = (
        ScreeningRun.objects.filter(state=RunState.DONE, region_prefix__in=prefixes)
        .order_by("-as_of", "-pk")
        .only("as_of")
        .first()
    )
    return run.as_of if run else None


def parameters_for(expression: str, run_versions: dict[str, Any]) -> list[tuple[str, Any]]:
    names = _parameters_of(expression)
    return [(n, run_versions.get(f"${n}")) for n in names if f"${n}" in run_versions]


def child_eligibility(child: Child, on: datetime.date | None = None) -> ChildEligibility:
    from shouhu.registry.selectors import situation_on

    screened_on = latest_screening_date(child)
    as_of = on or screened_on or today()
    labels = code_labels()
    decision, error = None, ""
    try:
        decision = ruleset_on(as_of).decide(situation_on(child, as_of), as_of)
    except L.RuleSyntaxError as e:
        error = str(e)
    rows = list(
        Eligibility.objects.filter(child=child).select_related("found_by", "ended_by").order_by("code", "-since", "-pk")
    )
    expressions = {
        (v.rule.code, v.version): v.expression
        for v in RuleVersion.objects.filter(rule__code__in={r.code for r in rows}).select_related("rule")
    }
    history = [
        HistoryRow(
            row,
            labels.get(row.code, (row.code, ""))[0],
            parameters_for(expressions.get((row.code, row.rule_version), ""), row.found_by.rule_versions),
        )
        for row in sorted(rows, key=lambda r: (list(labels).index(r.code) if r.code in labels else 999, r.since))
    ]
    stored_open = {r.code for r in rows if r.until is None}
    return ChildEligibility(as_of, screened_on, decision, error, labels, history, stored_open)


def latest_runs(user: User, limit: int = 1) -> list[ScreeningRun]:
    return list(runs_visible_to(user).order_by("-created_at", "-pk")[:limit])


def run_region_choices(user: User) -> list[tuple[str, str]]:
    """Regions a user may start a screening for: their county or township, and its townships."""
    scope = jurisdiction(user) if can(user, Capability.RUN_SCREENING) else None
    if scope is None:
        return []
    regions = Region.objects.filter(code__startswith=scope.prefix, level__in=(Level.COUNTY, Level.TOWNSHIP))
    return [
        (r.code, ("　" if r.level == Level.TOWNSHIP and scope.level == Level.COUNTY else "") + r.name)
        for r in regions.order_by("code")
    ]
