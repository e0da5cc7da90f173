"""Recording departments' reorganisations (rename, merge, split), correcting a date, and the
table following them without being rewritten."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from shouhu.accounts.models import Department
from shouhu.core.models import AuditEvent
from shouhu.policy.models import PolicyDocument, Reorganisation, TaskResponsibility
from shouhu.policy.reorganisations.selectors import department_lineage
from shouhu.policy.reorganisations.services import NewUnit, reorganisation_correct_date, reorganisation_record

from .factories import load_table

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.fixture
def table(personas: Any) -> PolicyDocument:
    return load_table()


def dept(name: str) -> Department:
    return Department.objects.get(name=name)


def current_units(client: Any, number: int, **params: str) -> list[str]:
    response = client.get(reverse("policy:tasks"), {"names": "current", **params})
    for group in response.context["groups"]:
        for row in group.rows:
            if row.task.number == number:
                return [u.name for u in row.units]
    raise AssertionError(number)


def messages_of(error: ValidationError) -> str:
    return " ".join(m for messages in error.message_dict.values() for m in messages)


def test_rename_to_a_new_unit_changes_current_names(table: PolicyDocument, personas: Any, login: Any) -> None:
    before = TaskResponsibility.objects.count()
    item = reorganisation_record(
        actor=personas["admin"],
        kind="rename",
        effective_on=D(2020, 1, 1),
        predecessors=[dept("县民政局")],
        successors=[NewUnit("县民政事务局", "县民政事务服务局")],
        note="测试",
    )
    new = dept("县民政事务局")
    assert new.official_name == "县民政事务服务局" and new.established_on == D(2020, 1, 1) and new.kind == "government"
    assert dept("县民政局").dissolved_on == D(2020, 1, 1)
    assert list(item.successors.all()) == [new] and item.created_by == personas["admin"]
    assert TaskResponsibility.objects.count() == before  # the table itself is not rewritten
    event = AuditEvent.objects.get(action="policy.reorganisation_record")
    assert event.summary == "更名：县民政局 → 县民政事务局（2020-01-01 起）"

    client = login("caseworker")
    assert current_units(client, 1)[0] == "县民政事务局"
    assert client.get(reverse("policy:tasks"), {"on": "2019-12-31"}).status_code == 200
    assert current_units(client, 1, on="2019-12-31")[0] == "县民政局"
    written = client.get(reverse("policy:tasks"))
    assert written.context["groups"][1].rows[0].units[0].name == "县民政局"
    # The new unit's department page lists the tasks the table wrote against 县民政局.
    page = client.get(reverse("departments:detail", args=[new.pk]))
    assert "表中写作 县民政局，2020-01-01 起由本单位承担" in page.content.decode()


def test_rename_into_an_existing_unit(table: PolicyDocument, personas: Any, login: Any) -> None:
    reorganisation_record(
        actor=personas["admin"],
        kind="rename",
        effective_on=D(2021, 5, 1),
        predecessors=[dept("县关工委")],
        successors=[dept("县妇联")],
    )
    units = current_units(login("leader"), 32)
    assert units == ["县妇联", "县民政局"]  # 关工委 led, 妇联 cooperated: 妇联 now leads (shown once)
    assert dept("县妇联").established_on == D(2021, 5, 1)


def test_merge_and_split(table: PolicyDocument, personas: Any, login: Any) -> None:
    reorganisation_record(
        actor=personas["admin"],
        kind="merge",
        effective_on=D(2022, 1, 1),
        predecessors=[dept("县总工会"), dept("团县委")],
        successors=[NewUnit("县群团服务中心")],
    )
    reorganisation_record(
        actor=personas["admin"],
        kind="split",
        effective_on=D(2023, 3, 1),
        predecessors=[dept("县发改局")],
        successors=[NewUnit("县发展改革局", "县发展和改革局"), NewUnit("县数据局")],
    )
    client = login("caseworker")
    units30 = current_units(client, 30)
    assert units30.count("县群团服务中心") == 1 and "县总工会" not in units30 and len(units30) == 2
    assert current_units(client, 38) == ["县发展改革局", "县数据局", "县民政局"]
    assert dept("县数据局").official_name == "县数据局"
    matrix = client.get(reverse("policy:matrix"), {"names": "current"}).context["matrix"]
    assert {"县群团服务中心", "县发展改革局", "县数据局"} <= {r.department.name for r in matrix.rows}

    lineage = department_lineage(dept("县数据局"))
    assert [d.name for d in lineage.was] == ["县发改局"] and lineage.became == []
    old = department_lineage(dept("县总工会"))
    assert [d.name for d in old.became] == ["县群团服务中心"] and [d.name for d in old.today] == ["县群团服务中心"]


@pytest.mark.parametrize(
    ("kind", "predecessors", "successors", "effective_on", "expected"),
    [
        ("rename", ["县民政局", "县财政局"], ["新单位甲"], D(2020, 1, 1), "更名须是一个原单位对应一个新单位"),
        ("merge", ["县民政局"], ["新单位甲"], D(2020, 1, 1), "合并须选择至少两个原单位"),
        ("split", ["县民政局"], ["新单位甲"], D(2020, 1, 1), "拆分须是一个原单位拆分为至少两个新单位"),
        ("merge", ["县民政局", "县财政局"], ["县民政局"], D(2020, 1, 1), "「县民政局」不能既是原单位又是新单位"),
        ("rename", ["县卫计局"], ["新单位甲"], D(2020, 1, 1), "「县卫计局」已于 2019-03-01 因机构改革撤销"),
        ("rename", ["县卫健局"], ["新单位甲"], D(2018, 1, 1), "早于「县卫健局」的成立日期 2019-03-01"),
        ("rename", ["县民政局"], ["县卫计局"], D(2020, 1, 1), "「县卫计局」已于 2019-03-01 撤销，不能作为"),
        ("rename", ["县民政局"], ["+县财政局"], D(2020, 1, 1), "单位「县财政局」已存在"),
        ("rename", ["县民政局"], ["+"], D(2020, 1, 1), "新单位的「简称」不能为空"),
        ("rename", ["各乡镇（街道）"], ["新单位甲"], D(2020, 1, 1), "「各乡镇（街道）」不是一个单位"),
        ("rename", ["县民政局"], ["新单位甲"], None, "请填写「生效日期」"),
        ("abolish", ["县民政局"], ["新单位甲"], D(2020, 1, 1), "「类型」无效"),
    ],
)
def test_validation_errors_in_chinese(
    table: PolicyDocument,
    personas: Any,
    kind: str,
    predecessors: list[str],
    successors: list[str],
    effective_on: datetime.date | None,
    expected: str,
) -> None:
    def successor(name: str) -> Department | NewUnit:
        if name.startswith("+"):
            return NewUnit(name[1:])
        existing = Department.objects.filter(name=name).first()
        return existing if existing is not None else NewUnit(name)

    count, departments = Reorganisation.objects.count(), Department.objects.count()
    with pytest.raises(ValidationError) as raised:
        reorganisation_record(
            actor=personas["admin"],
            kind=kind,
            effective_on=effective_on,
            predecessors=[dept(n) for n in predecessors],
            successors=[successor(n) for n in successors],
        )
    assert expected in messages_of(raised.value)
    assert Reorganisation.objects.count() == count and Department.objects.count() == departments
    assert dept(predecessors[0]).dissolved_on == ({"县卫计局": D(2019, 3, 1)}.get(predecessors[0]))


def test_cycle_refused(table: PolicyDocument, personas: Any) -> None:
    reorganisation_record(
        actor=personas["admin"],
        kind="rename",
        effective_on=D(2020, 1, 1),
        predecessors=[dept("县司法局")],
        successors=[NewUnit("县司法行政局")],
    )
    # Pretend the first unit had not been dissolved (bad data): the cycle check still refuses.
    Department.objects.filter(name="县司法局").update(dissolved_on=None)
    with pytest.raises(ValidationError) as raised:
        reorganisation_record(
            actor=personas["admin"],
            kind="rename",
            effective_on=D(2021, 1, 1),
            predecessors=[dept("县司法行政局")],
            successors=[dept("县司法局")],
        )
    assert "会形成循环：「县司法局」已在此前的机构改革中演变为「县司法行政局」" in messages_of(raised.value)
    assert Reorganisation.objects.filter(predecessors__name="县司法行政局").count() == 0


def test_correct_date(table: PolicyDocument, personas: Any, login: Any) -> None:
    reform = Reorganisation.objects.get(predecessors__name="县卫计局", kind="rename")
    reorganisation_correct_date(actor=personas["admin"], reorganisation=reform, effective_on=D(2019, 4, 1))
    assert dept("县卫计局").dissolved_on == D(2019, 4, 1)
    assert dept("县卫健局").established_on == D(2019, 4, 1)
    client = login("caseworker")
    assert "县卫计局" in current_units(client, 5, on="2019-03-15")
    assert "县卫健局" in current_units(client, 5, on="2019-04-01")
    event = AuditEvent.objects.get(action="policy.reorganisation_correct_date")
    assert event.detail == {"old": "2019-03-01", "new": "2019-04-01", "note": reform.note}

    with pytest.raises(ValidationError) as raised:
        reorganisation_correct_date(actor=personas["admin"], reorganisation=reform, effective_on=D(2019, 4, 1))
    assert "没有需要更正的内容" in messages_of(raised.value)

    reorganisation_record(
        actor=personas["admin"],
        kind="rename",
        effective_on=D(2024, 1, 1),
        predecessors=[dept("县卫健局")],
        successors=[NewUnit("县卫生健康服务局")],
    )
    with pytest.raises(ValidationError) as raised:
        reorganisation_correct_date(actor=personas["admin"], reorganisation=reform, effective_on=D(2024, 6, 1))
    assert "不能晚于「县卫健局」再次改革（撤销）的日期 2024-01-01" in messages_of(raised.value)
    assert dept("县卫计局").dissolved_on == D(2019, 4, 1)


# --- pages -----------------------------------------------------------------------------------


def test_list_page(table: PolicyDocument, login: Any) -> None:
    response = login("officer_a").get(reverse("policy:reorganisations"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "2018-07-20" in html and "县国税局" in html and "县税务局" in html
    assert "登记更名" not in html  # officers read only
    admin = login("admin").get(reverse("policy:reorganisations")).content.decode()
    assert "登记更名" in admin and "登记合并" in admin and "登记拆分" in admin and "更正日期" in admin
    only = login("caseworker").get(reverse("policy:reorganisations"), {"department": dept("县卫健局").pk})
    assert len(only.context["items"]) == 1


def test_record_rename_through_the_form(table: PolicyDocument, login: Any) -> None:
    client = login("admin")
    assert client.get(reverse("policy:reorganisation_new", args=["rename"])).status_code == 200
    bad = client.post(
        reverse("policy:reorganisation_new", args=["rename"]),
        {
            "effective_on": "2020-01-01",
            "predecessor": dept("县检察院").pk,
        },
    )
    assert bad.status_code == 200
    assert "请选择一个已有单位，或填写新单位的简称（二选一）" in bad.content.decode()
    dissolved = client.post(
        reverse("policy:reorganisation_new", args=["rename"]),
        {
            "effective_on": "2017-01-01",
            "predecessor": dept("县卫健局").pk,
            "new_name": "县卫生局",
        },
    )
    assert "早于「县卫健局」的成立日期 2019-03-01" in dissolved.content.decode()
    assert not Department.objects.filter(name="县卫生局").exists()

    ok = client.post(
        reverse("policy:reorganisation_new", args=["rename"]),
        {
            "effective_on": "2020-01-01",
            "predecessor": dept("县检察院").pk,
            "new_name": "县检察机关",
            "new_official_name": "桓仁满族自治县人民检察院",
            "note": "测试",
        },
        follow=True,
    )
    assert ok.status_code == 200 and "已登记更名（2020-01-01 起）" in ok.content.decode()
    assert "县检察机关" in current_units(client, 17)


def test_record_merge_and_split_through_the_form(table: PolicyDocument, login: Any) -> None:
    client = login("admin")
    merged = client.post(
        reverse("policy:reorganisation_new", args=["merge"]),
        {
            "effective_on": "2020-01-01",
            "predecessors": [dept("县总工会").pk, dept("县关工委").pk],
            "successor": dept("县妇联").pk,
        },
    )
    assert merged.status_code == 302
    split = client.post(
        reverse("policy:reorganisation_new", args=["split"]),
        {
            "effective_on": "2020-01-01",
            "predecessor": dept("县发改局").pk,
            "successors": [dept("县财政局").pk],
            "new_units": "县数据局，县数据管理局",
        },
    )
    assert split.status_code == 302
    assert dept("县数据局").official_name == "县数据管理局"
    assert current_units(client, 41) == ["县民政局", "县财政局", "县数据局"]
    too_few = client.post(
        reverse("policy:reorganisation_new", args=["split"]),
        {
            "effective_on": "2020-01-01",
            "predecessor": dept("县财政局").pk,
            "new_units": "县财政一局",
        },
    )
    assert "拆分须是一个原单位拆分为至少两个新单位" in too_few.content.decode()
    assert client.get(reverse("policy:reorganisation_new", args=["abolish"])).status_code == 404


def test_correct_date_through_the_form(table: PolicyDocument, login: Any) -> None:
    reform = Reorganisation.objects.get(predecessors__name="县国税局")
    url = reverse("policy:reorganisation_correct", args=[reform.pk])
    client = login("admin")
    assert client.get(url).status_code == 200
    response = client.post(url, {"effective_on": "2018-07-05", "note": "已核实"})
    assert response.status_code == 302
    reform.refresh_from_db()
    assert reform.effective_on == D(2018, 7, 5) and reform.note == "已核实"
    assert dept("县地税局").dissolved_on == D(2018, 7, 5)
    bad = client.post(url, {"effective_on": "2018-02-30"})
    assert "「生效日期」格式应为 YYYY-MM-DD" in bad.content.decode()
    assert login("caseworker").post(url, {"effective_on": "2018-07-01"}).status_code == 403


def test_department_history_page(table: PolicyDocument, login: Any) -> None:
    response = login("officer_b").get(reverse("policy:department_history", args=[dept("县卫健局").pk]))
    assert response.status_code == 200
    lineage = response.context["lineage"]
    assert [d.name for d in lineage.was] == ["县卫计局"] and lineage.became == []
    old = login("officer_b").get(reverse("policy:department_history", args=[dept("县地税局").pk])).context["lineage"]
    assert [d.name for d in old.became] == ["县税务局"] and [d.name for d in old.today] == ["县税务局"]
    assert login("reporter_a").get(reverse("policy:department_history", args=[dept("县卫健局").pk])).status_code == 403
