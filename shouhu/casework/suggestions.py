"""Intake suggestions from screening runs.

After a run, every child the run found newly eligible for a measure (an `EligibilityChange`
"gained" whose code is a measure) gets one draft intake of kind "suggestion" for that run, with
those measures proposed and explained — unless the child already has an open referral or a
pending intake for the measure. Nothing reaches a department until the township window confirms
the draft (or it is cancelled with a reason). Running it twice for a run creates nothing new.
"""

from __future__ import annotations

from collections import defaultdict

from django.db import transaction

from shouhu.accounts.models import Role, User
from shouhu.core.notifications import notify
from shouhu.eligibility.models import ChangeKind, EligibilityChange, Rule, RuleKind, ScreeningRun
from shouhu.registry.models import Child, ChildStatus

from .models import OPEN_STATES, Intake, IntakeKind, IntakeMeasure, IntakeState, Referral


def _taken(child_ids: list[int]) -> dict[int, set[str]]:
    """Measures each child already has in hand: an open referral or a pending (draft) intake."""
    taken: dict[int, set[str]] = defaultdict(set)
    for child_id, code in Referral.objects.filter(child_id__in=child_ids, state__in=OPEN_STATES).values_list(
        "child_id", "code"
    ):
        taken[child_id].add(code)
    for child_id, code in IntakeMeasure.objects.filter(
        intake__child_id__in=child_ids, intake__state=IntakeState.DRAFT
    ).values_list("intake__child_id", "code"):
        taken[child_id].add(code)
    return taken


def create_suggestions(run: ScreeningRun, *, region_prefix: str = "") -> int:
    """Create the run's suggestions (one draft intake per child), for the children under
    `region_prefix` only when given (a part's township); returns how many were created."""
    from shouhu.eligibility.rules import ruleset_on
    from shouhu.eligibility.screening import explain_codes
    from shouhu.registry.selectors import situation_on

    from .services import intake_create

    measures = set(Rule.objects.filter(kind=RuleKind.MEASURE).values_list("code", flat=True))
    gained: dict[int, set[str]] = defaultdict(set)
    changes = EligibilityChange.objects.filter(run=run, change=ChangeKind.GAINED, code__in=measures)
    if region_prefix:
        changes = changes.filter(child__region_code__startswith=region_prefix)
    for child_id, code in changes.values_list("child_id", "code"):
        gained[child_id].add(code)
    if not gained:
        return 0
    already = set(Intake.objects.filter(screening_run=run).values_list("child_id", flat=True))
    child_ids = [c for c in gained if c not in already]
    taken = _taken(child_ids)
    ruleset = ruleset_on(run.as_of)
    created_by_township: dict[int, int] = defaultdict(int)
    children = Child.objects.filter(pk__in=child_ids, status=ChildStatus.ACTIVE).select_related("region__parent")
    for child in children.order_by("pk"):
        codes = sorted(gained[child.pk] - taken.get(child.pk, set()))
        if not codes:
            continue
        explanations = explain_codes(ruleset, situation_on(child, run.as_of), run.as_of, codes)
        with transaction.atomic():
            intake = intake_create(
                actor=None,
                child=child,
                kind=IntakeKind.SUGGESTION,
                screening_run=run,
                facts=f"筛查 #{run.pk}（基准日 {run.as_of}）发现新符合条件的措施，请核实后确认转办。",
                proposals={code: explanations.get(code, "") for code in codes},
            )
        created_by_township[intake.township_id] += 1
    for township_id, count in created_by_township.items():
        notify(
            recipients=User.objects.filter(is_active=True, role=Role.TOWNSHIP_SUPERVISOR, region_id=township_id),
            kind="intake.suggestions",
            link="/intake/suggestions/",
            title=f"筛查建议：{count} 名儿童新符合救助保障措施，待确认",
            body=f"筛查 #{run.pk}（基准日 {run.as_of}）",
            dedupe_key=f"suggestions:{run.pk}:{township_id}",
        )
    return sum(created_by_township.values())
