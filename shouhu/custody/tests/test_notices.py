"""Recording a notice: the child matched by ID number or registered, the parent's status written
with the notice as its source and the child screened at once, a safety case opened only when civil
affairs must arrange the care, the township told to verify a relative, nothing half-written."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from shouhu.access import custody_notices_visible_to
from shouhu.accounts.models import User
from shouhu.casework.tests.helpers import import_table
from shouhu.casework.tests.walk_samples import child, id_number
from shouhu.core.dates import today
from shouhu.core.models import AuditEvent, Notification
from shouhu.custody.models import SOURCE_PREFIX, CustodyChild, CustodyNotice
from shouhu.eligibility.models import ScreeningRun
from shouhu.registry.models import Child, Circumstance
from shouhu.safeguarding.models import ReportKind, ReportSource, SafetyCase, UnitRole

from .factories import child_input, notice_input, record

pytestmark = pytest.mark.django_db


def _father(child_id: int) -> Circumstance:
    return Circumstance.objects.get(child_id=child_id, kind="father", valid_to__isnull=True)


ALIVE = [{"role": "father", "status": "alive"}, {"role": "mother", "status": "alive"}]


def test_a_registered_child_is_matched_and_its_father_detained_from_the_notice(personas: dict[str, User]) -> None:
    known = child("韩小北", "20170602", 77, parents=ALIVE)
    runs = ScreeningRun.objects.filter(child=known).count()
    notice = record(personas["officer_p"])
    entry = notice.children.get()
    assert entry.child_id == known.pk and not entry.registered
    father = _father(known.pk)
    assert father.status == "detained" and father.source == f"{SOURCE_PREFIX}{notice.pk}"
    assert father.since == notice.since and father.until == notice.until
    assert ScreeningRun.objects.filter(child=known).count() == runs + 1  # screened at once
    assert entry.prior_fact is not None and entry.prior_fact["status"] == "alive"
    assert notice.reference.startswith("GA-") and notice.department.name == "县公安局"
    event = AuditEvent.objects.get(action="custody.notice_record", object_id=str(notice.pk))
    assert event.detail["children"] == [known.pk] and event.detail["cases"] == []
    assert not SafetyCase.objects.exists()  # a relative cares for the child: no case


def test_a_relative_arrangement_asks_the_township_supervisor_to_verify(
    personas: dict[str, User], django_capture_on_commit_callbacks: object
) -> None:
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        notice = record(personas["officer_p"])
    bell = Notification.objects.filter(kind="custody.verify")
    assert [n.recipient.username for n in bell] == ["supervisor_a"]
    assert notice.reference in bell.get().title and "韩小北" not in bell.get().title


def test_an_unknown_child_is_registered_with_the_fact_and_an_institution_opens_a_case(
    personas: dict[str, User],
) -> None:
    import_table()
    number = id_number("20190101", 12, male=False)
    notice = record(
        personas["officer_j"],
        child_input(id_number=number, name="白小雪", arrangement="institution", caregiver_name=""),
        kind="imprisonment",
        parent_role="mother",
    )
    entry = notice.children.select_related("child", "safety_case").get()
    new = entry.child
    assert entry.registered and new.name == "白小雪" and new.sex == "female" and new.region_code == entry.region.code
    assert _mother(new).status == "imprisoned" and _mother(new).source == notice.source
    assert ScreeningRun.objects.filter(child=new).exists()
    case = entry.safety_case
    assert case is not None and case.child_id == new.pk and case.kind == ReportKind.CARE_NEEDED
    assert case.report.source == ReportSource.CUSTODY_NOTICE and case.report.reported_by == personas["officer_j"]
    units = {(u.department.name, u.role) for u in case.units.select_related("department")}
    # Task 19: 县司法局 leads by the table, 县公安局 and 县民政局 cooperate; civil affairs leads the care.
    assert ("县民政局", UnitRole.LEAD) in units and ("各乡镇（街道）", UnitRole.TOWNSHIP) in units
    assert ("县司法局", UnitRole.COOPERATING) in units
    assert case.clocks.get(step="acknowledge").department.name == "县民政局"
    assert not case.urgent
    assert notice.reference.startswith("SF-")


def _mother(who: Child) -> Circumstance:
    return Circumstance.objects.get(child=who, kind="mother", valid_to__isnull=True)


def test_a_child_without_an_id_number_is_registered_from_name_birth_date_and_village(
    personas: dict[str, User],
) -> None:
    notice = record(
        personas["officer_p"],
        child_input(id_number="", sex="male", birth_date=datetime.date(2020, 3, 4), arrangement="no_carer"),
    )
    entry = notice.children.select_related("child", "safety_case").get()
    assert entry.registered and entry.child.id_number in ("", None) and entry.child.no_id_reason
    assert entry.child.birth_date == datetime.date(2020, 3, 4)
    assert entry.safety_case is not None and entry.safety_case.urgent  # nobody cares for the child now
    assert _father(entry.child_id).status == "detained"


def test_no_case_when_no_arrangement_is_needed(personas: dict[str, User]) -> None:
    record(personas["officer_p"], child_input(arrangement="none_needed", arrangement_reason="由母亲照料"))
    assert not SafetyCase.objects.exists()
    assert CustodyChild.objects.get().arrangement_reason == "由母亲照料"


def test_bad_input_names_the_field_and_the_row_and_writes_nothing(personas: dict[str, User]) -> None:
    children = Child.objects.count()
    bad = notice_input(
        child_input(),
        child_input(id_number="", name="", arrangement="relative", caregiver_phone="", region_code="210522100000"),
        since=today() + datetime.timedelta(days=1),
    )
    with pytest.raises(ValidationError) as caught:
        from shouhu.custody.services import notice_record

        notice_record(actor=personas["officer_p"], data=bad)
    errors = caught.value.message_dict
    assert "「羁押开始日期」不能晚于今天" in errors["since"]
    assert errors["children[1].name"] == ["第 2 名子女的「姓名」不能为空"]
    assert "第 2 名子女的「性别」" in errors["children[1].sex"][0]
    assert "第 2 名子女的「所在村（社区）」" in errors["children[1].region_code"][0]
    assert "第 2 名子女的「照料人电话」" in errors["children[1].caregiver_phone"][0]
    assert "children[0].name" not in errors
    assert Child.objects.count() == children and not CustodyNotice.objects.exists()


def test_a_registry_refusal_part_way_leaves_nothing(personas: dict[str, User]) -> None:
    """The second child's father fact started after the detention: the registry refuses, and the
    first child's registration and fact are rolled back with the notice."""
    known = child("韩小南", "20150302", 55, parents=ALIVE)
    Circumstance.objects.filter(child=known, kind="father").update(valid_from=today())
    children = Child.objects.count()
    with pytest.raises(ValidationError) as caught:
        record(
            personas["officer_p"],
            child_input(id_number=id_number("20180808", 31)),
            child_input(id_number=known.id_number, name="韩小南"),
        )
    assert list(caught.value.message_dict) == ["children[1].id_number"]
    assert caught.value.message_dict["children[1].id_number"][0].startswith("第 2 名子女：")
    assert Child.objects.count() == children and not CustodyNotice.objects.exists()


def test_the_unit_decides_which_kinds_an_officer_records(personas: dict[str, User]) -> None:
    with pytest.raises(ValidationError) as caught:
        record(personas["officer_p"], kind="imprisonment")
    assert "不由您的单位登记" in caught.value.message_dict["kind"][0]
    with pytest.raises(PermissionDenied):
        record(personas["officer_a"])
    with pytest.raises(PermissionDenied):
        record(personas["caseworker"])


def test_who_sees_a_notice(personas: dict[str, User]) -> None:
    notice = record(personas["officer_p"])
    seen = {key for key, user in personas.items() if custody_notices_visible_to(user).filter(pk=notice.pk).exists()}
    assert seen == {"admin", "caseworker", "officer_p", "supervisor_a"}
