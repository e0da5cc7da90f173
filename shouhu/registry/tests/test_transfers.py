"""Moving between townships: registering an ID number already on record elsewhere in the county
says only that (and offers a transfer); the destination asks, the child's township (or the county)
confirms or refuses; on confirmation the child moves with its history, screening results and open
referrals; every step is audited and the other side is told."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from shouhu.accounts.models import User
from shouhu.accounts.personas import TOWNSHIP_A, TOWNSHIP_B, VILLAGE_A, VILLAGE_B
from shouhu.core.models import AuditEvent, Notification
from shouhu.regions.models import Region
from shouhu.registry import transfers
from shouhu.registry.models import Child, ChildTransfer, TransferState

from .ui_factories import form_data, register

pytestmark = pytest.mark.django_db
ID_B = "210522201503150015"  # the example child's, registered in 普乐堡村 (township B) below


def child_in_b(personas: dict[str, User]) -> Child:
    return register(personas["caseworker"], region_code=VILLAGE_B, hukou_region_code=VILLAGE_B, name="朴小明")


def ask(personas: dict[str, User], child: Child, who: str = "director_a") -> ChildTransfer:
    return transfers.transfer_request(
        actor=personas[who],
        id_number=ID_B,
        name="朴小明",
        to_region=Region.objects.get(code=VILLAGE_A),
        address="东关街 8 号",
        reason="随母亲迁居",
    )


def text_of(response: Any) -> str:
    return re.sub(r"<[^>]+>", " ", response.content.decode())


# -- registering an ID number on record elsewhere ------------------------------------------------------


def test_registering_an_id_on_record_elsewhere_says_only_that_and_offers_a_transfer(
    personas: dict[str, User], login: Any
) -> None:
    child_in_b(personas)
    response = login("director_a").post(reverse("registry:create"), form_data(name="朴小明", address="东关街 8 号"))
    html = response.content.decode()
    assert response.status_code == 200 and Child.objects.count() == 1
    assert "该身份证号已在本县其他地区登记，可申请迁入" in html
    assert "普乐堡" not in html and "已登记，请在已有档案上更新" not in html
    assert "辖区" not in text_of(response).split("该身份证号已在本县其他地区登记")[1][:40]
    assert 'data-testid="request-transfer"' in html and reverse("registry:transfer_request") in html
    attempt = AuditEvent.objects.get(action="children.register_elsewhere")
    assert attempt.actor == personas["director_a"]


def test_the_transfer_button_fills_the_request_in(personas: dict[str, User], login: Any) -> None:
    child_in_b(personas)
    html = (
        login("director_a")
        .post(
            reverse("registry:transfer_request"),
            {"prefill": "1", "id_number": ID_B, "name": "朴小明", "region_code": VILLAGE_A, "address": "东关街 8 号"},
        )
        .content.decode()
    )
    assert f'value="{ID_B}"' in html and 'value="东关街 8 号"' in html and f'value="{VILLAGE_A}" selected' in html
    assert "errorlist" not in html and ChildTransfer.objects.count() == 0


# -- asking --------------------------------------------------------------------------------------------


def test_the_destination_asks_and_the_childs_township_is_told(
    personas: dict[str, User], login: Any, django_capture_on_commit_callbacks: Any
) -> None:
    child = child_in_b(personas)
    with django_capture_on_commit_callbacks(execute=True):
        response = login("director_a").post(
            reverse("registry:transfer_request"),
            {
                "id_number": ID_B,
                "name": "朴小明",
                "to_region": VILLAGE_A,
                "address": "东关街 8 号",
                "reason": "随母亲迁居",
            },
        )
    assert response.status_code == 302
    transfer = ChildTransfer.objects.get()
    assert (transfer.child, transfer.from_code, transfer.to_code) == (child, VILLAGE_B, VILLAGE_A)
    assert transfer.state == TransferState.REQUESTED and transfer.address == "东关街 8 号"
    assert AuditEvent.objects.filter(action="children.transfer_request", object_id=str(child.pk)).exists()
    assert Notification.objects.filter(recipient=personas["supervisor_b"], kind="transfer.request").exists()
    assert not Notification.objects.filter(recipient=personas["supervisor_a"], kind="transfer.request").exists()
    # The asker's page says nothing of where the child lives now.
    html = login("director_a").get(reverse("registry:transfer_detail", args=[transfer.pk])).content.decode()
    assert "东关街 8 号" in html and "普乐堡" not in html and 'data-testid="decide-form"' not in html
    # The deciding side sees the request on its home page and in its list.
    assert "待确认 1 件" in login("supervisor_b").get("/").content.decode()
    assert "待确认" not in login("supervisor_a").get("/").content.decode().split("迁入申请")[-1][:30]
    listing = login("supervisor_b").get(reverse("registry:transfers")).content.decode()
    assert f'data-testid="waiting-{transfer.pk}"' in listing and "普乐堡村" in listing
    assert login("director_b").get(reverse("registry:transfer_detail", args=[transfer.pk])).status_code == 404


def test_asking_is_refused_for_a_child_already_in_scope_a_second_time_or_outside_ones_villages(
    personas: dict[str, User],
) -> None:
    child = child_in_b(personas)
    with pytest.raises(ValidationError, match="该儿童在您的辖区内"):
        transfers.transfer_request(
            actor=personas["supervisor_b"],
            id_number=ID_B,
            name="朴小明",
            to_region=Region.objects.get(code="210522101202"),
            address="南沟 1 号",
        )
    with pytest.raises(PermissionDenied):
        transfers.transfer_request(
            actor=personas["director_a"],
            id_number=ID_B,
            name="朴小明",
            to_region=Region.objects.get(code="210522100202"),  # 西关村: not director_a's
            address="西关 1 号",
        )
    ask(personas, child)
    with pytest.raises(ValidationError, match="已有待确认的迁入申请"):
        ask(personas, child, who="supervisor_a")


# -- deciding ------------------------------------------------------------------------------------------


def test_only_the_childs_township_or_the_county_decides(personas: dict[str, User], login: Any) -> None:
    transfer = ask(personas, child_in_b(personas))
    url = reverse("registry:transfer_decide", args=[transfer.pk])
    data = {"decision": "confirm"}
    assert login("director_a").post(url, data).status_code == 403
    assert login("supervisor_a").post(url, data).status_code == 404  # the destination's supervisor
    assert login("director_b").post(url, data).status_code == 403
    transfer.refresh_from_db()
    assert transfer.state == TransferState.REQUESTED


def test_confirming_moves_the_child_with_its_history(
    personas: dict[str, User], login: Any, django_capture_on_commit_callbacks: Any
) -> None:
    child = child_in_b(personas)
    facts = set(child.circumstances.values_list("pk", flat=True))
    transfer = ask(personas, child)
    page = login("supervisor_b").get(reverse("registry:transfer_detail", args=[transfer.pk])).content.decode()
    assert 'data-testid="decide-form"' in page and "朴小明" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = login("supervisor_b").post(
            reverse("registry:transfer_decide", args=[transfer.pk]), {"decision": "confirm", "note": ""}
        )
    assert response.status_code == 302
    child.refresh_from_db()
    assert (child.region_code, child.address, child.version) == (VILLAGE_A, "东关街 8 号", 2)
    assert set(child.circumstances.values_list("pk", flat=True)) == facts
    transfer.refresh_from_db()
    assert transfer.state == TransferState.CONFIRMED and transfer.decided_by == personas["supervisor_b"]
    event = AuditEvent.objects.get(action="children.transfer_confirm")
    assert event.detail["from"] == VILLAGE_B and event.detail["to"] == VILLAGE_A
    assert Notification.objects.filter(recipient=personas["director_a"], kind="transfer.confirmed").exists()
    assert "朴小明" in login("director_a").get(reverse("registry:list")).content.decode()
    assert login("supervisor_b").get(reverse("registry:detail", args=[child.pk])).status_code == 404
    assert login("director_a").get(reverse("registry:detail", args=[child.pk])).status_code == 200


def test_refusing_needs_a_reason_and_leaves_the_child(
    personas: dict[str, User], login: Any, django_capture_on_commit_callbacks: Any
) -> None:
    child = child_in_b(personas)
    transfer = ask(personas, child)
    url = reverse("registry:transfer_decide", args=[transfer.pk])
    html = login("caseworker").post(url, {"decision": "refuse", "note": ""}).content.decode()
    assert "不同意时必须说明理由" in html
    with django_capture_on_commit_callbacks(execute=True):
        assert login("caseworker").post(url, {"decision": "refuse", "note": "儿童仍在原址居住"}).status_code == 302
    transfer.refresh_from_db()
    child.refresh_from_db()
    assert transfer.state == TransferState.REFUSED and child.region_code == VILLAGE_B
    assert AuditEvent.objects.filter(action="children.transfer_refuse").exists()
    assert Notification.objects.filter(recipient=personas["director_a"], kind="transfer.refused").exists()
    with pytest.raises(PermissionDenied):  # decided once
        transfers.transfer_decide(actor=personas["caseworker"], transfer=transfer, confirm=True)


def test_open_referrals_the_township_handles_follow_the_child(personas: dict[str, User]) -> None:
    from shouhu.casework import services as casework
    from shouhu.casework.models import Intake, IntakeKind, IntakeState, ReferralEvent
    from shouhu.casework.tests.helpers import import_table
    from shouhu.eligibility.models import Rule

    import_table()
    Rule.objects.filter(code="T24").update(task_number=25)  # a task each township answers for
    child = child_in_b(personas)
    intake = casework.intake_create(actor=personas["caseworker"], child=child, proposals={"T24": "", "T05": ""})
    referrals = casework.intake_confirm(actor=personas["caseworker"], intake=intake, confirmed=["T24", "T05"])
    township_referral = next(r for r in referrals if r.code == "T24")
    unit_referral = next(r for r in referrals if r.code == "T05")
    assert township_referral.township is not None and township_referral.township.code == TOWNSHIP_B
    draft = Intake.objects.create(
        reference="SH101-2026-9", child=child, kind=IntakeKind.SUGGESTION, township=township_referral.township
    )
    transfer = ask(personas, child)
    transfers.transfer_decide(actor=personas["supervisor_b"], transfer=transfer, confirm=True)
    township_referral.refresh_from_db()
    unit_referral.refresh_from_db()
    draft.refresh_from_db()
    intake.refresh_from_db()
    assert township_referral.township is not None and township_referral.township.code == TOWNSHIP_A
    assert unit_referral.township is None  # a unit's referral: its routing does not depend on the township
    assert draft.township.code == TOWNSHIP_A and draft.state == IntakeState.DRAFT
    assert intake.township.code == TOWNSHIP_A  # its referrals are still open: the new window follows them
    assert ReferralEvent.objects.filter(referral=township_referral, action="follow_child").exists()
    assert AuditEvent.objects.filter(action="referral.follow_child", object_id=str(township_referral.pk)).exists()
    assert "转介" in " ".join(transfer.follow_ups) and "桓仁镇" in " ".join(transfer.follow_ups)
    confirm = AuditEvent.objects.get(action="children.transfer_confirm")
    assert confirm.detail["followed"] == list(transfer.follow_ups)
