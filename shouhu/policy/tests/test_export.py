"""Exporting the task-division table as JSON and Excel; export → import is the same table."""

from __future__ import annotations

import json

import pytest

from shouhu.policy.importing import policy_import_commit, policy_import_preview
from shouhu.policy.importing.exporting import export_json, export_xlsx, responsibility_text
from shouhu.policy.importing.parsing import parse_policy_document, parse_responsibility
from shouhu.policy.models import PolicyDocument, PolicyTask

from .import_helpers import SOURCE, TITLE, source_bytes

pytestmark = pytest.mark.django_db

AREAS = [
    "保障基本生活",
    "保障基本医疗",
    "强化教育保障",
    "落实监督责任",
    "加强残疾儿童福利服务",
    "工作体系",
    "建立部门协作联动机制",
    "发挥群团组织作用",
    "鼓励支持社会力量参与",
    "加强组织领导",
    "强化能力建设",
    "强化宣传引导",
]


@pytest.fixture
def document() -> PolicyDocument:
    return policy_import_commit(actor=None, data=source_bytes(), filename=SOURCE.name)


def test_json_export_of_the_real_table(document: PolicyDocument) -> None:
    rows = export_json(document)
    assert [row["number"] for row in rows] == list(range(1, 48))
    assert list(dict.fromkeys(row["category"] for row in rows)) == AREAS
    assert all(list(row) == ["number", "category", "text", "lead", "cooperating", "mode"] for row in rows)
    by_number = {row["number"]: row for row in rows}
    assert by_number[1] == {
        "number": 1,
        "category": "保障基本生活",
        "text": "对于无法定抚养人的儿童和符合《辽宁省人民政府进一步加强孤儿保障工作的通知》"
        "（辽政办发〔2012〕22号）规定条件的未成年人，纳入孤儿保障范围。",
        "lead": ["县民政局"],
        "cooperating": ["各乡镇（街道）"],
        "mode": "lead_and_cooperating",
    }
    spot = {
        n: (by_number[n]["category"], by_number[n]["mode"], by_number[n]["lead"], by_number[n]["cooperating"])
        for n in (5, 7, 8, 13, 14, 20, 25)
    }
    assert spot == {
        5: ("保障基本医疗", "lead_and_cooperating", ["县民政局"], ["县财政局", "县卫计局", "县人社局", "县残联"]),
        7: ("保障基本医疗", "each_by_duty", ["县民政局", "县残联", "县人社局", "县财政局", "县卫计局"], []),
        8: ("保障基本医疗", "each_by_duty", ["县民政局", "县人社局", "县卫计局"], []),
        13: ("强化教育保障", "lead_and_cooperating", ["县教育局"], ["县民政局", "县残联"]),  # blank cell: as 12
        14: ("强化教育保障", "lead_and_cooperating", ["县教育局"], []),
        20: ("落实监督责任", "sole", ["县民政局"], []),
        25: ("工作体系", "each_township", ["各乡镇（街道）"], []),
    }
    assert by_number[34]["lead"][:2] == ["县国税局", "县地税局"]
    assert all(row["cooperating"] == [] for row in rows if row["mode"] != "lead_and_cooperating")
    assert by_number[47]["text"] == "建立健全全舆情监测预警和应对机制，及时妥善回应社会关切。"
    json.dumps(rows, ensure_ascii=False)  # serialisable as is


def test_json_export_with_current_names(document: PolicyDocument) -> None:
    rows = {row["number"]: row for row in export_json(document, current_names=True)}
    assert rows[5]["cooperating"] == ["县财政局", "县卫健局", "县人社局", "县残联"]
    # 医疗救助 (5) and 城乡居民医保 (7) passed to 县医保局 in 2019 (transfers of a function).
    assert rows[5]["lead"] == ["县医保局"]
    assert rows[7]["lead"] == ["县民政局", "县残联", "县医保局", "县财政局"]
    assert rows[34]["lead"] == ["县税务局", "县财政局", "县民政局", "县发改局", "县残联"]  # 国税 + 地税, once
    assert rows[27]["lead"] == ["县民政局", "县教育局", "县人社局", "县住建局"]
    assert rows[1] == export_json(document)[0]  # units that did not change keep their names
    everything = json.dumps(list(rows.values()), ensure_ascii=False)
    assert "县卫计局" not in everything and "县国税局" not in everything


def test_export_then_import_is_the_same_table(document: PolicyDocument) -> None:
    data = export_xlsx(document)
    result = parse_policy_document(data, "export.xlsx")
    assert result.ok and result.title == TITLE
    tasks = document.tasks.order_by("number")
    assert [(t.number, t.area, t.text, t.responsibility) for t in result.tasks] == [
        (t.number, t.area, t.text, t.responsibility_text) for t in tasks
    ]
    before = (PolicyDocument.objects.count(), PolicyTask.objects.count())
    preview = policy_import_preview(actor=None, data=data, filename="export.xlsx")
    assert preview.unchanged == document
    assert policy_import_commit(actor=None, data=data, filename="export.xlsx") == document
    assert (PolicyDocument.objects.count(), PolicyTask.objects.count()) == before


def test_xlsx_export_with_current_names_reads_back(document: PolicyDocument) -> None:
    result = parse_policy_document(export_xlsx(document, current_names=True), "current.xlsx")
    assert result.ok
    by_number = {t.number: t for t in result.tasks}
    assert by_number[5].responsibility == "牵头单位：县医保局\n配合单位：县财政局、县卫健局、县人社局、县残联"
    assert by_number[34].lead == ("县税务局", "县财政局", "县民政局", "县发改局", "县残联")
    assert by_number[25].mode == "each_township"
    rows = export_json(document, current_names=True)
    assert [(t.mode, list(t.lead), list(t.cooperating)) for t in result.tasks] == [
        (r["mode"], r["lead"], r["cooperating"]) for r in rows
    ]


@pytest.mark.parametrize(
    ("mode", "lead", "cooperating"),
    [
        ("lead_and_cooperating", ["县民政局", "县妇联"], ["县教育局"]),
        ("lead_and_cooperating", ["县教育局"], []),
        ("each_by_duty", ["县民政局", "县司法局"], []),
        ("each_township", ["各乡镇（街道）"], []),
        ("sole", ["县财政局"], []),
    ],
)
def test_responsibility_text_reads_back(mode: str, lead: list[str], cooperating: list[str]) -> None:
    assert parse_responsibility(responsibility_text(mode, lead, cooperating)) == (mode, tuple(lead), tuple(cooperating))
