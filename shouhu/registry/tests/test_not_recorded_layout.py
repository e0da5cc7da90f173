"""The xlsx/csv layout and the facts that can be not recorded (exchange format v2): 未填写, or a
blank cell, reads as not recorded — never as 查找不到, 无人照料, 未入学 or 否 — an export writes
未填写 back, and the template's dropdowns and instructions offer and explain it."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest

from shouhu.registry.exchange import layout, layout_reading, layout_writing
from shouhu.registry.exchange.format import parse_record, record_to_dict

from .example import EXAMPLE, example
from .ui_factories import today


def without(data: dict[str, Any], key: str) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k != key}


NOT_RECORDED_ROSTER = [
    without(example(parents=[], schooling=None), "guardian"),
    example(guardian={"relationship": "grandparent", "able": None}, schooling={"stage": "primary", "enrolled": None}),
    example(guardian=None, parents=[{"role": "father", "status": "unknown"}]),
]


def cells(obj: dict[str, Any]) -> dict[str, Any]:
    return dict(zip(layout.HEADERS, layout_writing.dict_to_row(obj), strict=True))


def canonical(data: dict[str, Any]) -> dict[str, Any]:
    record, errors = parse_record(data, today=today())
    assert record is not None, errors
    return record_to_dict(record)


def test_not_recorded_is_written_as_wei_tian_xie_and_read_back() -> None:
    written = cells(canonical(NOT_RECORDED_ROSTER[0]))
    assert [written[h] for h in ("父亲状况", "母亲状况", "监护人关系", "监护人有监护能力", "就学阶段", "在读")] == [
        "未填写"
    ] * 6
    written = cells(canonical(NOT_RECORDED_ROSTER[1]))
    assert (written["监护人有监护能力"], written["就学阶段"], written["在读"]) == ("未填写", "小学", "未填写")
    written = cells(canonical(NOT_RECORDED_ROSTER[2]))
    assert (written["父亲状况"], written["母亲状况"]) == ("查找不到", "未填写")
    assert (written["监护人关系"], written["监护人有监护能力"]) == ("无人照料", None)
    for data in NOT_RECORDED_ROSTER:
        expected = canonical(data)
        row = layout_reading.row_to_dict(cells(expected))
        assert not row.errors and canonical(row.obj) == expected


def test_blank_cells_are_not_recorded_not_a_default() -> None:
    blank = {h: None for h in ("父亲状况", "母亲状况", "监护人关系", "监护人有监护能力", "就学阶段", "在读")}
    blank.update({"母亲状况起始": None, "母亲状况结束": None})
    row = layout_reading.row_to_dict({**cells(EXAMPLE), **blank})
    assert not row.errors
    record, _ = parse_record(row.obj, today=today())
    assert record is not None
    assert record.not_recorded() == ("parents.father", "parents.mother", "schooling.enrolled", "guardian")
    assert record.school_stage is None  # was 未入学
    row = layout_reading.row_to_dict({**cells(EXAMPLE), "在读": None})
    assert row.obj["schooling"] == {"stage": "primary", "enrolled": None}  # was 否


@pytest.mark.parametrize(
    ("changes", "header"),
    [
        ({"监护人关系": "未填写", "监护人有监护能力": "是"}, "监护人有监护能力"),
        ({"监护人关系": "无人照料", "监护人有监护能力": "否"}, "监护人有监护能力"),
        ({"就学阶段": "未填写", "在读": "是"}, "就学阶段"),
        ({"父亲状况": "未填写", "父亲状况起始": datetime.date(2024, 1, 1)}, "父亲状况"),
        ({"低保": "未填写"}, "低保"),  # only the facts that can be not recorded take it
    ],
)
def test_contradictions_with_wei_tian_xie_are_errors(changes: dict[str, Any], header: str) -> None:
    row = layout_reading.row_to_dict({**cells(EXAMPLE), **changes})
    assert header in {e.field for e in row.errors}, row.errors


def test_the_fast_reader_agrees_on_wei_tian_xie() -> None:
    reader = layout_reading.RowReader({h: i for i, h in enumerate(layout.HEADERS)})
    for data in NOT_RECORDED_ROSTER:
        values = cells(canonical(data))
        fast, slow = reader.read(list(values.values())), layout_reading.row_to_dict(values)
        assert (fast.obj, fast.errors) == (slow.obj, slow.errors)
    values = {**cells(EXAMPLE), "在读": " 未填写 ", "父亲状况": "未填写"}
    fast, slow = reader.read(list(values.values())), layout_reading.row_to_dict(values)
    assert (fast.obj, fast.errors) == (slow.obj, slow.errors) and not fast.errors


def test_the_template_lists_wei_tian_xie_and_explains_it(tmp_path: Any) -> None:
    import zipfile

    from python_calamine import CalamineWorkbook

    path = tmp_path / "template.xlsx"
    layout_writing.write_template(str(path))
    sheet_xml = zipfile.ZipFile(path).read("xl/worksheets/sheet1.xml").decode()
    lists = re.findall(r'<formula1>"(.*?)"</formula1>', sheet_xml)
    assert "是,否,未填写" in lists and "是,否" in lists
    assert any(x.startswith("未填写,健在") for x in lists)  # the parents' status
    assert any(x.startswith("未填写,无人照料,祖父母") for x in lists)
    assert any(x.startswith("未填写,未入学,学前") for x in lists)
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name(layout.INSTRUCTIONS_SHEET).to_python()
    text = "\n".join(str(cell) for row in rows for cell in row)
    assert "「未填写」" in text and "不同于「查找不到」" in text
    explained = {str(row[0]): str(row[1]) for row in rows if row and row[0] in layout.HEADERS}
    assert "会列入待补充信息清单" in explained["在读"] and "留空同未填写" in explained["就学阶段"]
