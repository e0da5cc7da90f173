"""The casework screens: taking an application, the window's suggestions, the receipt, and every
referral action — in scope it works, out of scope it is not found, without the role forbidden."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from shouhu.accounts.models import Department, User
from shouhu.accounts.personas import VILLAGE_B
from shouhu.casework import services
from shouhu.casework.calendar import deadlines_for
from shouhu.casework.models import (
    Intake,
    IntakeKind,
    IntakeMeasure,
    IntakeState,
    Outcome,
    Referral,
    ReferralState,
    SavedFilter,
)
from shouhu.core.dates import today
from shouhu.core.models import AuditEvent, Notification
from shouhu.registry.models import ChildDocument

from .helpers import import_table
from .walk_samples import child, id_number, referred

pytestmark = pytest.mark.django_db
S = ReferralState


@pytest.fixture
def table() -> None:
    import_table()


def _content(response: Any) -> str:
    return response.content.decode()


# -- intake ------------------------------------------------------------------------------------


def test_the_picker_finds_children_by_pinyin_in_scope_only(table: None, login: Any) -> None:
    a = child("孙小明", "20150601", 1)
    child("孙小红", "20150701", 2, region=VILLAGE_B)
    page = _content(login("supervisor_a").get("/intake/new/?q=sxm"))
    assert "孙小明" in page and f"?child={a.pk}" in page and "孙小红" not in page
    assert "/children/new/" in page  # a child not yet registered: register first
    empty = _content(login("supervisor_a").get("/intake/new/?q=zzz"))
    assert "没有找到" in empty


def test_the_form_shows_screenings_proposals_with_explanations(table: None, login: Any) -> None:
    a = child("孙小明", "20150601", 1)
    response = login("supervisor_a").get(f"/intake/new/?child={a.pk}")
    page = _content(response)
    for code in ("T02", "T07", "T09", "T24"):
        assert f'data-testid="proposed-{code}"' in page
    assert "家庭经济困难：低保家庭，在校：在读（小学）" in page  # T09's explanation
    assert 'name="m_T09" checked' in page or "checked" in page.split('data-testid="proposed-T09"')[1][:400]
    assert 'data-testid="other-T17"' in page  # a measure not proposed can be added
    assert id_number("20150601", 1) not in page


def test_a_measure_already_in_hand_is_not_sent_twice_by_default(
    table: None, login: Any, personas: dict[str, User]
) -> None:
    a = child("孙小明", "20150601", 1)
    referred(personas["supervisor_a"], a, ["T09"])
    page = _content(login("supervisor_a").get(f"/intake/new/?child={a.pk}"))
    row = page.split('data-testid="proposed-T09"')[1].split("</div>")[0]
    assert 'data-testid="in-hand-T09"' in row and "checked" not in row and 'value="已有在办的转介"' in row
    assert "checked" in page.split('data-testid="proposed-T02"')[1].split("</div>")[0]


def _confirm_all_but(page_child: Any, confirmed: list[str], **extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {f"m_{code}": "on" for code in confirmed}
    data |= {
        "facts": "奶奶申请",
        "applicant_name": "王奶奶",
        "applicant_relationship": "祖母",
        "applicant_phone": "13900001111",
    }
    data |= extra
    return data


def test_taking_an_application_asks_a_reason_for_each_change_next_to_the_measure(table: None, login: Any) -> None:
    a = child("孙小明", "20150601", 1)
    client = login("supervisor_a")
    url = f"/intake/new/?child={a.pk}"
    response = client.post(url, _confirm_all_but(a, ["T09", "T17"]))
    page = _content(response)
    assert response.status_code == 200
    assert "「T02 最低生活保障」未采纳筛查建议，请填写理由" in page
    assert 'data-testid="error-r_T02"' in page
    assert "「T17 临时监护与追责」不在筛查建议中，请填写增加理由" in page
    assert Intake.objects.count() == 0 and Referral.objects.count() == 0  # nothing half-written
    nothing = client.post(url, {})
    assert "请至少确认一项措施" in _content(nothing)


def test_taking_an_application_routes_the_confirmed_measures_and_attaches_documents(
    table: None, login: Any, personas: dict[str, User], django_capture_on_commit_callbacks: Any
) -> None:
    a = child("孙小明", "20150601", 1)
    client = login("supervisor_a")
    proposed = ["T01", "T02", "T05", "T06", "T07", "T09", "T10", "T24"]
    keep = ["T09", "T06", "T24"]
    reasons = {f"r_{c}": "已在享受" for c in proposed if c not in keep}
    upload = SimpleUploadedFile("残疾证.pdf", b"%PDF-1.4\n%test\n", content_type="application/pdf")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/intake/new/?child={a.pk}",
            _confirm_all_but(a, keep, **reasons, doc_type="disability_certificate", documents=[upload]),
        )
    assert response.status_code == 302, _content(response)
    intake = Intake.objects.get()
    assert response["Location"] == f"/intake/{intake.pk}/"
    assert intake.state == IntakeState.CONFIRMED and intake.kind == IntakeKind.APPLICATION
    assert intake.applicant_phone == "13900001111" and intake.received_by == personas["supervisor_a"]
    departments = sorted(intake.referrals.values_list("code", "department__name"))
    assert departments == [("T06", "县残联"), ("T09", "县教育局"), ("T24", "县残联")]
    t02 = IntakeMeasure.objects.get(intake=intake, code="T02")
    assert not t02.confirmed and t02.reason == "已在享受"
    assert ChildDocument.objects.filter(child=a, doc_type="disability_certificate").count() == 1
    assert Notification.objects.filter(recipient=personas["officer_a"], kind="referral.new").count() == 1
    detail = _content(client.get(f"/intake/{intake.pk}/"))
    assert intake.reference in detail and "县教育局" in detail and "已在享受" in detail


def test_a_bad_document_is_named_and_nothing_is_saved(table: None, login: Any) -> None:
    a = child("孙小明", "20150601", 1)
    fake = SimpleUploadedFile("证明.pdf", b"MZ not a pdf", content_type="application/pdf")
    keep = ["T01", "T02", "T05", "T06", "T07", "T09", "T10", "T24"]
    response = login("supervisor_a").post(
        f"/intake/new/?child={a.pk}", _confirm_all_but(a, keep, doc_type="other", documents=[fake])
    )
    assert "文件「证明.pdf」的内容不是 pdf 文件" in _content(response)
    assert 'data-testid="error-documents"' in _content(response)
    assert Intake.objects.count() == 0


def test_the_receipt_names_the_window_that_took_the_intake(table: None, login: Any, personas: dict[str, User]) -> None:
    a = child("孙小明", "20150601", 1)
    at_the_township, _ = referred(personas["supervisor_a"], a, ["T09"])
    at_the_county, _ = referred(personas["caseworker"], a, ["T06"])

    def window(intake: Any) -> str:
        page = _content(login("caseworker").get(f"/intake/{intake.pk}/receipt/"))
        return page.split('data-testid="window">', 1)[1].split("</dd>", 1)[0]

    assert window(at_the_township) == "桓仁镇民政办（儿童督导员）"
    assert window(at_the_county) == "县民政局（县级受理窗口）"  # not the child's township's office
    assert "李业务" in _content(login("caseworker").get(f"/intake/{at_the_county.pk}/receipt/"))


def test_intake_scope_and_roles(table: None, login: Any) -> None:
    b = child("周小明", "20150701", 2, region=VILLAGE_B)
    assert login("supervisor_a").get(f"/intake/new/?child={b.pk}").status_code == 404
    assert login("officer_a").get("/intake/new/").status_code == 403
    assert login("leader").get("/intake/").status_code == 403
    assert login("supervisor_b").get(f"/intake/new/?child={b.pk}").status_code == 200


def test_the_receipt_has_the_reference_units_and_deadlines_but_no_id_number(
    table: None, login: Any, personas: dict[str, User]
) -> None:
    a = child("孙小明", "20150601", 1)
    intake, by_code = referred(personas["supervisor_a"], a, ["T09", "T06"])
    page = _content(login("supervisor_a").get(f"/intake/{intake.pk}/receipt/"))
    assert intake.reference in page and "孙小明" in page
    assert "县教育局" in page or Department.objects.get(name="县教育局").official_name in page
    assert by_code["T09"].accept_due.isoformat() in page and by_code["T09"].decide_due.isoformat() in page
    assert "孙督导" in page  # the window's contact
    assert id_number("20150601", 1) not in page and a.id_number_masked not in page
    assert "@media print" in open_css()
    assert login("supervisor_b").get(f"/intake/{intake.pk}/receipt/").status_code == 404
    assert login("officer_a").get(f"/intake/{intake.pk}/receipt/").status_code == 404


def open_css() -> str:
    from django.contrib.staticfiles import finders

    path = finders.find("shouhu/casework.css")
    assert path
    with open(path, encoding="utf-8") as handle:
        return handle.read()


def test_intake_list_shows_referral_counts_and_states(table: None, login: Any, personas: dict[str, User]) -> None:
    a = child("孙小明", "20150601", 1)
    intake, _ = referred(personas["supervisor_a"], a, ["T09", "T06"])
    page = _content(login("supervisor_a").get("/intake/"))
    assert intake.reference in page and "2 件" in page and "待受理" in page
    assert intake.reference not in _content(login("supervisor_b").get("/intake/"))
    assert intake.reference in _content(login("caseworker").get(f"/intake/?q={intake.reference}"))


def test_the_window_confirms_or_cancels_a_suggestion(table: None, login: Any) -> None:
    a = child("孙小明", "20150601", 1)
    first = services.intake_create(actor=None, child=a, kind=IntakeKind.SUGGESTION, proposals={"T02": "低保家庭"})
    second = services.intake_create(actor=None, child=a, kind=IntakeKind.SUGGESTION, proposals={"T09": "在校"})
    client = login("supervisor_a")
    listing = _content(client.get("/intake/suggestions/"))
    assert first.reference in listing and "T02 最低生活保障" in listing
    assert first.reference not in _content(login("supervisor_b").get("/intake/suggestions/"))
    assert login("supervisor_b").get(f"/intake/{first.pk}/confirm/").status_code == 404
    form = _content(client.get(f"/intake/{first.pk}/confirm/"))
    assert "低保家庭" in form
    response = client.post(f"/intake/{first.pk}/confirm/", {"m_T02": "on", "applicant_phone": "13900001111"})
    assert response.status_code == 302
    first.refresh_from_db()
    assert first.state == IntakeState.CONFIRMED and first.applicant_phone == "13900001111"
    assert first.referrals.get().department.name == "县民政局"
    # Confirming again just shows where it stands.
    assert client.get(f"/intake/{first.pk}/confirm/").status_code == 302
    empty = client.post(f"/intake/{second.pk}/cancel/", {"reason": ""})
    assert "「撤销理由」不能为空" in _content(empty)
    assert client.post(f"/intake/{second.pk}/cancel/", {"reason": "家庭不需要"}).status_code == 302
    second.refresh_from_db()
    assert second.state == IntakeState.CANCELLED and not second.referrals.exists()
    assert AuditEvent.objects.filter(action="intake.cancel", object_id=str(second.pk)).exists()


# -- referral actions --------------------------------------------------------------------------


@pytest.fixture
def case(table: None, personas: dict[str, User]) -> dict[str, Referral]:
    a = child("孙小明", "20150601", 1)
    _intake, by_code = referred(personas["supervisor_a"], a, ["T09", "T06"], phone="13900001111")
    return by_code


def _act(client: Client, referral: Referral, action: str, **data: Any) -> Any:
    version = data.pop("version", Referral.objects.get(pk=referral.pk).version)
    return client.post(
        f"/referrals/{referral.pk}/act/{action}/", {f"{action}-{k}": v for k, v in {"version": version, **data}.items()}
    )


def test_the_officer_sees_minimal_child_data_and_the_actions_available(case: dict[str, Referral], login: Any) -> None:
    t09 = case["T09"]
    page = _content(login("officer_a").get(f"/referrals/{t09.pk}/"))
    assert "孙小明" in page and t09.child.id_number_masked in page and id_number("20150601", 1) not in page
    assert "东关村" in page and "县财政局" in page  # cooperating unit
    for action in ("accept", "return", "reject"):
        assert f'data-testid="do-{action}"' in page
    assert 'data-testid="do-complete"' not in page
    assert "13900001111" not in page  # the applicant's phone stays with the window
    window = _content(login("supervisor_a").get(f"/referrals/{t09.pk}/"))
    assert 'data-testid="do-accept"' not in window


def test_accept_start_complete_approved(case: dict[str, Referral], login: Any, personas: dict[str, User]) -> None:
    t09, client = case["T09"], login("officer_a")
    assert _act(client, t09, "accept").status_code == 302
    assert _act(client, t09, "start").status_code == 302
    missing = _act(client, t09, "complete", outcome="approved")
    assert "「金额」不能为空：批准时请填写金额（元）" in _content(missing)
    month = today().strftime("%Y-%m")
    done = _act(client, t09, "complete", outcome="approved", amount="1250", period="per_term", start_month=month)
    assert done.status_code == 302
    t09.refresh_from_db()
    assert t09.state == S.COMPLETED and t09.outcome == Outcome.APPROVED and t09.assigned_to == personas["officer_a"]
    assert [e.action for e in t09.events.all()] == ["submit", "accept", "start", "complete"]
    assert "每学期 1,250 元，自" in _content(login("supervisor_a").get(f"/referrals/{t09.pk}/"))


def test_complete_not_approved_needs_a_reason(case: dict[str, Referral], login: Any) -> None:
    t09, client = case["T09"], login("officer_a")
    _act(client, t09, "accept")
    response = _act(client, t09, "complete", outcome="not_approved")
    assert "不批准必须填写理由" in _content(response)
    assert _act(client, t09, "complete", outcome="not_approved", reason="家庭收入超标").status_code == 302
    t09.refresh_from_db()
    assert t09.outcome == Outcome.NOT_APPROVED and t09.reason == "家庭收入超标"


def test_return_then_the_window_resubmits(case: dict[str, Referral], login: Any) -> None:
    t09 = case["T09"]
    assert "必须填写理由" in _content(_act(login("officer_a"), t09, "return"))
    assert _act(login("officer_a"), t09, "return", reason="请补充在读证明").status_code == 302
    window = login("supervisor_a")
    assert 'data-testid="do-resubmit"' in _content(window.get(f"/referrals/{t09.pk}/"))
    assert login("supervisor_b").post(f"/referrals/{t09.pk}/resubmit/", {"version": 2}).status_code == 404
    assert login("officer_a").post(f"/referrals/{t09.pk}/resubmit/", {"version": 2}).status_code == 403
    assert window.post(f"/referrals/{t09.pk}/resubmit/", {"version": 2}).status_code == 302
    t09.refresh_from_db()
    assert t09.state == S.SUBMITTED and t09.version == 3


def test_reject_with_reason(case: dict[str, Referral], login: Any) -> None:
    t09 = case["T09"]
    assert _act(login("officer_a"), t09, "reject", reason="不属于本单位职责").status_code == 302
    t09.refresh_from_db()
    assert t09.state == S.REJECTED and t09.closed_at is not None


def test_actions_out_of_scope_are_not_found_and_without_the_role_forbidden(
    case: dict[str, Referral], login: Any
) -> None:
    t09, t06 = case["T09"], case["T06"]
    assert _act(login("officer_b"), t09, "accept").status_code == 404  # not visible to 县卫健局
    assert _act(login("officer_b"), t06, "accept").status_code == 404  # visible (cooperating) but not its to handle
    assert _act(login("supervisor_a"), t09, "accept").status_code == 404  # the window does not handle it
    assert _act(login("caseworker"), t09, "accept").status_code == 404  # 县教育局's, not 县民政局's
    assert _act(login("admin"), t09, "accept").status_code == 403
    assert _act(login("officer_a"), t09, "frobnicate").status_code == 404
    assert login("leader").get(f"/referrals/{t09.pk}/").status_code == 403
    assert login("officer_b").get(f"/referrals/{t09.pk}/").status_code == 404
    assert login("supervisor_b").get(f"/referrals/{t09.pk}/").status_code == 404
    t09.refresh_from_db()
    assert t09.state == S.SUBMITTED


def test_a_stale_form_says_someone_else_acted(case: dict[str, Referral], login: Any) -> None:
    t09 = case["T09"]
    assert _act(login("officer_a"), t09, "accept", version=1).status_code == 302
    stale = _act(login("officer_a"), t09, "reject", version=1, reason="迟到的操作")
    assert stale.status_code == 409
    assert "该转介已被他人处理（当前状态：已受理），您的操作未执行" in _content(stale)
    t09.refresh_from_db()
    assert t09.state == S.ACCEPTED and t09.events.count() == 2


def test_reassign_within_the_department(case: dict[str, Referral], login: Any, personas: dict[str, User]) -> None:
    from shouhu.accounts.services import user_create

    colleague = user_create(
        actor=personas["admin"],
        username="officer_a2",
        full_name="赵同事",
        role="department_officer",
        department=personas["officer_a"].department,
        password="x-Long-Passw0rd",
    )
    t09, client = case["T09"], login("officer_a")
    _act(client, t09, "accept")
    page = _content(client.get(f"/referrals/{t09.pk}/"))
    assert "赵同事" in page
    response = client.post(f"/referrals/{t09.pk}/reassign/", {"version": 2, "assignee": colleague.pk})
    assert response.status_code == 302
    t09.refresh_from_db()
    assert t09.assigned_to == colleague
    outsider = client.post(f"/referrals/{t09.pk}/reassign/", {"version": 3, "assignee": personas["officer_b"].pk})
    assert "只能改派给本单位的经办人" in _content(outsider)


def test_transfer_to_another_unit_with_a_reason(case: dict[str, Referral], login: Any) -> None:
    t09 = case["T09"]
    police = Department.objects.get(name="县公安局")
    client = login("officer_a")
    empty = client.post(f"/referrals/{t09.pk}/transfer/", {"version": 1, "department": police.pk, "reason": ""})
    assert "「移交理由」不能为空" in _content(empty)
    ok = client.post(f"/referrals/{t09.pk}/transfer/", {"version": 1, "department": police.pk, "reason": "转错"})
    assert ok.status_code == 302
    t09.refresh_from_db()
    assert t09.department == police and t09.state == S.SUBMITTED
    # 县教育局 no longer sees it; county civil affairs may still move it.
    assert client.get(f"/referrals/{t09.pk}/").status_code == 404
    education = Department.objects.get(name="县教育局")
    back = login("caseworker").post(
        f"/referrals/{t09.pk}/transfer/", {"version": 2, "department": education.pk, "reason": "转回"}
    )
    assert back.status_code == 302
    assert login("supervisor_a").post(f"/referrals/{t09.pk}/transfer/", {}).status_code == 404


def test_a_cooperating_unit_adds_its_part(case: dict[str, Referral], login: Any) -> None:
    t06 = case["T06"]
    client = login("officer_b")
    page = _content(client.get(f"/referrals/{t06.pk}/"))
    assert 'data-testid="do-cooperate"' in page and 'data-testid="do-accept"' not in page
    assert client.post(f"/referrals/{t06.pk}/cooperate/", {"note": "已安排听力评估"}).status_code == 302
    assert "已安排听力评估" in _content(login("supervisor_a").get(f"/referrals/{t06.pk}/"))
    assert login("officer_a").post(f"/referrals/{t06.pk}/cooperate/", {"note": "x"}).status_code == 404
    assert login("caseworker").post(f"/referrals/{t06.pk}/cooperate/", {"note": "x"}).status_code == 404
    assert login("director_a").post(f"/referrals/{t06.pk}/cooperate/", {"note": "x"}).status_code == 403


# -- the inbox ---------------------------------------------------------------------------------


def test_the_inbox_tabs_filters_and_cooperation(case: dict[str, Referral], login: Any) -> None:
    t09, t06 = case["T09"], case["T06"]
    officer_a = _content(login("officer_a").get("/referrals/"))
    assert f'data-testid="referral-{t09.pk}"' in officer_a and f'data-testid="referral-{t06.pk}"' not in officer_a
    officer_b = _content(login("officer_b").get("/referrals/?tab=all"))
    assert f'data-testid="referral-{t06.pk}"' in officer_b and "本单位配合" in officer_b
    filtered = _content(login("officer_a").get("/referrals/?tab=new&code=T06"))
    assert f'data-testid="referral-{t09.pk}"' not in filtered
    township = _content(login("officer_a").get("/referrals/?tab=new&township=210522101000"))
    assert f'data-testid="referral-{t09.pk}"' not in township
    # The township's inbox holds what the township acts on, not the departments' referrals of its
    # children: those are on its children's referrals list.
    window = _content(login("supervisor_a").get("/referrals/?tab=all"))
    assert f'data-testid="referral-{t09.pk}"' not in window and f'data-testid="referral-{t06.pk}"' not in window
    area = _content(login("supervisor_a").get("/referrals/children/?tab=all"))
    assert f'data-testid="referral-{t09.pk}"' in area and f'data-testid="referral-{t06.pk}"' in area
    assert f'data-testid="referral-{t09.pk}"' not in _content(login("supervisor_b").get("/referrals/children/?tab=all"))
    assert login("admin").get("/referrals/").status_code == 403


def test_overdue_and_due_soon_tabs(case: dict[str, Referral], login: Any) -> None:
    t09 = case["T09"]
    today = timezone.localdate()
    Referral.objects.filter(pk=t09.pk).update(accept_due=today - datetime.timedelta(days=1))
    page = _content(login("officer_a").get("/referrals/?tab=overdue"))
    assert f'data-testid="referral-{t09.pk}"' in page
    Referral.objects.filter(pk=t09.pk).update(accept_due=today)
    assert f'data-testid="referral-{t09.pk}"' in _content(login("officer_a").get("/referrals/?tab=due_soon"))


def test_bulk_accept_reports_which_changed(
    table: None, login: Any, personas: dict[str, User], django_assert_max_num_queries: Any
) -> None:
    a = child("孙小明", "20150601", 1)
    first = referred(personas["supervisor_a"], a, ["T09"])[1]["T09"]
    second = referred(personas["supervisor_a"], a, ["T12"])[1]["T12"]
    client = login("officer_a")
    inbox = _content(client.get("/referrals/"))
    assert f'name="version_{first.pk}" value="1"' in inbox
    # Meanwhile a colleague accepts the second one.
    services.referral_transition(actor=personas["officer_a"], referral=second, action="accept", expected_version=1)
    response = client.post(
        "/referrals/bulk-accept/",
        {"referral": [first.pk, second.pk], f"version_{first.pk}": 1, f"version_{second.pk}": 1},
        follow=True,
    )
    page = _content(response)
    assert "已受理 1 件" in page and "1 件已被他人处理，未受理" in page and "T12" in page
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.state == S.ACCEPTED and second.version == 2 and second.events.filter(action="accept").count() == 1
    # Another unit's referral is refused, not accepted.
    foreign = client.post(
        "/referrals/bulk-accept/",
        {"referral": [referred(personas["supervisor_a"], a, ["T20"])[1]["T20"].pk]},
        follow=True,
    )
    assert "不能由您受理" in _content(foreign)


def test_the_inbox_pages_with_a_bounded_number_of_queries(
    table: None, login: Any, personas: dict[str, User], django_assert_max_num_queries: Any, settings: Any
) -> None:
    settings.SHOUHU_PAGE_SIZE = 5
    a = child("孙小明", "20150601", 1)
    for _ in range(7):
        referred(personas["supervisor_a"], a, ["T09"])
    client = login("officer_a")
    with django_assert_max_num_queries(30):
        page = _content(client.get("/referrals/"))
    assert "第 1 / 2 页" in page
    assert "第 2 / 2 页" in _content(client.get("/referrals/?page=2"))


def test_saved_filters_belong_to_their_user(case: dict[str, Referral], login: Any, personas: dict[str, User]) -> None:
    client = login("officer_a")
    assert client.post("/referrals/filters/", {"name": "我的教育筛选", "query": "tab=new&code=T09"}).status_code == 302
    saved = SavedFilter.objects.get(user=personas["officer_a"])
    assert saved.query == "tab=new&code=T09"
    page = _content(client.get("/referrals/"))
    assert "我的教育筛选" in page and "?tab=new&amp;code=T09" in page
    assert "我的教育筛选" not in _content(login("officer_b").get("/referrals/"))
    assert login("officer_b").post(f"/referrals/filters/{saved.pk}/delete/").status_code == 404
    assert client.post(f"/referrals/filters/{saved.pk}/delete/").status_code == 302
    assert not SavedFilter.objects.exists()
    nameless = client.post("/referrals/filters/", {"name": "", "query": "tab=new"}, follow=True)
    assert "「名称」不能为空" in _content(nameless)


# -- county supervision, routing, calendar -----------------------------------------------------


def test_supervision_lists_overdue_by_department_with_compliance(case: dict[str, Referral], login: Any) -> None:
    from shouhu.casework.tasks import sweep

    t09 = case["T09"]
    sweep(t09.accept_due + datetime.timedelta(days=3))
    page = _content(login("caseworker").get("/referrals/supervision/"))
    assert 'data-testid="escalated"' in page and "县教育局" in page and "孙小明" in page
    assert "按期受理率" in page
    assert login("officer_a").get("/referrals/supervision/").status_code == 403
    assert login("supervisor_a").get("/referrals/supervision/").status_code == 403


def test_supervision_header_counts_what_is_listed_under_it(case: dict[str, Referral], login: Any) -> None:
    """A referral past its deadline that the sweep has not flagged yet is overdue in the table's
    逾期 column: it is listed (and counted) under the header too."""
    Referral.objects.filter(pk=case["T09"].pk).update(accept_due=datetime.date(2020, 1, 6), overdue=False)
    page = _content(login("caseworker").get("/referrals/supervision/"))
    header = int(re.search(r'data-testid="escalated-total">(\d+)<', page).group(1))  # type: ignore[union-attr]
    listed = page.count('<tr>\n      <td class="main"><a href="/referrals/')
    per_department = sum(int(n) for n in re.findall(r"<h3>[^<]+<small class=\"muted\">(\d+) 件</small></h3>", page))
    table = page.split('data-testid="by-department"', 1)[1]
    overdue_badges = sum(int(n) for n in re.findall(r'<span class="badge behind">(\d+)</span>', table))
    assert header == listed == per_department == 1
    assert overdue_badges == 1
    assert "T09 教育资助、两免一补" in page  # the measure by its name


def test_routing_page_with_todays_names_and_as_written(table: None, login: Any) -> None:
    page = _content(login("caseworker").get("/referrals/routing/"))
    t05 = page.split('data-testid="route-T05"')[1].split("</tr>")[0]
    assert "县卫健局" in t05 and "县卫计局" not in t05
    written = _content(login("admin").get("/referrals/routing/?as_written=1"))
    assert "县卫计局" in written.split('data-testid="route-T05"')[1].split("</tr>")[0]
    assert login("officer_a").get("/referrals/routing/").status_code == 403


def test_the_calendar_and_deadlines_are_maintained_with_audit(table: None, login: Any) -> None:
    from shouhu.casework.models import CalendarDay, MeasureDeadline

    admin = login("admin")
    weekday = admin.post("/referrals/calendar/", {"date": "2026-10-01", "is_working": "1"})
    assert "本来就是工作日" in _content(weekday)
    assert (
        admin.post("/referrals/calendar/", {"date": "2026-10-01", "is_working": "0", "note": "国庆节"}).status_code
        == 302
    )
    assert (
        admin.post("/referrals/calendar/", {"date": "2026-10-10", "is_working": "1", "note": "调休"}).status_code == 302
    )
    day = CalendarDay.objects.get(date=datetime.date(2026, 10, 1))
    assert not day.is_working and "国庆节" in _content(admin.get("/referrals/calendar/"))
    assert admin.post(f"/referrals/calendar/{day.pk}/delete/").status_code == 302
    assert not CalendarDay.objects.filter(pk=day.pk).exists()
    bad = admin.post("/referrals/calendar/deadlines/", {"code": "T09", "accept_days": "5", "decide_days": "2"})
    assert "「办结时限」不能短于受理时限" in _content(bad)
    assert (
        admin.post(
            "/referrals/calendar/deadlines/", {"code": "T09", "accept_days": "5", "decide_days": "20"}
        ).status_code
        == 302
    )
    assert MeasureDeadline.objects.get(code="T09").decide_days == 20
    actions = set(AuditEvent.objects.filter(action__startswith="casework.").values_list("action", flat=True))
    assert {"casework.calendar_set", "casework.calendar_remove", "casework.deadline_set"} <= actions
    assert deadlines_for("T09", datetime.date(2026, 9, 30))[0] == datetime.date(2026, 10, 7)
    assert login("caseworker").get("/referrals/calendar/").status_code == 403


def test_home_panels(case: dict[str, Referral], login: Any) -> None:
    assert "转介待办" in _content(login("officer_a").get("/"))
    assert "受理窗口" in _content(login("supervisor_a").get("/"))
    assert "转介督办" in _content(login("caseworker").get("/"))
