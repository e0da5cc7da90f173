"""A referral's outcome fits its measure: each measure's outcome kind is data (seeded for the
county table, set by the admin, audited), and completing records the kind's own fields, refused
with a Chinese message naming the field when one is wrong — and then nothing is written."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from shouhu.accounts.models import User
from shouhu.accounts.personas import VILLAGE_B
from shouhu.casework import outcomes, services
from shouhu.casework.models import MeasureOutcomeKind, OutcomeKind, Referral, ReferralState
from shouhu.casework.outcomes import Answer
from shouhu.core.dates import today
from shouhu.core.models import AuditEvent
from shouhu.eligibility.contract import RULES_V1

from .helpers import import_table
from .walk_samples import child, referred

pytestmark = pytest.mark.django_db
K = OutcomeKind
ON = datetime.date(2026, 5, 20)


# -- the kinds as data --------------------------------------------------------------------------


def test_every_measure_of_the_county_table_has_a_seeded_kind() -> None:
    measures = {code for code, kind, *_rest in RULES_V1 if kind == "measure"}
    seeded = dict(MeasureOutcomeKind.objects.values_list("code", "kind"))
    assert measures == set(seeded)
    assert seeded["T01"] == K.BENEFIT and seeded["T06"] == K.INFORMATION
    assert seeded["T15"] == K.PLACEMENT and seeded["T21"] == K.SERVICE
    to_confirm = set(MeasureOutcomeKind.objects.filter(confirmed=False).values_list("code", flat=True))
    assert to_confirm == {"T04", "T05", "T06", "T10", "T20"}  # as docs/casework.md lists them


def test_a_measure_without_a_row_is_decided_as_the_default() -> None:
    MeasureOutcomeKind.objects.filter(code="T24").delete()
    assert outcomes.kind_of("T24") == outcomes.DEFAULT_KIND == K.SERVICE


def test_the_admin_sets_a_kind_with_audit_and_only_the_admin(personas: dict[str, User]) -> None:
    row = services.measure_outcome_kind_set(actor=personas["admin"], code="T04", kind=K.SERVICE)
    assert (row.kind, row.confirmed) == (K.SERVICE, True) and outcomes.kind_of("T04") == K.SERVICE
    event = AuditEvent.objects.get(action="casework.outcome_kind_set")
    assert "T04 其他困境儿童基本生活保障 为服务类" in event.summary
    assert event.detail["before"] == {"kind": "benefit", "confirmed": False}
    with pytest.raises(PermissionDenied):
        services.measure_outcome_kind_set(actor=personas["caseworker"], code="T04", kind=K.BENEFIT)
    with pytest.raises(ValidationError, match="不是一项措施"):
        services.measure_outcome_kind_set(actor=personas["admin"], code="orphan", kind=K.BENEFIT)
    with pytest.raises(ValidationError, match="「结果类型」请选择"):
        services.measure_outcome_kind_set(actor=personas["admin"], code="T04", kind="money")
    assert outcomes.kind_of("T04") == K.SERVICE


# -- checking one decision ----------------------------------------------------------------------

BENEFIT = Answer(amount=Decimal("1300"), period="monthly", start_month=datetime.date(2026, 6, 1))
SERVICE = Answer(service="康复训练", provider="县残疾人康复中心", start_date=datetime.date(2026, 6, 1))
PLACEMENT = Answer(arrangement="kinship", arrangement_note="由祖母监护", placed_on=datetime.date(2026, 5, 18))
INFORMATION = Answer(informed_on=datetime.date(2026, 5, 19), informed_how="in_person")


def _check(kind: str, answer: Answer, outcome: str = "approved", reason: str = "") -> dict[str, object]:
    return outcomes.check(kind=kind, outcome=outcome, answer=answer, reason=reason, on=ON)


@pytest.mark.parametrize(
    ("kind", "answer", "outcome", "summary"),
    [
        (K.BENEFIT, BENEFIT, "approved", "每月 1,300 元，自2026年6月起"),
        (K.BENEFIT, Answer(amount=Decimal("2000.5"), period="one_off", start_month=ON.replace(day=1)), "approved",
         "一次性 2,000.50 元（2026年5月）"),
        (K.SERVICE, SERVICE, "approved", "康复训练；提供方：县残疾人康复中心；2026-06-01 起"),
        (K.PLACEMENT, PLACEMENT, "approved", "亲属监护（由祖母监护），2026-05-18"),
        (K.INFORMATION, INFORMATION, "", "2026-05-19 当面告知"),
    ],
)  # fmt: skip
def test_a_valid_decision_of_each_kind(kind: str, answer: Answer, outcome: str, summary: str) -> None:
    columns = _check(kind, answer, outcome)
    assert columns["outcome_kind"] == kind and columns["outcome_detail"] == summary
    assert columns["outcome"] == (outcome or "informed")


def test_only_the_kinds_own_fields_are_kept() -> None:
    mixed = Answer(**{**BENEFIT.__dict__, "service": "不该保存", "informed_how": "phone"})
    columns = _check(K.BENEFIT, mixed)
    assert columns["outcome_amount"] == Decimal("1300") and columns["outcome_on"] == datetime.date(2026, 6, 1)
    assert columns["outcome_service"] == "" and columns["outcome_informed_how"] == ""


@pytest.mark.parametrize(
    ("kind", "answer", "field", "message"),
    [
        (K.BENEFIT, Answer(period="monthly", start_month=ON), "amount", "「金额」不能为空"),
        (K.BENEFIT, Answer(**{**BENEFIT.__dict__, "amount": Decimal("0")}), "amount", "「金额」应大于 0 元"),
        (K.BENEFIT, Answer(**{**BENEFIT.__dict__, "amount": Decimal("-5")}), "amount", "「金额」应大于 0 元"),
        (K.BENEFIT, Answer(**{**BENEFIT.__dict__, "amount": Decimal("1.005")}), "amount", "最多保留两位小数"),
        (K.BENEFIT, Answer(**{**BENEFIT.__dict__, "amount": Decimal("1e9")}), "amount", "「金额」过大"),
        (K.BENEFIT, Answer(**{**BENEFIT.__dict__, "period": "weekly"}), "period", "「发放周期」请选择"),
        (K.BENEFIT, Answer(amount=Decimal("1"), period="monthly"), "start_month", "「起始月份」不能为空"),
        (K.BENEFIT, Answer(**{**BENEFIT.__dict__, "start_month": datetime.date(1999, 1, 1)}), "start_month",
         "不能早于 2000-01-01"),
        (K.BENEFIT, Answer(**{**BENEFIT.__dict__, "start_month": datetime.date(2028, 1, 1)}), "start_month",
         "一年以内"),
        (K.SERVICE, Answer(**{**SERVICE.__dict__, "service": "  "}), "service", "「服务内容」不能为空"),
        (K.SERVICE, Answer(**{**SERVICE.__dict__, "service": "康" * 101}), "service", "不能超过 100 个字"),
        (K.SERVICE, Answer(**{**SERVICE.__dict__, "provider": ""}), "provider", "「服务提供方」不能为空"),
        (K.SERVICE, Answer(**{**SERVICE.__dict__, "start_date": None}), "start_date", "「开始日期」不能为空"),
        (K.PLACEMENT, Answer(**{**PLACEMENT.__dict__, "arrangement": ""}), "arrangement", "「安置方式」不能为空"),
        (K.PLACEMENT, Answer(**{**PLACEMENT.__dict__, "arrangement": "hotel"}), "arrangement", "从列表中选择"),
        (K.PLACEMENT, Answer(arrangement="other", placed_on=ON), "arrangement_note", "为「其他」时请说明"),
        (K.PLACEMENT, Answer(**{**PLACEMENT.__dict__, "arrangement_note": "说" * 201}), "arrangement_note",
         "不能超过 200 个字"),
        (K.PLACEMENT, Answer(**{**PLACEMENT.__dict__, "placed_on": None}), "placed_on", "「安置日期」不能为空"),
        (K.INFORMATION, Answer(informed_how="phone"), "informed_on", "「告知日期」不能为空"),
        (K.INFORMATION, Answer(informed_on=ON + datetime.timedelta(days=1), informed_how="phone"), "informed_on",
         "不能晚于今天（2026-05-20）"),
        (K.INFORMATION, Answer(informed_on=ON), "informed_how", "「告知方式」不能为空"),
        (K.INFORMATION, Answer(informed_on=ON, informed_how="pigeon"), "informed_how", "从列表中选择"),
    ],
)  # fmt: skip
def test_each_wrong_field_is_named(kind: str, answer: Answer, field: str, message: str) -> None:
    with pytest.raises(ValidationError) as raised:
        _check(kind, answer, "" if kind == K.INFORMATION else "approved")
    errors = raised.value.message_dict
    assert set(errors) == {field}, errors
    assert message in errors[field][0]


@pytest.mark.parametrize(
    ("kind", "outcome", "message"),
    [
        (K.BENEFIT, "", "「办理结果」请选择批准或不批准"),
        (K.BENEFIT, "informed", "「办理结果」请选择批准或不批准（救助补贴类措施）"),
        (K.SERVICE, "yes", "「办理结果」请选择提供服务或无法提供"),
        (K.INFORMATION, "not_approved", "「办理结果」请选择已告知（告知类措施）"),
    ],
)
def test_the_decision_must_be_one_the_kind_offers(kind: str, outcome: str, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        _check(kind, Answer(), outcome)


@pytest.mark.parametrize(("kind", "words"), [(K.BENEFIT, "不批准"), (K.SERVICE, "无法提供"), (K.PLACEMENT, "不批准")])
def test_not_approved_needs_a_reason_and_records_no_fields(kind: str, words: str) -> None:
    with pytest.raises(ValidationError, match=f"「理由」：{words}必须填写理由"):
        _check(kind, Answer(), "not_approved")
    columns = _check(kind, BENEFIT, "not_approved", reason="不符合条件")
    assert columns["outcome_detail"] == "" and columns["outcome_amount"] is None and columns["outcome_on"] is None


# -- deciding a referral (the service) ----------------------------------------------------------


@pytest.fixture
def t20(personas: dict[str, User]) -> Referral:
    """A T20 referral in village B (县民政局: the county caseworkers act), accepted."""
    import_table()
    b = child("周结果", "20150701", 41, region=VILLAGE_B)
    referral = referred(personas["supervisor_b"], b, ["T20"])[1]["T20"]
    return services.referral_transition(
        actor=personas["caseworker"], referral=referral, action="accept", expected_version=1
    )


def _decide(personas: dict[str, User], referral: Referral, answer: Answer, outcome: str = "approved") -> Referral:
    return services.referral_transition(
        actor=personas["caseworker"],
        referral=referral,
        action="complete",
        expected_version=referral.version,
        outcome=outcome,
        answer=answer,
    )


def _this_month() -> datetime.date:
    return today().replace(day=1)


@pytest.mark.parametrize(
    ("kind", "answer", "outcome", "stored"),
    [
        (K.BENEFIT, Answer(amount=Decimal("450"), period="monthly"), "approved", {"outcome_amount": Decimal("450")}),
        (K.SERVICE, SERVICE, "approved", {"outcome_service": "康复训练", "outcome_provider": "县残疾人康复中心"}),
        (K.PLACEMENT, Answer(arrangement="foster", arrangement_note=""), "approved", {"outcome_arrangement": "foster"}),
        (K.INFORMATION, Answer(informed_how="written"), "", {"outcome_informed_how": "written"}),
    ],
)
def test_deciding_records_the_measures_kind_with_audit(
    personas: dict[str, User], t20: Referral, kind: str, answer: Answer, outcome: str, stored: dict[str, Any]
) -> None:
    services.measure_outcome_kind_set(actor=personas["admin"], code="T20", kind=kind)
    dated: dict[str, str] = {
        K.BENEFIT: "start_month",
        K.SERVICE: "start_date",
        K.PLACEMENT: "placed_on",
        K.INFORMATION: "informed_on",
    }
    answer = Answer(**{**answer.__dict__, dated[kind]: _this_month()})
    done = _decide(personas, t20, answer, outcome)
    assert done.state == ReferralState.COMPLETED and done.outcome_kind == kind and done.outcome_on == _this_month()
    for column, value in stored.items():
        assert getattr(done, column) == value
    assert done.outcome_detail and done.events.last().note == done.outcome_detail  # type: ignore[union-attr]
    event = AuditEvent.objects.get(action="referral.complete")
    assert event.detail["outcome_kind"] == kind and event.detail["on"] == _this_month().isoformat()
    # The kind is kept with the decision: changing the measure's kind later leaves it as decided.
    services.measure_outcome_kind_set(
        actor=personas["admin"], code="T20", kind=K.INFORMATION if kind != K.INFORMATION else K.BENEFIT
    )
    done.refresh_from_db()
    assert done.outcome_kind == kind


def test_a_refused_decision_writes_nothing(personas: dict[str, User], t20: Referral) -> None:
    with pytest.raises(ValidationError) as raised:
        _decide(personas, t20, Answer(service="康复训练"))  # T20 is a service: provider and date missing
    assert set(raised.value.message_dict) == {"provider", "start_date"}
    t20.refresh_from_db()
    assert t20.state == ReferralState.ACCEPTED and t20.version == 2 and t20.outcome_kind == ""
    assert not AuditEvent.objects.filter(action="referral.complete").exists()


def test_a_service_that_cannot_be_provided(personas: dict[str, User], t20: Referral) -> None:
    done = services.referral_transition(
        actor=personas["caseworker"],
        referral=t20,
        action="complete",
        expected_version=2,
        outcome="not_approved",
        reason="本县暂无评估机构",
    )
    assert done.outcome_label == "无法提供" and done.reason == "本县暂无评估机构" and done.outcome_detail == ""


# -- the screens --------------------------------------------------------------------------------


def _page(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def test_the_decide_form_has_only_the_kinds_fields(login: Any, t20: Referral) -> None:
    caseworker = login("caseworker")
    page = _page(caseworker, f"/referrals/{t20.pk}/")
    assert 'data-testid="outcome-kind">服务类<' in page
    assert 'name="complete-service"' in page and 'name="complete-provider"' in page
    assert 'name="complete-start_date"' in page and "提供服务" in page and "无法提供" in page
    for other in ("amount", "start_month", "arrangement", "placed_on", "informed_on", "informed_how"):
        assert f'name="complete-{other}"' not in page
    MeasureOutcomeKind.objects.filter(code="T20").update(kind=K.INFORMATION)
    page = _page(caseworker, f"/referrals/{t20.pk}/")
    assert 'name="complete-informed_on"' in page and 'name="complete-informed_how"' in page
    assert 'name="complete-outcome"' not in page and 'name="complete-service"' not in page


def test_deciding_on_the_page_names_each_wrong_field(login: Any, t20: Referral) -> None:
    caseworker = login("caseworker")
    url = f"/referrals/{t20.pk}/act/complete/"
    MeasureOutcomeKind.objects.filter(code="T20").update(kind=K.PLACEMENT)
    other = {"complete-version": "2", "complete-outcome": "approved", "complete-arrangement": "other"}
    bad = caseworker.post(url, {**other, "complete-placed_on": "2026-13-01"})
    page = bad.content.decode()
    assert bad.status_code == 200
    assert "「安置日期」格式应为 YYYY-MM-DD" in page and 'data-testid="form-errors"' in page
    bad = caseworker.post(url, {**other, "complete-placed_on": today().isoformat()})
    assert "「安置说明」不能为空：安置方式为「其他」时请说明" in bad.content.decode()
    t20.refresh_from_db()
    assert t20.state == ReferralState.ACCEPTED
    done = caseworker.post(url, {"complete-version": "2", "complete-outcome": "approved",
                                 "complete-arrangement": "kinship", "complete-arrangement_note": "由外祖父母监护",
                                 "complete-placed_on": today().isoformat()})  # fmt: skip
    assert done.status_code == 302
    page = _page(caseworker, f"/referrals/{t20.pk}/")
    assert f"批准：亲属监护（由外祖父母监护），{today().isoformat()}" in page
    assert "安置监护类" in page


def test_a_benefit_month_is_checked_on_the_page(login: Any, personas: dict[str, User], t20: Referral) -> None:
    services.measure_outcome_kind_set(actor=personas["admin"], code="T20", kind=K.BENEFIT)
    caseworker = login("caseworker")
    url = f"/referrals/{t20.pk}/act/complete/"
    for amount, month, message in [
        ("一千", "2026-05", "「金额」应为数字"),
        ("1300.555", "2026-05", "「金额」最多保留两位小数"),
        ("1300", "2026/5", "「起始月份」格式应为 YYYY-MM"),
        ("1300", "2026-13", "「起始月份」格式应为 YYYY-MM"),
        ("0", today().strftime("%Y-%m"), "「金额」应大于 0 元"),
    ]:
        page = caseworker.post(
            url,
            {"complete-version": "2", "complete-outcome": "approved", "complete-amount": amount,
             "complete-start_month": month},
        ).content.decode()  # fmt: skip
        assert message in page, (amount, month)
    t20.refresh_from_db()
    assert t20.state == ReferralState.ACCEPTED


def test_the_inbox_names_each_referrals_kind(login: Any, t20: Referral) -> None:
    page = _page(login("caseworker"), "/referrals/?tab=all")
    assert f'data-testid="kind-{t20.pk}">· 服务类<' in page


def test_the_admin_page_lists_and_sets_the_kinds(login: Any, personas: dict[str, User]) -> None:
    admin = login("admin")
    page = _page(admin, "/referrals/outcome-kinds/")
    assert 'data-testid="kind-T05"' in page and "待确认" in page
    bad = admin.post("/referrals/outcome-kinds/", {"code": "T05", "kind": "cash"})
    assert bad.status_code == 200 and "「结果类型」请选择" in bad.content.decode()
    assert admin.post("/referrals/outcome-kinds/", {"code": "T05", "kind": "service"}).status_code == 302
    assert MeasureOutcomeKind.objects.get(code="T05").kind == K.SERVICE
    assert AuditEvent.objects.filter(action="casework.outcome_kind_set", actor=personas["admin"]).exists()
    assert login("caseworker").get("/referrals/outcome-kinds/").status_code == 403
