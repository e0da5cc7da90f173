"""Persona-walk samples for the placements screens. The setup registers three children in 东关村
(桓仁镇: supervisor_a, director_a) — one in kinship care, one with no placement, one with a safety
case filed on their ID number — and one in 普乐堡村 (普乐堡镇), and two families: one approved in
东关村, one that has only applied in 普乐堡村."""

from __future__ import annotations

from typing import Any

from shouhu.accounts.models import User
from shouhu.accounts.personas import VILLAGE_B
from shouhu.core.dates import today
from shouhu.core.testing.walk import Sample
from shouhu.safeguarding.tests.factories import file_report

from .factories import child, civil_affairs, family, place


def setup(personas: dict[str, User]) -> dict[str, Any]:
    caseworker = personas["caseworker"]
    placed = child("安置甲", 71, birth="20170919")
    free = child("安置乙", 73, birth="20170919")
    with_case = child("安置丙", 75, birth="20170919")
    other = child("安置丁", 77, birth="20170919", region=VILLAGE_B)
    approved = family(caseworker)
    applied = family(caseworker, state="applied", name="普乐堡刘家", region_code=VILLAGE_B)
    placement = place(caseworker, placed)
    place(caseworker, other)
    case = file_report(personas["reporter_a"], id_number=with_case.id_number, child_name="").case
    return {
        "pl_placed": placed.pk,
        "pl_free": free.pk,
        "pl_other": other.pk,
        "pl_family_a": approved.pk,
        "pl_family_b": applied.pk,
        "pl_placement": placement.pk,
        "pl_case": case.pk,
        "pl_unit": civil_affairs().pk,
    }


SEES_A = frozenset({"admin", "caseworker", "supervisor_a", "director_a"})
SEES_B = frozenset({"admin", "caseworker", "supervisor_b", "director_b"})
MANAGES_A = frozenset({"caseworker", "supervisor_a"})
FAMILY_A = frozenset({"admin", "caseworker", "supervisor_a", "supervisor_b"})  # approved: every township matches
FAMILY_B = frozenset({"admin", "caseworker", "supervisor_b"})  # only applied: its township's


def _kw(name: str, key: str) -> Any:
    return lambda ctx: {name: ctx[key]}


def _act(action: str) -> Any:
    return lambda ctx: {"family_id": ctx["pl_family_b"], "action": action}


def _day() -> str:
    return today().isoformat()


def _family_form() -> dict[str, str]:
    return {
        "name": "东关张家",
        "region": "210522100201",
        "address": "东关村五组 3 号",
        "members": "张强 户主 40 岁",
        "contact_name": "张强",
        "contact_phone": "13900000000",
        "applied_on": _day(),
    }


def _placement_form(ctx: dict[str, Any]) -> dict[str, str]:
    return {
        "kind": "kinship",
        "caregiver_name": "安二叔",
        "caregiver_relationship": "叔叔",
        "valid_from": _day(),
        "decided_by_unit": str(ctx["pl_unit"]),
        "decided_by_person": "李科长",
    }


def _temporary_care(ctx: dict[str, Any]) -> dict[str, str]:
    return {
        "tc-place": "rescue",
        "tc-caregiver_name": "桓仁县未成年人救助保护中心",
        "tc-ground": "serious_harm",
        "tc-valid_from": _day(),
        "tc-decided_by_unit": str(ctx["pl_unit"]),
        "tc-decided_by_person": "李科长",
    }


SAMPLES = {
    "placements:families": [
        Sample(),
        Sample(query="state=approved&township=210522100000&q=王"),
        Sample(query="page=2"),
    ],
    "placements:family_new": [
        Sample(),
        Sample(method="post", data=lambda ctx: _family_form(), success=(302,)),
        Sample(method="post", data={}),  # the form again, with its errors
    ],
    "placements:family": [
        Sample(kwargs=_kw("family_id", "pl_family_a"), ok=FAMILY_A),
        Sample(kwargs=_kw("family_id", "pl_family_b"), ok=FAMILY_B),
        Sample(kwargs={"family_id": 999999}, ok=frozenset()),
    ],
    "placements:family_act": [
        Sample(
            kwargs=_act("assess"),
            method="post",
            data=lambda ctx: {
                "assess-version": "1",
                "assess-state": "applied",
                "assess-assessed_on": _day(),
                "assess-assessor": "张评估",
                "assess-result": "qualified",
                "assess-capacity": "2",
            },
            success=(302,),
        ),
        # A stale form: answered 409 with both values.
        Sample(
            kwargs=_act("withdraw"),
            method="post",
            data={"withdraw-version": "9", "withdraw-note": "搬走"},
            success=(409,),
        ),
        Sample(kwargs=_act("assess"), method="post", data={"assess-version": "1"}),  # the page, with errors
        Sample(kwargs=_act("adopt"), ok=frozenset(), method="post", data={}),
    ],
    "placements:family_training": [
        Sample(
            kwargs=_kw("family_id", "pl_family_a"),
            method="post",
            data=lambda ctx: {"training-trained_on": _day(), "training-topic": "儿童安全", "training-hours": "3"},
            success=(302,),
        )
    ],
    "placements:family_review": [
        Sample(
            kwargs=_kw("family_id", "pl_family_a"),
            method="post",
            data=lambda ctx: {"review-reviewed_on": _day(), "review-reviewer": "张复核", "review-result": "continue"},
            success=(302,),
        ),
        Sample(kwargs=_kw("family_id", "pl_family_a"), method="post", data={}),
    ],
    "placements:child": [
        Sample(kwargs=_kw("child_id", "pl_placed"), ok=SEES_A),
        Sample(kwargs=_kw("child_id", "pl_other"), ok=SEES_B),
    ],
    "placements:placement_new": [
        Sample(kwargs=_kw("child_id", "pl_free"), ok=MANAGES_A),
        Sample(kwargs=_kw("child_id", "pl_free"), ok=MANAGES_A, method="post", data=_placement_form, success=(302,)),
        Sample(
            kwargs=_kw("child_id", "pl_other"), ok=frozenset({"caseworker", "supervisor_b"}), method="post", data={}
        ),
    ],
    "placements:match": [
        Sample(kwargs=_kw("child_id", "pl_free"), ok=MANAGES_A),
        Sample(kwargs=_kw("child_id", "pl_free"), ok=MANAGES_A, query="township=210522101000&q=刘"),
    ],
    "placements:adoptive_assessment": [
        Sample(kwargs=_kw("child_id", "pl_free")),
        Sample(
            kwargs=_kw("child_id", "pl_free"),
            method="post",
            data=lambda ctx: {
                "adopters": "赵志刚、孙丽",
                "assessed_on": _day(),
                "result": "qualified",
                "unit": str(ctx["pl_unit"]),
                "assessor": "张评估",
            },
            success=(302,),
        ),
    ],
    "placements:end": [
        Sample(kwargs=_kw("placement_id", "pl_placement"), ok=MANAGES_A),
        Sample(
            kwargs=_kw("placement_id", "pl_placement"),
            ok=MANAGES_A,
            method="post",
            data=lambda ctx: {"version": "1", "valid_to": _day(), "outcome": "returned_home"},
            success=(302,),
        ),
        Sample(
            kwargs=_kw("placement_id", "pl_placement"),
            ok=MANAGES_A,
            method="post",
            data=lambda ctx: {"version": "5", "valid_to": _day(), "outcome": "returned_home"},
            success=(409,),
        ),
    ],
    "placements:temporary_care": [
        Sample(kwargs=_kw("case_id", "pl_case"), ok=MANAGES_A, method="post", data=_temporary_care, success=(302,)),
        Sample(kwargs=_kw("case_id", "pl_case"), ok=MANAGES_A, method="post", data={}),
    ],
}
