"""The placements pages as their users meet them: temporary care recorded from a safety case (and
refused, in Chinese, for a child not in the registry), the child's placements over time (a village
director sees only the current one), matching (the child's township first), ending with both values
on a stale form, family addresses only to county civil affairs and the family's township, the
caseworker's home panel."""

from __future__ import annotations

import datetime
from typing import Any

from shouhu.accounts.models import User
from shouhu.accounts.personas import VILLAGE_B
from shouhu.core.dates import today
from shouhu.core.models import AuditEvent
from shouhu.placements.models import Outcome, Placement, PlacementKind
from shouhu.safeguarding.tests.factories import file_report

from .factories import child, civil_affairs, family, place


def _temporary_care(unit: int, **changes: str) -> dict[str, str]:
    data = {
        "tc-place": "relative",
        "tc-caregiver_name": "安秀兰",
        "tc-caregiver_relationship": "姑姑",
        "tc-ground": "serious_harm",
        "tc-valid_from": today().isoformat(),
        "tc-decided_by_unit": str(unit),
        "tc-decided_by_person": "李科长",
    }
    data.update(changes)
    return data


def test_temporary_care_is_recorded_from_the_case_page(personas: dict[str, User], login: Any) -> None:
    kid = child()
    case = file_report(personas["reporter_a"], id_number=kid.id_number, child_name="").case
    client = login("supervisor_a")
    page = client.get(f"/safety/cases/{case.pk}/").content.decode()
    assert 'data-testid="temporary-care-form"' in page and "第九十二条" in page
    bad = client.post(
        f"/placements/cases/{case.pk}/temporary-care/",
        _temporary_care(civil_affairs().pk, **{"tc-caregiver_relationship": ""}),
    )
    assert "「与儿童关系」由亲属临时照料时须写明" in bad.content.decode() and not Placement.objects.exists()
    response = client.post(f"/placements/cases/{case.pk}/temporary-care/", _temporary_care(civil_affairs().pk))
    assert response.status_code == 302
    placement = Placement.objects.get()
    assert placement.kind == PlacementKind.TEMPORARY_CARE and placement.source_case == case
    assert placement.caregiver == "安秀兰（姑姑）" and "第九十二条" in placement.decision_basis
    page = client.get(f"/safety/cases/{case.pk}/").content.decode()
    assert "（本个案）" in page and "安秀兰（姑姑）" in page
    # The police officer handles the case, but records no placement: no form for them.
    police = login("officer_p").get(f"/safety/cases/{case.pk}/").content.decode()
    assert 'data-testid="temporary-care"' not in police


def test_a_case_for_an_unregistered_child_says_why_there_is_no_placement(personas: dict[str, User], login: Any) -> None:
    case = file_report(personas["reporter_a"]).case
    client = login("caseworker")
    page = client.get(f"/safety/cases/{case.pk}/").content.decode()
    assert "该儿童尚未在儿童名册登记" in page and 'data-testid="temporary-care-form"' not in page
    response = client.post(f"/placements/cases/{case.pk}/temporary-care/", _temporary_care(civil_affairs().pk))
    assert response.status_code == 200 and "请先登记并与本个案关联" in response.content.decode()
    assert not Placement.objects.exists()


def test_the_village_director_sees_the_current_placement_only(personas: dict[str, User], login: Any) -> None:
    caseworker = personas["caseworker"]
    kid = child()
    old = place(caseworker, kid, valid_from=today() - datetime.timedelta(days=40), caregiver_name="安老爷")
    from shouhu.placements import services

    services.placement_end(
        actor=caseworker,
        placement=old,
        valid_to=today() - datetime.timedelta(days=20),
        outcome=Outcome.RETURNED_HOME,
        expected_version=1,
    )
    place(
        caseworker,
        kid,
        valid_from=today() - datetime.timedelta(days=5),
        caregiver_name="安二婶",
        caregiver_relationship="婶婶",
    )
    full = login("supervisor_a").get(f"/placements/children/{kid.pk}/").content.decode()
    assert "安老爷" in full and "安二婶" in full and "回归原生家庭" in full and "李科长" in full
    director = login("director_a").get(f"/placements/children/{kid.pk}/").content.decode()
    assert "安二婶" in director and "安老爷" not in director and "李科长" not in director
    assert login("director_b").get(f"/placements/children/{kid.pk}/").status_code == 404
    row = AuditEvent.objects.filter(action="placements.child_view", actor=personas["director_a"]).get()
    assert row.detail == {"history": False} and row.object_id == str(kid.pk)


def test_matching_lists_the_childs_township_first_and_choosing_creates_foster_care(
    personas: dict[str, User], login: Any
) -> None:
    caseworker = personas["caseworker"]
    far = family(caseworker, name="普乐堡刘家", region_code=VILLAGE_B, capacity=3)
    near = family(caseworker, name="东关王家", capacity=1)
    full = family(caseworker, name="东关满员", capacity=1)
    place(caseworker, child("安置小红", 62), kind=PlacementKind.FOSTER, family=full)
    kid = child()
    client = login("supervisor_a")
    page = client.get(f"/placements/children/{kid.pk}/match/").content.decode()
    assert page.index("东关王家") < page.index("普乐堡刘家") and "东关满员" not in page
    form = client.get(f"/placements/children/{kid.pk}/new/?family={near.pk}").content.decode()
    assert "安置到爱心家庭：东关王家" in form
    response = client.post(
        f"/placements/children/{kid.pk}/new/",
        {
            "family": str(near.pk),
            "kind": "foster",
            "valid_from": today().isoformat(),
            "decided_by_unit": str(civil_affairs().pk),
            "decided_by_person": "李科长",
        },
    )
    assert response.status_code == 302
    placement = Placement.objects.get(child=kid)
    assert placement.family == near and placement.kind == PlacementKind.FOSTER
    assert far.placements.count() == 0


def test_a_stale_end_answers_409_with_both_values(personas: dict[str, User], login: Any) -> None:
    placement = place(personas["caseworker"], child())
    client = login("caseworker")
    page = client.get(f"/placements/{placement.pk}/end/").content.decode()
    assert 'data-confirm="确定结束该安置？"' in page
    ended = {"version": "1", "valid_to": today().isoformat(), "outcome": "ran_away"}
    assert client.post(f"/placements/{placement.pk}/end/", ended).status_code == 302
    stale = client.post(f"/placements/{placement.pk}/end/", {**ended, "outcome": "returned_home"})
    assert stale.status_code == 409
    text = stale.content.decode()
    assert "「安置中」（版本 1）" in text and "出走" in text and "（版本 2）" in text
    placement.refresh_from_db()
    assert placement.outcome == Outcome.RAN_AWAY


def test_family_addresses_only_to_county_civil_affairs_and_the_familys_township(
    personas: dict[str, User], login: Any
) -> None:
    home = family(personas["caseworker"])  # approved, in 东关村 (桓仁镇)
    for key, shown in (("caseworker", True), ("admin", True), ("supervisor_a", True), ("supervisor_b", False)):
        page = login(key).get(f"/placements/families/{home.pk}/").content.decode()
        assert ("东关村三组 12 号" in page) is shown, key
        assert ("13800000001" in page) is shown, key
    assert AuditEvent.objects.filter(action="placements.family_view", object_id=str(home.pk)).count() == 4


def test_the_family_list_filters_and_the_caseworker_home_panel(personas: dict[str, User], login: Any) -> None:
    caseworker = personas["caseworker"]
    family(caseworker, state="applied", name="待评估赵家")
    family(caseworker, name="已批准钱家")
    kid = child()
    place(caseworker, kid, planned_end=today() + datetime.timedelta(days=10))
    client = login("caseworker")
    listed = client.get("/placements/families/?state=applied").content.decode()
    assert "待评估赵家" in listed and "已批准钱家" not in listed
    home = client.get("/").content.decode()
    assert "安置与爱心家庭" in home and "待评估 1 户" in home and "安置小明：亲属抚养" in home
    assert "安置与爱心家庭" not in login("officer_p").get("/").content.decode()
