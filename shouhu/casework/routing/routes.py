"""Every measure's route as of a date: its task's units (reorganisations and transfers of
functions applied for that task and measure), and the duty map that picks, for a child, the unit
whose duty covers the category that made the child eligible."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field

from shouhu.accounts.models import Department, DepartmentKind
from shouhu.core.dates import today
from shouhu.eligibility.models import Rule, RuleKind
from shouhu.policy.duties.selectors import assignments_of, duty_maps_on
from shouhu.policy.models import Mode, PolicyTask
from shouhu.policy.selectors import ReorganisationGraph, current_document, responsible_on
from shouhu.registry.models import Child


class RoutingError(Exception):
    pass


@dataclass(frozen=True)
class Target:
    """One referral to create: the handling unit, its cooperating units, and the mode."""

    department: Department
    cooperating: tuple[Department, ...] = ()
    mode: str = Mode.LEAD_AND_COOPERATING
    per_township: bool = False


@dataclass(frozen=True)
class Duty:
    """In the duty map in force: children of `category` go to `department` (resolved as of the
    route's date); `confirmed` is False while the county has not confirmed it (待确认)."""

    category: str
    department: Department
    confirmed: bool


@dataclass(frozen=True)
class Transfer:
    """A transfer of a function (职能划转) that applies to the route's task or measure."""

    source: Department
    target: Department
    effective_on: datetime.date
    note: str

    @property
    def confirmed(self) -> bool:
        return "待确认" not in self.note


def child_categories(child: Child, on: datetime.date | None = None) -> set[str]:
    """The categories the child meets on `on` (today), by the rules in force then."""
    from shouhu.eligibility.rules import ruleset_on
    from shouhu.registry.selectors import situation_on

    on = on or today()
    return set(ruleset_on(on).decide(situation_on(child, on), on).categories)


@dataclass
class Route:
    code: str
    task_number: int
    mode: str
    lead: list[Department] = field(default_factory=list)
    cooperating: list[Department] = field(default_factory=list)
    lead_as_written: list[str] = field(default_factory=list)
    cooperating_as_written: list[str] = field(default_factory=list)
    duties: list[Duty] = field(default_factory=list)
    transfers: list[Transfer] = field(default_factory=list)
    on: datetime.date = field(default_factory=today)

    @property
    def by_duty(self) -> bool:
        """Each child's referral goes to the unit whose duty covers them (a duty map applies)."""
        return self.mode == Mode.EACH_BY_DUTY and bool(self.duties)

    @property
    def guiding_only(self) -> list[Department]:
        """Units the table names that guide the measure but get no referral per child: they see
        it in supervision (督办). Only for a measure routed by its duty map."""
        if not self.by_duty:
            return []
        handling = {d.department.pk for d in self.duties}
        return [d for d in self.lead if d.pk not in handling]

    @property
    def receiving(self) -> list[Department]:
        """The units that receive referrals for this measure (some child or other)."""
        if self.by_duty:
            return _unique(d.department for d in self.duties)
        return list(self.lead)

    def targets(self, *, child: Child | None, categories: Iterable[str] | None = None) -> list[Target]:
        """The referrals for `child`. By duty: one per unit whose duty covers a category the child
        meets (`categories`, else worked out as of today); none matching, the first unit the
        table names. Otherwise every lead unit, with the cooperating ones for 牵头配合."""
        if self.by_duty:
            if child is None and categories is None:
                raise RoutingError(f"措施 {self.code} 按职责分别落实：须知道是哪名儿童才能确定办理单位")
            met = set(categories) if categories is not None else child_categories(child, self.on)  # type: ignore[arg-type]
            units = _unique(d.department for d in self.duties if d.category in met) or self.lead[:1]
            return [_target(d, (), self.mode) for d in units]
        if self.mode == Mode.LEAD_AND_COOPERATING:
            cooperating = tuple(self.cooperating)
            return [_target(d, cooperating, self.mode) for d in self.lead]
        # each_by_duty without a duty map, sole and each_township: every responsible unit handles its own part.
        return [_target(d, (), self.mode) for d in self.lead]


def _target(department: Department, cooperating: tuple[Department, ...], mode: str) -> Target:
    return Target(department, cooperating, mode, per_township=department.kind == DepartmentKind.TOWNSHIPS)


def _unique(departments: Iterable[Department]) -> list[Department]:
    result: list[Department] = []
    for department in departments:
        if department not in result:
            result.append(department)
    return result


def _task_for(rule: Rule, tasks: dict[int, PolicyTask]) -> PolicyTask:
    if rule.task_number is None:
        raise RoutingError(f"措施 {rule.code} 不存在或没有对应的分工表任务")
    task = tasks.get(rule.task_number)
    if task is None:
        raise RoutingError(f"当前分工表没有第 {rule.task_number} 项任务（措施 {rule.code}）")
    return task


def routing_table(*, on: datetime.date | None = None, codes: Iterable[str] | None = None) -> dict[str, Route]:
    """Every measure's route (or those of `codes`), with the units of `on` (today) and as written."""
    on = on or today()
    document = current_document()
    if document is None:
        raise RoutingError("尚未导入任务分工表，无法转介")
    tasks = {t.number: t for t in document.tasks.prefetch_related("responsibilities__department")}
    graph = ReorganisationGraph()
    maps = duty_maps_on(on)
    rules = Rule.objects.filter(kind=RuleKind.MEASURE).order_by("code")
    if codes is not None:
        wanted = set(codes)
        rules = rules.filter(code__in=wanted)
        missing = wanted - set(rules.values_list("code", flat=True))
        if missing:
            raise RoutingError(f"措施 {'、'.join(sorted(missing))} 不存在或没有对应的分工表任务")
    routes: dict[str, Route] = {}
    for rule in rules:
        task = _task_for(rule, tasks)
        route = Route(rule.code, task.number, task.mode, on=on)
        for responsible in responsible_on(task, on, graph, measure=rule.code):
            target_list = route.lead if responsible.is_lead else route.cooperating
            if responsible.department not in target_list:
                target_list.append(responsible.department)
        for row in sorted(task.responsibilities.all(), key=lambda r: r.position):
            written = route.lead_as_written if row.role == "lead" else route.cooperating_as_written
            written.append(row.name_as_written)
        for assignment in assignments_of(maps.get(rule.code)):
            for department in graph.resolve(assignment.department, on, task.number, rule.code):
                route.duties.append(Duty(assignment.category, department, assignment.confirmed))
        route.transfers = [
            Transfer(graph.department(source), graph.department(target), step.effective_on, step.note)
            for source, step in graph.transfers_of(task.number, rule.code)
            for target in step.successor_ids
        ]
        routes[rule.code] = route
    return routes


def route_for(code: str, *, on: datetime.date | None = None) -> Route:
    routes = routing_table(on=on, codes=[code])
    if code not in routes:
        raise RoutingError(f"措施 {code} 没有路由")
    return routes[code]
