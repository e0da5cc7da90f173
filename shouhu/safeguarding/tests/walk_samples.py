"""Persona-walk samples for the safety screens and API. The setup files a report by reporter_a
(a school) on an unregistered child in 东关村 (桓仁镇: 县公安局 leads by the table, 县教育局 by
duty, supervisor_a is the township's), with an attachment and a question put to the reporter; a
110 call the county caseworker entered about a child in 普乐堡村 (普乐堡镇); and a report by
reporter_b (a health centre: 县卫健局 by duty) on a child in 普乐堡村, with its own attachment;
and three more 东关村 cases in the later states: the child seen, assessed, planned (with a
referral)."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from shouhu.accounts.models import User
from shouhu.accounts.personas import VILLAGE_A, VILLAGE_B
from shouhu.casework.tests.helpers import import_table
from shouhu.core.testing.walk import Sample
from shouhu.safeguarding import services
from shouhu.safeguarding.models import ReportAttachment, ReportSource, SafetyReport

from .factories import file_report

WALK_ATTACHMENT = "safety/walk-sample.pdf"
PDF_BYTES = b"%PDF-1.4\n%walk sample\n"


def _attachment(report: SafetyReport) -> ReportAttachment:
    if not default_storage.exists(WALK_ATTACHMENT):
        default_storage.save(WALK_ATTACHMENT, ContentFile(PDF_BYTES))
    return ReportAttachment.objects.create(
        report=report,
        file=WALK_ATTACHMENT,
        original_name="伤情照片说明.pdf",
        content_type="application/pdf",
        size=len(PDF_BYTES),
        uploaded_by=report.reported_by,
    )


def setup(personas: dict[str, User]) -> dict[str, Any]:
    import_table()
    a = file_report(personas["reporter_a"], urgent=True)
    b = file_report(personas["caseworker"], region_code=VILLAGE_B, source=ReportSource.POLICE_110)
    c = file_report(personas["reporter_b"], region_code=VILLAGE_B)
    question = services.question_ask(actor=personas["officer_p"], case=a.case, text="孩子现在在学校吗？")
    return {
        "sg_report_a": a.pk,
        "sg_case_a": a.case.pk,
        "sg_report_b": b.pk,
        "sg_case_b": b.case.pk,
        "sg_report_c": c.pk,
        "sg_case_c": c.case.pk,
        "sg_question_a": question.pk,
        "sg_attachment_a": _attachment(a).pk,
        "sg_attachment_c": _attachment(c).pk,
        **_later_states(personas),
    }


def _later_states(personas: dict[str, User]) -> dict[str, Any]:
    """Three more cases of 东关村's children: the child seen; assessed (not yet linked to the
    registry); planned with one action (a referral), linked to a registered child."""
    from stdnum.cn import ric

    from shouhu.casework.tests.helpers import register
    from shouhu.safeguarding import services

    caseworker = personas["caseworker"]

    def seen() -> Any:
        case = file_report(personas["reporter_a"]).case
        services.case_transition(actor=caseworker, case=case, action="acknowledge", expected_version=1)
        services.case_transition(actor=caseworker, case=case, action="see_child", expected_version=2, note="见到")
        return case

    def assessed() -> Any:
        case = seen()
        services.assessment_record(
            actor=caseworker, case=case, expected_version=3, expected_assessment=0, level="high", factors=["trauma"]
        )
        return case

    seen_case, assessed_case, planned = seen(), assessed(), assessed()
    body = "210522" + "20160101" + "246"
    child = register(id_number=body + ric.calc_check_digit(body + "0"), name="走访小红", sex="female",
                     birth_date="2016-01-01")  # fmt: skip
    services.case_child_link(actor=caseworker, case=planned, id_number=child.id_number)
    services.plan_action_add(actor=caseworker, case=planned, what="心理疏导", code="T17")
    services.case_transition(actor=caseworker, case=planned, action="plan", expected_version=4)
    return {"sg_seen": seen_case.pk, "sg_assessed": assessed_case.pk, "sg_planned": planned.pk, "sg_child_id": body}


def _unknown_id(ctx: dict[str, Any]) -> dict[str, str]:
    from stdnum.cn import ric

    body = "210522" + "20160101" + "248"
    return {"link-id_number": body + ric.calc_check_digit(body + "0")}


# 县公安局 leads task 17; 县司法局 (officer_j) cooperates; task 28's unit follows the reporter's kind.
CASE_A = frozenset({"admin", "caseworker", "officer_p", "officer_j", "officer_a", "supervisor_a"})  # 县教育局
CASE_B = frozenset({"admin", "caseworker", "officer_p", "officer_j", "supervisor_b"})
CASE_C = frozenset({"admin", "caseworker", "officer_p", "officer_j", "officer_b", "supervisor_b"})  # 县卫健局
HANDLE_A = CASE_A - {"admin"}


def _kw(name: str, key: str) -> Any:
    return lambda ctx: {name: ctx[key]}


def _answer(report: str, question: str) -> Any:
    return lambda ctx: {"report_id": ctx[report], "question_id": ctx[question]}


def _act(key: str, action: str) -> Any:
    return lambda ctx: {"case_id": ctx[key], "action": action}


def _report_form() -> dict[str, str]:
    observed = timezone.localtime() - datetime.timedelta(hours=1)
    return {
        "child_name": "不详",
        "approx_age": "7",
        "region": VILLAGE_A,
        "kind": "abuse",
        "observed_at": observed.strftime("%Y-%m-%dT%H:%M"),
        "urgent": "on",
        "description": "孩子手臂有淤青",
        # Only the county's form has these: a reporter's ignores them.
        "source": ReportSource.HOTLINE_12345,
        "caller": "来电人 王女士",
    }


SAMPLES = {
    "safety:report_new": [
        Sample(),
        Sample(method="post", data=lambda ctx: _report_form(), success=(302,)),
        Sample(method="post", data={}),  # the form again, with its errors
    ],
    "safety:my_reports": [Sample(), Sample(query="page=2")],
    "safety:report": [
        Sample(kwargs=_kw("report_id", "sg_report_a"), ok=frozenset({"reporter_a"})),
        Sample(kwargs=_kw("report_id", "sg_report_b"), ok=frozenset()),
        Sample(kwargs=_kw("report_id", "sg_report_c"), ok=frozenset({"reporter_b"})),
    ],
    "safety:question_answer": [
        Sample(
            kwargs=_answer("sg_report_a", "sg_question_a"),
            ok=frozenset({"reporter_a"}),
            method="post",
            data=lambda ctx: {f"q{ctx['sg_question_a']}-text": "在，班主任陪着她"},
            success=(302,),
        ),
        # Empty: the page again, with the error at the answer.
        Sample(kwargs=_answer("sg_report_a", "sg_question_a"), ok=frozenset({"reporter_a"}), method="post", data={}),
        # Another reporter's report, or a question that is not the report's.
        Sample(kwargs=_answer("sg_report_c", "sg_question_a"), ok=frozenset(), method="post", data={}),
    ],
    "safety:attachment": [
        Sample(kwargs=_kw("attachment_id", "sg_attachment_a"), ok=CASE_A | {"reporter_a"}),
        Sample(kwargs=_kw("attachment_id", "sg_attachment_c"), ok=CASE_C | {"reporter_b"}),
        Sample(kwargs={"attachment_id": 999999}, ok=frozenset()),
    ],
    "safety:report_supplement": [
        Sample(
            kwargs=_kw("report_id", "sg_report_a"),
            ok=frozenset({"reporter_a"}),
            method="post",
            data={"text": "孩子说昨晚没吃饭"},
            success=(302,),
        ),
        Sample(kwargs=_kw("report_id", "sg_report_a"), ok=frozenset({"reporter_a"}), method="post", data={}),
    ],
    "safety:cases": [
        Sample(),
        Sample(query="state=open&overdue=on&township=210522100000"),
        Sample(query="state=closed&page=2"),
    ],
    "safety:case": [
        Sample(kwargs=_kw("case_id", "sg_case_a"), ok=CASE_A),
        Sample(kwargs=_kw("case_id", "sg_case_b"), ok=CASE_B),
        Sample(kwargs=_kw("case_id", "sg_case_c"), ok=CASE_C),
        Sample(kwargs={"case_id": 999999}, ok=frozenset()),
        # The assessment form; the link-or-register step; the plan, its referral and the review form.
        Sample(kwargs=_kw("case_id", "sg_seen"), ok=CASE_A),
        Sample(kwargs=_kw("case_id", "sg_assessed"), ok=CASE_A),
        Sample(kwargs=_kw("case_id", "sg_planned"), ok=CASE_A),
    ],
    "safety:case_assess": [
        Sample(
            kwargs=_kw("case_id", "sg_seen"),
            ok=HANDLE_A,
            method="post",
            data={
                "assess-version": "3",
                "assess-assessment": "0",
                "assess-level": "medium",
                "assess-factors": ["trauma", "schooling"],
            },
            success=(302,),
        ),
        # Someone assessed first: 409 with both values.
        Sample(
            kwargs=_kw("case_id", "sg_assessed"),
            ok=HANDLE_A,
            method="post",
            data={"assess-version": "4", "assess-assessment": "0", "assess-level": "low", "assess-factors": ["trauma"]},
            success=(409,),
        ),
        Sample(kwargs=_kw("case_id", "sg_seen"), ok=HANDLE_A, method="post", data={}),  # the page, with errors
    ],
    "safety:case_review": [
        Sample(
            kwargs=_kw("case_id", "sg_planned"),
            ok=HANDLE_A,
            method="post",
            data={"review-version": "5", "review-assessment": "1", "review-note": "儿童已复学"},
            success=(302,),
        ),
        Sample(kwargs=_kw("case_id", "sg_planned"), ok=HANDLE_A, method="post", data={"review-version": "5"}),
    ],
    "safety:plan_action_add": [
        Sample(
            kwargs=_kw("case_id", "sg_planned"),
            ok=HANDLE_A,
            method="post",
            data={"action-what": "申请临时救助", "action-code": "T03"},
            success=(302,),
        ),
        # Not linked to the registry yet: refused on the page.
        Sample(
            kwargs=_kw("case_id", "sg_assessed"),
            ok=HANDLE_A,
            method="post",
            data={"action-what": "申请临时救助", "action-code": "T03"},
        ),
    ],
    "safety:child_link": [
        Sample(kwargs=_kw("case_id", "sg_assessed"), ok=HANDLE_A, method="post", data=_unknown_id),
    ],
    "safety:child_register": [
        # County caseworkers and the township's supervisor register; the police officer is told
        # on the page that registering is theirs.
        Sample(
            kwargs=_kw("case_id", "sg_assessed"),
            ok=HANDLE_A,
            method="post",
            data={
                "register-name": "走访小明",
                "register-sex": "male",
                "register-birth_date": "2016-02-02",
                "register-no_id_reason": "尚未办理",
                "register-region": VILLAGE_A,
            },
            success=(200, 302),
        ),
    ],
    "safety:case_ask": [
        Sample(
            kwargs=_kw("case_id", "sg_case_a"),
            ok=HANDLE_A,
            method="post",
            data={"text": "孩子身上的伤是什么时候发现的？"},
            success=(302,),
        ),
        Sample(kwargs=_kw("case_id", "sg_case_a"), ok=HANDLE_A, method="post", data={}),  # the page, with the error
        # A telephone report has no reporter account to ask: the page again, saying so.
        Sample(kwargs=_kw("case_id", "sg_case_b"), ok=CASE_B - {"admin"}, method="post", data={"text": "几岁？"}),
    ],
    "safety:case_act": [
        Sample(
            kwargs=_act("sg_case_a", "acknowledge"),
            ok=HANDLE_A,
            method="post",
            data={"acknowledge-version": "1"},
            success=(302,),
        ),
        # A stale form: the version does not match.
        Sample(
            kwargs=_act("sg_case_a", "acknowledge"),
            ok=HANDLE_A,
            method="post",
            data={"acknowledge-version": "7"},
            success=(409,),
        ),
        # Not allowed from 待响应: answered like a stale step, with both values.
        Sample(
            kwargs=_act("sg_case_a", "close"),
            ok=HANDLE_A,
            method="post",
            data={"close-version": "1", "close-note": "x"},
            success=(409,),
        ),
        Sample(kwargs=_act("sg_case_a", "withdraw"), ok=frozenset(), method="post", data={}),
        # A plan without actions: the table's guard, on the page.
        Sample(kwargs=_act("sg_assessed", "plan"), ok=HANDLE_A, method="post", data={"plan-version": "4"}),
        # A step with its own form has its own address only.
        Sample(kwargs=_act("sg_planned", "review"), ok=frozenset(), method="post", data={"review-version": "5"}),
    ],
    "safety:clocks": [Sample()],
    "safety:clock_set": [
        Sample(method="post", data={"parameter": "see_child", "value": "12", "note": "县政府通知"}, success=(302,)),
        Sample(method="post", data={"parameter": "see_child", "value": "0"}),  # the page again, with the error
    ],
}

API_SAMPLES = {
    # The walk posts form data, not JSON: whoever may file gets 422.
    "/safety/reports": [Sample(method="post", success=(422,))],
    "/safety/reports/{report_id}": [
        Sample(kwargs=_kw("report_id", "sg_report_a"), ok=CASE_A | {"reporter_a"}),
        Sample(kwargs=_kw("report_id", "sg_report_b"), ok=CASE_B),
        Sample(kwargs=_kw("report_id", "sg_report_c"), ok=CASE_C | {"reporter_b"}),
        Sample(kwargs={"report_id": 999999}, ok=frozenset()),
    ],
}
