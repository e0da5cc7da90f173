"""Screening one child at once, after a registration or a change of circumstances made by a person
(eligibility's receivers.py, on registry's `child_facts_changed`), so that the change's
consequences are known before the next run.

The model: a run of one child. `Eligibility.found_by` / `ended_by`, `EligibilityChange.run`,
`PendingFacts.screened_by` and casework's suggestions (`Intake.screening_run`, one draft per child
per run) all name a run, so a screening at once is a `ScreeningRun` like any other — of the
child's village, as of today, with the rules in force and their versions recorded — marked with
`child` (it screened that child only: the lists of runs leave it out, `selectors.runs`). It is
done when it is written: no parts, no task. Its results are written by the very statements a
part's are (`results.screen_scope` with `child_scope`), so a later run finds them open and
records no change for them. Runs apply in id order (`selectors.runs.open_at_run`), and a run of
one child is no exception.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from shouhu.accounts.models import User
from shouhu.core import audit
from shouhu.core.dates import today
from shouhu.registry.labels import FACT_LABELS
from shouhu.registry.models import Child, ChildStatus

from ..engine import depending
from ..models import ChangeKind, EligibilityChange, PendingFacts, RunState, ScreeningRun
from ..rules import ruleset_on
from .parts import rules_in_force
from .results import child_scope, screen_scope


@dataclass
class ChildScreening:
    """What a screening at once changed for the child: codes gained and lost, and the codes left
    undetermined with the not-recorded facts each depends on; `labels` names every code in
    Chinese (the rules' labels). `suggested` is filled in by whoever drafts suggestions from it."""

    run: ScreeningRun
    gained: list[str]
    lost: list[str]
    undetermined: dict[str, list[str]]
    labels: dict[str, str]
    suggested: int = field(default=0)

    def named(self, codes: list[str]) -> str:
        return "、".join(self.labels.get(code, code) for code in codes)

    def summary(self) -> str:
        """One line for the person who made the change, in words, never codes alone."""
        parts = []
        if self.gained:
            parts.append(f"新增符合 {self.named(self.gained)}")
        if self.lost:
            parts.append(f"不再符合 {self.named(self.lost)}")
        if not parts:
            parts.append("认定结果没有变化")
        if self.undetermined:
            waiting = [
                f"{self.labels.get(code, code)}（缺{'、'.join(FACT_LABELS.get(f, f) for f in facts)}）"
                for code, facts in self.undetermined.items()
            ]
            parts.append(f"待补充信息后可判定：{'、'.join(waiting)}")
        if self.suggested:
            parts.append(f"已生成受理建议 {self.suggested} 条")
        return "已即时筛查：" + "；".join(parts)


@transaction.atomic
def screen_child(*, child: Child, actor: User | None, as_of: datetime.date | None = None) -> ChildScreening:
    """Screen one child with the rules in force on `as_of` (default today) and store the results
    as a run of that child (see the module's docstring): gained and lost `Eligibility` rows with
    their `EligibilityChange`s, the child's `PendingFacts` row, and an audit row on the run (as
    `screening_request` writes; the child's own trail keeps to changes of its record)."""
    as_of = as_of or today()
    ruleset = ruleset_on(as_of)
    now = timezone.now()
    run = ScreeningRun.objects.create(
        as_of=as_of, region_code=child.region_code, region_prefix=child.region_code, child=child,
        requested_by=actor, state=RunState.RUNNING, started_at=now, rule_versions=rules_in_force(as_of),
        progress_total=1,
    )  # fmt: skip
    counts, gained_count, lost_count = screen_scope(run, child_scope(child.pk))
    changes = sorted(EligibilityChange.objects.filter(run=run).values_list("change", "code"))
    gained = [code for change, code in changes if change == ChangeKind.GAINED]
    lost = [code for change, code in changes if change == ChangeKind.LOST]
    pending = PendingFacts.objects.filter(child=child).first()
    undetermined = (
        {code: depending(ruleset.facts_read[code], pending.facts) for code in pending.code_list} if pending else {}
    )
    run.counts = counts
    run.gained, run.lost = gained_count, lost_count
    run.children_screened = 1 if child.status == ChildStatus.ACTIVE else 0
    run.state, run.progress_done, run.finished_at = RunState.DONE, 1, timezone.now()
    run.save()
    result = ChildScreening(run, gained, lost, undetermined, {code: rule.label for code, rule in ruleset.rules.items()})
    audit.record(
        actor=actor,
        action="screening.child",
        target=run,
        summary=f"即时筛查儿童 {child.name}，基准日 {as_of}",
        detail={"child": child.pk, "gained": gained, "lost": lost, "undetermined": undetermined},
    )
    return result
