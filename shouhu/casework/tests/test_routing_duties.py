"""Routing as the table means it: a 按职责分别落实 measure goes to the unit whose duty covers the
child (the duty map), units that only guide get no referral per child, and transfers of a
function (职能划转) move a task's referrals from the day they take effect."""

from __future__ import annotations

import datetime
import io
import json
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from stdnum.cn import ric

from shouhu.accounts.models import Department, User
from shouhu.casework import services
from shouhu.casework.routing import RoutingError, route_for, routing_json, routing_table
from shouhu.core.models import AuditEvent
from shouhu.policy.duties.services import DutyInput, duty_map_set
from shouhu.registry.models import Child

from .helpers import import_table, register

pytestmark = pytest.mark.django_db

NOT_POOR = {"low_income": False, "extreme_poverty": False, "temporary_hardship": False}
POOR = {"low_income": True, "extreme_poverty": False, "temporary_hardship": False}
SEVERE = {"type": "physical", "grade": 1}


def child(n: int, **changes: Any) -> Child:
    body = f"2105222015031500{n}"[:17]
    body = body[:14] + f"{n:03d}"
    return register(id_number=body + ric.calc_check_digit(body + "0"), **changes)


def t07_units(persona: User, kid: Child, reasons: dict[str, str] | None = None) -> list[str]:
    intake = services.intake_create(actor=persona, child=kid, proposals={"T07": "筛查"} if not reasons else {})
    referrals = services.intake_confirm(actor=persona, intake=intake, confirmed=["T07"], reasons=reasons)
    assert all(r.mode == "each_by_duty" and r.cooperations.count() == 0 for r in referrals)
    return [r.department.name for r in referrals]


def test_each_by_duty_sends_one_referral_to_the_unit_whose_duty_covers_the_child(
    personas: dict[str, User],
) -> None:
    import_table()
    window = personas["supervisor_a"]
    low_income_only = child(11, household=POOR, disability=None)
    disabled_only = child(13, household=NOT_POOR, disability=SEVERE)
    both = child(15, household=POOR, disability=SEVERE)
    assert t07_units(window, low_income_only) == ["县民政局"]
    assert t07_units(window, disabled_only) == ["县残联"]
    assert t07_units(window, both) == ["县民政局", "县残联"]
    # Neither category (the window adds T07 with a reason): the first unit the table names.
    neither = child(17, household=NOT_POOR, disability=None)
    assert t07_units(window, neither, reasons={"T07": "家长申请，低保待审批"}) == ["县民政局"]
    from shouhu.casework.models import Referral

    guiding = {"县财政局", "县人社局", "县卫健局", "县卫计局", "县医保局"}
    assert not Referral.objects.filter(code="T07", department__name__in=guiding).exists()
    assert Referral.objects.filter(code="T07").count() == 5


def test_the_route_says_who_only_guides_and_the_duty_map_needs_the_child() -> None:
    import_table()
    route = route_for("T07")
    assert route.by_duty
    assert [(d.category, d.department.name, d.confirmed) for d in route.duties] == [
        ("low_income", "县民政局", False),
        ("severely_disabled", "县残联", False),
    ]
    # 人社's and 卫计's part of 城乡居民医保 passed to 县医保局 in 2019; 财政 guides throughout.
    assert [d.name for d in route.guiding_only] == ["县医保局", "县财政局"]
    with pytest.raises(RoutingError, match="哪名儿童"):
        route.targets(child=None)
    assert [t.department.name for t in route.targets(child=None, categories={"severely_disabled"})] == ["县残联"]
    # A measure without a duty map keeps the table's routing.
    assert not route_for("T05").by_duty and route_for("T05").guiding_only == []


def test_a_new_duty_map_version_changes_routing_and_keeps_the_history(personas: dict[str, User]) -> None:
    import_table()
    admin = personas["admin"]
    civil, disabled = Department.objects.get(name="县民政局"), Department.objects.get(name="县残联")
    categories = {"low_income": "低保家庭儿童", "severely_disabled": "重残儿童"}
    with pytest.raises(ValidationError) as problem:
        duty_map_set(
            actor=admin, measure="T07", measure_label="城乡居民医保个人缴费补贴", categories=categories,
            duties=[DutyInput("orphan", civil), DutyInput("low_income", Department.objects.get(name="县卫计局"))],
            effective_from=datetime.date(2019, 1, 1),
        )  # fmt: skip
    text = " ".join(problem.value.messages)
    assert "第 1 行" in text and "不是本措施规则所依据的儿童类别" in text
    assert "县卫计局」已于 2019-03-01 撤销" in text
    assert "早于现行第 1 版的生效日期 2020-01-01" in text
    assert route_for("T07").duties[0].department == civil  # nothing written
    version = duty_map_set(
        actor=admin, measure="T07", measure_label="城乡居民医保个人缴费补贴", categories=categories,
        duties=[DutyInput("low_income", civil, True), DutyInput("severely_disabled", civil, True)],
        effective_from=datetime.date(2026, 1, 1), note="县里确认：均由民政局办理",
    )  # fmt: skip
    assert version.version == 2
    route = route_for("T07")
    assert {d.department for d in route.duties} == {civil} and all(d.confirmed for d in route.duties)
    assert disabled in route.guiding_only
    event = AuditEvent.objects.get(action="policy.duty_map_set")
    assert event.actor == admin and "第 2 版" in event.summary and "重残儿童 → 县民政局" in event.summary
    # Before the new version's date the old one routes.
    old = routing_table(on=datetime.date(2025, 6, 1))["T07"]
    assert [d.department.name for d in old.duties] == ["县民政局", "县残联"]


def test_function_transfers_move_only_their_tasks_from_their_date() -> None:
    import_table()
    before, after = datetime.date(2019, 2, 28), datetime.date(2019, 3, 1)
    assert [d.name for d in routing_table(on=before)["T05"].lead] == ["县民政局"]
    assert [d.name for d in routing_table(on=after)["T05"].lead] == ["县医保局"]
    # 县民政局 keeps everything else: T01, T02 stay with it.
    assert [d.name for d in routing_table(on=after)["T02"].lead] == ["县民政局"]
    t07_before = [d.name for d in routing_table(on=before)["T07"].lead]
    t07_after = [d.name for d in routing_table(on=after)["T07"].lead]
    assert "县人社局" in t07_before and "县卫计局" in t07_before and "县医保局" not in t07_before
    assert "县人社局" not in t07_after and "县卫健局" not in t07_after and "县医保局" in t07_after
    # T06 (听力康复) cooperates with 人社 and 卫计: no transfer for it, 卫计 is just renamed.
    assert [d.name for d in routing_table(on=after)["T06"].cooperating] == ["县人社局", "县卫健局"]
    unit = Department.objects.get(name="县医保局")
    assert unit.official_name == "桓仁满族自治县医疗保障局" and unit.dissolved_on is None
    assert Department.objects.get(name="县民政局").dissolved_on is None


def test_routing_json_keeps_the_tables_keys_and_adds_the_duty_map() -> None:
    import_table()
    written = routing_json(as_written=True)
    assert set(written["T07"]) == {"mode", "lead", "cooperating", "duties", "guiding_only", "transfers"}
    assert written["T07"]["lead"] == ["县民政局", "县残联", "县人社局", "县财政局", "县卫计局"]
    assert written["T07"]["duties"] == [
        {"category": "low_income", "category_name": "低保家庭儿童", "unit": "县民政局", "confirmed": False},
        {"category": "severely_disabled", "category_name": "重残儿童", "unit": "县残联", "confirmed": False},
    ]
    assert written["T07"]["guiding_only"] == ["县医保局", "县财政局"]
    assert [(t["from_unit"], t["to_unit"], t["in_effect"], t["confirmed"]) for t in written["T07"]["transfers"]] == [
        ("县卫计局", "县医保局", True, False),
        ("县人社局", "县医保局", True, False),
    ]
    today = routing_json()
    assert today["T07"]["lead"] == ["县民政局", "县残联"]  # who really receives referrals
    assert today["T05"]["lead"] == ["县医保局"] and today["T05"]["transfers"][0]["from_unit"] == "县民政局"
    assert today["T01"]["duties"] == [] and today["T01"]["transfers"] == []


def test_the_command_prints_json_and_chinese_text() -> None:
    import_table()
    out = io.StringIO()
    call_command("referrals", "routing", "--format", "json", "--as-written", stdout=out)
    table = json.loads(out.getvalue())
    assert {k: table["T05"][k] for k in ("mode", "lead", "cooperating")} == {
        "mode": "lead_and_cooperating",
        "lead": ["县民政局"],
        "cooperating": ["县财政局", "县卫计局", "县人社局", "县残联"],
    }
    assert table["T07"]["guiding_only"] == ["县医保局", "县财政局"]
    out = io.StringIO()
    call_command("referrals", "routing", "--format", "text", stdout=out)
    text = out.getvalue()
    assert "T07 城乡居民医保个人缴费补贴（按职责分别落实）" in text
    assert "  承办：县民政局、县残联" in text
    assert "低保家庭儿童 → 县民政局（待确认）" in text
    assert "只负指导（不逐人转介，在督办中查看）：县医保局、县财政局" in text
    assert "职能划转：县民政局 → 县医保局（2019-03-01 起，已生效，待确认）" in text
