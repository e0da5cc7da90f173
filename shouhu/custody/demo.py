"""Custody's demo data (found by autodiscovery, after safeguarding's): three notices, so the police,
the justice bureau, civil affairs and the townships find the pages in use:

- a criminal detention by the police (officer_p) of a father in 东关村: his son stays with the
  grandmother (a relative: supervisor_a is asked to verify);
- an imprisonment recorded by the justice bureau (officer_j) of a mother in 普乐堡村: her daughter
  goes to the county's children's home, which opened a safety case for civil affairs;
- an administrative detention whose release is 20 days away: 桓仁镇 has had its reminder.

The children are not in the demo registry: each notice registers its child. Loaded once: a demo
that already has notices is left as it is."""

from __future__ import annotations

import datetime
from typing import Any

from shouhu.core.demo import demo_loader


@demo_loader
def load_demo_custody_notices(users: dict[str, Any]) -> str | None:
    from shouhu.accounts.personas import VILLAGE_A, VILLAGE_B
    from shouhu.core.dates import today

    from . import services
    from .models import CustodyNotice

    if CustodyNotice.objects.exists() or "officer_j" not in users:
        return None
    on = today()
    police, justice = users["officer_p"], users["officer_j"]
    C = services.ChildInput
    services.notice_record(
        actor=police,
        data=services.NoticeInput(
            kind="criminal_detention",
            person_name="韩大山",
            person_id_number="210522198503121113",
            parent_role="father",
            since=on - datetime.timedelta(days=3),
            until=on + datetime.timedelta(days=45),
            children_need_care=True,
            children=(
                C(
                    id_number="210522201708151214",
                    name="韩小北",
                    region_code=VILLAGE_A,
                    arrangement="relative",
                    caregiver_name="韩王氏",
                    caregiver_relationship="祖母",
                    caregiver_phone="13800000011",
                ),
            ),
        ),
    )
    services.notice_record(
        actor=justice,
        data=services.NoticeInput(
            kind="imprisonment",
            person_name="白玉兰",
            person_id_number="210522199002201320",
            parent_role="mother",
            since=on - datetime.timedelta(days=10),
            until=on + datetime.timedelta(days=730),
            children_need_care=True,
            children=(
                C(id_number="210522201509301427", name="白小雪", region_code=VILLAGE_B, arrangement="institution"),
            ),
            note="父亲已故，无其他亲属可以照料",
        ),
    )
    services.notice_record(
        actor=police,
        data=services.NoticeInput(
            kind="administrative_detention",
            person_name="马二虎",
            person_id_number="210522198707061511",
            parent_role="father",
            since=on - datetime.timedelta(days=1),
            until=on + datetime.timedelta(days=20),
            children_need_care=True,
            children=(
                C(
                    id_number="210522202001021621",
                    name="马小花",
                    region_code=VILLAGE_A,
                    arrangement="none_needed",
                    arrangement_reason="由母亲照料",
                ),
            ),
        ),
    )
    reminded = services.remind_releases(on=on)
    return f"拘留、服刑通知 3 份（其中 1 份立案），释放前提醒 {reminded} 次"
