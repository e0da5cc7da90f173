"""Safety cases at county scale for the web benchmark: a county of a million children over two
years, through the product's own services (a report opens its case, its units, clocks, timeline
and bells; steps go through the transitions table), so the pages read what real use leaves.

Idempotent: reports already made by this module (organisation 「基准测试」) count towards the
target; only the missing ones are filed."""

from __future__ import annotations

import datetime
import random
import time

BENCH_ORGANISATION = "基准测试"
KINDS = ("abuse", "neglect", "abandonment", "domestic_violence", "sexual_abuse", "missing", "other")


def ensure_safety_cases(count: int, *, seed: int = 2026) -> int:
    """File reports until `count` made by this module exist; returns how many were filed now."""
    from django.db import transaction
    from django.utils import timezone

    from shouhu.accounts.models import User
    from shouhu.regions.models import Region
    from shouhu.safeguarding.models import SafetyReport
    from shouhu.safeguarding.services import ReportInput, case_transition, report_file

    have = SafetyReport.objects.filter(organisation=BENCH_ORGANISATION).count()
    if have >= count:
        return 0
    rng = random.Random(seed + have)
    reporter = User.objects.get(username="reporter_a")
    handler = User.objects.get(username="caseworker")
    # The organisation is the reporter's at filing: marked for this module only.
    User.objects.filter(pk=reporter.pk).update(organisation=BENCH_ORGANISATION)
    reporter.organisation = BENCH_ORGANISATION
    villages = list(Region.objects.filter(code__startswith="210522", level="village").values_list("code", flat=True))
    now = timezone.now()
    started = time.perf_counter()
    try:
        for i in range(have, count):
            received = now - datetime.timedelta(minutes=rng.randrange(2 * 365 * 24 * 60))
            with transaction.atomic():
                report = report_file(
                    actor=reporter,
                    data=ReportInput(
                        child_name=rng.choice(["王小明", "李小红", "张晓", "刘洋", "不详"]),
                        approx_age=rng.randrange(1, 17),
                        region_code=rng.choice(villages),
                        kind=rng.choice(KINDS),
                        observed_at=received - datetime.timedelta(hours=rng.randrange(1, 48)),
                        urgent=rng.random() < 0.2,
                        description="基准测试数据：发现的情况说明。",
                    ),
                    now=received,
                )
                case = report.case
                # Most cases of two years are closed; the recent ones are in every open state.
                steps = ["acknowledge", "see_child", "close"] if received < now - datetime.timedelta(days=30) else []
                if not steps:
                    steps = ["acknowledge", "see_child"][: rng.randrange(0, 3)]
                for n, action in enumerate(steps):
                    case = case_transition(
                        actor=handler,
                        case=case,
                        action=action,
                        expected_version=case.version,
                        note="基准测试：办理情况。",
                        now=received + datetime.timedelta(hours=n + 1),
                    )
            if (i + 1) % 1000 == 0:
                print(f"  安全个案 {i + 1}/{count}（{time.perf_counter() - started:.0f} 秒）", flush=True)
    finally:
        User.objects.filter(pk=reporter.pk).update(organisation="桓仁县第一小学")
    return count - have
