"""Persona-walk samples for moving a child between townships: a child of 普乐堡村 (township B) that
the director of 东关村 (township A) asked to move to her village."""

from __future__ import annotations

from typing import Any

from stdnum.cn import ric

from shouhu.accounts.models import User
from shouhu.accounts.personas import VILLAGE_A, VILLAGE_B
from shouhu.core.testing.walk import Sample
from shouhu.regions.models import Region
from shouhu.registry import services, transfers
from shouhu.registry.exchange.format import parse_record

from .example import example

BODY = "21052220120808009"
WALK_ID = BODY + ric.calc_check_digit(BODY + "0")  # a boy born 2012-08-08
# Who sees the request: the asker's side (东关村's director, 桓仁镇's supervisor) and the deciding
# side (普乐堡镇's supervisor, the county's caseworker). Who decides: the deciding side.
SEES = frozenset({"director_a", "supervisor_a", "supervisor_b", "caseworker"})
DECIDES = frozenset({"supervisor_b", "caseworker"})


def setup(personas: dict[str, User]) -> dict[str, Any]:
    record, errors = parse_record(
        example(id_number=WALK_ID, name="孙迁入", birth_date="2012-08-08", region_code=VILLAGE_B)
    )
    assert record is not None, errors
    child = services.child_register(actor=personas["caseworker"], record=record)
    transfer = transfers.transfer_request(
        actor=personas["director_a"],
        id_number=WALK_ID,
        name="孙迁入",
        to_region=Region.objects.get(code=VILLAGE_A),
        address="东关街 9 号",
    )
    return {"transfer_child": child.pk, "transfer": transfer.pk}


def _transfer(ctx: dict[str, Any]) -> dict[str, Any]:
    return {"transfer_id": ctx["transfer"]}


SAMPLES = {
    "registry:transfers": [Sample()],
    "registry:transfer_request": [
        Sample(),
        # The registration page's 申请迁入 button: the form filled in, nothing written.
        Sample(
            method="post",
            data={"prefill": "1", "id_number": WALK_ID, "name": "孙迁入", "region_code": "", "address": "东关街 9 号"},
        ),
    ],
    "registry:transfer_detail": [
        Sample(kwargs=_transfer, ok=SEES),
        Sample(kwargs={"transfer_id": 999999}, ok=frozenset()),
    ],
    "registry:transfer_decide": [
        Sample(
            kwargs=_transfer,
            ok=DECIDES,
            method="post",
            data={"decision": "refuse", "note": "走访：仍在原址"},
            success=(302,),
        ),
    ],
}
