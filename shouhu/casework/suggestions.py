"""Intake suggestions from screening runs.

After a run, every child the run found newly eligible for a measure (an `EligibilityChange`
"gained" whose code is a measure) gets one draft intake of kind "suggestion" for that run, with
those measures proposed and explained — unless the child already has an open referral or a
pending intake for the measure, or the measure was already acted on by a detention or
imprisonment notice (`handled_by_notice`). Nothing reaches a department until the township window
confirms the draft (or it is cancelled with a reason). Running it twice for a run creates nothing
new.
"""

from __future__ import annotations

import datetime
from collections import defaultdict

from django.db.models import Q

from shouhu.accounts.models import Role, User
from shouhu.core.notifications import notify
from shouhu.eligibility.models import ChangeKind, EligibilityChange, Rule, RuleKind, ScreeningRun
from shouhu.registry.models import Child, ChildStatus, Circumstance, Kind

from .models import OPEN_STATES, Intake, IntakeMeasure, IntakeState, Referral
from .services import Suggestion, suggestions_create


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


# Tasks 18 and 19 are done at the moment of detention: the police (T18) or the justice bureau
# (T19) ask about the children and record the arrangement, and a case goes to civil affairs when
# it must arrange the care (shouhu/custody). A parent status written by such a notice carries the
# source `custody_notice:<id>`; drafting a referral back to the unit that wrote it would send it
# work it has done (docs/casework-routing.md, "Measures a notice has handled").
NOTICE_SOURCE = "custody_notice:"
NOTICE_MEASURES = {"T18": frozenset({"detained"}), "T19": frozenset({"imprisoned", "drug_rehab"})}


def handled_by_notice(child_ids: list[int], on: datetime.date) -> dict[int, set[str]]:
    """The measures of tasks 18–19 a notice already acted on, per child: every parent status in
    force on `on` that makes the child eligible for the measure came from a notice. A status a
    township recorded itself (no notice behind it) still drafts the referral."""
    statuses = frozenset().union(*NOTICE_MEASURES.values())
    rows = (
        Circumstance.objects.filter(
            child_id__in=child_ids, kind__in=(Kind.FATHER, Kind.MOTHER), status__in=statuses, valid_from__lte=on
        )
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=on))
        .values_list("child_id", "status", "source")
    )
    by_notice: dict[tuple[int, str], bool] = {}
    for child_id, status, source in rows:
        for code, held in NOTICE_MEASURES.items():
            if status in held:
                key = (child_id, code)
                by_notice[key] = by_notice.get(key, True) and source.startswith(NOTICE_SOURCE)
    handled: dict[int, set[str]] = defaultdict(set)
    for (child_id, code), from_notice in by_notice.items():
        if from_notice:
            handled[child_id].add(code)
    return handled


BATCH = 500  # children per batch of queries and writes (a savepoint inside the part's transaction)


def create_suggestions(run: ScreeningRun, *, region_prefix: str = "") -> int:
    """Create the run's suggestions (one draft intake per child), for the children under
    `region_prefix` only when given (a part's township); returns how many were created.
    A part's are drafted inside the part's transaction (receivers.py), so they commit with it or
    not at all; written a batch of children at a time; running it again creates only what is missing."""
    from shouhu.eligibility.rules import ruleset_on
    from shouhu.eligibility.screening import explain_codes
    from shouhu.registry.selectors import situations

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
    child_ids = sorted(c for c in gained if c not in already)
    ruleset = ruleset_on(run.as_of)
    created_by_township: dict[int, int] = defaultdict(int)
    for start in range(0, len(child_ids), BATCH):
        batch = child_ids[start : start + BATCH]
        taken = _taken(batch)
        for child_id, handled in handled_by_notice(batch, run.as_of).items():
            taken[child_id] |= handled
        drafts: list[Suggestion] = []
        children = Child.objects.filter(pk__in=batch, status=ChildStatus.ACTIVE).select_related("region__parent")
        for child, record in situations(children, run.as_of, batch=BATCH):
            codes = sorted(gained[child.pk] - taken.get(child.pk, set()))
            if codes:
                explanations = explain_codes(ruleset, record, run.as_of, codes)
                drafts.append(Suggestion(child, {code: explanations.get(code, "") for code in codes}))
        for intake in suggestions_create(run=run, suggestions=drafts):
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
