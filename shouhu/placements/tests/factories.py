"""What the placements tests share: a registered child, a family through the register's steps,
and a placement with sensible defaults."""

from __future__ import annotations

import datetime
from typing import Any

from shouhu.accounts.models import Department, User
from shouhu.accounts.personas import VILLAGE_A
from shouhu.casework.tests.walk_samples import child as registered_child
from shouhu.core.dates import today
from shouhu.placements import services
from shouhu.placements.models import Family, Placement, PlacementKind
from shouhu.registry.models import Child

CIVIL_AFFAIRS = "县民政局"


def civil_affairs() -> Department:
    return Department.objects.get(name=CIVIL_AFFAIRS)


def child(name: str = "安置小明", seq: int = 61, *, region: str = VILLAGE_A, birth: str = "20160707") -> Child:
    return registered_child(name, birth, seq, region=region)


def family_input(**changes: Any) -> services.FamilyInput:
    values: dict[str, Any] = {
        "name": "王建国家庭",
        "region_code": VILLAGE_A,
        "address": "东关村三组 12 号",
        "members": "王建国 户主 45 岁 务农\n李秀英 妻子 43 岁",
        "contact_name": "王建国",
        "contact_phone": "13800000001",
        "applied_on": today() - datetime.timedelta(days=60),
    }
    values.update(changes)
    return services.FamilyInput(**values)


def family(actor: User, *, state: str = "approved", capacity: int = 2, **changes: Any) -> Family:
    """A family taken through the register to `state` (applied, assessed, approved, suspended)."""
    made = services.family_apply(actor=actor, data=family_input(**changes))
    if state == "applied":
        return made
    services.family_assess(
        actor=actor,
        family=made,
        expected_version=made.version,
        assessed_on=today() - datetime.timedelta(days=40),
        assessor="县民政局 张评估",
        result="qualified",
        capacity=capacity,
    )
    if state == "assessed":
        return made
    services.family_approve(
        actor=actor,
        family=made,
        expected_version=made.version,
        approved_on=today() - datetime.timedelta(days=30),
        approval_number="桓民寄〔2026〕1号",
        capacity=capacity,
    )
    if state == "suspended":
        services.family_step(actor=actor, family=made, action="suspend", expected_version=made.version, note="搬家")
    return made


def place(actor: User, kid: Child, **changes: Any) -> Placement:
    values: dict[str, Any] = {
        "kind": PlacementKind.KINSHIP,
        "valid_from": today() - datetime.timedelta(days=10),
        "decided_by_unit": civil_affairs(),
        "decided_by_person": "李科长",
        "decision_number": "桓民安〔2026〕3号",
        "caregiver_name": "安大山",
        "caregiver_relationship": "祖父",
    }
    values.update(changes)
    return services.placement_start(actor=actor, child=kid, **values)
