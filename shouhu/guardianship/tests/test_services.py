"""Guardianship intervention's steps through the service: the one table of transitions, the
registry following each step (effective-dated, with the case as source, the child screened at
once), the stale step answered with both values, and nothing half-written."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from shouhu.accounts.models import Department, Role, User
from shouhu.accounts.services import user_create
from shouhu.core.dates import today
from shouhu.core.models import AuditEvent
from shouhu.eligibility.models import ScreeningRun
from shouhu.guardianship import services
from shouhu.guardianship.models import FollowUp, InterventionDocument, InterventionState, InterventionStep
from shouhu.guardianship.transitions import STEPS, allowed_from
from shouhu.registry.facts import in_force
from shouhu.registry.models import Circumstance, Kind

from .factories import linked_case, opened, take

pytestmark = pytest.mark.django_db
S = InterventionState
PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"


def _guardian_rows(child_id: int) -> list[Circumstance]:
    return list(Circumstance.objects.filter(child_id=child_id, kind=Kind.GUARDIAN).order_by("valid_from", "id"))


def test_the_table_is_the_one_place_steps_are_allowed() -> None:
    assert [s.action for s in allowed_from(S.OPENED)] == ["warn", "temporary"]
    assert [s.action for s in allowed_from(S.TEMPORARY)] == ["apply", "return_home"]
    assert [s.action for s in allowed_from(S.REVOKED)] == ["long_term", "return_home"]
    assert allowed_from(S.CLOSED) == []
    assert STEPS["warn"].target("unreformed") == S.UNREFORMED and STEPS["warn"].target("corrected") == S.WARNED
    with pytest.raises(ValidationError, match="结果"):
        STEPS["warn"].target("revoked")
    # Every state but closed leads somewhere; every target is a state.
    for state in S.values:
        assert state == S.CLOSED or allowed_from(state), state
    assert {t for s in STEPS.values() for _, t in s.outcomes} <= set(S.values)


def test_police_warning_then_temporary_guardianship_records_civil_affairs_as_guardian(
    personas: dict[str, User],
) -> None:
    intervention = opened(personas)
    child_id = intervention.child_id
    warned = take(personas["officer_p"], intervention, "warn", days_ago=3, outcome="unreformed", note="多次教育不改")
    assert warned.unit.name == "县公安局" and warned.unit_basis == "按任务分工表第 17 项"
    assert warned.to_state == S.UNREFORMED and warned.registry_changes == []
    runs_before = ScreeningRun.objects.filter(child_id=child_id).count()
    temporary = take(
        personas["caseworker"],
        intervention,
        "temporary",
        days_ago=2,
        documents=[("temporary_decision", SimpleUploadedFile("决定书.pdf", PDF))],
    )
    assert temporary.unit.name == "县民政局" and temporary.to_state == S.TEMPORARY
    old, new = _guardian_rows(child_id)
    assert old.detail == "grandparent" and old.valid_to == today() - datetime.timedelta(days=3)
    assert (new.detail, new.flag, new.valid_from, new.valid_to) == ("civil_affairs", True, temporary.on, None)
    assert new.source == f"safety_case:{intervention.case.reference}"
    assert temporary.registry_changes == ["实际监护人：民政部门（国家监护）（有监护能力）"]
    assert ScreeningRun.objects.filter(child_id=child_id).count() == runs_before + 1  # screened at once
    [document] = InterventionDocument.objects.filter(step=temporary)
    assert document.original_name == "决定书.pdf" and document.content_type == "application/pdf"
    event = AuditEvent.objects.filter(action="guardianship.step").order_by("-id").first()
    assert event is not None and event.detail["step"] == "temporary" and event.detail["documents"] == 1


def test_revocation_records_the_parents_status_from_the_decision_and_long_term_guardianship(
    personas: dict[str, User],
) -> None:
    intervention = opened(personas)
    take(personas["caseworker"], intervention, "temporary", days_ago=20)
    applied = take(
        personas["caseworker"],
        intervention,
        "apply",
        days_ago=15,
        applicant="县检察院",
        filed_on=today() - datetime.timedelta(days=15),
        court_case_number="（2026）辽0522民特12号",
    )
    assert applied.unit.name == "县检察院" and applied.court_case_number == "（2026）辽0522民特12号"
    decided = take(
        personas["caseworker"],
        intervention,
        "decide",
        days_ago=5,
        outcome="revoked",
        revoked_parents=("mother",),
        guardian="civil_affairs",
    )
    assert decided.unit.name == "县法院" and decided.to_state == S.REVOKED
    mother = Circumstance.objects.filter(child_id=intervention.child_id, kind=Kind.MOTHER).order_by("valid_from")
    current = in_force(mother, today())[Kind.MOTHER]
    assert current.status == "guardianship_revoked" and current.valid_from == decided.on
    assert current.source == f"safety_case:{intervention.case.reference}"
    imprisoned = mother.first()
    assert imprisoned is not None and imprisoned.valid_to == decided.on - datetime.timedelta(days=1)
    long_term = take(personas["caseworker"], intervention, "long_term", days_ago=1)
    assert long_term.unit.name == "县民政局" and "第 16 项" in long_term.unit_basis
    guardians = _guardian_rows(intervention.child_id)
    assert guardians[-1].detail == "civil_affairs" and guardians[-1].valid_to is None
    take(personas["caseworker"], intervention, "close", note="长期监护，个案转入常规管理")
    intervention.refresh_from_db()
    assert intervention.state == S.CLOSED and intervention.closed_at is not None


def test_return_home_schedules_follow_ups_and_closes_only_after_them(personas: dict[str, User]) -> None:
    intervention = opened(personas)
    take(personas["caseworker"], intervention, "temporary", days_ago=10)
    first, second = today() + datetime.timedelta(days=30), today() + datetime.timedelta(days=90)
    returned = take(
        personas["caseworker"],
        intervention,
        "return_home",
        days_ago=1,
        guardian="grandparent",
        follow_up_dates=(second, first),
    )
    assert returned.to_state == S.RETURNED
    assert list(FollowUp.objects.filter(intervention=intervention).values_list("due_on", flat=True)) == [first, second]
    assert _guardian_rows(intervention.child_id)[-1].detail == "grandparent"
    with pytest.raises(ValidationError, match="还有 2 次回访未完成"):
        take(personas["caseworker"], intervention, "close", note="x")
    visit = take(personas["supervisor_a"], intervention, "follow_up", note="孩子在祖母家生活正常")
    assert visit.unit.is_townships and visit.to_state == S.RETURNED
    assert FollowUp.objects.get(due_on=first).step == visit
    take(personas["caseworker"], intervention, "follow_up", note="再次回访正常")
    take(personas["caseworker"], intervention, "close", note="回访完成")
    assert InterventionStep.objects.filter(intervention=intervention).count() == 6 - 1


def test_a_stale_step_answers_both_values_and_writes_nothing(personas: dict[str, User]) -> None:
    intervention = opened(personas)
    seen = intervention.version
    take(personas["caseworker"], intervention, "temporary", days_ago=1)
    rows = Circumstance.objects.count()
    data = services.StepInput(action="warn", on=today(), outcome="corrected")
    with pytest.raises(services.InterventionChangedError) as refused:
        services.step_take(
            actor=personas["officer_p"],
            intervention=intervention,
            data=data,
            expected_version=seen,
            expected_state=S.OPENED,
        )
    message = str(refused.value)
    assert "「已启动」（版本 1）" in message and "「临时监护中」（版本 2）" in message
    assert Circumstance.objects.count() == rows and InterventionStep.objects.count() == 1


def test_each_step_is_recorded_by_its_party_only(personas: dict[str, User]) -> None:
    intervention = opened(personas)
    for who, action in (("caseworker", "warn"), ("supervisor_a", "temporary"), ("officer_p", "temporary")):
        data = services.StepInput(action=action, on=today(), outcome="corrected" if action == "warn" else "")
        with pytest.raises(PermissionDenied):
            services.step_take(actor=personas[who], intervention=intervention, data=data, expected_version=1)
    procurator = user_create(
        actor=None,
        username="procurator",
        password="x-Strong-Pass-2026",
        role=Role.DEPARTMENT_OFFICER,
        full_name="何检察",
        department=Department.objects.get(name="县检察院"),
        check_password=False,
    )
    take(personas["caseworker"], intervention, "temporary", days_ago=2)
    step = take(procurator, intervention, "apply", applicant="县检察院", filed_on=today())
    assert step.recorded_by == procurator


def test_bad_input_names_the_field_and_writes_nothing(personas: dict[str, User]) -> None:
    intervention = opened(personas)
    take(personas["caseworker"], intervention, "temporary", days_ago=2)
    take(personas["caseworker"], intervention, "apply", days_ago=2, applicant="县民政局", filed_on=today())
    before = (Circumstance.objects.count(), InterventionStep.objects.count())
    with pytest.raises(ValidationError) as refused:
        take(
            personas["caseworker"],
            intervention,
            "decide",
            days_ago=-1,
            outcome="revoked",
            guardian="parent",
            documents=[("judgment", SimpleUploadedFile("判决.pdf", b"MZ\x90\x00 not a pdf"))],
        )
    errors = refused.value.message_dict
    assert errors["on"] == ["「日期」不能晚于今天"]
    assert "请选择被撤销的父亲、母亲或二者" in errors["revoked_parents"][0]
    assert "扩展名与实际内容不符" in errors["documents"][0]
    with pytest.raises(ValidationError, match="不能早于上一步的日期"):
        take(personas["caseworker"], intervention, "decide", days_ago=9, outcome="not_revoked")
    assert (Circumstance.objects.count(), InterventionStep.objects.count()) == before


def test_a_registry_refusal_undoes_the_whole_step(personas: dict[str, User]) -> None:
    """The guardian on record started after the step's date: the registry refuses, and the step,
    its state and its documents are not written either."""
    intervention = opened(personas)
    with pytest.raises(ValidationError) as refused:
        take(personas["caseworker"], intervention, "temporary", days_ago=40)
    assert "儿童名册不能按该日期记录" in refused.value.message_dict["on"][0]
    intervention.refresh_from_db()
    assert intervention.state == S.OPENED and intervention.version == 1
    assert not InterventionStep.objects.exists() and len(_guardian_rows(intervention.child_id)) == 1


def test_only_a_case_with_a_registered_child_gets_an_intervention(personas: dict[str, User]) -> None:
    from shouhu.safeguarding.tests.factories import file_report

    unregistered = file_report(personas["reporter_a"]).case
    with pytest.raises(ValidationError, match="未在儿童名册中登记"):
        services.intervention_open(actor=personas["caseworker"], case=unregistered)
    case = linked_case(personas)
    services.intervention_open(actor=personas["officer_p"], case=case)
    with pytest.raises(ValidationError, match="已启动"):
        services.intervention_open(actor=personas["caseworker"], case=case)
    with pytest.raises(PermissionDenied):
        services.intervention_open(actor=personas["supervisor_a"], case=case)
