"""Every read in safeguarding, already scoped through `shouhu.access`."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from shouhu.access import (
    access_safety_case,
    safety_case_notices_visible_to,
    safety_cases_visible_to,
    safety_questions_for,
    safety_reports_filed_by,
)
from shouhu.accounts.models import User
from shouhu.regions.models import Level, Region

from .clocks import DEFAULTS, PARAMETER_UNITS, value_in_force
from .models import (
    CaseReview,
    CaseState,
    ClockParameter,
    ClockSetting,
    ClockUnit,
    FollowUpQuestion,
    PlanAction,
    ReportAttachment,
    RiskAssessment,
    SafetyCase,
    SafetyClock,
    SafetyReport,
)
from .transitions import OPEN_STATES

CASE_PREFETCH = ("units__department", "clocks__department", "clocks__escalations", "events__actor")


def _overdue_clock(now: datetime.datetime) -> Exists:
    return Exists(SafetyClock.objects.filter(case=OuterRef("pk"), done_at__isnull=True, due_at__lt=now))


def with_overdue(cases: QuerySet[SafetyCase], now: datetime.datetime | None = None) -> QuerySet[SafetyCase]:
    return cases.annotate(overdue=_overdue_clock(now or timezone.now()))


@dataclass(frozen=True)
class CaseFilters:
    state: str = ""  # a CaseState, or "open"
    overdue: bool = False
    township: str = ""  # a township code


def case_list(user: User, filters: CaseFilters, now: datetime.datetime | None = None) -> QuerySet[SafetyCase]:
    now = now or timezone.now()
    cases = with_overdue(safety_cases_visible_to(user), now).select_related("township")
    if filters.state == "open":
        cases = cases.filter(state__in=OPEN_STATES)
    elif filters.state in CaseState.values:
        cases = cases.filter(state=filters.state)
    if filters.overdue:
        cases = cases.filter(_overdue_clock(now), state__in=OPEN_STATES)
    if filters.township:
        cases = cases.filter(township__code=filters.township)
    return cases.order_by("-opened_at", "-id")


def case_detail(user: User, case_id: int) -> SafetyCase:
    return access_safety_case(user, case_id, related=("township", "report__region"), prefetch=CASE_PREFETCH)


def townships() -> list[Region]:
    return list(Region.objects.filter(level=Level.TOWNSHIP).order_by("code"))


def case_counts(user: User, now: datetime.datetime | None = None) -> dict[str, int]:
    """Open cases and open cases with an overdue clock, in the user's scope (one query)."""
    now = now or timezone.now()
    return safety_cases_visible_to(user).aggregate(
        open=Count("pk", filter=Q(state__in=OPEN_STATES)),
        overdue=Count("pk", filter=Q(state__in=OPEN_STATES) & Q(_overdue_clock(now))),
    )


def county_counts(now: datetime.datetime | None = None) -> dict[str, int]:
    """The leader's aggregate: the county's cases by state, and the open ones overdue (no case detail)."""
    now = now or timezone.now()
    by_state = {state: Count("pk", filter=Q(state=state)) for state in CaseState.values}
    return SafetyCase.objects.aggregate(
        **by_state, overdue=Count("pk", filter=Q(state__in=OPEN_STATES) & Q(_overdue_clock(now)))
    )


def notices_for(user: User) -> list[str]:
    """A village director's: the references of the open cases of their village's children."""
    return list(
        safety_case_notices_visible_to(user)
        .filter(state__in=OPEN_STATES)
        .order_by("-opened_at")
        .values_list("reference", flat=True)[:20]
    )


def my_reports(user: User) -> QuerySet[SafetyReport]:
    return safety_reports_filed_by(user).select_related("case").order_by("-received_at", "-id")


def report_attachments(report: SafetyReport, *, with_supplements: bool = False) -> list[ReportAttachment]:
    """The files filed with the report itself (and with its supplements when asked: the case
    page lists them all; the reporter's page shows a supplement's with it). The caller has checked
    that the report or its case may be seen."""
    files = report.attachments.all() if with_supplements else report.attachments.filter(supplement__isnull=True)
    return list(files.order_by("created_at", "id"))


def report_questions(report: SafetyReport, *, with_asker: bool = False) -> list[FollowUpQuestion]:
    """The follow-up questions on a report, oldest first (the caller has checked access; who
    asked is loaded for the case page only: a reporter is never shown it)."""
    questions = report.questions.order_by("asked_at", "id")
    return list(questions.select_related("asked_by") if with_asker else questions)


def open_questions(user: User) -> list[FollowUpQuestion]:
    """A reporter's unanswered questions, oldest first, with their reports (for the home panel)."""
    return list(
        safety_questions_for(user)
        .filter(answered_at__isnull=True)
        .select_related("report")
        .order_by("asked_at", "id")[:20]
    )


@dataclass(frozen=True)
class ParameterRow:
    parameter: str
    label: str
    value: int
    unit: str  # a ClockUnit
    default: int
    history: list[ClockSetting]

    @property
    def unit_label(self) -> str:
        return ClockUnit(self.unit).label


def clock_parameters(now: datetime.datetime | None = None) -> list[ParameterRow]:
    now = now or timezone.now()
    rows: dict[str, list[ClockSetting]] = {p: [] for p in ClockParameter.values}
    for setting in ClockSetting.objects.select_related("set_by").order_by("parameter", "-valid_from", "-id"):
        rows.setdefault(setting.parameter, []).append(setting)
    return [
        ParameterRow(p, label, value_in_force(p, now), PARAMETER_UNITS[p], DEFAULTS[p], rows[p])
        for p, label in ClockParameter.choices
    ]


def clocks_json(case: SafetyCase) -> list[dict[str, Any]]:
    """A case's clocks as the API gives them (`case` loaded with `clocks__department`)."""
    from .notify import unit_name

    return [
        {
            "step": clock.step,
            "step_label": clock.get_step_display(),
            "round": clock.round,
            "unit": unit_name(clock),
            "counts_in": clock.unit,
            "hours": clock.hours,
            "working_days": clock.working_days,
            "due_at": clock.due_at,
            "done_at": clock.done_at,
        }
        for clock in sorted(case.clocks.all(), key=lambda c: (c.due_at, c.pk))
    ]


def assessments_of(case: SafetyCase) -> list[RiskAssessment]:
    """The case's risk assessments, the latest first."""
    return list(RiskAssessment.objects.filter(case=case).select_related("assessed_by").order_by("-number"))


def plan_of(case: SafetyCase) -> list[PlanAction]:
    """The plan's actions with their referrals (unit, township, state), in the order added."""
    return list(
        PlanAction.objects.filter(case=case)
        .select_related("intake", "added_by")
        .prefetch_related("intake__referrals__department", "intake__referrals__township")
        .order_by("added_at", "id")
    )


def reviews_of(case: SafetyCase) -> list[CaseReview]:
    return list(CaseReview.objects.filter(case=case).select_related("reviewed_by", "assessment").order_by("-number"))


def referral_unit(referral: Any) -> str:
    return referral.township.name if referral.township_id else referral.department.name


def plan_json(case: SafetyCase) -> list[dict[str, Any]]:
    from shouhu.eligibility.models import Rule

    actions = plan_of(case)
    labels = dict(Rule.objects.filter(code__in={a.code for a in actions}).values_list("code", "label"))
    answer = []
    for action in actions:
        referrals = sorted(action.intake.referrals.all(), key=lambda r: r.pk)
        answer.append(
            {
                "what": action.what,
                "code": action.code,
                "code_label": labels.get(action.code, ""),
                "unit": "、".join(dict.fromkeys(referral_unit(r) for r in referrals)),
                "due": action.due,
                "referrals": [
                    {
                        "id": r.pk,
                        "unit": referral_unit(r),
                        "status": r.state,
                        "status_label": r.get_state_display(),
                        "decide_due": r.decide_due,
                    }
                    for r in referrals
                ],
            }
        )
    return answer


def assessment_json(case: SafetyCase) -> dict[str, Any] | None:
    latest = RiskAssessment.objects.filter(case=case).order_by("-number").first()
    if latest is None:
        return None
    return {
        "number": latest.number,
        "level": latest.level,
        "level_label": latest.get_level_display(),
        "factors": latest.factors,
        "factor_labels": latest.factor_labels(),
        "at": latest.at,
    }


def reporter_status_label(report: SafetyReport) -> str:
    """What a reporter sees of their report's case: one of three words."""
    from .transitions import report_status

    return report_status(report.case.state).label


def case_for_api(report: SafetyReport) -> SafetyCase:
    """The report's case with what the API shows (the caller has checked it may be seen)."""
    return (
        SafetyCase.objects.select_related("township")
        .prefetch_related("units__department", "clocks__department", "events__actor")
        .get(report=report)
    )
