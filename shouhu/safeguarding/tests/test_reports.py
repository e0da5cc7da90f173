"""Filing a report opens its case at once, routed by the table, with clocks in hours; a reporter
sees their own reports' status and nothing else; transitions are guarded by the one table and a
stale step changes nothing."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from shouhu.access import (
    access_safety_report,
    safety_case_notices_visible_to,
    safety_cases_visible_to,
    safety_reports_filed_by,
)
from shouhu.accounts.models import User
from shouhu.accounts.personas import TOWNSHIP_B, VILLAGE_B
from shouhu.casework.tests.helpers import import_table
from shouhu.casework.tests.walk_samples import child, id_number
from shouhu.core.models import AuditEvent
from shouhu.safeguarding import services
from shouhu.safeguarding.models import CaseState, ReportSource, SafetyCase, UnitRole
from shouhu.safeguarding.transitions import TRANSITIONS, report_status

from .factories import file_report, report_input

pytestmark = pytest.mark.django_db


def test_a_report_opens_a_case_routed_by_the_table_with_clocks_in_hours(personas: dict[str, User]) -> None:
    import_table()
    now = timezone.now()
    report = file_report(personas["reporter_a"], now=now, urgent=True)
    case = report.case
    assert case.state == CaseState.RECEIVED and case.township.name == "桓仁镇"
    units = {(u.department.name, u.role) for u in case.units.select_related("department")}
    # Task 17: 县公安局 leads; 民政、司法、法院、检察院 cooperate; plus the child's township.
    assert ("县公安局", UnitRole.LEAD) in units
    cooperating = {name for name, role in units if role == UnitRole.COOPERATING}
    assert cooperating == {"县民政局", "县司法局", "县法院", "县检察院"}
    assert ("各乡镇（街道）", UnitRole.TOWNSHIP) in units
    # Task 28: a school's report is also 县教育局's by duty.
    assert ("县教育局", UnitRole.DUTY) in units and report.organisation_kind == "school"
    assert "按职责督促指导" in case.routing_note
    clocks = {c.step: c for c in case.clocks.select_related("department")}
    assert clocks["acknowledge"].due_at == now + datetime.timedelta(hours=1)
    assert clocks["acknowledge"].department.name == "县公安局"
    assert clocks["see_child"].due_at == now + datetime.timedelta(hours=2)  # urgent
    assert clocks["acknowledge"].next_escalation_at == now + datetime.timedelta(minutes=30)
    assert report.reference.startswith("AQ100-") and case.reference == report.reference
    assert report.child is None  # not in the registry
    assert AuditEvent.objects.filter(action="safety.report_file", object_id=str(report.pk)).exists()


def test_a_report_that_is_not_urgent_gets_a_day_to_see_the_child(personas: dict[str, User]) -> None:
    now = timezone.now()
    case = file_report(personas["reporter_a"], now=now).case
    assert case.clocks.get(step="see_child").due_at == now + datetime.timedelta(hours=24)


def test_without_a_table_county_civil_affairs_leads_and_the_case_says_why(personas: dict[str, User]) -> None:
    case = file_report(personas["reporter_a"]).case
    lead = case.units.get(role=UnitRole.LEAD)
    assert lead.department.name == "县民政局"
    assert "未导入" in case.routing_note


def test_an_id_number_on_record_links_the_child_and_an_unknown_one_does_not(personas: dict[str, User]) -> None:
    registered = child("安小明", "20180301", 41, region=VILLAGE_B)
    report = file_report(personas["reporter_a"], id_number=registered.id_number, child_name="", region_code=VILLAGE_B)
    assert report.child == registered and report.case.child_name == "安小明"
    assert report.case.township.code == TOWNSHIP_B
    number = id_number("20180301", 43)
    unknown = file_report(personas["reporter_a"], id_number=number, child_name="安小红")
    assert unknown.child is None and unknown.child_id_number == number


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"child_name": "", "approx_age": None}, "child.name", "儿童姓名"),
        ({"approx_age": None}, "child.approx_age", "大约年龄"),
        ({"approx_age": 30}, "child.approx_age", "0 到 17"),
        ({"region_code": "999999999999"}, "child.region_code", "不是本县"),
        ({"kind": "bullying"}, "kind", "取值无效"),
        ({"observed_at": timezone.now() + datetime.timedelta(days=1)}, "observed_at", "不能晚于现在"),
        ({"description": "  "}, "description", "不能为空"),
        ({"id_number": id_number("20180301", 43)[:17] + "Z"}, "child.id_number", "身份证号"),
        ({"child_name": "小\u200b明"}, "child.name", "不可见"),
        ({"source": ReportSource.POLICE_110}, "source", "只能是 reporter"),
    ],
)
def test_bad_input_is_refused_naming_the_field_and_nothing_is_written(
    personas: dict[str, User], changes: dict[str, object], field: str, words: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        services.report_file(actor=personas["reporter_a"], data=report_input(**changes))
    messages = refused.value.message_dict
    assert field in messages and words in " ".join(messages[field])
    assert SafetyCase.objects.count() == 0


def test_a_caseworker_enters_a_phone_report_with_its_source(personas: dict[str, User]) -> None:
    with pytest.raises(ValidationError) as refused:
        file_report(personas["caseworker"])
    assert "source" in refused.value.message_dict
    report = file_report(personas["caseworker"], source=ReportSource.HOTLINE_12345, caller="王女士 138****0000")
    assert report.source == ReportSource.HOTLINE_12345 and report.organisation == ""
    with pytest.raises(PermissionDenied):
        file_report(personas["officer_a"])


def test_a_reporter_sees_only_their_own_reports_and_only_the_status(personas: dict[str, User]) -> None:
    report = file_report(personas["reporter_a"])
    other = file_report(personas["caseworker"], source=ReportSource.POLICE_110)
    reporter = personas["reporter_a"]
    assert list(safety_reports_filed_by(reporter)) == [report]
    assert safety_cases_visible_to(reporter).count() == 0
    assert access_safety_report(reporter, report.pk) == (report, False)
    with pytest.raises(Exception, match="无权"):
        access_safety_report(reporter, other.pk)


def test_who_sees_a_case(personas: dict[str, User]) -> None:
    import_table()
    case = file_report(personas["reporter_a"]).case  # 东关村, 桓仁镇; a school's report (县教育局 by duty)
    seeing = {key for key, user in personas.items() if safety_cases_visible_to(user).filter(pk=case.pk).exists()}
    # 县司法局 cooperates on task 17; 县教育局 follows a school's report by task 28's duty.
    assert seeing == {"admin", "caseworker", "officer_p", "officer_a", "officer_j", "supervisor_a"}
    noticing = {key for key, user in personas.items() if safety_case_notices_visible_to(user).exists()}
    assert noticing == {"director_a"}


def test_transitions_follow_the_table_and_complete_their_clocks(personas: dict[str, User]) -> None:
    case = file_report(personas["reporter_a"]).case
    caseworker = personas["caseworker"]
    with pytest.raises(ValidationError):  # see_child needs a note
        services.case_transition(actor=caseworker, case=case, action="acknowledge", expected_version=1)
        services.case_transition(actor=caseworker, case=case, action="see_child", expected_version=2)
    case.refresh_from_db()
    assert case.state == CaseState.ACKNOWLEDGED and report_status(case.state).label == "处理中"
    assert case.clocks.get(step="acknowledge").done_by == caseworker
    with pytest.raises(services.SafetyCaseChangedError):  # close is not allowed from acknowledged
        services.case_transition(actor=caseworker, case=case, action="close", expected_version=2, note="x")
    services.case_transition(actor=caseworker, case=case, action="see_child", expected_version=2, note="在家中见到")
    services.case_transition(actor=caseworker, case=case, action="close", expected_version=3, note="已安置")
    case.refresh_from_db()
    assert case.state == CaseState.CLOSED and case.closed_at is not None
    assert report_status(case.state).label == "已结案"
    assert all(c.next_escalation_at is None for c in case.clocks.all())
    assert set(TRANSITIONS) == {"acknowledge", "see_child", "assess", "plan", "review", "close"}


def test_a_stale_step_answers_with_both_values_and_changes_nothing(personas: dict[str, User]) -> None:
    case = file_report(personas["reporter_a"]).case
    stale = SafetyCase.objects.get(pk=case.pk)
    services.case_transition(actor=personas["caseworker"], case=case, action="acknowledge", expected_version=1)
    with pytest.raises(services.SafetyCaseChangedError) as changed:
        services.case_transition(actor=personas["caseworker"], case=stale, action="acknowledge", expected_version=1)
    message = str(changed.value)
    assert "待响应" in message and "已响应" in message and "版本 1" in message and "版本 2" in message
    assert SafetyCase.objects.get(pk=case.pk).version == 2


def test_only_those_who_handle_the_case_act_on_it(personas: dict[str, User]) -> None:
    import_table()
    case = file_report(personas["reporter_a"]).case
    for key in ("officer_b", "supervisor_b", "admin", "reporter_a", "director_a"):
        with pytest.raises(PermissionDenied):
            services.case_transition(actor=personas[key], case=case, action="acknowledge", expected_version=1)
    services.case_transition(actor=personas["officer_p"], case=case, action="acknowledge", expected_version=1)


def test_a_supplement_goes_to_the_case_timeline_and_only_from_its_reporter(personas: dict[str, User]) -> None:
    report = file_report(personas["reporter_a"])
    services.report_supplement(actor=personas["reporter_a"], report=report, text="孩子说昨晚没吃饭")
    assert report.case.events.filter(action="supplemented").count() == 1
    with pytest.raises(PermissionDenied):
        services.report_supplement(actor=personas["caseworker"], report=report, text="x")
    with pytest.raises(ValidationError):
        services.report_supplement(actor=personas["reporter_a"], report=report, text=" ")


def test_clock_parameters_are_data_with_history(personas: dict[str, User]) -> None:
    from shouhu.safeguarding.clocks import hours_in_force

    now = timezone.now()
    assert hours_in_force("see_child", now) == 24
    services.clock_setting_set(actor=personas["admin"], parameter="see_child", value=12, note="县政府通知")
    assert hours_in_force("see_child", timezone.now()) == 12
    assert hours_in_force("see_child", now - datetime.timedelta(days=1)) == 24  # the history holds
    later = timezone.localdate() + datetime.timedelta(days=3)
    services.clock_setting_set(actor=personas["admin"], parameter="acknowledge", value=3, valid_on=later)
    assert hours_in_force("acknowledge", timezone.now()) == 1
    case = file_report(personas["reporter_a"]).case
    assert case.clocks.get(step="see_child").hours == 12
    with pytest.raises(PermissionDenied):
        services.clock_setting_set(actor=personas["caseworker"], parameter="see_child", value=5)
    with pytest.raises(ValidationError) as refused:
        services.clock_setting_set(
            actor=personas["admin"], parameter="see_child", value=0, valid_on=datetime.date(2020, 1, 1)
        )
    assert {"value", "valid_on"} <= refused.value.message_dict.keys()
    assert AuditEvent.objects.filter(action="safety.clock_set").count() == 2
