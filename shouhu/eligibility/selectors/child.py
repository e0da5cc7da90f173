"""One child's eligibility: categories and measures recomputed with their explanations, as of the
newest finished run covering the child (or a given date), and the stored history with the
parameters of the run that decided each row."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import Q

from shouhu.core.dates import today
from shouhu.registry.models import Child
from shouhu.registry.selectors import situation_on

from .. import language as L
from ..engine import Decision
from ..models import Eligibility, Parameter, RuleVersion, RunState, ScreeningRun
from ..rules import ruleset_on
from .rule_pages import code_labels, parameters_of


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
    """The as-of date of the newest finished run covering the child: a run of its region, or of the
    child alone (screened at once) — not another child's run of the same village."""
    prefixes = {child.region_code[:6], child.region_code[:9], child.region_code}
    run = (
        ScreeningRun.objects.filter(state=RunState.DONE)
        .filter(Q(region_prefix__in=prefixes, child__isnull=True) | Q(child=child))
        .order_by("-as_of", "-pk")
        .only("as_of")
        .first()
    )
    return run.as_of if run else None


def parameters_for(
    expression: str, run_versions: dict[str, Any], labels: dict[str, str] | None = None
) -> list[tuple[str, Any]]:
    """(what the parameter means, its value in the run) for each parameter the expression reads
    (the name itself when `labels` lacks it)."""
    names = parameters_of(expression)
    labels = labels or {}
    return [(labels.get(n, n), run_versions.get(f"${n}")) for n in names if f"${n}" in run_versions]


def child_eligibility(child: Child, on: datetime.date | None = None) -> ChildEligibility:
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
    parameter_labels = dict(Parameter.objects.values_list("name", "description"))
    history = [
        HistoryRow(
            row,
            labels.get(row.code, (row.code, ""))[0],
            parameters_for(
                expressions.get((row.code, row.rule_version), ""), row.found_by.rule_versions, parameter_labels
            ),
        )
        for row in sorted(rows, key=lambda r: (list(labels).index(r.code) if r.code in labels else 999, r.since))
    ]
    stored_open = {r.code for r in rows if r.until is None}
    return ChildEligibility(as_of, screened_on, decision, error, labels, history, stored_open)
