"""Reads for the casework screens and API, always through the access layer's scoped querysets."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import (
    Case,
    CharField,
    Count,
    DateField,
    F,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, NullIf
from django.utils import timezone

from shouhu.access import (
    CIVIL_AFFAIRS_UNIT,
    acting_units,
    cooperations_filled_by,
    intakes_visible_to,
    may_cooperate_on,
    may_handle_referral,
    may_take_intake,
    may_transfer_referral,
    referral_handlers,
    referrals_cooperated_by,
    referrals_handled_by,
    referrals_visible_to,
    referrals_worked_by,
    saved_filters_visible_to,
)
from shouhu.accounts.models import Department, DepartmentKind, Role, User
from shouhu.core.dates import today
from shouhu.core.models import AuditEvent
from shouhu.eligibility.models import Rule, RuleKind
from shouhu.regions.models import Level, Region
from shouhu.registry.identity import age_on
from shouhu.registry.models import Child

from .calendar import WorkingCalendar
from .models import (
    OPEN_STATES,
    Intake,
    IntakeMeasure,
    IntakeState,
    MeasureOutcomeKind,
    Referral,
    ReferralCooperation,
    ReferralEvent,
    ReferralState,
    SavedFilter,
)
from .outcomes import DEFAULT_KIND
from .services import TRANSITIONS, cooperating_unit_name

S = ReferralState
# Working states a unit still has to act on (returned ones wait for the window).
ACTIVE_STATES = (S.SUBMITTED, S.ACCEPTED, S.IN_PROGRESS)
DONE_STATES = (S.COMPLETED, S.REJECTED)
# The inbox's "due soon" tab: due within this many working days (the bell warns one day before).
DUE_SOON_DAYS = 3


# -- measures ---------------------------------------------------------------------------------


def measure_labels() -> dict[str, str]:
    """Every measure code with its Chinese name, in the rules' order."""
    return dict(Rule.objects.filter(kind=RuleKind.MEASURE).order_by("position", "code").values_list("code", "label"))


def measure_label(code: str, labels: dict[str, str] | None = None) -> str:
    labels = labels if labels is not None else measure_labels()
    return f"{code} {labels[code]}" if code in labels else code


# -- intakes ----------------------------------------------------------------------------------


def intake_window(intake: Intake) -> tuple[str, User | None]:
    """The window that took the intake, by name, and the person there: whoever received it (for a
    suggestion from screening, whoever confirmed it). A county caseworker's window is the county's
    civil affairs bureau, a township supervisor's their township's office."""
    taker = intake.received_by
    if taker is None:
        event = (
            AuditEvent.objects.filter(action="intake.confirm", object_type="casework.intake", object_id=str(intake.pk))
            .select_related("actor__region")
            .order_by("-at", "-id")
            .first()
        )
        taker = event.actor if event is not None else None
    if taker is not None and taker.role == Role.CASEWORKER:
        return "县民政局（县级受理窗口）", taker
    township = taker.region if taker is not None and taker.role == Role.TOWNSHIP_SUPERVISOR else None
    return f"{(township or intake.township).name}民政办（儿童督导员）", taker


def intake_rows(user: User, *, kind: str = "", state: str = "", q: str = "") -> QuerySet[Intake]:
    intakes = intakes_visible_to(user).select_related("child", "township", "received_by")
    if kind:
        intakes = intakes.filter(kind=kind)
    if state:
        intakes = intakes.filter(state=state)
    q = q.strip()
    if q:
        intakes = intakes.filter(Q(reference__icontains=q) | Q(child__name__contains=q))
    return intakes.prefetch_related("referrals__department").order_by("-created_at", "-id")


def suggestions_for(user: User) -> QuerySet[Intake]:
    """Draft suggestions from screening runs waiting for the window to confirm or cancel."""
    from .models import IntakeKind

    return intake_rows(user, kind=IntakeKind.SUGGESTION, state=IntakeState.DRAFT).prefetch_related("measures")


def codes_in_hand(child: Child) -> set[str]:
    """Measures the child already has an open referral for."""
    return set(Referral.objects.filter(child=child, state__in=OPEN_STATES).values_list("code", flat=True))


def pick_children(user: User, q: str) -> QuerySet[Child]:
    """Children the user may take an intake for, found by name, pinyin or ID number."""
    from shouhu.registry.selectors import search_children

    return search_children(user, q=q).select_related("region__parent")[:30]


# -- the inbox --------------------------------------------------------------------------------


def with_due(referrals: QuerySet[Referral]) -> QuerySet[Referral]:
    """Annotate `due`: the acceptance deadline while submitted, else the decision deadline."""
    return referrals.annotate(
        due=Case(When(state=S.SUBMITTED, then=F("accept_due")), default=F("decide_due"), output_field=DateField())
    )


TABS: dict[str, str] = {
    "new": "待受理",
    "cooperate": "待配合",
    "due_soon": "即将到期",
    "overdue": "已逾期",
    "in_progress": "办理中",
    "done": "已办结",
    "all": "全部",
}


@dataclass(frozen=True)
class Work:
    """What in a user's inbox is theirs to act on: the referrals they handle, and those whose
    cooperating part they have not filled in yet (both as conditions on the inbox's rows)."""

    handled: Q
    unfilled: Q

    @classmethod
    def of(cls, user: User) -> Work:
        return cls(
            handled=Q(pk__in=referrals_handled_by(user).values("pk")),
            unfilled=Q(pk__in=referrals_cooperated_by(user, unfilled=True).values("pk")),
        )


def tab_filter(tab: str, on: datetime.date, work: Work) -> Q:
    """A tab's rows. 待受理 and the deadlines are the handling unit's (a cooperating unit accepts
    nothing and answers to no deadline); 待配合 is the parts the user has yet to fill in."""
    if tab == "new":
        return work.handled & Q(state=S.SUBMITTED)
    if tab == "cooperate":
        return work.unfilled & Q(state__in=OPEN_STATES)
    if tab == "due_soon":
        until = WorkingCalendar.around(on, span_days=30).add(on, DUE_SOON_DAYS)
        return work.handled & Q(state__in=ACTIVE_STATES, overdue=False, due__gte=on, due__lte=until)
    if tab == "overdue":
        return work.handled & Q(state__in=ACTIVE_STATES) & (Q(overdue=True) | Q(due__lt=on))
    if tab == "in_progress":
        return Q(state__in=(S.ACCEPTED, S.IN_PROGRESS, S.RETURNED))
    if tab == "done":
        return Q(state__in=DONE_STATES)
    return Q()


def inbox_base(user: User, *, code: str = "", township: str = "") -> QuerySet[Referral]:
    """The inbox's referrals: what the user handles or fills in a cooperating part of."""
    referrals = with_due(referrals_worked_by(user))
    if code:
        referrals = referrals.filter(code=code)
    if township:
        referrals = referrals.filter(intake__township__code=township)
    return referrals


def with_outcome_kind(referrals: QuerySet[Referral]) -> QuerySet[Referral]:
    """Each referral with `measure_kind`: the kind it was decided as, or its measure's kind now
    (the default for a measure without one), in the same query."""
    of_measure = MeasureOutcomeKind.objects.filter(code=OuterRef("code")).values("kind")[:1]
    return referrals.annotate(
        measure_kind=Coalesce(
            NullIf(F("outcome_kind"), Value("")), Subquery(of_measure), Value(DEFAULT_KIND), output_field=CharField()
        )
    )


def intake_measure_of(referral: Referral) -> IntakeMeasure | None:
    """The referral's measure as the window confirmed it (its explanation and reason), with
    `measure_kind`: the measure's outcome kind now — read in the same query."""
    of_measure = MeasureOutcomeKind.objects.filter(code=OuterRef("code")).values("kind")[:1]
    return (
        referral.intake.measures.filter(code=referral.code)
        .annotate(measure_kind=Coalesce(Subquery(of_measure), Value(DEFAULT_KIND), output_field=CharField()))
        .first()
    )


def inbox(user: User, *, tab: str = "new", code: str = "", township: str = "") -> QuerySet[Referral]:
    referrals = inbox_base(user, code=code, township=township).filter(tab_filter(tab, today(), Work.of(user)))
    return (
        with_outcome_kind(referrals)
        .select_related("child__region", "department", "township", "intake__township", "assigned_to")
        .order_by("due", "id")
    )


def tab_counts(user: User, *, code: str = "", township: str = "") -> dict[str, int]:
    """Each tab's count, in one query."""
    base = inbox_base(user, code=code, township=township)
    on, work = today(), Work.of(user)
    counts = base.aggregate(**{tab: Count("pk", filter=tab_filter(tab, on, work)) for tab in TABS if tab != "all"})
    return {tab: int(n or 0) for tab, n in counts.items()}


def cooperation_parts(user: User, referral_ids: list[int]) -> dict[int, bool]:
    """Of these referrals, those the user fills in a cooperating part of: whether it is filled in."""
    parts = cooperations_filled_by(user).filter(referral_id__in=referral_ids)
    return {referral_id: bool(note) for referral_id, note in parts.values_list("referral_id", "note")}


def inbox_unit(user: User) -> str:
    """Whose inbox it is: the officer's unit, 县民政局 for a county caseworker, the township."""
    if user.department is not None:
        return user.department.name
    if acting_units(user):
        return CIVIL_AFFAIRS_UNIT
    return user.region.name if user.region is not None else ""


def part_label(user: User) -> str:
    """How the inbox names the user's cooperating part: the township's, or the unit's."""
    return "本乡镇（街道）配合" if user.role == Role.TOWNSHIP_SUPERVISOR else "本单位配合"


def township_measures(user: User) -> list[tuple[str, str]]:
    """For a township supervisor, the measures the table names 各乡镇（街道） in, as ("T01 孤儿保障",
    "配合"): what their inbox receives (the township's part, or the referral itself for a task each
    township answers for), from the current table. Nothing for anyone else."""
    from shouhu.policy.models import ResponsibilityRole, TaskResponsibility
    from shouhu.policy.selectors import current_document

    if user.role != Role.TOWNSHIP_SUPERVISOR:
        return []
    document = current_document()
    if document is None:
        return []
    roles = dict(
        TaskResponsibility.objects.filter(task__document=document, department__kind=DepartmentKind.TOWNSHIPS)
        .order_by("role")  # cooperating before lead: a task naming it both ways keeps 牵头 (the later)
        .values_list("task__number", "role")
    )
    measures = Rule.objects.filter(kind=RuleKind.MEASURE, task_number__in=roles).order_by("position", "code")
    return [
        (f"{code} {label}", ResponsibilityRole(roles[number]).label)
        for code, label, number in measures.values_list("code", "label", "task_number")
        if number is not None
    ]


def township_choices(user: User) -> list[tuple[str, str]]:
    return list(Region.objects.filter(level=Level.TOWNSHIP).order_by("code").values_list("code", "name"))


def saved_filters(user: User) -> QuerySet[SavedFilter]:
    return saved_filters_visible_to(user)


# -- the referrals of the children one may see ---------------------------------------------

CHILDREN_TABS: dict[str, str] = {
    "open": "在办",
    "returned": "退回待补充",
    "done": "已办结",
    "all": "全部",
}


def children_tab_filter(tab: str) -> Q:
    if tab == "open":
        return Q(state__in=ACTIVE_STATES)
    if tab == "returned":
        return Q(state=S.RETURNED)
    if tab == "done":
        return Q(state__in=DONE_STATES)
    return Q()


def children_referrals_base(
    user: User, *, child: Child | None = None, code: str = "", q: str = ""
) -> QuerySet[Referral]:
    """The referrals of the children the user may see (a village director's village, a township
    supervisor's township, the county for county civil affairs), whoever handles them."""
    referrals = with_due(referrals_visible_to(user))
    if child is not None:
        referrals = referrals.filter(child=child)
    if code:
        referrals = referrals.filter(code=code)
    q = q.strip()
    if q:
        referrals = referrals.filter(Q(child__name__contains=q) | Q(intake__reference__icontains=q))
    return referrals


def children_referrals(
    user: User, *, tab: str = "open", child: Child | None = None, code: str = "", q: str = ""
) -> QuerySet[Referral]:
    """One tab of `children_referrals_base`, newest first."""
    referrals = children_referrals_base(user, child=child, code=code, q=q).filter(children_tab_filter(tab))
    return referrals.select_related("child__region", "department", "township", "intake").order_by("-created_at", "-id")


def children_tab_counts(user: User, *, child: Child | None = None, code: str = "", q: str = "") -> dict[str, int]:
    """Each tab's count, in one query."""
    base = children_referrals_base(user, child=child, code=code, q=q)
    counts = base.aggregate(
        **{tab: Count("pk", filter=children_tab_filter(tab)) if tab != "all" else Count("pk") for tab in CHILDREN_TABS}
    )
    return {tab: int(n or 0) for tab, n in counts.items()}


def actionable(user: User, referral_ids: list[int]) -> tuple[set[int], dict[int, bool]]:
    """Of these referrals, those the user handles, and those they fill in a cooperating part of
    (whether filled in): nothing for a village director, who reads only."""
    handled = set(referrals_handled_by(user).filter(pk__in=referral_ids).values_list("pk", flat=True))
    return handled, cooperation_parts(user, referral_ids)


# -- one referral -----------------------------------------------------------------------------


@dataclass
class ChildSummary:
    """What an officer may know about a referred child: no full personal data."""

    name: str
    sex: str
    age: int
    village: str
    township: str
    id_number_masked: str


def child_summary(child: Child, on: datetime.date | None = None) -> ChildSummary:
    region = child.region
    return ChildSummary(
        name=child.name,
        sex=child.get_sex_display(),
        age=age_on(child.birth_date, on or today()),
        village=region.name,
        township=region.parent.name if region.parent else "",
        id_number_masked=child.id_number_masked,
    )


@dataclass
class Actions:
    """Which forms the detail page offers this user."""

    transitions: list[str] = field(default_factory=list)
    reassign: bool = False
    transfer: bool = False
    cooperate: bool = False
    resubmit: bool = False

    @property
    def any(self) -> bool:
        return bool(self.transitions or self.reassign or self.transfer or self.cooperate or self.resubmit)


def actions_for(user: User, referral: Referral) -> Actions:
    actions = Actions()
    handler = may_handle_referral(user, referral)
    if handler:
        actions.transitions = [
            name for name, t in TRANSITIONS.items() if name != "resubmit" and referral.state in t.sources
        ]
        actions.reassign = referral.state in OPEN_STATES and reassign_choices(referral).exists()
    transferable = referral.state in (S.SUBMITTED, S.RETURNED)
    actions.transfer = transferable and may_transfer_referral(user, referral)
    actions.cooperate = referral.state in OPEN_STATES and may_cooperate_on(user, referral)
    actions.resubmit = referral.state == S.RETURNED and may_take_intake(user, referral.child)
    return actions


def reassign_choices(referral: Referral) -> QuerySet[User]:
    """Whom the referral may be reassigned to: its other handlers."""
    users = referral_handlers(referral)
    if referral.assigned_to_id:
        users = users.exclude(pk=referral.assigned_to_id)
    return users.order_by("username")


def transfer_choices(referral: Referral) -> QuerySet[Department]:
    return (
        Department.objects.filter(dissolved_on__isnull=True)
        .exclude(pk=referral.department_id)
        .exclude(kind=DepartmentKind.TOWNSHIPS)
        .order_by("id")
    )


def referral_events(referral: Referral) -> QuerySet[ReferralEvent]:
    return referral.events.select_related("actor").order_by("at", "id")


def cooperations(referral: Referral) -> list[ReferralCooperation]:
    """The referral's cooperating parts, each with `unit_name`: 各乡镇（街道）'s part by the child's
    township ("桓仁镇"), whose supervisor fills it in."""
    rows = list(referral.cooperations.select_related("department", "noted_by").order_by("department_id"))
    for row in rows:
        row.unit_name = cooperating_unit_name(row, referral)  # type: ignore[attr-defined]
    return rows


# -- county supervision -----------------------------------------------------------------------


@dataclass
class DepartmentLine:
    department: Department
    counts: dict[str, int] = field(default_factory=dict)
    overdue: int = 0
    escalated: int = 0
    accepted_on_time: int = 0
    accepted: int = 0
    decided_on_time: int = 0
    decided: int = 0
    cells: list[int] = field(default_factory=list)  # counts in the order of the states shown

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @staticmethod
    def _share(part: int, whole: int) -> str:
        return f"{round(100 * part / whole)}%" if whole else "—"

    @property
    def accept_rate(self) -> str:
        return self._share(self.accepted_on_time, self.accepted)

    @property
    def decide_rate(self) -> str:
        return self._share(self.decided_on_time, self.decided)


def _local_date(at: datetime.datetime | None) -> datetime.date | None:
    return timezone.localdate(at) if at is not None else None


def supervision(user: User) -> dict[str, Any]:
    """Per department: counts by state, overdue and escalated, and deadline compliance (accepted
    by the acceptance deadline; completed or rejected by the decision deadline)."""
    referrals = referrals_visible_to(user)
    rows = referrals.annotate(accepted_at=Min("events__at", filter=Q(events__action="accept"))).values_list(
        "department_id", "state", "overdue", "escalated_at", "accept_due", "decide_due", "accepted_at", "closed_at"
    )
    lines: dict[int, DepartmentLine] = {}
    departments = {d.pk: d for d in Department.objects.filter(pk__in=referrals.values("department_id"))}
    on = today()
    for dept_id, state, overdue, escalated_at, accept_due, decide_due, accepted_at, closed_at in rows:
        line = lines.setdefault(dept_id, DepartmentLine(departments[dept_id]))
        line.counts[state] = line.counts.get(state, 0) + 1
        open_now = state in ACTIVE_STATES
        due = accept_due if state == S.SUBMITTED else decide_due
        if open_now and (overdue or due < on):
            line.overdue += 1
        if open_now and escalated_at is not None:
            line.escalated += 1
        accepted_day = _local_date(accepted_at)
        if accepted_day is not None:
            line.accepted += 1
            line.accepted_on_time += accepted_day <= accept_due
        closed_day = _local_date(closed_at)
        if closed_day is not None:
            line.decided += 1
            line.decided_on_time += closed_day <= decide_due
    # Listed under the header: every open referral the table below counts as overdue (flagged by the
    # sweep, or past its deadline since) and every escalated one, so the header's count is the sum
    # of the departments' counts under it and no overdue badge in the table is missing from the list.
    past_due = Q(state=S.SUBMITTED, accept_due__lt=on) | (~Q(state=S.SUBMITTED) & Q(decide_due__lt=on))
    escalated = with_due(
        referrals.filter(state__in=ACTIVE_STATES).filter(Q(overdue=True) | Q(escalated_at__isnull=False) | past_due)
    )
    by_department: dict[str, list[Referral]] = defaultdict(list)
    for referral in escalated.select_related("department", "child__region", "intake__township").order_by(
        "department_id", "due", "id"
    ):
        by_department[referral.department.name].append(referral)
    return {
        "lines": sorted(lines.values(), key=lambda line: line.department.pk),
        "states": [(value, label) for value, label in S.choices],
        "escalated": dict(by_department),
        "escalated_total": escalated.count(),
    }
