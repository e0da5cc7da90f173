"""Routing a measure to the units the task-division table names for its task, as of today."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import TypedDict

from shouhu.accounts.models import Department, DepartmentKind
from shouhu.core.dates import today
from shouhu.eligibility.models import Rule, RuleKind
from shouhu.policy.models import Mode, PolicyTask
from shouhu.policy.selectors import ReorganisationGraph, current_document, responsible_on


class RoutingError(Exception):
    pass


@dataclass(frozen=True)
class Target:
    """One referral to create: the handling unit, its cooperating units, and the mode."""

    department: Department
    cooperating: tuple[Department, ...] = ()
    mode: str = Mode.LEAD_AND_COOPERATING
    per_township: bool = False


@dataclass
class Route:
    code: str
    task_number: int
    mode: str
    lead: list[Department] = field(default_factory=list)
    cooperating: list[Department] = field(default_factory=list)
    lead_as_written: list[str] = field(default_factory=list)
    cooperating_as_written: list[str] = field(default_factory=list)

    def targets(self) -> list[Target]:
        townships = [d for d in self.lead if d.kind == DepartmentKind.TOWNSHIPS]
        units = [d for d in self.lead if d.kind != DepartmentKind.TOWNSHIPS]
        if self.mode == Mode.LEAD_AND_COOPERATING:
            cooperating = tuple(self.cooperating)
            return [Target(d, cooperating, self.mode) for d in units] + [
                Target(d, cooperating, self.mode, per_township=True) for d in townships
            ]
        # each_by_duty, sole and each_township: every responsible unit handles its own part.
        return [Target(d, (), self.mode) for d in units] + [
            Target(d, (), self.mode, per_township=True) for d in townships
        ]


def _task_for(code: str, tasks: dict[int, PolicyTask]) -> PolicyTask:
    rule = Rule.objects.filter(code=code, kind=RuleKind.MEASURE).first()
    if rule is None or rule.task_number is None:
        raise RoutingError(f"措施 {code} 不存在或没有对应的分工表任务")
    task = tasks.get(rule.task_number)
    if task is None:
        raise RoutingError(f"当前分工表没有第 {rule.task_number} 项任务（措施 {code}）")
    return task


def routing_table(*, on: datetime.date | None = None) -> dict[str, Route]:
    """Every measure's route, with today's units (reorganisations applied) and as written."""
    document = current_document()
    if document is None:
        raise RoutingError("尚未导入任务分工表，无法转介")
    tasks = {t.number: t for t in document.tasks.prefetch_related("responsibilities__department")}
    graph = ReorganisationGraph()
    routes: dict[str, Route] = {}
    for rule in Rule.objects.filter(kind=RuleKind.MEASURE).order_by("code"):
        task = _task_for(rule.code, tasks)
        route = Route(rule.code, task.number, task.mode)
        for responsible in responsible_on(task, on or today(), graph):
            target_list = route.lead if responsible.is_lead else route.cooperating
            if responsible.department not in target_list:
                target_list.append(responsible.department)
        for row in sorted(task.responsibilities.all(), key=lambda r: r.position):
            written = route.lead_as_written if row.role == "lead" else route.cooperating_as_written
            written.append(row.name_as_written)
        routes[rule.code] = route
    return routes


def route_for(code: str, *, on: datetime.date | None = None) -> Route:
    routes = routing_table(on=on)
    if code not in routes:
        raise RoutingError(f"措施 {code} 没有路由")
    return routes[code]


class RouteJson(TypedDict):
    mode: str
    lead: list[str]
    cooperating: list[str]


def routing_json(*, as_written: bool = False) -> dict[str, RouteJson]:
    result: dict[str, RouteJson] = {}
    for code, route in routing_table().items():
        if as_written:
            lead, cooperating = route.lead_as_written, route.cooperating_as_written
        else:
            lead = [d.name for d in route.lead]
            cooperating = [d.name for d in route.cooperating if d not in route.lead]
        result[code] = {"mode": route.mode, "lead": lead, "cooperating": cooperating}
    return result
