"""Placements and the family register through their services: who may record, what each kind
needs, one placement at a time (the service's Chinese refusal), every ending with an outcome, a
stale end refused with both values, adoption only after a qualified assessment (task 20), the
register's steps from one table, and an audit row for each write."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from shouhu.accounts.models import User
from shouhu.accounts.personas import VILLAGE_B
from shouhu.core.dates import today
from shouhu.core.models import AuditEvent
from shouhu.placements import services
from shouhu.placements.models import FamilyState, Outcome, Placement, PlacementKind

from .factories import child, civil_affairs, family, place

DAY = datetime.timedelta(days=1)


def _messages(e: pytest.ExceptionInfo[ValidationError]) -> str:
    return str(e.value.message_dict)


def test_a_placement_is_recorded_and_audited(personas: dict[str, User]) -> None:
    kid = child()
    placement = place(personas["supervisor_a"], kid)
    assert placement.valid_to is None and placement.caregiver == "安大山（祖父）"
    row = AuditEvent.objects.get(action="placements.start", object_id=str(placement.pk))
    assert row.actor == personas["supervisor_a"] and row.detail["kind"] == "kinship"


def test_only_the_childs_township_and_the_county_record(personas: dict[str, User]) -> None:
    kid = child()
    for key in ("supervisor_b", "director_a", "admin", "officer_p"):
        with pytest.raises(PermissionDenied):
            place(personas[key], kid)
    assert not Placement.objects.exists()


def test_one_placement_at_a_time_refused_in_chinese(personas: dict[str, User]) -> None:
    caseworker = personas["caseworker"]
    kid = child()
    place(caseworker, kid, valid_from=today() - 10 * DAY)
    with pytest.raises(ValidationError) as e:
        place(caseworker, kid, valid_from=today() - 2 * DAY, kind=PlacementKind.INSTITUTION, caregiver_name="福利院")
    assert "同一时间只能有一个安置" in _messages(e) and "亲属抚养：安大山（祖父）" in _messages(e)
    assert Placement.objects.filter(child=kid).count() == 1


def test_moving_on_ends_the_current_placement_the_day_before(personas: dict[str, User]) -> None:
    caseworker = personas["caseworker"]
    kid = child()
    first = place(caseworker, kid, valid_from=today() - 10 * DAY)
    home = family(caseworker)
    second = place(caseworker, kid, kind=PlacementKind.FOSTER, family=home, valid_from=today(), end_current=True)
    first.refresh_from_db()
    assert first.valid_to == today() - DAY and first.outcome == Outcome.MOVED
    assert second.family == home and second.caregiver == "王建国家庭"


def test_each_kind_needs_its_caregiver(personas: dict[str, User]) -> None:
    caseworker = personas["caseworker"]
    kid = child()
    with pytest.raises(ValidationError) as e:
        place(caseworker, kid, kind=PlacementKind.FOSTER)
    assert "爱心家庭" in str(e.value.message_dict["family"])
    with pytest.raises(ValidationError) as e:
        place(caseworker, kid, kind=PlacementKind.TEMPORARY_CARE, caregiver_name="", caregiver_relationship="")
    errors = e.value.message_dict
    assert {"place", "ground", "caregiver_name"} <= errors.keys()
    with pytest.raises(ValidationError) as e:
        place(caseworker, kid, kind=PlacementKind.FOSTER, family=family(caseworker, state="assessed"))
    assert "只能选择已批准的家庭" in _messages(e)
    with pytest.raises(ValidationError) as e:
        place(caseworker, kid, valid_from=today() + DAY, decided_by_person="")
    assert "不能晚于今天" in str(e.value.message_dict["valid_from"]) and "decided_by_person" in e.value.message_dict
    assert not Placement.objects.exists()


def test_a_full_family_takes_no_more_children(personas: dict[str, User]) -> None:
    caseworker = personas["caseworker"]
    home = family(caseworker, capacity=1)
    place(caseworker, child(), kind=PlacementKind.FOSTER, family=home)
    with pytest.raises(ValidationError) as e:
        place(caseworker, child("安置小红", 62), kind=PlacementKind.FOSTER, family=home)
    assert "已满" in _messages(e)


def test_ending_needs_an_outcome_and_a_stale_end_is_refused_with_both_values(personas: dict[str, User]) -> None:
    caseworker, supervisor = personas["caseworker"], personas["supervisor_a"]
    placement = place(caseworker, child())
    with pytest.raises(ValidationError) as e:
        services.placement_end(actor=caseworker, placement=placement, valid_to=today(), outcome="", expected_version=1)
    assert "结束结果" in _messages(e)
    with pytest.raises(ValidationError) as e:
        services.placement_end(
            actor=caseworker, placement=placement, valid_to=today(), outcome=Outcome.AGED_OUT, expected_version=1
        )
    assert "还未满 18 周岁" in _messages(e)
    services.placement_end(
        actor=supervisor, placement=placement, valid_to=today(), outcome=Outcome.RETURNED_HOME, expected_version=1
    )
    with pytest.raises(services.PlacementChangedError) as stale:
        services.placement_end(
            actor=caseworker, placement=placement, valid_to=today(), outcome=Outcome.RAN_AWAY, expected_version=1
        )
    assert (
        "「安置中」（版本 1）" in str(stale.value)
        and "回归原生家庭" in str(stale.value)
        and "（版本 2）" in str(stale.value)
    )
    placement.refresh_from_db()
    assert placement.outcome == Outcome.RETURNED_HOME and placement.ended_by == supervisor


def test_adoption_needs_a_prior_qualified_assessment_of_the_adopters(personas: dict[str, User]) -> None:
    caseworker = personas["caseworker"]
    kid = child()
    adoption = {"kind": PlacementKind.ADOPTION, "caregiver_name": "", "caregiver_relationship": ""}
    with pytest.raises(ValidationError) as e:
        place(caseworker, kid, **adoption)
    assert "收养前须先完成" in _messages(e)
    failed = services.adoptive_assessment_record(
        actor=caseworker,
        child=kid,
        adopters="赵志刚、孙丽",
        assessed_on=today() - 20 * DAY,
        result="unqualified",
        unit=civil_affairs(),
        assessor="张评估",
    )
    with pytest.raises(ValidationError) as e:
        place(caseworker, kid, adoptive_assessment=failed, **adoption)
    assert "不合格" in _messages(e)
    with pytest.raises(PermissionDenied):
        services.adoptive_assessment_record(
            actor=personas["supervisor_a"],
            child=kid,
            adopters="赵志刚",
            assessed_on=today(),
            result="qualified",
            unit=civil_affairs(),
            assessor="张评估",
        )
    passed = services.adoptive_assessment_record(
        actor=caseworker,
        child=kid,
        adopters="赵志刚、孙丽",
        assessed_on=today() - 15 * DAY,
        result="qualified",
        unit=civil_affairs(),
        assessor="张评估",
    )
    adopted = place(caseworker, kid, adoptive_assessment=passed, **adoption)
    assert adopted.caregiver == "赵志刚、孙丽（收养人）" and adopted.adoptive_assessment == passed
    other = child("安置小红", 62)
    with pytest.raises(ValidationError) as e:
        place(caseworker, other, adoptive_assessment=passed, **adoption)
    assert "不是对该儿童收养人的评估" in _messages(e)


def test_the_register_steps_follow_the_one_table(personas: dict[str, User]) -> None:
    caseworker = personas["caseworker"]
    home = family(caseworker, state="applied")
    assert home.reference.startswith("AX100-")
    with pytest.raises(ValidationError):
        services.family_approve(
            actor=caseworker, family=home, expected_version=1, approved_on=today(), approval_number="x", capacity=1
        )
    services.family_assess(
        actor=caseworker,
        family=home,
        expected_version=1,
        assessed_on=today(),
        assessor="张评估",
        result="qualified",
        capacity=2,
    )
    with pytest.raises(ValidationError) as e:
        services.family_approve(
            actor=caseworker, family=home, expected_version=2, approved_on=today(), approval_number="x", capacity=3
        )
    assert "不能超过评估建议的 2 名" in _messages(e)
    services.family_approve(
        actor=caseworker, family=home, expected_version=2, approved_on=today(), approval_number="x", capacity=2
    )
    assert home.state == FamilyState.APPROVED and home.next_review_on == today() + datetime.timedelta(days=365)
    with pytest.raises(services.FamilyChangedError) as stale:
        services.family_step(
            actor=caseworker, family=home, action="suspend", expected_version=2, expected_state="assessed", note="x"
        )
    assert "「已评估」（版本 2）" in str(stale.value) and "「已批准」（版本 3）" in str(stale.value)
    place(caseworker, child(), kind=PlacementKind.FOSTER, family=home)
    with pytest.raises(ValidationError) as e:
        services.family_step(actor=caseworker, family=home, action="withdraw", expected_version=3, note="搬走")
    assert "还有 1 名儿童在安置中" in _messages(e)
    services.family_step(actor=caseworker, family=home, action="suspend", expected_version=3, note="家中有变故")
    assert list(home.events.values_list("action", flat=True)) == ["apply", "assess", "approve", "suspend"]
    with pytest.raises(PermissionDenied):
        services.family_step(
            actor=personas["supervisor_a"], family=home, action="reinstate", expected_version=4, note="x"
        )


def test_a_family_application_refuses_bad_input_naming_the_field(personas: dict[str, User]) -> None:
    from .factories import family_input

    with pytest.raises(ValidationError) as e:
        services.family_apply(
            actor=personas["caseworker"],
            data=family_input(name="", region_code="999", contact_phone="abc", address="x\x00"),
        )
    errors = e.value.message_dict
    assert {"name", "region", "contact_phone", "address"} <= errors.keys()
    assert "「家庭名称」不能为空" in errors["name"]


def test_reviews_move_the_next_review_on(personas: dict[str, User]) -> None:
    caseworker = personas["caseworker"]
    home = family(caseworker, region_code=VILLAGE_B)
    services.family_review_add(actor=caseworker, family=home, reviewed_on=today(), reviewer="张复核", result="continue")
    services.family_training_add(actor=caseworker, family=home, trained_on=today(), topic="儿童心理", hours=4)
    home.refresh_from_db()
    assert home.next_review_on == today() + datetime.timedelta(days=365)
    assert home.reviews.count() == 1 and home.trainings.count() == 1
