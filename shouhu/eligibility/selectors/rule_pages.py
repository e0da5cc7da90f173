"""Rules and parameters as the rules pages show them: each with the version in force on a date,
its versions, the task a measure implements with its units, the parameters a rule reads and the
rules using it."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.http import Http404

from .. import language as L
from ..engine import RuleSet
from ..models import Parameter, ParameterVersion, Rule, RuleKind, RuleVersion
from ..rules import ADULT_AGE, parameters_on, rule_versions_on, rules_using_parameter, ruleset_on


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


def parameters_of(expression: str) -> list[str]:
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
                parameters_of(shown.expression) if shown else [],
            )
        )
    return grouped


def rule_or_404(code: str) -> Rule:
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
    names = parameters_of(shown.expression) if shown else []
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


def parameter_or_404(name: str) -> Parameter:
    try:
        return Parameter.objects.get(name=name)
    except Parameter.DoesNotExist:
        raise Http404("参数不存在") from None


def code_labels() -> dict[str, tuple[str, str]]:
    """code → (label, kind) for categories and measures, in display order."""
    return {r.code: (r.label, r.kind) for r in Rule.objects.exclude(kind=RuleKind.BLOCK).order_by("position", "code")}
