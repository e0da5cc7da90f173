"""Persona-walk samples for the safety screens and API. The setup files a report by reporter_a
on an unregistered child in 东关村 (桓仁镇: 县公安局 leads by the table, supervisor_a is the
township's) and a 110 call the county caseworker entered about a child in 普乐堡村 (普乐堡镇)."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from shouhu.accounts.models import User
from shouhu.accounts.personas import VILLAGE_A, VILLAGE_B
from shouhu.casework.tests.helpers import import_table
from shouhu.core.testing.walk import Sample
from shouhu.safeguarding.models import ReportSource

from .factories import file_report


def setup(personas: dict[str, User]) -> dict[str, Any]:
    import_table()
    a = file_report(personas["reporter_a"], urgent=True)
    b = file_report(personas["caseworker"], region_code=VILLAGE_B, source=ReportSource.POLICE_110)
    return {"sg_report_a": a.pk, "sg_case_a": a.case.pk, "sg_report_b": b.pk, "sg_case_b": b.case.pk}


# 县公安局 leads task 17; 县司法局 (officer_j) cooperates.
CASE_A = frozenset({"admin", "caseworker", "officer_p", "officer_j", "supervisor_a"})
CASE_B = frozenset({"admin", "caseworker", "officer_p", "officer_j", "supervisor_b"})
HANDLE_A = CASE_A - {"admin"}


def _kw(name: str, key: str) -> Any:
    return lambda ctx: {name: ctx[key]}


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
        Sample(kwargs={"case_id": 999999}, ok=frozenset()),
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
    ],
    "safety:clocks": [Sample()],
    "safety:clock_set": [
        Sample(method="post", data={"parameter": "see_child", "hours": "12", "note": "县政府通知"}, success=(302,)),
        Sample(method="post", data={"parameter": "see_child", "hours": "0"}),  # the page again, with the error
    ],
}

API_SAMPLES = {
    # The walk posts form data, not JSON: whoever may file gets 422.
    "/safety/reports": [Sample(method="post", success=(422,))],
    "/safety/reports/{report_id}": [
        Sample(kwargs=_kw("report_id", "sg_report_a"), ok=CASE_A | {"reporter_a"}),
        Sample(kwargs=_kw("report_id", "sg_report_b"), ok=CASE_B),
        Sample(kwargs={"report_id": 999999}, ok=frozenset()),
    ],
}
