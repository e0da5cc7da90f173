"""Persona-walk samples for the notice screens. The setup records a criminal detention by
officer_p (县公安局) of a father whose child lives in 东关村 (桓仁镇, supervisor_a's), cared for by a
relative, and an imprisonment by officer_j (县司法局) of a mother whose child in 普乐堡村 (普乐堡镇,
supervisor_b's) goes to a civil-affairs institution (a safety case)."""

from __future__ import annotations

import datetime
from typing import Any

from shouhu.accounts.models import User
from shouhu.accounts.personas import VILLAGE_A, VILLAGE_B
from shouhu.casework.tests.helpers import import_table
from shouhu.casework.tests.walk_samples import id_number
from shouhu.core.dates import today
from shouhu.core.testing.walk import Sample

from .factories import FATHER_ID, child_input, record


def setup(personas: dict[str, User]) -> dict[str, Any]:
    import_table()
    a = record(personas["officer_p"], child_input(id_number=id_number("20170603", 81), region_code=VILLAGE_A))
    b = record(
        personas["officer_j"],
        child_input(
            id_number=id_number("20160405", 82, male=False),
            name="白小雪",
            region_code=VILLAGE_B,
            arrangement="institution",
            caregiver_name="",
        ),
        kind="imprisonment",
        parent_role="mother",
        person_name="白大姐",
    )
    return {"cu_notice_a": a.pk, "cu_notice_b": b.pk}


NOTICE_A = frozenset({"admin", "caseworker", "officer_p", "supervisor_a"})
NOTICE_B = frozenset({"admin", "caseworker", "officer_j", "supervisor_b"})
RECORDERS = frozenset({"officer_p", "officer_j"})


def _kw(key: str) -> Any:
    return lambda ctx: {"notice_id": ctx[key]}


def _notice_form() -> dict[str, str]:
    """A police officer's detention notice for an unregistered child (the justice bureau's officer
    gets the form again: the kind is not theirs)."""
    on = today()
    return {
        "kind": "administrative_detention",
        "person_name": "韩三山",
        "person_id_number": FATHER_ID,
        "parent_role": "father",
        "since": (on - datetime.timedelta(days=1)).isoformat(),
        "until": (on + datetime.timedelta(days=10)).isoformat(),
        "children_need_care": "yes",
        "child-TOTAL_FORMS": "1",
        "child-INITIAL_FORMS": "1",
        "child-0-id_number": id_number("20190707", 83),
        "child-0-name": "韩小三",
        "child-0-region": VILLAGE_A,
        "child-0-arrangement": "relative",
        "child-0-caregiver_name": "韩奶奶",
        "child-0-caregiver_relationship": "祖母",
        "child-0-caregiver_phone": "13800000003",
    }


SAMPLES = {
    "custody:notices": [
        Sample(ok=RECORDERS | NOTICE_A | NOTICE_B),
        Sample(ok=RECORDERS | NOTICE_A | NOTICE_B, query="kind=imprisonment&state=held&township=210522101000"),
        Sample(ok=RECORDERS | NOTICE_A | NOTICE_B, query="state=due&page=2"),
    ],
    "custody:notice_new": [
        Sample(ok=RECORDERS),
        Sample(ok=RECORDERS, query="children=6"),
        Sample(ok=RECORDERS, method="post", data=lambda ctx: _notice_form(), success=(302, 200)),
        Sample(ok=RECORDERS, method="post", data={}),  # the form again, with its errors
    ],
    "custody:notice": [
        Sample(kwargs=_kw("cu_notice_a"), ok=NOTICE_A),
        Sample(kwargs=_kw("cu_notice_b"), ok=NOTICE_B),
        Sample(kwargs={"notice_id": 999999}, ok=frozenset()),
    ],
    "custody:notice_release": [
        Sample(
            kwargs=_kw("cu_notice_a"),
            ok=frozenset({"officer_p"}),
            method="post",
            data=lambda ctx: {"released_on": today().isoformat(), "version": "1"},
            success=(302,),
        ),
        # A stale form: someone recorded the release first.
        Sample(
            kwargs=_kw("cu_notice_a"),
            ok=frozenset({"officer_p"}),
            method="post",
            data=lambda ctx: {"released_on": today().isoformat(), "version": "7"},
            success=(409,),
        ),
        # Seen by the county and the township, but only the recording unit records the release.
        Sample(kwargs=_kw("cu_notice_b"), ok=frozenset({"officer_j"}), method="post", data={}),
    ],
}

API_SAMPLES = {
    # The walk posts form data, not JSON: whoever may record gets 422.
    "/custody/notices": [Sample(method="post", success=(422,))],
}
