"""Safeguarding's demo data (found by autodiscovery, after casework's): five reports, so every
role finds the safety pages in use and every state of a case is there:

- an urgent report by the demo school doctor (reporter_a) on an unregistered girl outside 东关村's
  shop, just received: its clocks are running (acknowledge 1 h, see the child 2 h);
- one acknowledged by the police (officer_p), waiting for someone to see the child, with a
  follow-up question the police asked the school doctor, not answered yet (her home page shows it);
- a 12345 call the county caseworker entered about a boy in 普乐堡村, the child seen;
- a closed one;
- one received four hours ago that nobody acknowledged: its clocks have escalated, to 县公安局,
  county civil affairs and the leader, on its timeline and in their bells.

Loaded once: a demo that already has safety reports is left as it is."""

from __future__ import annotations

import datetime
from typing import Any

from shouhu.core.demo import demo_loader


@demo_loader
def load_demo_safety_cases(users: dict[str, Any]) -> str | None:
    from django.utils import timezone

    from shouhu.accounts.personas import VILLAGE_A, VILLAGE_B

    from . import services
    from .models import ReportSource, SafetyReport

    if SafetyReport.objects.exists() or "reporter_a" not in users:
        return None
    reporter, caseworker, police = users["reporter_a"], users["caseworker"], users["officer_p"]
    now = timezone.now()

    def file(actor: Any, hours_ago: float, name: str, kind: str, text: str, **more: Any) -> Any:
        at = now - datetime.timedelta(hours=hours_ago)
        data = services.ReportInput(
            child_name=name,
            approx_age=more.pop("age", 8),
            region_code=more.pop("region", VILLAGE_A),
            location=more.pop("location", ""),
            kind=kind,
            observed_at=at - datetime.timedelta(minutes=30),
            description=text,
            **more,
        )
        return services.report_file(actor=actor, data=data, now=at).case

    file(reporter, 0.1, "不详", "neglect", "女孩独自在小卖部门口哭，说家里没有大人，两天没吃饭。", age=6,
         location="东关村小卖部门口", urgent=True)  # fmt: skip
    acknowledged = file(reporter, 2, "关小雨", "abuse", "学生手臂和背部有多处淤青，说是父亲打的。", age=9)
    services.case_transition(actor=police, case=acknowledged, action="acknowledge", expected_version=1)
    services.question_ask(actor=police, case=acknowledged, text="学生今天是否到校？家长的联系电话是多少？", now=now)
    seen = file(caseworker, 6, "马小军", "domestic_violence", "邻居来电：夜里听到孩子哭喊和打骂声。", age=11,
                region=VILLAGE_B, source=ReportSource.HOTLINE_12345, caller="邻居 刘女士")  # fmt: skip
    services.case_transition(actor=caseworker, case=seen, action="acknowledge", expected_version=1)
    services.case_transition(
        actor=users["supervisor_b"],
        case=seen,
        action="see_child",
        expected_version=2,
        note="乡镇督导员入户见到儿童，暂由祖母照顾",
    )
    closed = file(reporter, 30, "白小花", "missing", "学生连续两天未到校，家长联系不上。", age=10)
    services.case_transition(actor=police, case=closed, action="acknowledge", expected_version=1)
    services.case_transition(
        actor=police, case=closed, action="see_child", expected_version=2, note="在亲戚家找到，身体无碍"
    )
    services.case_transition(
        actor=caseworker, case=closed, action="close", expected_version=3, note="已返校，村儿童主任跟进"
    )
    file(reporter, 4, "不详", "abandonment", "医院走廊发现一名约三岁男童，无人认领。", age=3, location="县医院门诊走廊")
    made = services.escalate_due(now=now)
    return f"强制报告 5 份（各状态的安全个案），时限升级 {made} 次"
