"""Tests for the task-division table parser (real files, no mocks)."""

from __future__ import annotations

import csv
import dataclasses
import io
import random
from collections.abc import Sequence
from pathlib import Path

import docx
import openpyxl
import pytest
import xlsxwriter

from shouhu.policy.importing.parsing import (
    MAX_DOCUMENT_BYTES,
    MODES,
    ParsedTask,
    ParseResult,
    ResponsibilityError,
    normalise_unit_name,
    parse_docx,
    parse_policy_document,
    parse_responsibility,
    parse_text_export,
    parse_xlsx,
    split_units,
    tasks_to_xlsx,
)

SOURCE = Path("/work/shared/source/000_9b469a6b42db3913.txt")
DEPARTMENTS = Path("/work/shared/data/departments.csv")
TITLE = "桓仁满族自治县困境儿童保障工作重点任务分工表"
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

pytestmark = pytest.mark.skipif(not SOURCE.exists(), reason="source document not available")


@pytest.fixture(scope="module")
def source_bytes() -> bytes:
    return SOURCE.read_bytes()


@pytest.fixture(scope="module")
def source(source_bytes: bytes) -> ParseResult:
    return parse_policy_document(source_bytes, SOURCE.name)


@pytest.fixture(scope="module")
def by_number(source: ParseResult) -> dict[int, ParsedTask]:
    return {task.number: task for task in source.tasks}


def without_rows(tasks: list[ParsedTask]) -> list[ParsedTask]:
    return [dataclasses.replace(task, row=0) for task in tasks]


def messages(result: ParseResult) -> str:
    return "\n".join(error.message for error in result.errors)


# ---------------------------------------------------------------------------
# The real source document
# ---------------------------------------------------------------------------


def test_source_has_47_tasks_in_12_areas(source: ParseResult) -> None:
    assert source.ok, messages(source)
    assert source.errors == []
    assert source.title == TITLE
    assert [task.number for task in source.tasks] == list(range(1, 48))
    assert source.areas == AREAS
    assert all(task.mode in MODES for task in source.tasks)
    # rows: header is row 1, task n is row n + 1
    assert [task.row for task in source.tasks] == list(range(2, 49))


def test_source_task_1_and_inheritance(by_number: dict[int, ParsedTask]) -> None:
    first = by_number[1]
    assert first.area == "保障基本生活"
    assert first.mode == "lead_and_cooperating"
    assert first.lead == ("县民政局",)
    assert first.cooperating == ("各乡镇（街道）",)
    assert first.responsibility == "牵头单位：县民政局\n配合单位：各乡镇（街道）"
    assert first.text.startswith("对于无法定抚养人的儿童和符合《辽宁省人民政府")
    assert first.text.endswith("纳入孤儿保障范围。")
    for number in (2, 3, 4):
        task = by_number[number]
        assert task.area == "保障基本生活"
        assert task.responsibility == first.responsibility
        assert (task.mode, task.lead, task.cooperating) == (first.mode, first.lead, first.cooperating)
    assert by_number[4].text == "对于其他困境儿童，各地也要做好基本生活保障工作。"


def test_source_spot_checks(by_number: dict[int, ParsedTask]) -> None:
    t5 = by_number[5]
    assert t5.area == "保障基本医疗"
    assert (t5.mode, t5.lead) == ("lead_and_cooperating", ("县民政局",))
    assert t5.cooperating == ("县财政局", "县卫计局", "县人社局", "县残联")

    t7 = by_number[7]
    assert t7.mode == "each_by_duty"
    assert t7.lead == ("县民政局", "县残联", "县人社局", "县财政局", "县卫计局")
    assert t7.cooperating == ()

    t8 = by_number[8]
    assert t8.mode == "each_by_duty"
    assert t8.responsibility.endswith("按职责分别落实指导")
    assert t8.lead == ("县民政局", "县人社局", "县卫计局")

    # 13 has a blank responsibility cell: same as 12
    assert by_number[13].responsibility == by_number[12].responsibility
    assert by_number[13].cooperating == ("县民政局", "县残联")
    # 14: 牵头单位 without 配合单位
    assert (by_number[14].mode, by_number[14].lead, by_number[14].cooperating) == (
        "lead_and_cooperating",
        ("县教育局",),
        (),
    )

    t25 = by_number[25]
    assert (t25.area, t25.mode, t25.lead, t25.cooperating) == (
        "工作体系",
        "each_township",
        ("各乡镇（街道）",),
        (),
    )

    sole = [n for n, t in by_number.items() if t.mode == "sole"]
    assert sole == [20, 36, 43]
    assert by_number[20].lead == ("县民政局",)
    assert by_number[43].lead == ("县财政局",)

    t26 = by_number[26]  # several lead units
    assert t26.lead == ("县民政局", "县妇联")
    assert len(t26.cooperating) == 7
    assert len(by_number[40].lead) == 10
    # the area cell is repeated after page breaks; text kept exactly as written
    assert by_number[18].area == "落实监督责任"
    assert by_number[47].text == "建立健全全舆情监测预警和应对机制，及时妥善回应社会关切。"


def test_source_units_are_known_departments(source: ParseResult) -> None:
    with DEPARTMENTS.open(encoding="utf-8") as fh:
        known = {row["name_in_table"] for row in csv.DictReader(fh)}
    assert len(known) == 21
    used = {unit for task in source.tasks for unit in task.lead + task.cooperating}
    assert used <= known, used - known
    assert len(used) == 21  # the table uses every one of them


def test_source_encodings(source: ParseResult, source_bytes: bytes) -> None:
    text = source_bytes.decode("utf-8")
    for data in (
        b"\xef\xbb\xbf" + source_bytes,
        text.encode("gb18030"),
        text.replace("\n", "\r\n").encode("utf-8"),
        text.encode("utf-16"),
    ):
        result = parse_policy_document(data, "分工表.txt")
        assert result.ok, messages(result)
        assert result.tasks == source.tasks
        assert result.title == TITLE
    assert parse_text_export("\ufeff" + text).tasks == source.tasks


# ---------------------------------------------------------------------------
# Responsibility cells and unit names
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "cell",
    [
        "牵头单位：县民政局\n配合单位：县财政局、县残联",
        "牵头单位:县民政局 配合单位:县财政局,县残联",
        "牵头单位： 县民政局；配合单位：县财政局，县残联。",
        "牵头单位:县民政局\n\n配合单位: 县财政局 ; 县残联",
        "县民政局牵头，县财政局、县残联配合",
    ],
)
def test_lead_and_cooperating_variants(cell: str) -> None:
    assert parse_responsibility(cell) == ("lead_and_cooperating", ("县民政局",), ("县财政局", "县残联"))


def test_lead_only_and_several_leads() -> None:
    assert parse_responsibility("牵头单位：县教育局") == ("lead_and_cooperating", ("县教育局",), ())
    assert parse_responsibility("牵头单位：县民政局、县妇联\n配合单位：县教育局") == (
        "lead_and_cooperating",
        ("县民政局", "县妇联"),
        ("县教育局",),
    )


@pytest.mark.parametrize(
    "cell",
    [
        "县民政局、县教育局按职责分别指导落实",
        "县民政局、县教育局分别指导落实",
        "县民政局、县教育局按职责分别落实指导",
        "县民政局，县教育局分别落实指导",
        "县民政局;县教育局按职责分别落实",
        "县民政局、县教育局分别落实。",
    ],
)
def test_each_by_duty_variants(cell: str) -> None:
    assert parse_responsibility(cell) == ("each_by_duty", ("县民政局", "县教育局"), ())


@pytest.mark.parametrize("cell", ["各乡镇（街道）分头落实", "各乡镇(街道)分头落实", " 各乡镇 ( 街道 ) 分头落实 "])
def test_each_township(cell: str) -> None:
    assert parse_responsibility(cell) == ("each_township", ("各乡镇（街道）",), ())


def test_sole() -> None:
    assert parse_responsibility("县民政局") == ("sole", ("县民政局",), ())
    assert parse_responsibility("县民政局、县财政局") == ("sole", ("县民政局", "县财政局"), ())
    assert parse_responsibility("责任单位：县财政局") == ("sole", ("县财政局",), ())


@pytest.mark.parametrize("cell", ["", "   ", "牵头单位：", "牵头单位：\n配合单位：县财政局", "按职责分别指导落实"])
def test_responsibility_without_units_raises(cell: str) -> None:
    with pytest.raises(ResponsibilityError):
        parse_responsibility(cell)


def test_split_units_mixed_separators() -> None:
    assert split_units("县民政局、县财政局，县残联,县教育局；县公安局;县法院") == (
        "县民政局",
        "县财政局",
        "县残联",
        "县教育局",
        "县公安局",
        "县法院",
    )
    assert split_units(" 县民政局 、\n县财政局、、县民政局 ") == ("县民政局", "县财政局")
    assert split_units("县民政局、各乡镇 (街道)") == ("县民政局", "各乡镇（街道）")
    assert split_units("") == ()


def test_normalise_unit_name() -> None:
    assert normalise_unit_name("各乡镇(街道)") == "各乡镇（街道）"
    assert normalise_unit_name(" 各乡镇（街道) ") == "各乡镇（街道）"
    assert normalise_unit_name("\u3000县民政局。") == "县民政局"
    assert normalise_unit_name("县 民政局") == "县民政局"


# ---------------------------------------------------------------------------
# Word .docx
# ---------------------------------------------------------------------------


def build_docx(tasks: list[ParsedTask], *, title: str | None = TITLE, merge: bool = True) -> bytes:
    """A Word table like the county's: area and responsibility merged vertically over runs."""
    document = docx.Document()
    document.add_paragraph("附件：")
    if title:
        document.add_paragraph("桓仁满族自治县困境儿童保障工作")
        document.add_paragraph("重点任务分工表")
    table = document.add_table(rows=1 + len(tasks), cols=4)
    for col, name in enumerate(("序号", "项目", "工作任务", "责任单位")):
        table.cell(0, col).text = name
    for i, task in enumerate(tasks, start=1):
        table.cell(i, 0).text = str(task.number)
        table.cell(i, 2).text = task.text
        prev = tasks[i - 2] if i > 1 else None
        if not merge or prev is None or prev.area != task.area:
            table.cell(i, 1).text = task.area
        if not merge or prev is None or prev.responsibility != task.responsibility:
            cell = table.cell(i, 3)
            lines = task.responsibility.split("\n")
            cell.paragraphs[0].text = lines[0]
            for line in lines[1:]:
                cell.add_paragraph("")  # blank paragraph between 牵头单位 and 配合单位, as in the original
                cell.add_paragraph(line)
    if merge:
        for col, key in ((1, "area"), (3, "responsibility")):
            start = 1
            for i in range(2, len(tasks) + 2):
                if i == len(tasks) + 1 or getattr(tasks[i - 1], key) != getattr(tasks[start - 1], key):
                    if i - 1 > start:
                        table.cell(start, col).merge(table.cell(i - 1, col))
                    start = i
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def test_docx_with_merged_cells_matches_source(source: ParseResult) -> None:
    data = build_docx(source.tasks)
    result = parse_policy_document(data, "分工表.docx")
    assert result.ok, messages(result)
    assert result.title == TITLE
    assert result.tasks == source.tasks  # same rows too: header is row 1
    assert result.areas == AREAS


def test_docx_without_merges_and_blank_cells(source: ParseResult) -> None:
    result = parse_docx(build_docx(source.tasks, title=None, merge=False))
    assert result.ok, messages(result)
    assert result.title is None
    assert result.tasks == source.tasks


def test_docx_errors() -> None:
    document = docx.Document()
    document.add_paragraph("没有表格")
    buffer = io.BytesIO()
    document.save(buffer)
    result = parse_docx(buffer.getvalue())
    assert not result.ok
    assert "没有找到含 序号、项目、工作任务、责任单位 表头的表格" in messages(result)

    result = parse_policy_document(b"this is not a zip file at all", "分工表.docx")
    assert not result.ok and result.tasks == []
    assert "不是有效的Word 文档（.docx）" in messages(result)

    broken = parse_docx(b"PK\x03\x04" + b"\x00" * 100)
    assert not broken.ok and "损坏" in messages(broken)


# ---------------------------------------------------------------------------
# Excel .xlsx
# ---------------------------------------------------------------------------


def test_xlsx_round_trip(source: ParseResult) -> None:
    data = tasks_to_xlsx(source.tasks, title=source.title)
    result = parse_policy_document(data, "导出.xlsx")
    assert result.ok, messages(result)
    assert result.title == TITLE
    assert without_rows(result.tasks) == without_rows(source.tasks)
    assert result.tasks[0].row == 3  # title row 1, header row 2

    untitled = parse_xlsx(tasks_to_xlsx(source.tasks))
    assert untitled.title is None
    assert untitled.tasks == source.tasks  # header in row 1: same row numbers as the table


def test_xlsx_round_trip_keeps_formula_like_text() -> None:
    task = ParsedTask(1, "=SUM(A1)", "=1+1 任务", "县民政局", "sole", ("县民政局",), (), 2)
    result = parse_xlsx(tasks_to_xlsx([task]))
    assert result.ok, messages(result)
    assert result.tasks == [task]


def write_xlsx(rows: list[list[object]], merges: Sequence[tuple[int, int, int, int, object]] = ()) -> bytes:
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = workbook.add_worksheet("任务")
    for r, values in enumerate(rows):
        for c, value in enumerate(values):
            if value is not None:
                sheet.write(r, c, value)
    for first_row, first_col, last_row, last_col, value in merges:
        sheet.merge_range(first_row, first_col, last_row, last_col, value)
    workbook.close()
    return buffer.getvalue()


def test_xlsx_blank_cells_inherit_english_headers() -> None:
    data = write_xlsx(
        [
            ["Number", "Area", "Task", "Units"],
            [1, "保障基本生活", "任务一", "牵头单位:县民政局\n配合单位:各乡镇(街道)"],
            [2.0, None, "任务二", None],
            ["3", "  ", "任务三", ""],
            [None, None, None, None],
            [4, "强化教育保障", "任务四", "县教育局、县财政局按职责分别指导落实"],
        ]
    )
    result = parse_xlsx(data)
    assert result.ok, messages(result)
    assert [t.number for t in result.tasks] == [1, 2, 3, 4]
    assert [t.area for t in result.tasks] == ["保障基本生活"] * 3 + ["强化教育保障"]
    assert result.tasks[2].responsibility == "牵头单位:县民政局\n配合单位:各乡镇(街道)"  # as written
    assert result.tasks[2].cooperating == ("各乡镇（街道）",)  # normalised
    assert result.tasks[3].row == 6
    assert result.tasks[3].mode == "each_by_duty"


def test_xlsx_merged_ranges_with_openpyxl() -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["分工表"])
    sheet.append(["序号", "项目", "工作任务", "责任单位"])
    sheet.append([1, "保障基本医疗", "甲", "牵头单位：县民政局\n配合单位：县财政局"])
    sheet.append([2, None, "乙", None])
    sheet.append([3, None, "丙", None])
    sheet.append([4, "工作体系", "丁", "各乡镇（街道）分头落实"])
    sheet.merge_cells("A1:D1")
    sheet.merge_cells("B3:B5")
    sheet.merge_cells("D3:D5")
    buffer = io.BytesIO()
    workbook.save(buffer)
    result = parse_policy_document(buffer.getvalue(), "merged.XLSX")
    assert result.ok, messages(result)
    assert result.title == "分工表"
    assert [(t.number, t.area, t.lead, t.cooperating) for t in result.tasks] == [
        (1, "保障基本医疗", ("县民政局",), ("县财政局",)),
        (2, "保障基本医疗", ("县民政局",), ("县财政局",)),
        (3, "保障基本医疗", ("县民政局",), ("县财政局",)),
        (4, "工作体系", ("各乡镇（街道）",), ()),
    ]
    assert result.tasks[3].mode == "each_township"


def test_xlsx_merged_ranges_with_xlsxwriter(source: ParseResult) -> None:
    tasks = source.tasks[:8]
    rows: list[list[object]] = [["序号", "项目", "工作任务", "责任单位"]]
    rows += [[t.number, None, t.text, None] for t in tasks]
    merges = [
        (1, 1, 4, 1, "保障基本生活"),
        (5, 1, 8, 1, "保障基本医疗"),
        (1, 3, 4, 3, tasks[0].responsibility),
    ]
    # tasks 5-8 have their own responsibility cells
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = workbook.add_worksheet()
    for r, values in enumerate(rows):
        for c, value in enumerate(values):
            if value is not None:
                sheet.write(r, c, value)
    for merge in merges:
        sheet.merge_range(*merge)
    for r, task in enumerate(tasks[4:], start=5):
        sheet.write_string(r, 3, task.responsibility)
    workbook.close()
    result = parse_xlsx(buffer.getvalue())
    assert result.ok, messages(result)
    assert result.tasks == tasks


def test_xlsx_wrong_columns() -> None:
    result = parse_xlsx(write_xlsx([["序号", "项目", "内容", "备注"], [1, "a", "b", "c"]]))
    assert not result.ok
    assert result.tasks == []
    msg = messages(result)
    assert "缺少列：工作任务、责任单位" in msg
    assert result.errors[0].row is None

    result = parse_xlsx(write_xlsx([["foo", "bar"], [1, 2]]))
    assert "缺少列：序号、项目、工作任务、责任单位" in messages(result)


def test_xlsx_row_errors() -> None:
    data = write_xlsx(
        [
            ["序号", "项目", "工作任务", "责任单位"],
            ["一", "甲", "任务", "县民政局"],
            [2, None, "任务二", "牵头单位："],
            [3, None, None, "县民政局"],
            [4, None, "任务四", None],
            [4, None, "任务四again", None],
            [1.5, None, "任务", None],
            [1, None, "任务", None],
        ]
    )
    result = parse_xlsx(data)
    assert not result.ok
    by_row = {(e.row, e.field): e.message for e in result.errors}
    assert by_row[(2, "序号")] == "第 2 行「序号」：「一」不是整数"
    assert by_row[(3, "责任单位")].startswith("第 3 行「责任单位」：写了「牵头单位」但没有写明具体单位")
    assert by_row[(4, "工作任务")] == "第 4 行「工作任务」：序号 3 的工作任务为空（行不完整）"
    assert by_row[(6, "序号")] == "第 6 行「序号」：序号 4 与第 5 行重复"
    assert by_row[(7, "序号")] == "第 7 行「序号」：「1.5」不是整数"
    assert by_row[(8, "序号")] == "第 8 行「序号」：序号 1 小于上一条任务的序号 4（序号应递增）"
    # whatever parsed is still returned
    assert [t.number for t in result.tasks] == [4, 1]


def test_xlsx_first_row_without_area_is_truncated() -> None:
    result = parse_xlsx(write_xlsx([["序号", "项目", "工作任务", "责任单位"], [1, None, "任务", None]]))
    assert not result.ok
    fields = {e.field for e in result.errors if e.row == 2}
    assert fields == {"项目", "责任单位"}
    assert "第 2 行「项目」：项目为空，且上方没有可沿用的项目" in messages(result)


# ---------------------------------------------------------------------------
# Text export problems and bad documents
# ---------------------------------------------------------------------------

HEADER = "\t序号\n\t项目\n\t工作任务\n\t责任单位\n\n"


def test_text_truncated_and_bad_rows() -> None:
    text = (
        HEADER
        + "\t1\n\t保障基本生活\n\t任务一\n\t牵头单位：县民政局\n\n配合单位：县财政局\n\n"
        + "\t2\n\t\n\t\n\t\n\n"
        + "\t3x\n\t\n\t任务三\n\t\n\n"
        + "\t4\n\t\n\t任务四分为两行，第一行\n第二行。\n\t\n\n"
        + "\t5\n"
    )
    result = parse_text_export(text)
    assert not result.ok
    msg = messages(result)
    assert "第 3 行「工作任务」：序号 2 的工作任务为空（行不完整）" in msg
    assert "第 4 行「序号」：「3x」不是整数" in msg
    assert "第 6 行：行不完整：只有 1 个单元格，应有 4 个" in msg
    assert [t.number for t in result.tasks] == [1, 4]
    assert result.tasks[1].text == "任务四分为两行，第一行第二行。"
    assert result.tasks[1].cooperating == ("县财政局",)


def test_text_repeated_header_is_skipped() -> None:
    row = "\t1\n\t项目\n\t任务一\n\t县民政局\n\n"
    result = parse_text_export(HEADER + row + HEADER + row.replace("1", "2").replace("一", "二"))
    assert result.ok, messages(result)
    assert [(t.number, t.row) for t in result.tasks] == [(1, 2), (2, 4)]


def test_text_first_row_blank_responsibility() -> None:
    result = parse_text_export(HEADER + "\t1\n\t项目\n\t任务\n\t\n")
    assert not result.ok
    assert result.errors[0].row == 2 and result.errors[0].field == "责任单位"
    assert "第 2 行「责任单位」：责任单位为空，且上方没有可沿用的责任单位（行不完整）" in messages(result)


def test_text_single_line_rows_and_wrapped_latin() -> None:
    text = "\t序号\t项目\t工作任务\t责任单位\n\t1\t项目\tuse the\nform\n\t县民政局\n"
    result = parse_text_export(text)
    assert result.ok, messages(result)
    assert result.tasks[0].text == "use the form"
    assert result.title is None


def test_text_without_header() -> None:
    result = parse_text_export("随便写的一段话。\n没有表格。\n")
    assert not result.ok
    assert "没有找到表头" in messages(result)
    assert "没有找到任何任务" in messages(result)


@pytest.mark.parametrize("filename", ["a.txt", "a.docx", "a.xlsx", "a"])
def test_empty_file(filename: str) -> None:
    result = parse_policy_document(b"", filename)
    assert not result.ok
    assert result.errors[0].row is None
    assert f"文件「{filename}」为空" in messages(result)
    assert "为空" in parse_text_export("").errors[0].message


def test_too_large_checked_before_parsing() -> None:
    data = b"\t" * (MAX_DOCUMENT_BYTES + 1)
    result = parse_policy_document(data, "big.txt")
    assert not result.ok
    assert "过大" in messages(result) and "上限为 20 MB" in messages(result)
    assert parse_policy_document(b"PK\x03\x04" + data, "big.docx").errors[0].message.count("过大") == 1


RANDOM = random.Random(0).randbytes(4096)
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"


@pytest.mark.parametrize(
    ("data", "filename", "expected"),
    [
        (RANDOM, "random.txt", "不是有效的文本文件"),
        (RANDOM, "random", "不是可识别的文档"),
        (PNG, "photo.png", "不支持的文件类型「.png」"),
        (PNG, "分工表.xlsx", "内容是图片"),
        (PNG, "分工表.txt", "内容是图片"),
        (b"%PDF-1.7\n...", "分工表.docx", "内容是PDF 文件"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "分工表.doc", "另存为 .docx/.xlsx"),
        (b"plain text", "分工表.xlsx", "不是有效的Excel 表格（.xlsx）"),
    ],
)
def test_not_a_document(data: bytes, filename: str, expected: str) -> None:
    result = parse_policy_document(data, filename)
    assert not result.ok
    assert result.tasks == []
    assert expected in messages(result)
    assert all(e.row is None for e in result.errors)


def test_wrong_extension(source: ParseResult) -> None:
    xlsx = tasks_to_xlsx(source.tasks)
    result = parse_policy_document(xlsx, "分工表.docx")
    assert not result.ok
    assert "内容是Excel 表格（.xlsx），与扩展名「.docx」不符" in messages(result)
    # no extension: dispatch on content
    assert parse_policy_document(xlsx, "分工表").tasks == source.tasks


def test_xlsx_parser_rejects_non_xlsx() -> None:
    assert "不是有效的Excel 表格" in messages(parse_xlsx(PNG))
    assert "缺少 xl/workbook.xml" in messages(parse_xlsx(build_docx([])))
