"""After the child is seen: the risk assessment (versioned, a stale one refused with both values),
the assistance plan whose actions become casework referrals to the units the table names (a
registered child first: linked by ID number or registered), reviews that restart their clock,
and the working-day clocks of these steps on the county's calendar."""

from __future__ import annotations

import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from stdnum.cn import ric

from shouhu.accounts.models import User
from shouhu.accounts.personas import VILLAGE_A
from shouhu.casework.calendar import deadlines_for
from shouhu.casework.models import CalendarDay, IntakeKind, Referral
from shouhu.casework.routing import route_for
from shouhu.casework.tests.helpers import import_table, register
from shouhu.core.models import AuditEvent
from shouhu.registry.models import Child
from shouhu.safeguarding import services
from shouhu.safeguarding.models import (
    CaseReview,
    CaseState,
    ClockEscalation,
    PlanAction,
    RiskAssessment,
    SafetyCase,
)
from shouhu.safeguarding.transitions import report_status

from .factories import file_report

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(day: str, hour: int = 0, minute: int = 0) -> datetime.datetime:
    return datetime.datetime.fromisoformat(day).replace(hour=hour, minute=minute, tzinfo=SHANGHAI)


def id_number(birth: str = "20170312", sequence: str = "428") -> str:
    body = "210522" + birth + sequence
    return body + ric.calc_check_digit(body + "0")


def seen_case(personas: dict[str, User], now: datetime.datetime | None = None, **changes: Any) -> SafetyCase:
    """A case acknowledged and its child seen (at `now`, or an hour ago)."""
    now = now or datetime.datetime.now(SHANGHAI) - datetime.timedelta(hours=1)
    report = file_report(
        personas["reporter_a"], now=now - datetime.timedelta(hours=1), observed_at=now - datetime.timedelta(hours=2),
        **changes,
    )  # fmt: skip
    case = report.case
    caseworker = personas["caseworker"]
    services.case_transition(actor=caseworker, case=case, action="acknowledge", expected_version=1, now=now)
    services.case_transition(
        actor=caseworker, case=case, action="see_child", expected_version=2, note="在学校见到", now=now
    )
    case.refresh_from_db()
    return case


def assess(actor: User, case: SafetyCase, level: str = "high", **more: Any) -> RiskAssessment:
    case.refresh_from_db()
    latest = RiskAssessment.objects.filter(case=case).count()
    values: dict[str, Any] = {"factors": ["physical_harm", "guardianship"], "expected_assessment": latest}
    values.update(more)
    return services.assessment_record(actor=actor, case=case, expected_version=case.version, level=level, **values)


def test_working_day_clocks_skip_weekends_and_holidays_and_escalate_on_working_time(
    personas: dict[str, User],
) -> None:
    # National Day: 1–7 October off; Saturday 10 October an adjusted working day.
    for day in range(1, 8):
        CalendarDay.objects.create(date=datetime.date(2026, 10, day), is_working=False, note="国庆节")
    CalendarDay.objects.create(date=datetime.date(2026, 10, 10), is_working=True, note="调休上班")
    case = seen_case(personas, now=at("2026-09-30", 15))
    clock = case.clocks.get(step="assess")
    # 3 working days after Wednesday 30 September: 8, 9 and (adjusted) 10 October; due at its end.
    assert clock.working_days == 3 and clock.hours is None
    assert clock.due_at == at("2026-10-11")
    # Half of the working time: noon of the second working day (never during the holiday).
    assert clock.next_escalation_at == at("2026-10-09", 12)
    assert services.escalate_due(now=at("2026-10-07", 23, 59)) == 0
    assert services.escalate_due(now=at("2026-10-09", 12)) == 1
    assert services.escalate_due(now=at("2026-10-09", 13)) == 0  # once
    # 200%: six working days (8, 9, 10, 12, 13, 14 October), so 15 October 00:00.
    assert services.escalate_due(now=at("2026-10-14", 23, 59)) == 1  # the county level only
    assert services.escalate_due(now=at("2026-10-15")) == 1
    levels = dict(ClockEscalation.objects.filter(clock=clock).values_list("level", "due_at"))
    assert levels == {"unit": at("2026-10-09", 12), "county": at("2026-10-11"), "leader": at("2026-10-15")}
    assert clock.department.name == "县民政局"


def test_assessment_moves_the_case_and_a_stale_one_is_refused_with_both_values(personas: dict[str, User]) -> None:
    case = seen_case(personas)
    caseworker = personas["caseworker"]
    first = assess(caseworker, case, "medium", other_factors="父亲酗酒")
    case.refresh_from_db()
    assert case.state == CaseState.ASSESSED and report_status(case.state).label == "处理中"
    assert first.number == 1 and first.factor_labels() == ["人身伤害", "监护缺失或不当", "父亲酗酒"]
    assert case.clocks.get(step="assess").done_at is not None
    plan_clock = case.clocks.get(step="plan")
    assert plan_clock.working_days == 5 and plan_clock.done_at is None
    # Someone else re-assesses; a form drawn before it (expecting assessment 1) is refused.
    assess(personas["supervisor_a"], case, "urgent")
    with pytest.raises(services.AssessmentChangedError) as changed:
        assess(caseworker, case, "low", expected_assessment=1)
    message = str(changed.value)
    assert "「中」（第 1 次评估）" in message and "「紧急」（第 2 次评估）" in message
    assert RiskAssessment.objects.filter(case=case).count() == 2
    # A stale case version: refused, nothing written.
    with pytest.raises(services.SafetyCaseChangedError):
        services.assessment_record(
            actor=caseworker, case=case, expected_version=1, expected_assessment=2, level="low", factors=["trauma"]
        )
    assert RiskAssessment.objects.filter(case=case).count() == 2
    assert case.clocks.filter(step="plan").count() == 1  # a re-assessment does not restart the plan's clock
    assert AuditEvent.objects.filter(action="safety.assessment_record", object_id=str(case.pk)).count() == 2


def test_bad_assessment_input_names_its_field(personas: dict[str, User]) -> None:
    case = seen_case(personas)
    with pytest.raises(ValidationError) as refused:
        services.assessment_record(
            actor=personas["caseworker"], case=case, expected_version=3, expected_assessment=0, level="extreme",
            factors=[],
        )  # fmt: skip
    errors = refused.value.message_dict
    assert "风险等级" in errors["level"][0] and "风险因素" in errors["factors"][0]
    assert not RiskAssessment.objects.exists()
    with pytest.raises(services.SafetyCaseChangedError):  # not before the child is seen: not in the table
        fresh = file_report(personas["reporter_a"]).case
        services.assessment_record(
            actor=personas["caseworker"], case=fresh, expected_version=1, expected_assessment=0, level="low",
            factors=["trauma"],
        )  # fmt: skip


def test_a_plan_needs_a_registered_child_and_an_action_which_becomes_a_referral_by_the_table(
    personas: dict[str, User],
) -> None:
    import_table()
    case = seen_case(personas)
    caseworker = personas["caseworker"]
    assess(caseworker, case, "urgent")
    case.refresh_from_db()
    with pytest.raises(ValidationError, match="帮扶计划还没有措施"):  # the table's guard
        services.case_transition(actor=caseworker, case=case, action="plan", expected_version=case.version)
    with pytest.raises(ValidationError, match="尚未关联儿童名册"):
        services.plan_action_add(actor=caseworker, case=case, what="临时监护", code="T17")
    # Linking: an unknown number is refused at its field; a registered child's links.
    with pytest.raises(ValidationError) as refused:
        services.case_child_link(actor=caseworker, case=case, id_number=id_number())
    assert "没有找到" in refused.value.message_dict["id_number"][0]
    child = register(id_number=id_number("20150315", "004"), name="张小红", sex="female", birth_date="2015-03-15")
    services.case_child_link(actor=caseworker, case=case, id_number=child.id_number)
    case.refresh_from_db()
    assert case.child == child
    assert AuditEvent.objects.filter(action="safety.case_child_link", object_id=str(case.pk)).exists()

    action = services.plan_action_add(
        actor=personas["officer_p"], case=case, what="临时监护，追究监护人责任", code="T17"
    )
    referrals = list(Referral.objects.filter(intake=action.intake))
    expected = [t.department for t in route_for("T17").targets(child=child)]
    assert [r.department for r in referrals] == expected and expected[0].name == "县公安局"
    assert action.intake.kind == IntakeKind.REFERRAL and action.intake.child == child
    accept_due, decide_due = deadlines_for("T17", referrals[0].created_at.date())
    assert (referrals[0].accept_due, referrals[0].decide_due) == (accept_due, decide_due)
    assert action.due == decide_due  # no deadline given: the referral's
    with pytest.raises(ValidationError) as refused:
        services.plan_action_add(actor=caseworker, case=case, what="", code="T99", due=datetime.date(2020, 1, 1))
    assert {"what", "code", "due"} <= refused.value.message_dict.keys()
    assert PlanAction.objects.filter(case=case).count() == 1

    services.case_transition(actor=caseworker, case=case, action="plan", expected_version=case.version)
    case.refresh_from_db()
    assert case.state == CaseState.PLANNED and report_status(case.state).label == "处理中"
    review = case.clocks.get(step="review")
    assert review.round == 1 and review.working_days == 5  # 紧急: every 5 working days
    assert case.clocks.get(step="plan").done_at is not None
    # The plan is amended while planned.
    services.plan_action_add(actor=caseworker, case=case, what="申请临时救助", code="T03")
    assert PlanAction.objects.filter(case=case).count() == 2


def test_registering_the_child_links_the_case(personas: dict[str, User]) -> None:
    case = seen_case(personas, kind="abuse")
    assess(personas["caseworker"], case)
    case.refresh_from_db()
    with pytest.raises(ValidationError) as refused:
        services.case_child_register(
            actor=personas["caseworker"], case=case, name="", sex="female", birth_date=None, region_code=VILLAGE_A
        )
    assert {"name", "birth_date"} <= refused.value.message_dict.keys()
    with pytest.raises(PermissionDenied):  # registering is the registry's: not the police's
        services.case_child_register(
            actor=personas["officer_p"], case=case, name="陈小燕", sex="female",
            birth_date=datetime.date(2017, 3, 12), id_number=id_number(), region_code=VILLAGE_A,
        )  # fmt: skip
    child = services.case_child_register(
        actor=personas["supervisor_a"], case=case, name="陈小燕", sex="female",
        birth_date=datetime.date(2017, 3, 12), id_number=id_number(), region_code=VILLAGE_A,
    )  # fmt: skip
    case.refresh_from_db()
    assert case.child == child and Child.objects.filter(name="陈小燕").count() == 1
    assert child.circumstances.filter(kind="safety").exists() or child.circumstances.exists()
    with pytest.raises(ValidationError, match="已关联"):
        services.case_child_link(actor=personas["caseworker"], case=case, id_number=id_number())
    assert AuditEvent.objects.filter(action="children.register", object_id=str(child.pk)).exists()


def _planned(personas: dict[str, User], level: str = "high") -> SafetyCase:
    import_table()
    case = seen_case(personas)
    caseworker = personas["caseworker"]
    assess(caseworker, case, level)
    child = register(id_number=id_number("20150315", "002"), name="王小丽", sex="female", birth_date="2015-03-15")
    services.case_child_link(actor=caseworker, case=case, id_number=child.id_number)
    services.plan_action_add(actor=caseworker, case=case, what="心理疏导", code="T17")
    case.refresh_from_db()
    services.case_transition(actor=caseworker, case=case, action="plan", expected_version=case.version)
    case.refresh_from_db()
    return case


def test_a_review_restarts_its_clock_by_the_new_risk_level(personas: dict[str, User]) -> None:
    case = _planned(personas, "high")
    assert case.clocks.get(step="review", round=1).working_days == 10
    services.case_review(
        actor=personas["supervisor_a"],
        case=case,
        expected_version=case.version,
        note="儿童情况稳定，已复学",
        reassess=True,
        expected_assessment=1,
        level="low",
        factors=["trauma"],
    )
    case.refresh_from_db()
    assert case.state == CaseState.PLANNED
    first, second = case.clocks.get(step="review", round=1), case.clocks.get(step="review", round=2)
    assert first.done_at is not None and first.next_escalation_at is None
    assert second.done_at is None and second.working_days == 60  # 低: every 60 working days
    review = CaseReview.objects.get(case=case)
    assert review.assessment is not None and review.assessment.number == 2
    # A review without a note is refused; a stale one answers with both values.
    with pytest.raises(ValidationError) as refused:
        services.case_review(actor=personas["caseworker"], case=case, expected_version=case.version, note=" ")
    assert "复查情况" in refused.value.message_dict["note"][0]
    with pytest.raises(services.SafetyCaseChangedError):
        services.case_review(actor=personas["caseworker"], case=case, expected_version=case.version - 1, note="x")
    assert CaseReview.objects.filter(case=case).count() == 1
    services.case_transition(actor=personas["caseworker"], case=case, action="close", expected_version=case.version,
                             note="监护人已改正")  # fmt: skip
    case.refresh_from_db()
    assert case.state == CaseState.CLOSED and not case.clocks.filter(next_escalation_at__isnull=False).exists()


def test_who_may_act_on_the_assessment_and_plan(personas: dict[str, User]) -> None:
    import_table()  # 县公安局 leads
    case = seen_case(personas)
    for key in ("admin", "officer_b", "supervisor_b", "director_a", "leader", "reporter_a"):
        with pytest.raises(PermissionDenied):
            assess(personas[key], case)
    for key in ("caseworker", "officer_p", "officer_a", "supervisor_a"):
        assess(personas[key], case)
    assert RiskAssessment.objects.filter(case=case).count() == 4
