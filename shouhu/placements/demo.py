"""Placements' demo data (found by autodiscovery, after safeguarding's): named children in 东关村
(and one in 普乐堡村) with placements over time, and the family register in every state:

- 王建国家庭 (approved, two places: one taken by 邵小康, after a stay in the welfare home), with a
  training and a review; 普乐堡刘家 (approved, 普乐堡村); 赵家 (applied: awaiting assessment),
  孙家 (assessed: awaiting approval), 钱家 (suspended);
- 邵小安 in temporary care (临时监护) at the rescue centre, recorded from a safety case filed on
  their ID number; 邵小宁 with a safety case and no placement yet (for a tester to record one);
  邵小乐 with no placement (for matching); 邵小平 in kinship care with a grandmother (普乐堡村);
  邵小福 adopted after a qualified capacity assessment of the adopters (task 20).

Loaded once: a demo that already has families is left as it is."""

from __future__ import annotations

import datetime
from typing import Any

from shouhu.core.demo import demo_loader

# (name, sex, age, village: None for 东关村)
DEMO_CHILDREN = (
    ("邵小安", "male", 8, None),
    ("邵小宁", "female", 7, None),
    ("邵小乐", "male", 9, None),
    ("邵小康", "male", 11, None),
    ("邵小平", "female", 6, "210522101201"),
    ("邵小福", "female", 3, None),
)


def _register(name: str, sex: str, age: int, village: str, number: int) -> Any:
    from stdnum.cn import ric

    from shouhu.core import crypto, dates
    from shouhu.registry import services as registry
    from shouhu.registry.exchange.format import parse_record
    from shouhu.registry.models import Child

    today = dates.today()
    born = datetime.date(today.year - age, 3, 1) + datetime.timedelta(days=13 * number)
    body = f"210522{born:%Y%m%d}{881 + 2 * number - (0 if sex == 'male' else 1):03d}"
    id_number = body + ric.calc_check_digit(body + "0")
    found = Child.objects.filter(id_number_index=crypto.blind_index(id_number)).first()
    if found is not None:
        return found
    # Every fact recorded (none waits on the 待补充信息 worklist): both parents lost contact, a
    # relative guards the child, in school at their age.
    stage = "preschool" if age < 6 else "primary" if age < 12 else "junior"
    data = {
        "id_number": id_number,
        "name": name,
        "sex": sex,
        "birth_date": born.isoformat(),
        "region_code": village,
        "hukou_region_code": village,
        "parents": [
            {"role": "father", "status": "lost_contact", "since": f"{today.year - 1}-01-01"},
            {"role": "mother", "status": "lost_contact", "since": f"{today.year - 1}-01-01"},
        ],
        "guardian": {"relationship": "grandparent", "able": False},
        "schooling": {"stage": stage, "enrolled": True},
    }
    record, errors = parse_record(data, today=today)
    assert record is not None, errors
    return registry.child_register(actor=None, record=record, effective=today - datetime.timedelta(days=400))


@demo_loader
def load_demo_placements(users: dict[str, Any]) -> str | None:
    from django.utils import timezone

    from shouhu.accounts.models import Department
    from shouhu.accounts.personas import VILLAGE_A, VILLAGE_B
    from shouhu.core.dates import today
    from shouhu.safeguarding import services as safety

    from . import services
    from .models import Family, Outcome, PlacementKind

    if Family.objects.exists() or "caseworker" not in users:
        return None
    caseworker, supervisor_a, reporter = users["caseworker"], users["supervisor_a"], users["reporter_a"]
    day = today()
    ago = lambda n: day - datetime.timedelta(days=n)  # noqa: E731
    unit = Department.objects.get(name="县民政局")
    kids = {
        name: _register(name, sex, age, village or VILLAGE_A, n)
        for n, (name, sex, age, village) in enumerate(DEMO_CHILDREN)
    }

    def family(name: str, state: str, village: str = VILLAGE_A, capacity: int = 2) -> Any:
        made = services.family_apply(
            actor=caseworker,
            data=services.FamilyInput(
                name=name,
                region_code=village,
                address=f"{name}住址（演示）",
                members=f"{name[:-2]} 户主",
                contact_name=name[:-2] or name,
                contact_phone="13800000000",
                applied_on=ago(200),
            ),
        )
        if state == "applied":
            return made
        services.family_assess(
            actor=caseworker,
            family=made,
            expected_version=made.version,
            assessed_on=ago(180),
            assessor="县民政局 张评估",
            result="qualified",
            capacity=capacity,
            notes="住房宽敞，家庭和睦",
        )
        if state == "assessed":
            return made
        services.family_approve(
            actor=caseworker,
            family=made,
            expected_version=made.version,
            approved_on=ago(170),
            approval_number=f"桓民寄〔{ago(170).year}〕{made.pk}号",
            capacity=capacity,
        )
        if state == "suspended":
            services.family_step(
                actor=caseworker, family=made, action="suspend", expected_version=made.version, note="家中老人生病"
            )
        return made

    wang = family("王建国家庭", "approved")
    services.family_training_add(
        actor=caseworker, family=wang, trained_on=ago(160), topic="寄养儿童照料与安全", hours=8
    )
    services.family_review_add(actor=caseworker, family=wang, reviewed_on=ago(20), reviewer="张复核", result="continue")
    family("普乐堡刘家", "approved", village=VILLAGE_B, capacity=3)
    family("赵家", "applied")
    family("孙家", "assessed")
    family("钱家", "suspended")

    common: dict[str, Any] = {"decided_by_unit": unit, "decided_by_person": "李科长"}
    # 邵小安: a safety case on their ID number, then temporary care at the rescue centre.
    report = safety.ReportInput(
        child_name="",
        id_number=kids["邵小安"].id_number,
        approx_age=None,
        region_code=VILLAGE_A,
        location="东关村",
        kind="abandonment",
        observed_at=timezone.now() - datetime.timedelta(hours=30),
        description="孩子独自在家多日，父母外出联系不上。",
    )
    case = safety.report_file(actor=reporter, data=report).case
    services.placement_start(
        actor=supervisor_a,
        child=kids["邵小安"],
        kind=PlacementKind.TEMPORARY_CARE,
        valid_from=ago(1),
        place="rescue",
        caregiver_name="桓仁县未成年人救助保护中心",
        ground="guardian_missing",
        source_case=case,
        decision_basis="《中华人民共和国未成年人保护法》第九十二条",
        planned_end=day + datetime.timedelta(days=20),
        **common,
    )
    report = safety.ReportInput(
        child_name="",
        id_number=kids["邵小宁"].id_number,
        approx_age=None,
        region_code=VILLAGE_A,
        location="东关村",
        kind="neglect",
        observed_at=timezone.now() - datetime.timedelta(hours=2),
        description="孩子衣着单薄，说家里没有大人做饭。",
    )
    safety.report_file(actor=reporter, data=report)
    # 邵小康: the welfare home, then foster care with 王建国家庭.
    first = services.placement_start(
        actor=caseworker,
        child=kids["邵小康"],
        kind=PlacementKind.INSTITUTION,
        valid_from=ago(300),
        caregiver_name="桓仁县儿童福利院",
        **common,
    )
    services.placement_end(
        actor=caseworker, placement=first, valid_to=ago(151), outcome=Outcome.MOVED, expected_version=first.version
    )
    services.placement_start(
        actor=caseworker,
        child=kids["邵小康"],
        kind=PlacementKind.FOSTER,
        family=wang,
        valid_from=ago(150),
        decision_number="桓民安〔2026〕7号",
        **common,
    )
    services.placement_start(
        actor=caseworker,
        child=kids["邵小平"],
        kind=PlacementKind.KINSHIP,
        valid_from=ago(90),
        caregiver_name="邵奶奶",
        caregiver_relationship="祖母",
        **common,
    )
    # 邵小福: the welfare home, the adopters assessed (合格), then adopted.
    home = services.placement_start(
        actor=caseworker,
        child=kids["邵小福"],
        kind=PlacementKind.INSTITUTION,
        valid_from=ago(400),
        caregiver_name="桓仁县儿童福利院",
        **common,
    )
    assessed = services.adoptive_assessment_record(
        actor=caseworker,
        child=kids["邵小福"],
        adopters="赵志刚、孙丽",
        assessed_on=ago(60),
        result="qualified",
        unit=unit,
        assessor="县民政局 张评估",
    )
    services.placement_start(
        actor=caseworker,
        child=kids["邵小福"],
        kind=PlacementKind.ADOPTION,
        valid_from=ago(30),
        adoptive_assessment=assessed,
        end_current=True,
        decision_number="桓民收〔2026〕2号",
        **common,
    )
    assert home.pk
    return "安置：爱心家庭 5 户（各状态），6 名演示儿童的安置记录（含安全个案转临时监护、收养）"
