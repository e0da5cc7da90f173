"""What the custody tests share: a notice as the police record it (a criminal detention of a
father, one child in 东关村 unless told otherwise)."""

from __future__ import annotations

import datetime
from typing import Any

from shouhu.accounts.models import User
from shouhu.accounts.personas import VILLAGE_A
from shouhu.casework.tests.walk_samples import id_number
from shouhu.core.dates import today
from shouhu.custody import services
from shouhu.custody.models import CustodyNotice

FATHER_ID = id_number("19880305", 41)  # an adult's number, valid, born in 桓仁


def child_input(**changes: Any) -> services.ChildInput:
    values: dict[str, Any] = {
        "id_number": id_number("20170602", 77),
        "name": "韩小北",
        "region_code": VILLAGE_A,
        "arrangement": "relative",
        "caregiver_name": "韩奶奶",
        "caregiver_relationship": "祖母",
        "caregiver_phone": "13800000001",
    }
    values.update(changes)
    return services.ChildInput(**values)


def notice_input(*children: services.ChildInput, **changes: Any) -> services.NoticeInput:
    on = today()
    values: dict[str, Any] = {
        "kind": "criminal_detention",
        "person_name": "韩大山",
        "person_id_number": FATHER_ID,
        "parent_role": "father",
        "since": on - datetime.timedelta(days=1),
        "until": on + datetime.timedelta(days=60),
        "children_need_care": True,
        "children": children or (child_input(),),
    }
    values.update(changes)
    return services.NoticeInput(**values)


def record(actor: User, *children: services.ChildInput, **changes: Any) -> CustodyNotice:
    return services.notice_record(actor=actor, data=notice_input(*children, **changes))
