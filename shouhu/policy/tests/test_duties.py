"""The duty map pages (list, history, edit with a confirmation step) and transfers of a function
recorded on the reorganisations page."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.urls import reverse

from shouhu.accounts.models import Department
from shouhu.core.models import AuditEvent
from shouhu.policy.duties.selectors import duty_maps_on
from shouhu.policy.models import DutyMapVersion, PolicyDocument, Reorganisation
from shouhu.policy.reorganisations.selectors import department_lineage

from .factories import load_table

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.fixture
def table(personas: Any) -> PolicyDocument:
    return load_table()


def dept(name: str) -> Department:
    return Department.objects.get(name=name)


def test_the_list_shows_each_measures_duties_and_who_only_guides(table: PolicyDocument, login: Any) -> None:
    response = login("leader").get(reverse("policy:duties"))
    html = response.content.decode()
    row = html[html.index('data-testid="duty-T07"') :].split("</tr>")[0]
    assert "T07 城乡居民医保个人缴费补贴" in row
    assert "低保家庭儿童 → 县民政局" in row and "重残儿童 → 县残联" in row and "待确认" in row
    assert "县医保局、县财政局" in row  # guide only; 人社's and 卫计's part is 县医保局's since 2019
    assert 'data-testid="edit-T07"' not in row  # the leader may look, not change
    assert "T05" not in html  # 牵头配合: no duty map
    admin = login("admin").get(reverse("policy:duties")).content.decode()
    assert 'data-testid="edit-T07"' in admin
    history = login("leader").get(reverse("policy:duty_history", args=["T07"])).content.decode()
    assert "第 1 版" in history and "系统预置" in history and "2020-01-01" in history
    assert login("leader").get(reverse("policy:duty_history", args=["T01"])).status_code == 404
    assert login("leader").get(reverse("policy:duty_edit", args=["T07"])).status_code == 403


def test_editing_asks_to_confirm_then_saves_a_new_version(table: PolicyDocument, login: Any) -> None:
    client = login("admin")
    url = reverse("policy:duty_edit", args=["T07"])
    form = client.get(url).content.decode()
    assert "低保家庭儿童：办理单位" in form and "重残儿童：办理单位" in form
    assert "孤儿" not in form  # only the categories T07's rule reads
    civil = dept("县民政局").pk
    data = {"effective_from": "2026-12-01", "unit_low_income": civil, "unit_severely_disabled": civil,
            "confirmed_low_income": "on", "note": "县里确认"}  # fmt: skip
    preview = client.post(url, data)
    html = preview.content.decode()
    assert 'data-testid="duty-confirm"' in html and "请确认修改" in html
    assert "重残儿童 → 县残联（待确认）" in html and "重残儿童 → 县民政局（待确认）" in html
    assert DutyMapVersion.objects.filter(measure="T07").count() == 1  # nothing saved yet
    saved = client.post(url, {**data, "confirm": "1"})
    assert saved.status_code == 302 and saved["Location"] == reverse("policy:duty_history", args=["T07"])
    version = duty_maps_on(D(2026, 12, 1))["T07"]
    assert version.version == 2 and version.note == "县里确认"
    assert [(a.category, a.department.name, a.confirmed) for a in version.assignments.all()] == [
        ("low_income", "县民政局", True),
        ("severely_disabled", "县民政局", False),
    ]
    event = AuditEvent.objects.get(action="policy.duty_map_set")
    assert event.actor is not None and event.actor.username == "admin"
    # Bad input: named errors in Chinese, nothing written.
    bad = client.post(url, {"effective_from": "2021-01-01", "unit_low_income": civil, "confirm": "1"})
    assert "早于现行第 2 版的生效日期 2026-12-01" in bad.content.decode()
    empty = client.post(url, {"effective_from": "2027-01-01"})
    assert "请至少为一个儿童类别指定办理单位" in empty.content.decode()
    assert "「生效日期」格式应为 YYYY-MM-DD" in client.post(url, {"effective_from": "x"}).content.decode()
    assert DutyMapVersion.objects.filter(measure="T07").count() == 2


def test_transfers_are_listed_and_recorded_on_the_reorganisations_page(table: PolicyDocument, login: Any) -> None:
    client = login("admin")
    html = client.get(reverse("policy:reorganisations")).content.decode()
    assert "职能划转" in html and "划转：第 5 项任务" in html and "划转：第 7 项任务、第 8 项任务" in html
    url = reverse("policy:reorganisation_new", args=["transfer"])
    form = client.get(url).content.decode()
    assert "登记职能划转" in form and "划转的任务（序号）" in form and "原单位不撤销" in form
    bad = client.post(url, {"effective_on": "2026-01-01", "predecessor": dept("县发改局").pk,
                            "successor": dept("县民政局").pk, "task_numbers": "38、九十"})  # fmt: skip
    assert "「划转的任务（序号）」中的「九十」不是任务序号" in bad.content.decode()
    none = client.post(url, {"effective_on": "2026-01-01", "predecessor": dept("县发改局").pk,
                             "successor": dept("县民政局").pk, "task_numbers": ""})  # fmt: skip
    assert "职能划转须指定划转的任务（序号）或措施，至少一项" in none.content.decode()
    missing = client.post(url, {"effective_on": "2026-01-01", "predecessor": dept("县发改局").pk,
                                "successor": dept("县民政局").pk, "task_numbers": "99"})  # fmt: skip
    assert "现行任务分工表没有第 99 项任务" in missing.content.decode()
    before = Reorganisation.objects.count()
    ok = client.post(url, {"effective_on": "2026-01-01", "predecessor": dept("县发改局").pk,
                           "successor": dept("县民政局").pk, "task_numbers": "38", "note": "测试"})  # fmt: skip
    assert ok.status_code == 302 and Reorganisation.objects.count() == before + 1
    transfer = Reorganisation.objects.latest("id")
    assert transfer.kind == "transfer" and transfer.task_numbers == [38]
    assert dept("县发改局").dissolved_on is None  # the unit goes on
    event = AuditEvent.objects.filter(action="policy.reorganisation_record").latest("id")
    assert event.summary == "职能划转：县发改局 → 县民政局（2026-01-01 起，第 38 项任务）"

    # Task 38 follows from that date; 县发改局 keeps its other tasks (41).
    def units(number: int, on: str) -> list[str]:
        response = client.get(reverse("policy:tasks"), {"names": "current", "on": on})
        rows = [r for g in response.context["groups"] for r in g.rows if r.task.number == number]
        return [u.name for u in rows[0].units]

    assert units(38, "2025-12-31") == ["县发改局", "县民政局"] and units(38, "2026-01-01") == ["县民政局"]
    assert "县发改局" in units(41, "2026-01-01")
    # A unit's history lists its transfers but does not say it became the other unit.
    lineage = department_lineage(dept("县民政局"))
    assert lineage.became == [] and any(r.kind == "transfer" for r in lineage.reorganisations)
    assert lineage.today == [dept("县民政局")]
