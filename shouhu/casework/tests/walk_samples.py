"""Persona-walk samples for the casework screens and API, and the builders the casework UI tests
share. The setup takes an application for a child in village A (东关村) at supervisor_a's
window: T09 goes to 县教育局 (officer_a; 县财政局 cooperating) and T06 to 县残联 (县人社局 and
县卫健局 — officer_b — cooperating); a second one (T12) has been returned for more information.
A child in village B has a T20 referral to 县民政局 (the county caseworkers act for it), and the child
in village A a T01 one (县民政局; 各乡镇（街道） cooperating: supervisor_a fills in 桓仁镇's part). A
screening suggestion waits in village A."""

from __future__ import annotations

import datetime
from typing import Any

from stdnum.cn import ric

from shouhu.accounts.models import Department, User
from shouhu.accounts.personas import VILLAGE_A, VILLAGE_B
from shouhu.casework import services
from shouhu.casework.models import CalendarDay, Intake, IntakeKind, Referral
from shouhu.core.testing.walk import Sample
from shouhu.registry import services as registry_services
from shouhu.registry.exchange.format import parse_record
from shouhu.registry.models import Child
from shouhu.registry.tests.example import example

from .helpers import import_table


def id_number(birth: str, seq: int, *, male: bool = True) -> str:
    """A valid 18-digit number for a child born on `birth` (YYYYMMDD) in 桓仁."""
    base = f"210522{birth}{seq:02d}{1 if male else 2}"
    return base + ric.calc_check_digit(base + "0")


def child(name: str, birth: str, seq: int, *, region: str = VILLAGE_A, male: bool = True, **changes: Any) -> Child:
    """A registered child like the contract's example (low income, hearing disability, in school)."""
    data = example(
        id_number=id_number(birth, seq, male=male),
        name=name,
        sex="male" if male else "female",
        birth_date=f"{birth[:4]}-{birth[4:6]}-{birth[6:]}",
        region_code=region,
        hukou_region_code=region,
        **changes,
    )
    record, errors = parse_record(data)
    assert record is not None, errors
    return registry_services.child_register(actor=None, record=record, effective=datetime.date(2026, 1, 1))


def referred(actor: User, who: Child, codes: list[str], *, phone: str = "") -> tuple[Intake, dict[str, Referral]]:
    intake = services.intake_create(
        actor=actor,
        child=who,
        proposals=dict.fromkeys(codes, "按筛查规则建议"),
        applicant_name="王奶奶",
        applicant_relationship="祖母",
        applicant_phone=phone,
    )
    referrals = services.intake_confirm(actor=actor, intake=intake, confirmed=codes)
    return intake, {r.code: r for r in referrals}


def setup(personas: dict[str, User]) -> dict[str, Any]:
    import_table()
    supervisor_a = personas["supervisor_a"]
    a = child("孙转介", "20150601", 1)
    b = child("周转介", "20150701", 2, region=VILLAGE_B)
    intake_a, by_code = referred(supervisor_a, a, ["T09", "T06"])
    _intake, returned = referred(supervisor_a, a, ["T12"])
    services.referral_transition(
        actor=personas["officer_a"],
        referral=returned["T12"],
        action="return",
        expected_version=1,
        reason="请补充残疾证",
    )
    intake_b, by_code_b = referred(personas["supervisor_b"], b, ["T20"])
    _intake, orphan = referred(supervisor_a, a, ["T01"])
    suggestion = services.intake_create(actor=None, child=a, kind=IntakeKind.SUGGESTION, proposals={"T02": "低保家庭"})
    saved = services.saved_filter_save(actor=personas["officer_a"], name="走访筛选", query="tab=new&code=T09")
    day = CalendarDay.objects.create(date=datetime.date(2030, 1, 1), is_working=False, note="元旦")
    return {
        "cw_child_a": a.pk,
        "cw_child_b": b.pk,
        "cw_intake_a": intake_a.pk,
        "cw_intake_b": intake_b.pk,
        "cw_t09": by_code["T09"].pk,
        "cw_t06": by_code["T06"].pk,
        "cw_t12": returned["T12"].pk,
        "cw_t20": by_code_b["T20"].pk,
        "cw_t01": orphan["T01"].pk,
        "cw_suggestion": suggestion.pk,
        "cw_filter": saved.pk,
        "cw_day": day.pk,
        "cw_officer_a": personas["officer_a"].pk,
        "cw_police": Department.objects.get(name="县公安局").pk,
    }


SEES_A = frozenset({"admin", "caseworker", "supervisor_a", "director_a"})
SEES_B = frozenset({"admin", "caseworker", "supervisor_b", "director_b"})
WINDOW_A = frozenset({"caseworker", "supervisor_a"})


def _kw(name: str, key: str) -> Any:
    return lambda ctx: {name: ctx[key]}


def _referral(key: str) -> Any:
    return _kw("referral_id", key)


def _act(key: str, action: str) -> Any:
    return lambda ctx: {"referral_id": ctx[key], "action": action}


SAMPLES = {
    "intake:list": [Sample(), Sample(query="state=confirmed&q=SH")],
    "intake:new": [
        Sample(),
        Sample(query="q=sunzj"),
        Sample(query="child=999999", ok=frozenset()),
        Sample(method="post", query="child=999999", ok=frozenset()),
    ],
    "intake:suggestions": [Sample()],
    "intake:detail": [
        Sample(kwargs=_kw("intake_id", "cw_intake_a"), ok=SEES_A),
        Sample(kwargs=_kw("intake_id", "cw_intake_b"), ok=SEES_B),
        Sample(kwargs={"intake_id": 999999}, ok=frozenset()),
    ],
    "intake:receipt": [
        Sample(kwargs=_kw("intake_id", "cw_intake_a"), ok=SEES_A),
        Sample(kwargs=_kw("intake_id", "cw_intake_b"), ok=SEES_B),
    ],
    "intake:confirm": [
        Sample(kwargs=_kw("intake_id", "cw_suggestion"), ok=WINDOW_A),
        Sample(
            kwargs=_kw("intake_id", "cw_suggestion"), ok=WINDOW_A, method="post", data={"m_T02": "on"}, success=(302,)
        ),
        # Sent without the proposal and without a reason: the form again, with the error.
        Sample(kwargs=_kw("intake_id", "cw_suggestion"), ok=WINDOW_A, method="post", data={}),
    ],
    "intake:cancel": [
        Sample(kwargs=_kw("intake_id", "cw_suggestion"), ok=WINDOW_A),
        Sample(
            kwargs=_kw("intake_id", "cw_suggestion"),
            ok=WINDOW_A,
            method="post",
            data={"reason": "已核实"},
            success=(302,),
        ),
    ],
    "referrals:inbox": [
        Sample(),
        Sample(query="tab=overdue"),
        Sample(query="tab=due_soon&code=T09&township=210522100000"),
        Sample(query="tab=in_progress"),
        Sample(query="tab=done&page=2"),
        Sample(query="tab=all"),
    ],
    "referrals:bulk_accept": [
        Sample(
            method="post",
            data=lambda ctx: {"referral": str(ctx["cw_t09"]), "version_" + str(ctx["cw_t09"]): "1"},
            success=(302,),
        ),
    ],
    "referrals:filter_save": [Sample(method="post", data={"name": "我的筛选", "query": "tab=new"}, success=(302,))],
    "referrals:filter_delete": [
        Sample(kwargs=_kw("filter_id", "cw_filter"), ok=frozenset({"officer_a"}), method="post", success=(302,)),
    ],
    "referrals:supervision": [Sample()],
    "referrals:routing": [Sample(), Sample(query="as_written=1")],
    "referrals:calendar": [
        Sample(),
        Sample(query="year=2030"),
        Sample(method="post", data={"date": "2026-10-01", "is_working": "0", "note": "国庆节"}, success=(302,)),
        Sample(method="post", data={"date": "2026-10-01", "is_working": "1"}),  # a Thursday: the form, with the error
    ],
    "referrals:calendar_delete": [Sample(kwargs=_kw("day_id", "cw_day"), method="post", success=(302,))],
    "referrals:deadline_set": [
        Sample(method="post", data={"code": "T09", "accept_days": "5", "decide_days": "20"}, success=(302,)),
        Sample(method="post", data={"code": "T09", "accept_days": "5", "decide_days": "2"}),
    ],
    "referrals:outcome_kinds": [
        Sample(),
        Sample(method="post", data={"code": "T05", "kind": "service"}, success=(302,)),
        Sample(method="post", data={"code": "T05", "kind": "cash"}),  # the page again, with the error
        Sample(method="post", data={"code": "orphan", "kind": "service"}),  # not a measure: the error
    ],
    "referrals:children": [
        Sample(),
        Sample(query="tab=all&q=孙&code=T01"),
        Sample(query="tab=returned"),
        Sample(query="tab=done&page=2"),
    ],
    "referrals:child": [
        Sample(kwargs=_kw("child_id", "cw_child_a"), ok=SEES_A),
        Sample(kwargs=_kw("child_id", "cw_child_b"), ok=SEES_B, query="tab=open&code=T20"),
        Sample(kwargs={"child_id": 999999}, ok=frozenset()),
    ],
    "referrals:timeline": [
        Sample(kwargs=_kw("child_id", "cw_child_a"), ok=SEES_A | {"officer_a", "officer_b"}),
        Sample(kwargs=_kw("child_id", "cw_child_b"), ok=SEES_B),
        Sample(kwargs={"child_id": 999999}, ok=frozenset()),
    ],
    "referrals:detail": [
        Sample(kwargs=_referral("cw_t09"), ok=SEES_A | {"officer_a"}),
        Sample(kwargs=_referral("cw_t06"), ok=SEES_A | {"officer_b"}),
        Sample(kwargs=_referral("cw_t20"), ok=SEES_B),
        Sample(kwargs=_referral("cw_t01"), ok=SEES_A),
        Sample(kwargs={"referral_id": 999999}, ok=frozenset()),
    ],
    "referrals:act": [
        Sample(
            kwargs=_act("cw_t09", "accept"),
            ok=frozenset({"officer_a"}),
            method="post",
            data={"accept-version": "1"},
            success=(302,),
        ),
        Sample(
            kwargs=_act("cw_t09", "reject"), ok=frozenset({"officer_a"}), method="post", data={"reject-version": "1"}
        ),  # no reason: the page again, with the error
        # A stale form: someone acted first (version 2 does not match).
        Sample(
            kwargs=_act("cw_t09", "accept"),
            ok=frozenset({"officer_a"}),
            method="post",
            data={"accept-version": "7"},
            success=(409,),
        ),
        # 县卫健局 only cooperates on T06: it may not act on it.
        Sample(kwargs=_act("cw_t06", "accept"), ok=frozenset(), method="post", data={"accept-version": "1"}),
        # 县民政局's referrals are the county caseworkers' (T01's township part is not acted on here).
        *[
            Sample(
                kwargs=_act(key, "accept"),
                ok=frozenset({"caseworker"}),
                method="post",
                data={"accept-version": "1"},
                success=(302,),
            )
            for key in ("cw_t20", "cw_t01")
        ],
    ],
    "referrals:reassign": [
        Sample(
            kwargs=_referral("cw_t09"),
            ok=frozenset({"officer_a"}),
            method="post",
            data=lambda ctx: {"version": "1", "assignee": str(ctx["cw_officer_a"])},
            success=(302,),
        ),
    ],
    "referrals:transfer": [
        Sample(
            kwargs=_referral("cw_t09"),
            ok=frozenset({"officer_a", "admin", "caseworker"}),
            method="post",
            data=lambda ctx: {"version": "1", "department": str(ctx["cw_police"]), "reason": "应由公安局办理"},
            success=(302,),
        ),
    ],
    "referrals:cooperate": [
        Sample(
            kwargs=_referral("cw_t06"),
            ok=frozenset({"officer_b"}),
            method="post",
            data={"note": "已安排评估"},
            success=(302,),
        ),
        Sample(kwargs=_referral("cw_t09"), ok=frozenset(), method="post", data={"note": "x"}),
        # 各乡镇（街道）'s part of T01: the supervisor of the child's township.
        Sample(
            kwargs=_referral("cw_t01"),
            ok=frozenset({"supervisor_a"}),
            method="post",
            data={"note": "已入户核实"},
            success=(302,),
        ),
    ],
    "referrals:resubmit": [
        Sample(kwargs=_referral("cw_t12"), ok=WINDOW_A, method="post", data={"version": "2"}, success=(302,)),
    ],
}

API_SAMPLES = {
    "/referrals": [Sample(), Sample(query="state=submitted,returned&due_before=2030-01-01&code=T09")],
    "/referrals/{referral_id}": [
        Sample(kwargs=_referral("cw_t09"), ok=frozenset({"officer_a", "supervisor_a", "caseworker"})),
        Sample(kwargs=_referral("cw_t06"), ok=frozenset({"officer_b", "supervisor_a", "caseworker"})),
        Sample(kwargs=_referral("cw_t20"), ok=frozenset({"supervisor_b", "caseworker"})),
    ],
    # The walk posts form data, not JSON: the handling unit gets 422, everyone else 404 (or 403).
    "/referrals/{referral_id}/accept": [
        Sample(kwargs=_referral("cw_t09"), ok=frozenset({"officer_a"}), method="post", success=(422,)),
        Sample(kwargs=_referral("cw_t20"), ok=frozenset({"caseworker"}), method="post", success=(422,)),
    ],
    "/referrals/{referral_id}/complete": [
        Sample(kwargs=_referral("cw_t09"), ok=frozenset({"officer_a"}), method="post", success=(422,)),
    ],
    "/referrals/{referral_id}/return": [
        Sample(kwargs=_referral("cw_t06"), ok=frozenset(), method="post"),
        Sample(kwargs=_referral("cw_t09"), ok=frozenset({"officer_a"}), method="post", success=(422,)),
    ],
}
