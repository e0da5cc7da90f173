"""Exploring the county's real task-division table: tasks by area, search, filters, the names
toggle and history, the matrix and its Excel export, department and township pages."""

from __future__ import annotations

import datetime
import io
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from python_calamine import CalamineWorkbook

from shouhu.accounts.models import Department
from shouhu.accounts.personas import TOWNSHIP_A, TOWNSHIP_B
from shouhu.core.dates import today
from shouhu.core.models import AuditEvent
from shouhu.policy.explore.departments import department_tasks
from shouhu.policy.explore.matrix import Matrix
from shouhu.policy.explore.task_list import import_url
from shouhu.policy.importing.parsing import parse_text_export
from shouhu.policy.models import PolicyDocument
from shouhu.policy.selectors import ReorganisationGraph, responsible_on

from .factories import SOURCE, load_table, task

pytestmark = pytest.mark.django_db


@pytest.fixture
def table(personas: Any) -> PolicyDocument:
    return load_table()


def dept(name: str) -> Department:
    return Department.objects.get(name=name)


def listed(response: Any) -> list[int]:
    return [row.task.number for group in response.context["groups"] for row in group.rows]


def units_of(response: Any, number: int) -> list[tuple[str, str]]:
    for group in response.context["groups"]:
        for row in group.rows:
            if row.task.number == number:
                return [(u.name, u.kind) for u in row.units]
    raise AssertionError(f"task {number} not listed")


# --- the task list ---------------------------------------------------------------------------


def test_tasks_grouped_by_area_in_table_order(table: PolicyDocument, login: Any) -> None:
    response = login("caseworker").get(reverse("policy:tasks"))
    assert response.status_code == 200
    groups = response.context["groups"]
    expected_areas = parse_text_export(SOURCE.read_text(encoding="utf-8")).areas
    assert [g.area for g in groups] == expected_areas
    assert len(groups) == 12
    assert listed(response) == list(range(1, 48))
    assert [row.task.number for row in groups[1].rows] == [5, 6, 7, 8]
    html = response.content.decode()
    assert "保障基本医疗" in html and "共 47 项任务，12 个项目" in html
    # Role badges: task 5 has a lead and cooperating units, 7 each-by-duty, 25 each township, 20 sole.
    assert units_of(response, 5)[:2] == [("县民政局", "lead"), ("县财政局", "cooperating")]
    assert {kind for _, kind in units_of(response, 7)} == {"each_by_duty"}
    assert units_of(response, 25) == [("各乡镇（街道）", "each_township")]
    assert units_of(response, 20) == [("县民政局", "sole")]
    for label in ("牵头", "配合", "按职责", "各乡镇分头", "单独"):
        assert f">{label}</span>" in html


def test_search_marks_matches_and_searches_area(table: PolicyDocument, login: Any) -> None:
    client = login("officer_a")
    response = client.get(reverse("policy:tasks"), {"q": "监护"})
    numbers = listed(response)
    assert numbers and 17 in numbers
    for number in numbers:
        t = task(table, number)
        assert "监护" in t.text or "监护" in t.area or "监护" in t.responsibility_text
    assert "<mark>监护</mark>" in response.content.decode()

    by_area = listed(client.get(reverse("policy:tasks"), {"q": "强化教育保障"}))
    assert by_area == [9, 10, 11, 12, 13, 14]
    two_words = listed(client.get(reverse("policy:tasks"), {"q": "残疾 康复"}))
    assert two_words and all("残疾" in task(table, n).text + task(table, n).area for n in two_words)

    nothing = client.get(reverse("policy:tasks"), {"q": "不存在的内容xyz"})
    assert listed(nothing) == []
    assert "没有符合条件的任务" in nothing.content.decode()


def test_search_escapes_html(table: PolicyDocument, login: Any) -> None:
    response = login("caseworker").get(reverse("policy:tasks"), {"q": "<script>"})
    assert response.status_code == 200
    assert "<script>" not in response.content.decode().split("</header>", 1)[1].replace("<script src", "")


def test_filter_by_area_and_department(table: PolicyDocument, login: Any) -> None:
    client = login("caseworker")
    assert listed(client.get(reverse("policy:tasks"), {"area": "保障基本医疗"})) == [5, 6, 7, 8]
    education = listed(client.get(reverse("policy:tasks"), {"department": dept("县教育局").pk}))
    assert education[:6] == [9, 10, 11, 12, 13, 14] and 27 in education
    # Filtering by today's unit finds what the table wrote against its predecessor.
    health = listed(client.get(reverse("policy:tasks"), {"department": dept("县卫健局").pk}))
    # Tasks 7 and 8 (城乡居民医保) passed from 卫计 to 县医保局 in the 2019 reform, not to 卫健.
    assert health == [5, 6, 16, 21, 22, 23, 26, 28, 31, 33, 39, 40]
    # The table's own unit lists what the table wrote against it.
    assert listed(client.get(reverse("policy:tasks"), {"department": dept("县卫计局").pk})) == sorted([*health, 7, 8])
    combined = client.get(reverse("policy:tasks"), {"department": dept("县卫健局").pk, "area": "保障基本医疗"})
    assert listed(combined) == [5, 6]
    insurance = client.get(reverse("policy:tasks"), {"department": dept("县医保局").pk, "area": "保障基本医疗"})
    assert listed(insurance) == [5, 7, 8]


def test_names_toggle_written_and_current(table: PolicyDocument, login: Any) -> None:
    client = login("leader")
    written = client.get(reverse("policy:tasks"))
    assert ("县卫计局", "cooperating") in units_of(written, 5)
    assert [n for n, _ in units_of(written, 34)][:2] == ["县国税局", "县地税局"]

    current = client.get(reverse("policy:tasks"), {"names": "current"})
    names5 = [n for n, _ in units_of(current, 5)]
    assert "县卫健局" in names5 and "县卫计局" not in names5
    names34 = [n for n, _ in units_of(current, 34)]
    assert names34.count("县税务局") == 1 and "县国税局" not in names34 and "县地税局" not in names34
    assert len(names34) == 5
    html = current.content.decode()
    assert "（表中：县国税局、县地税局）" in html and "（表中：县卫计局）" in html
    # The same answer as the core selector.
    graph = ReorganisationGraph()
    t5 = task(table, 5)
    assert names5 == [r.department.name for r in responsible_on(t5, on=today(), graph=graph)]


def test_as_of_date_shows_who_was_responsible(table: PolicyDocument, login: Any) -> None:
    client = login("caseworker")
    early = client.get(reverse("policy:tasks"), {"on": "2018-01-01"})
    assert "县卫计局" in [n for n, _ in units_of(early, 5)]
    assert [n for n, _ in units_of(early, 34)][:2] == ["县国税局", "县地税局"]
    mid = client.get(reverse("policy:tasks"), {"on": "2018-08-01"})
    assert "县税务局" in [n for n, _ in units_of(mid, 34)]
    assert "县卫计局" in [n for n, _ in units_of(mid, 5)]
    assert "按 2018-08-01 的单位" in mid.content.decode()

    bad = client.get(reverse("policy:tasks"), {"on": "2018-13-45"})
    assert bad.status_code == 200
    assert "格式应为 YYYY-MM-DD" in bad.content.decode()
    assert ("县卫计局", "cooperating") in units_of(bad, 5)


def test_older_versions_can_be_viewed(table: PolicyDocument, login: Any) -> None:
    text = SOURCE.read_text(encoding="utf-8").replace("纳入孤儿保障范围", "纳入孤儿基本生活保障范围")
    load_table(text, version=2, title=table.title)
    client = login("caseworker")
    latest = client.get(reverse("policy:tasks"))
    assert latest.context["document"].version == 2
    assert "孤儿基本生活保障范围" in latest.content.decode()
    old = client.get(reverse("policy:tasks"), {"version": 1})
    assert old.context["document"].version == 1 and "旧版本" in old.content.decode()
    assert "孤儿基本生活保障范围" not in old.content.decode()
    assert client.get(reverse("policy:tasks"), {"version": 9}).status_code == 404
    assert client.get(reverse("policy:tasks"), {"version": "x"}).status_code == 404


def test_empty_state_without_table(login: Any) -> None:
    admin = login("admin").get(reverse("policy:tasks"))
    assert admin.status_code == 200
    html = admin.content.decode()
    assert "尚未导入任务分工表" in html
    if import_url():
        assert import_url() in html
    other = login("caseworker").get(reverse("policy:tasks")).content.decode()
    assert "尚未导入任务分工表" in other and "导入任务分工表</a>" not in other
    assert login("caseworker").get(reverse("policy:matrix")).status_code == 200
    assert login("caseworker").get(reverse("policy:task_detail", args=[1])).status_code == 404


def test_task_list_queries_do_not_grow_with_tasks(
    table: PolicyDocument, login: Any, django_assert_max_num_queries: Any
) -> None:
    client = login("caseworker")
    client.get(reverse("policy:tasks"))  # warm the session
    with django_assert_max_num_queries(18):
        response = client.get(reverse("policy:tasks"), {"names": "current"})
    assert len(listed(response)) == 47
    with django_assert_max_num_queries(18):
        assert len(listed(client.get(reverse("policy:tasks"), {"on": "2018-01-01", "q": "儿童"}))) > 10
    with django_assert_max_num_queries(18):
        client.get(reverse("policy:matrix"), {"names": "current"})


def test_access(table: PolicyDocument, login: Any) -> None:
    assert login("community_a").get(reverse("policy:tasks")).status_code == 403
    assert login("reporter_a").get(reverse("policy:matrix")).status_code == 403
    assert Client().get(reverse("policy:tasks")).status_code == 302


# --- task detail -----------------------------------------------------------------------------


def test_task_detail_history(table: PolicyDocument, login: Any) -> None:
    client = login("officer_b")
    response = client.get(reverse("policy:task_detail", args=[5]))
    assert response.status_code == 200
    assert [u.name for u in response.context["written"]] == ["县民政局", "县财政局", "县卫计局", "县人社局", "县残联"]
    assert "县卫健局" in [u.name for u in response.context["today_units"]]
    history = response.context["history"]
    assert [entry.effective_on for entry in history] == [datetime.date(2019, 3, 1)]
    assert "县卫健局" in [u.name for u in history[0].units]
    assert "牵头单位：县民政局" in response.content.decode()

    tax = client.get(reverse("policy:task_detail", args=[34])).context["history"]
    assert [e.effective_on for e in tax] == [datetime.date(2018, 7, 20)]
    assert [u.name for u in tax[0].units].count("县税务局") == 1

    assert client.get(reverse("policy:task_detail", args=[1])).context["history"] == []
    assert "没有因机构改革发生变化" in client.get(reverse("policy:task_detail", args=[1])).content.decode()
    assert client.get(reverse("policy:task_detail", args=[48])).status_code == 404


# --- matrix ----------------------------------------------------------------------------------


def cell(matrix: Matrix, department: str, number: int) -> str:
    columns = [t.number for t in matrix.tasks]
    row = next(r for r in matrix.rows if r.department.name == department)
    return row.cells[columns.index(number)] if number in columns else ""


def test_matrix_cells(table: PolicyDocument, login: Any) -> None:
    response = login("leader").get(reverse("policy:matrix"))
    matrix = response.context["matrix"]
    assert len(matrix.tasks) == 47
    assert cell(matrix, "县民政局", 5) == "L"
    assert cell(matrix, "县财政局", 5) == "C"
    assert cell(matrix, "县卫计局", 5) == "C"
    assert cell(matrix, "县教育局", 5) == ""
    for name in ("县民政局", "县残联", "县人社局", "县财政局", "县卫计局"):
        assert cell(matrix, name, 7) == "D"
    assert sum(1 for r in matrix.rows if r.cells[6] == "D") == 5
    assert cell(matrix, "各乡镇（街道）", 25) == "T"
    assert cell(matrix, "各乡镇（街道）", 1) == "C"
    assert cell(matrix, "县民政局", 20) == "S"
    assert matrix.rows[0].department.name == "县民政局"
    assert len(matrix.rows) == 21


def test_matrix_current_names_and_filters(table: PolicyDocument, login: Any) -> None:
    client = login("leader")
    matrix = client.get(reverse("policy:matrix"), {"names": "current"}).context["matrix"]
    names = [r.department.name for r in matrix.rows]
    assert "县卫健局" in names and "县卫计局" not in names
    assert names.count("县税务局") == 1 and "县国税局" not in names
    assert len(matrix.rows) == 21  # 21 units; 国税 + 地税 are one 税务局 today; 县医保局 took functions
    assert cell(matrix, "县卫健局", 5) == "C"
    tax = next(r for r in matrix.rows if r.department.name == "县税务局")
    assert cell(matrix, "县税务局", 34) == "D" and tax.counts["D"] == 1
    assert tax.written == ["县国税局", "县地税局"]

    medical = client.get(reverse("policy:matrix"), {"area": "保障基本医疗"}).context["matrix"]
    assert [t.number for t in medical.tasks] == [5, 6, 7, 8]
    only = client.get(reverse("policy:matrix"), {"names": "current", "department": dept("县卫健局").pk}).context[
        "matrix"
    ]
    assert [r.department.name for r in only.rows] == ["县卫健局"]
    assert [t.number for t in only.tasks] == [5, 6, 16, 21, 22, 23, 26, 28, 31, 33, 39, 40]
    early = client.get(reverse("policy:matrix"), {"on": "2018-01-01"}).context["matrix"]
    assert "县卫计局" in [r.department.name for r in early.rows]


def test_matrix_xlsx_export(table: PolicyDocument, login: Any, personas: Any) -> None:
    response = login("caseworker").get(reverse("policy:matrix_xlsx"), {"names": "current"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    workbook = CalamineWorkbook.from_filelike(io.BytesIO(response.content))
    assert workbook.sheet_names == ["分工矩阵", "说明", "任务"]
    rows = workbook.get_sheet_by_name("分工矩阵").to_python()
    header = rows[0]
    assert header[0] == "单位" and header[1:48] == [str(n) for n in range(1, 48)]
    assert header[48:] == ["牵头", "配合", "按职责", "各乡镇分头", "单独"]
    by_unit = {row[0]: row for row in rows[1:]}
    # 医疗救助 (task 5) and 城乡居民医保 (7, 8) passed to 县医保局 (transfers of a function).
    assert by_unit["县医保局"][5] == "L" and by_unit["县民政局"][5] == "" and by_unit["县财政局"][5] == "C"
    assert by_unit["县卫健局"][5] == "C" and "县卫计局" not in by_unit
    assert [by_unit[n][7] for n in ("县民政局", "县残联", "县医保局", "县财政局")] == ["D"] * 4
    assert by_unit["县人社局"][7] == "" and by_unit["县卫健局"][7] == ""
    assert by_unit["各乡镇（街道）"][25] == "T"
    assert by_unit["县税务局"][50] == 1  # one each-by-duty task (34)
    legend = [row for row in workbook.get_sheet_by_name("说明").to_python() if row[0]]
    assert ["L", "牵头单位"] in [list(r[:2]) for r in legend]
    assert ["单位名称", "按现名称"] in [list(r[:2]) for r in legend]
    tasks = workbook.get_sheet_by_name("任务").to_python()
    assert len(tasks) == 48 and tasks[5][2] == task(table, 5).text

    event = AuditEvent.objects.filter(action="policy.matrix_export").get()
    assert event.actor == personas["caseworker"]
    assert event.detail["names"] == "current" and event.detail["rows"] == 21 and event.detail["tasks"] == 47


def test_matrix_xlsx_filtered(table: PolicyDocument, login: Any) -> None:
    response = login("caseworker").get(
        reverse("policy:matrix_xlsx"), {"area": "保障基本医疗", "department": dept("县残联").pk}
    )
    rows = CalamineWorkbook.from_filelike(io.BytesIO(response.content)).get_sheet_by_name("分工矩阵").to_python()
    # Only the tasks the unit answers for (not task 8) and only its row.
    assert rows[0][:4] == ["单位", "5", "6", "7"] and rows[0][4] == "牵头"
    assert [r[0] for r in rows[1:]] == ["县残联"]
    assert rows[1][1:4] == ["C", "L", "D"]
    event = AuditEvent.objects.filter(action="policy.matrix_export").get()
    assert event.detail["area"] == "保障基本医疗"


# --- department page -------------------------------------------------------------------------


def section_numbers(response: Any) -> dict[str, list[int]]:
    return {s["key"]: [r.task.number for r in s["rows"]] for s in response.context["sections"] if "key" in s}


def test_department_section_includes_predecessor_tasks(table: PolicyDocument, login: Any) -> None:
    response = login("officer_b").get(reverse("departments:detail", args=[dept("县卫健局").pk]))
    assert response.status_code == 200
    sections = section_numbers(response)
    assert "leads" not in sections
    assert sections["cooperates"] == [5, 6, 16, 21, 22, 23, 26, 31]
    assert sections["by_duty"] == [28, 33, 39, 40]  # 7 and 8 passed to 县医保局
    html = response.content.decode()
    assert "表中写作 县卫计局，2019-03-01 起由本单位承担" in html
    assert "配合的任务（8 项）" in html

    civil = section_numbers(login("caseworker").get(reverse("departments:detail", args=[dept("县民政局").pk])))
    assert 5 in civil["leads"] and 20 in civil["by_duty"] and 10 in civil["cooperates"]
    tax = section_numbers(login("caseworker").get(reverse("departments:detail", args=[dept("县税务局").pk])))
    assert tax == {"by_duty": [34]}

    dissolved = login("caseworker").get(reverse("departments:detail", args=[dept("县卫计局").pk]))
    assert section_numbers(dissolved)["cooperates"][:2] == [5, 6]
    assert "现由" in dissolved.content.decode() and "县卫健局" in dissolved.content.decode()


def test_department_section_empty_and_without_table(personas: Any, login: Any) -> None:
    no_table = login("caseworker").get(reverse("departments:detail", args=[dept("县卫健局").pk]))
    assert no_table.context["sections"] == []
    load_table()
    new_unit = Department.objects.create(name="县测试局", official_name="县测试局", kind="government")
    page = login("caseworker").get(reverse("departments:detail", args=[new_unit.pk]))
    assert "本单位在现行任务分工表中没有承担的任务" in page.content.decode()


# --- home panels -----------------------------------------------------------------------------


def test_home_panel_for_department_officer(table: PolicyDocument, login: Any) -> None:
    html = login("officer_b").get(reverse("home")).content.decode()
    assert "本单位牵头 0 项、配合 8 项、按职责落实 4 项任务" in html
    html = login("officer_a").get(reverse("home")).content.decode()
    counts = department_tasks(dept("县教育局"), table)
    assert (
        f"本单位牵头 {len(counts['leads'])} 项、配合 {len(counts['cooperates'])} 项、"
        f"按职责落实 {len(counts['by_duty'])} 项任务"
    ) in html
    assert len(counts["leads"]) == 6


def test_home_panel_without_table(login: Any) -> None:
    assert "尚未导入任务分工表" in login("admin").get(reverse("home")).content.decode()
    assert "尚未导入任务分工表" not in login("officer_a").get(reverse("home")).content.decode()


def test_home_panel_for_township(table: PolicyDocument, login: Any) -> None:
    html = login("supervisor_a").get(reverse("home")).content.decode()
    assert "桓仁镇承担的任务" in html and reverse("policy:township", args=[TOWNSHIP_A]) in html


# --- townships -------------------------------------------------------------------------------


def test_township_page_scoping(table: PolicyDocument, login: Any) -> None:
    own = login("supervisor_a").get(reverse("policy:township", args=[TOWNSHIP_A]))
    assert own.status_code == 200
    rows = {r.task.number: r.kind for r in own.context["rows"]}
    assert rows == {1: "cooperating", 2: "cooperating", 3: "cooperating", 4: "cooperating", 25: "each_township"}
    assert "桓仁镇承担的任务" in own.content.decode()
    assert login("supervisor_a").get(reverse("policy:township", args=[TOWNSHIP_B])).status_code == 404
    assert login("director_a").get(reverse("policy:township", args=[TOWNSHIP_A])).status_code == 200
    assert login("director_b").get(reverse("policy:township", args=[TOWNSHIP_A])).status_code == 404
    for key in ("admin", "caseworker", "leader", "officer_a"):
        assert login(key).get(reverse("policy:township", args=[TOWNSHIP_B])).status_code == 200, key
    assert login("admin").get(reverse("policy:township", args=["210522100201"])).status_code == 404  # a village
    assert login("community_a").get(reverse("policy:township", args=[TOWNSHIP_A])).status_code == 403


def test_task_list_links_supervisor_to_own_township(table: PolicyDocument, login: Any) -> None:
    html = login("supervisor_b").get(reverse("policy:tasks")).content.decode()
    assert "本乡镇承担的任务" in html and reverse("policy:township", args=[TOWNSHIP_B]) in html
    assert "本乡镇承担的任务" not in login("caseworker").get(reverse("policy:tasks")).content.decode()
