"""Persona-walk samples for guardianship intervention. The setup registers two children and links
a safety case to each: 韩监护 in 东关村 (桓仁镇, supervisor_a's), just started; 蒋监护 in 普乐堡村
(普乐堡镇, supervisor_b's), under temporary guardianship with its decision attached; and a second
case on 韩监护 with no intervention yet, to start one on. 县公安局 leads each case (officer_p)."""

from __future__ import annotations

from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from shouhu.accounts.models import User
from shouhu.accounts.personas import VILLAGE_B
from shouhu.casework.tests.helpers import import_table
from shouhu.core.dates import today
from shouhu.core.testing.walk import Sample
from shouhu.guardianship import services
from shouhu.safeguarding.models import ReportSource
from shouhu.safeguarding.tests.factories import file_report

from .factories import registered_child

ID_A, ID_B = "210522201309090012", "210522201402020035"
PDF = b"%PDF-1.4\n%%EOF\n"


def setup(personas: dict[str, User]) -> dict[str, Any]:
    import_table()
    caseworker = personas["caseworker"]
    registered_child(id_number=ID_A, name="韩监护", birth_date="2013-09-09")
    registered_child(id_number=ID_B, name="蒋监护", birth_date="2014-02-02", region_code=VILLAGE_B)
    case_a = file_report(personas["reporter_a"], id_number=ID_A, approx_age=None).case
    case_b = file_report(
        caseworker, id_number=ID_B, approx_age=None, region_code=VILLAGE_B, source=ReportSource.POLICE_110
    ).case
    case_c = file_report(personas["reporter_a"], id_number=ID_A, approx_age=None).case
    a = services.intervention_open(actor=caseworker, case=case_a)
    b = services.intervention_open(actor=caseworker, case=case_b)
    upload = SimpleUploadedFile("临时监护决定书.pdf", PDF)
    step = services.step_take(
        actor=caseworker,
        intervention=b,
        data=services.StepInput(action="temporary", on=today(), documents=[("temporary_decision", upload)]),
        expected_version=1,
    )
    return {
        "gi_a": a.pk,
        "gi_b": b.pk,
        "gi_case_a": case_a.pk,
        "gi_case_c": case_c.pk,
        "gi_document_b": step.documents.get().pk,
    }


SEES_A = frozenset({"admin", "caseworker", "officer_p", "officer_j", "supervisor_a"})
SEES_B = frozenset({"admin", "caseworker", "officer_p", "officer_j", "supervisor_b"})


def _step(key: str, action: str) -> Any:
    return lambda ctx: {"intervention_id": ctx[key], "action": action}


def _kw(name: str, key: str) -> Any:
    return lambda ctx: {name: ctx[key]}


def _form(action: str, version: int, **fields: str) -> Any:
    return lambda ctx: {
        f"{action}-version": str(version),
        f"{action}-on": today().isoformat(),
        **{f"{action}-{k}": v for k, v in fields.items()},
    }


SAMPLES = {
    "guardianship:list": [
        Sample(),
        Sample(query="state=open&township=210522100000&follow_up_due=on"),
        Sample(query="state=temporary&page=2"),
    ],
    "guardianship:start": [
        Sample(
            kwargs=_kw("case_id", "gi_case_c"),
            ok=frozenset({"caseworker", "officer_p"}),
            method="post",
            success=(302,),
        ),
        # Already started: back to the case with the refusal.
        Sample(
            kwargs=_kw("case_id", "gi_case_a"), ok=frozenset({"caseworker", "officer_p"}), method="post", success=(302,)
        ),
        Sample(kwargs={"case_id": 999999}, ok=frozenset(), method="post"),
    ],
    "guardianship:step": [
        # The police warning is 县公安局's; others who see the case are not offered it.
        Sample(
            kwargs=_step("gi_a", "warn"),
            ok=frozenset({"officer_p"}),
            method="post",
            data=_form("warn", 1, outcome="unreformed"),
            success=(302,),
        ),
        # A stale form: answered with both values.
        Sample(
            kwargs=_step("gi_a", "warn"),
            ok=frozenset({"officer_p"}),
            method="post",
            data=_form("warn", 7, outcome="corrected"),
            success=(409,),
        ),
        Sample(
            kwargs=_step("gi_a", "temporary"),
            ok=frozenset({"caseworker"}),
            method="post",
            data=_form("temporary", 1),
            success=(302,),
        ),
        # The form again, with its errors (no date).
        Sample(
            kwargs=_step("gi_a", "temporary"),
            ok=frozenset({"caseworker"}),
            method="post",
            data={"temporary-version": "1"},
        ),
        # A follow-up visit: county civil affairs or the township; none is due yet.
        Sample(
            kwargs=_step("gi_a", "follow_up"),
            ok=frozenset({"caseworker", "supervisor_a"}),
            method="post",
            data=_form("follow_up", 1, note="走访"),
        ),
        Sample(
            kwargs=_step("gi_b", "return_home"),
            ok=frozenset({"caseworker"}),
            method="post",
            data=_form("return_home", 1, guardian="grandparent", follow_up_1="2099-01-01"),
            success=(409,),
        ),
        Sample(kwargs=_step("gi_a", "withdraw"), ok=frozenset(), method="post", data={}),
    ],
    "guardianship:document": [
        Sample(kwargs=_kw("document_id", "gi_document_b"), ok=SEES_B),
        Sample(kwargs={"document_id": 999999}, ok=frozenset()),
    ],
}
