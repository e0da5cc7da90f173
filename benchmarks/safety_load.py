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


def ensure_custody_notices(count: int, *, seed: int = 2026) -> int:
    """Detention notices by the police on registered children (a relative cares for most; one in
    ten asks civil affairs, which opens a safety case), through `custody.services.notice_record`
    (the parent's status recorded with the notice as source, the child screened at once).
    Idempotent: notices whose note is this module's count towards `count`."""
    from django.utils import timezone
    from stdnum.cn import ric

    from shouhu.accounts.models import User
    from shouhu.custody.models import CustodyNotice
    from shouhu.custody.services import ChildInput, NoticeInput, notice_record
    from shouhu.registry.models import Child, ChildStatus

    have = CustodyNotice.objects.filter(note=BENCH_ORGANISATION).count()
    if have >= count:
        return 0
    rng = random.Random(seed + 7 + have)
    officer = User.objects.get(username="officer_p")
    today = timezone.localdate()
    adult_born = datetime.date(1975, 1, 1)
    # Children with an ID number, spread over the registry (every 400th active child).
    ids = list(
        Child.objects.filter(status=ChildStatus.ACTIVE, id_number_index__isnull=False)
        .exclude(id_number_index="")
        .order_by("pk")
        .values_list("pk", flat=True)[: (count - have) * 400 : 400]
    )
    started = time.perf_counter()
    for n, pk in enumerate(ids, start=have):
        child = Child.objects.get(pk=pk)
        if not child.id_number:
            continue
        born = adult_born + datetime.timedelta(days=rng.randrange(20 * 365))
        body = f"210522{born:%Y%m%d}{rng.randrange(1000):03d}"
        # Detained today: the generated registry's facts start on the day it was generated, and a
        # notice's status cannot start before the fact it follows (registry.services.fact_record).
        since = today
        notice_record(
            actor=officer,
            data=NoticeInput(
                kind="criminal_detention",
                person_name="基准父亲",
                person_id_number=body + ric.calc_check_digit(body + "0"),  # stdnum reads 18 characters
                parent_role="father",
                since=since,
                until=since + datetime.timedelta(days=rng.randrange(30, 400)),
                children_need_care=True,
                children=(
                    ChildInput(
                        id_number=child.id_number,
                        name=child.name,
                        region_code=child.region_code,
                        arrangement="institution" if rng.random() < 0.1 else "relative",
                        caregiver_name="基准亲属",
                        caregiver_relationship="祖父母",
                        caregiver_phone="13800000000",
                    ),
                ),
                note=BENCH_ORGANISATION,
            ),
        )
        if (n + 1) % 250 == 0:
            print(f"  拘留通知 {n + 1}/{count}（{time.perf_counter() - started:.0f} 秒）", flush=True)
    return len(ids)


def ensure_families(count: int, *, seed: int = 2026) -> int:
    """Families applying to the register (county civil affairs records them), spread over the
    county's villages, through `placements.services.family_apply`."""
    from django.utils import timezone

    from shouhu.accounts.models import User
    from shouhu.placements.models import Family
    from shouhu.placements.services import FamilyInput, family_apply
    from shouhu.regions.models import Region

    have = Family.objects.filter(name__startswith="基准家庭").count()
    if have >= count:
        return 0
    rng = random.Random(seed + 11 + have)
    caseworker = User.objects.get(username="caseworker")
    villages = list(Region.objects.filter(code__startswith="210522", level="village").values_list("code", flat=True))
    for n in range(have, count):
        family_apply(
            actor=caseworker,
            data=FamilyInput(
                name=f"基准家庭{n:04d}",
                region_code=rng.choice(villages),
                address="某村某组",
                members="夫妻二人，子女已成年",
                contact_name="基准联系人",
                contact_phone="13900000000",
                applied_on=timezone.localdate() - datetime.timedelta(days=rng.randrange(700)),
            ),
        )
    return count - have
