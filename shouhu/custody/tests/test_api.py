"""The notices API: the police's system records a notice with an officer's token; bad input is 422
naming the field (a child's by its index); another unit's officer is refused."""

from __future__ import annotations

import datetime
import json
from typing import Any

import pytest
from django.test import Client

from shouhu.accounts.models import User
from shouhu.accounts.services import api_token_issue
from shouhu.casework.tests.helpers import import_table
from shouhu.core.dates import today
from shouhu.custody.models import CustodyNotice

from .factories import FATHER_ID

pytestmark = pytest.mark.django_db


def _post(user: User, body: Any) -> Any:
    _token, key = api_token_issue(actor=user, user=user, name="police-system")
    return Client().post(
        "/api/v1/custody/notices",
        data=json.dumps(body),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {key}",
    )


def _body(**changes: Any) -> dict[str, Any]:
    on = today()
    body: dict[str, Any] = {
        "kind": "criminal_detention",
        "person": {"name": "韩大山", "id_number": FATHER_ID},
        "parent_role": "father",
        "since": (on - datetime.timedelta(days=1)).isoformat(),
        "until": (on + datetime.timedelta(days=30)).isoformat(),
        "children_need_care": True,
        "children": [
            {
                "name": "韩小北",
                "sex": "male",
                "birth_date": "2018-02-03",
                "region_code": "210522100201",
                "arrangement": "institution",
            }
        ],
    }
    body.update(changes)
    return body


def test_the_police_system_records_a_notice(personas: dict[str, User]) -> None:
    import_table()
    response = _post(personas["officer_p"], _body())
    assert response.status_code == 201, response.content
    answer = response.json()
    notice = CustodyNotice.objects.get(pk=answer["id"])
    assert answer["reference"] == notice.reference and answer["kind_label"] == "刑事拘留"
    case = notice.children.get().safety_case
    assert case is not None and answer["safety_cases"] == [case.reference]


def test_bad_input_is_422_naming_the_field(personas: dict[str, User]) -> None:
    child = {"name": "", "region_code": "210522100201", "arrangement": "relative", "colour": "red"}
    response = _post(personas["officer_p"], _body(children=[child], since="yesterday"))
    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["errors"]}
    assert fields == {"since", "children[0].colour"}
    del child["colour"]
    response = _post(personas["officer_p"], _body(children=[dict(child, sex="male")]))
    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["errors"]}
    assert "children[0].name" in fields and "children[0].caregiver_name" in fields
    assert not CustodyNotice.objects.exists()


def test_another_unit_is_refused(personas: dict[str, User]) -> None:
    assert _post(personas["officer_a"], _body()).status_code == 403
    assert _post(personas["supervisor_a"], _body()).status_code == 403
    assert not CustodyNotice.objects.exists()
