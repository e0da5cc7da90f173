"""Importing rosters: every validation surfaces with row and field, existing children are updated
(and the update is shown first), the commit is all or nothing, scope holds, big files are fast."""

from __future__ import annotations

import csv
import datetime
import gc
import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from python_calamine import CalamineWorkbook

from shouhu.accounts.models import User
from shouhu.core.testing.dbstats import last_analyzed
from shouhu.registry import services
from shouhu.registry.exchange import bulk, commit, layout, layout_writing
from shouhu.registry.exchange.commit import ImportFailed, commit_file, queue_duplicates
from shouhu.registry.exchange.error_workbook import write_error_workbook
from shouhu.registry.exchange.format import parse_record, record_to_dict
from shouhu.registry.exchange.validation import validate_file
from shouhu.registry.models import Child, DuplicateCandidate
from shouhu.registry.selectors import situation_on
from shouhu.registry.services import today

from .example import EXAMPLE, example
from .io_helpers import id_number, register, varied_children, varied_lines, write_jsonl

pytestmark = pytest.mark.django_db
VILLAGE_B = "210522101201"


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return tmp_path


def run_import(path: Path, actor: User | None, fmt: str = "jsonl") -> tuple[Any, Any]:
    result = validate_file(path, fmt=fmt, actor=actor)
    assert result.ok, [str(e) for e in result.errors]
    outcome = commit_file(path, fmt=fmt, actor=actor, plan=result.plan(), as_of=result.as_of, source_name=path.name)
    return result, outcome


def write_xlsx(path: Path, rows: list[list[Any]], headers: list[str] | None = None) -> Path:
    import xlsxwriter

    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet(layout.SHEET_NAME)
    for c, header in enumerate(headers or layout.HEADERS):
        sheet.write_string(0, c, header)
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row):
            if value is None:
                continue
            if isinstance(value, str):
                sheet.write_string(r, c, value)
            else:
                sheet.write(r, c, value)
    workbook.close()
    return path


def layout_row(data: dict[str, Any], **cells: Any) -> list[Any]:
    row = layout_writing.dict_to_row(data)
    for header, value in cells.items():
        row[layout.HEADERS.index(header)] = value
    return row


# -- formats --------------------------------------------------------------------------


def test_a_jsonl_roster_registers_every_child(tmp_path: Path, personas: dict[str, User]) -> None:
    rows = list(varied_children(5))
    path = write_jsonl(tmp_path / "roster.jsonl", rows)
    result, outcome = run_import(path, personas["supervisor_a"])
    assert (result.rows, result.new, len(outcome.created)) == (5, 5, 5)
    child = services.find_by_id_number(rows[3]["id_number"])
    assert child is not None and record_to_dict(situation_on(child, today())) == rows[3]
    assert child.created_by == personas["supervisor_a"]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite keeps its planner heuristics (core/dbstats)")
@pytest.mark.parametrize(("threshold", "analyzed"), [(5, True), (6, False)])
def test_a_large_import_refreshes_the_planners_statistics(
    tmp_path: Path, personas: dict[str, User], monkeypatch: pytest.MonkeyPatch, threshold: int, analyzed: bool
) -> None:
    """The next screening is planned from statistics autovacuum may not have refreshed yet."""
    monkeypatch.setattr(commit, "ANALYZE_FROM_ROWS", threshold)
    before = last_analyzed("registry_circumstance")
    run_import(write_jsonl(tmp_path / "roster.jsonl", list(varied_children(5))), personas["supervisor_a"])
    assert (last_analyzed("registry_circumstance") != before) is analyzed


def test_the_template_has_the_layout_dropdowns_and_instructions(tmp_path: Path, personas: dict[str, User]) -> None:
    import zipfile

    from openpyxl import load_workbook

    template = tmp_path / "template.xlsx"
    layout_writing.write_template(str(template))
    workbook = CalamineWorkbook.from_path(str(template))
    assert workbook.sheet_names == [layout.SHEET_NAME, layout.INSTRUCTIONS_SHEET]
    assert next(workbook.get_sheet_by_name(layout.SHEET_NAME).iter_rows()) == list(layout.HEADERS)
    sheet_xml = zipfile.ZipFile(template).read("xl/worksheets/sheet1.xml").decode()
    assert '<dataValidation type="list"' in sheet_xml and "是,否" in sheet_xml and "服刑" in sheet_xml
    assert '<dataValidation type="date"' in sheet_xml
    instructions = [r[0] for r in workbook.get_sheet_by_name(layout.INSTRUCTIONS_SHEET).iter_rows()]
    assert all(h in instructions for h in layout.HEADERS)

    # Fill the template as a user would (in a spreadsheet program) and import it.
    book = load_workbook(template)
    sheet = book[layout.SHEET_NAME]
    sheet.append(layout_writing.dict_to_row(EXAMPLE))
    book.save(template)
    _result, outcome = run_import(template, personas["supervisor_a"], fmt="xlsx")
    child = Child.objects.get(pk=outcome.created[0])
    assert record_to_dict(situation_on(child, today())) == EXAMPLE


@pytest.mark.parametrize("encoding", ["gb18030", "utf-8-sig", "utf-8"])
def test_csv_in_gb18030_or_utf8(tmp_path: Path, personas: dict[str, User], encoding: str) -> None:
    other = example(
        id_number=None,
        no_id_reason="弃婴，尚未登记户口",
        name="李小红",
        sex="female",
        guardian=None,
        parents=[
            {"role": "father", "status": "lost_contact", "since": "2023-05-01"},
            {"role": "mother", "status": "not_recorded"},
        ],
    )
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(layout.HEADERS)
    for data in (EXAMPLE, other):
        writer.writerow([layout_writing.csv_value(v) for v in layout_writing.dict_to_row(data)])
    path = tmp_path / "roster.csv"
    path.write_bytes(buffer.getvalue().encode(encoding))
    _result, outcome = run_import(path, personas["caseworker"], fmt="csv")
    children = Child.objects.filter(pk__in=outcome.created).order_by("pk")
    assert [record_to_dict(situation_on(c, today())) for c in children] == [EXAMPLE, other]


def test_excel_habits_are_understood(tmp_path: Path, personas: dict[str, User]) -> None:
    """Dates typed as 2015/3/15 or 2015年3月15日, grades as 二级, codes stored as numbers."""
    row = layout_row(
        EXAMPLE, 出生日期="2015/3/15", 残疾等级="二级", 居住地区划代码=210522100201, 母亲状况起始="2024年1月1日"
    )
    path = write_xlsx(tmp_path / "habits.xlsx", [row])
    _result, outcome = run_import(path, personas["caseworker"], fmt="xlsx")
    assert record_to_dict(situation_on(Child.objects.get(pk=outcome.created[0]), today())) == EXAMPLE


# -- validation -----------------------------------------------------------------------

BAD_ROWS = [
    ("bad checksum", example(id_number="210522201503150016"), "id_number", "身份证号", "校验码错误"),
    ("impossible date", example(birth_date="2015-02-30"), "birth_date", "出生日期", "不是有效日期"),
    ("sex not matching the ID", example(sex="female"), "sex", "性别", "不一致"),
    ("birth date not matching the ID", example(birth_date="2015-03-16"), "birth_date", "出生日期", "不一致"),
    ("unknown region", example(region_code="210522999201"), "region_code", "居住地区划代码", "不存在"),
    ("missing no_id_reason", example(id_number=None), "id_number", "身份证号", "说明原因"),
]


def test_every_validation_surfaces_with_row_and_field_in_jsonl(tmp_path: Path, personas: dict[str, User]) -> None:
    good = next(varied_children(1))
    lines = [data for _, data, *_ in BAD_ROWS] + [example(nickname="小明"), good, "{not json"]
    result = validate_file(write_jsonl(tmp_path / "bad.jsonl", lines), fmt="jsonl", actor=personas["caseworker"])
    found = {(e.row, e.field.split("（")[0]): e.message for e in result.errors}
    for row, (_kind, _data, path, _header, text) in enumerate(BAD_ROWS, start=1):
        assert text in found[(row, path)], (row, path, found)
    assert "未知字段" in found[(7, "nickname")]
    assert "不是有效的 JSON" in found[(9, "(整行)")]
    assert result.error_rows == 8 and result.new == 1 and not result.ok
    assert next(e for e in result.errors if e.row == 2).field == "birth_date（出生日期）"


def test_every_validation_surfaces_with_row_and_column_in_xlsx(tmp_path: Path, personas: dict[str, User]) -> None:
    rows = [
        layout_row(EXAMPLE, 身份证号="210522201503150016"),
        layout_row(EXAMPLE, 出生日期="2015-02-30"),
        layout_row(EXAMPLE, 性别="女"),
        layout_row(EXAMPLE, 出生日期="2015-03-16"),
        layout_row(EXAMPLE, 居住地区划代码="210522999201"),
        layout_row(EXAMPLE, 身份证号=None),
        layout_row(EXAMPLE, 性别="未知", 低保="可能", 母亲状况="坐牢", 残疾等级=7),
    ]
    path = write_xlsx(tmp_path / "bad.xlsx", rows, headers=[*layout.HEADERS, "昵称"])
    result = validate_file(path, fmt="xlsx", actor=personas["caseworker"])
    found = {(e.row, e.field): e.message for e in result.errors}
    for row, (_kind, _data, _path, header, text) in enumerate(BAD_ROWS, start=2):
        assert text in found[(row, header)], (row, header, found)
    assert "未知列" in found[(1, "昵称")]
    assert "女 与身份证号中的性别（男）不一致" in found[(4, "性别")]
    assert {"性别", "低保", "母亲状况", "残疾等级"} <= {f for r, f in found if r == 8}
    assert "应为：男、女" in found[(8, "性别")]


def test_missing_columns_are_refused(tmp_path: Path, personas: dict[str, User]) -> None:
    headers = [h for h in layout.HEADERS if h != "低保"]
    row = [v for h, v in zip(layout.HEADERS, layout_writing.dict_to_row(EXAMPLE), strict=True) if h != "低保"]
    result = validate_file(write_xlsx(tmp_path / "m.xlsx", [row], headers), fmt="xlsx", actor=personas["caseworker"])
    assert [(e.row, e.field) for e in result.errors] == [(1, "表头")] and "低保" in result.errors[0].message


def test_an_id_number_twice_in_the_file_is_an_error(tmp_path: Path, personas: dict[str, User]) -> None:
    result = validate_file(write_jsonl(tmp_path / "d.jsonl", [EXAMPLE, EXAMPLE]), fmt="jsonl", actor=None)
    assert [(e.row, e.field, e.message) for e in result.errors] == [
        (2, "id_number（身份证号）", "与第 1 行的身份证号重复")
    ]


def test_50000_rows_with_3_bad_ones_write_nothing_and_report_exactly_3(
    tmp_path: Path, personas: dict[str, User]
) -> None:
    path = tmp_path / "big.jsonl"
    bad = {10_000: {"id_number": "210522201503150016"}, 25_000: {"birth_date": "2012-02-30"}, 49_999: {"sex": "x"}}
    with path.open("w", encoding="utf-8") as f:
        for i, line in enumerate(varied_lines(50_000)):
            if i in bad:
                line = json.dumps({**json.loads(line), **bad[i]}, ensure_ascii=False)
            f.write(line + "\n")
    out, err = io.StringIO(), io.StringIO()
    with (
        CaptureQueriesContext(connection) as queries,
        pytest.raises(CommandError, match="有 3 行有错误，未写入任何数据"),
    ):
        call_command("children", "import", str(path), "--as", "caseworker", stdout=out, stderr=err)
    assert len(queries) < 150, f"validation must not query per row ({len(queries)} queries)"
    assert "数据行：50000；新增：49997；更新：0；无变化：0；有错误的行：3" in out.getvalue()
    reported = [line for line in err.getvalue().splitlines() if line.startswith("第 ")]
    assert len(reported) == 3, reported
    assert reported[0].startswith("第 10001 行「id_number（身份证号）」")
    assert reported[1].startswith("第 25001 行「birth_date（出生日期）」：2012-02-30 不是有效日期")
    assert reported[2].startswith("第 50000 行「sex（性别）」")
    assert Child.objects.count() == 0


# -- updates, stale previews, all or nothing ------------------------------------------


def test_existing_children_are_updated_and_the_changes_shown_first(tmp_path: Path, personas: dict[str, User]) -> None:
    child = register(personas["caseworker"], EXAMPLE)
    same = next(varied_children(1))
    register(personas["caseworker"], same)
    changed = example(name="张晓明", household={"low_income": False}, migrant=True)
    newcomer = example(id_number=id_number(datetime.date(2016, 5, 1), 7), birth_date="2016-05-01")
    path = write_jsonl(tmp_path / "u.jsonl", [changed, same, newcomer])
    result = validate_file(path, fmt="jsonl", actor=personas["supervisor_a"])
    assert (result.new, len(result.updates), result.unchanged) == (1, 1, [2])
    update = result.updates[0]
    assert (update.row, update.child_id, update.version, update.masked) == (1, child.pk, 1, "2105**************")
    assert {(c["field"], c["before"], c["after"]) for c in update.changes} == {
        ("姓名", "张小明", "张晓明"),
        ("低保", "低保", "非低保"),
        ("随迁子女", "非随迁子女", "随迁子女"),
    }
    assert Child.objects.get(pk=child.pk).name == "张小明"  # nothing written by the preview
    outcome = commit_file(path, fmt="jsonl", actor=personas["supervisor_a"], plan=result.plan(), as_of=result.as_of)
    assert (len(outcome.created), outcome.updated) == (1, 1)
    child.refresh_from_db()
    assert (child.name, child.version) == ("张晓明", 2)
    assert Child.objects.count() == 3


def test_a_child_changed_since_the_preview_fails_the_whole_import(tmp_path: Path, personas: dict[str, User]) -> None:
    child = register(personas["caseworker"], EXAMPLE)
    path = write_jsonl(tmp_path / "s.jsonl", [*varied_children(3), example(migrant=True)])
    result = validate_file(path, fmt="jsonl", actor=personas["caseworker"])
    assert result.ok and len(result.updates) == 1
    record, _ = parse_record(example(left_behind=True))
    assert record is not None
    services.child_update(actor=personas["director_a"], child=child, record=record, expected_version=1)
    with pytest.raises(ImportFailed, match="第 4 行（张小明）的档案在预览后已被他人修改"):
        commit_file(path, fmt="jsonl", actor=personas["caseworker"], plan=result.plan(), as_of=result.as_of)
    assert Child.objects.count() == 1  # the three new children were not written either
    assert situation_on(Child.objects.get(), today()).migrant is False


def test_a_child_registered_since_the_preview_fails_the_whole_import(tmp_path: Path, personas: dict[str, User]) -> None:
    rows = list(varied_children(3))
    path = write_jsonl(tmp_path / "r.jsonl", rows)
    result = validate_file(path, fmt="jsonl", actor=None)
    register(personas["caseworker"], rows[2])
    with pytest.raises(ImportFailed, match=r"第 3 行（王子轩）：身份证号 .* 在预览后已被登记"):
        commit_file(path, fmt="jsonl", actor=None, plan=result.plan(), as_of=result.as_of)
    assert Child.objects.count() == 1


def test_the_collector_runs_less_often_while_rows_go_through(tmp_path: Path, personas: dict[str, User]) -> None:
    """`bulk.fewer_collections`: raised during the preview and the commit (`on_progress` is called
    inside), as before afterwards, also when the commit fails."""
    before = gc.get_threshold()
    rows = list(varied_children(1000))
    path = write_jsonl(tmp_path / "r.jsonl", rows)
    seen: list[int] = []

    def progress(_: int) -> None:
        seen.append(gc.get_threshold()[0])

    result = validate_file(path, fmt="jsonl", actor=None, on_progress=progress)
    assert gc.get_threshold() == before
    register(personas["caseworker"], rows[999])
    with pytest.raises(ImportFailed, match="在预览后已被登记"):
        commit_file(path, fmt="jsonl", actor=None, plan=result.plan(), as_of=result.as_of, on_progress=progress)
    assert gc.get_threshold() == before and before[0] != bulk.YOUNG_COLLECTION_EVERY
    assert seen == [bulk.YOUNG_COLLECTION_EVERY, before[0], bulk.YOUNG_COLLECTION_EVERY]
    assert Child.objects.count() == 1


def test_overlapping_imports_restore_the_threshold_once_both_are_done() -> None:
    before = gc.get_threshold()
    with bulk.fewer_collections():
        with bulk.fewer_collections():
            assert gc.get_threshold()[0] == bulk.YOUNG_COLLECTION_EVERY
        assert gc.get_threshold()[0] == bulk.YOUNG_COLLECTION_EVERY
    assert gc.get_threshold() == before


def test_changing_a_fact_twice_on_one_day_is_an_error_at_preview(tmp_path: Path, personas: dict[str, User]) -> None:
    register(personas["caseworker"], EXAMPLE, days_ago=0)  # registered today: 低保 open from today
    result = validate_file(
        write_jsonl(tmp_path / "t.jsonl", [example(household={"low_income": False})]), fmt="jsonl", actor=None
    )
    assert [(e.row, e.field) for e in result.errors] == [(1, "household.low_income（家庭）")]
    assert "必须晚于" in result.errors[0].message


# -- scope ----------------------------------------------------------------------------


def test_a_supervisor_cannot_import_into_another_township(tmp_path: Path, personas: dict[str, User]) -> None:
    in_b = example(region_code=VILLAGE_B, hukou_region_code=VILLAGE_B)
    other = next(varied_children(1))
    register(personas["caseworker"], dict(other, region_code=VILLAGE_B))
    path = write_jsonl(
        tmp_path / "scope.jsonl", [in_b, other, next(varied_children(1, start=datetime.date(2014, 1, 1)))]
    )
    result = validate_file(path, fmt="jsonl", actor=personas["supervisor_a"])
    found = {(e.row, e.field.split("（")[0]): e.message for e in result.errors}
    assert "普乐堡村（210522101201）不在您的辖区内" in found[(1, "region_code")]
    assert "辖区以外的儿童" in found[(2, "id_number")]
    assert result.new == 1 and result.error_rows == 2
    as_b = validate_file(path, fmt="jsonl", actor=personas["supervisor_b"])
    assert {e.row for e in as_b.errors} == {2, 3} and as_b.new == 1


def test_a_township_code_is_not_a_village(tmp_path: Path, personas: dict[str, User]) -> None:
    path = write_jsonl(tmp_path / "t.jsonl", [example(region_code="210522100000")])
    result = validate_file(path, fmt="jsonl", actor=None)
    assert "不是村（社区）" in result.errors[0].message


def test_roles_without_import_may_not(tmp_path: Path, personas: dict[str, User]) -> None:
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        validate_file(write_jsonl(tmp_path / "x.jsonl", [EXAMPLE]), fmt="jsonl", actor=personas["director_a"])


# -- the annotated error workbook -----------------------------------------------------


def test_errors_are_downloadable_as_an_annotated_workbook(tmp_path: Path, personas: dict[str, User]) -> None:
    from openpyxl import load_workbook

    rows = [layout_row(EXAMPLE), layout_row(next(varied_children(1)), 性别="未知", 出生日期="2009-02-30")]
    path = write_xlsx(tmp_path / "bad.xlsx", rows)
    result = validate_file(path, fmt="xlsx", actor=personas["caseworker"])
    assert {(e.row, e.field) for e in result.errors} == {(3, "性别"), (3, "出生日期")}
    out = tmp_path / "annotated.xlsx"
    write_error_workbook(path, fmt="xlsx", errors=[e.as_dict() for e in result.errors], out=str(out))
    sheet = CalamineWorkbook.from_path(str(out)).get_sheet_by_name(layout.SHEET_NAME)
    table = sheet.to_python()
    assert table[0] == [layout.ROW_HEADER, *layout.HEADERS, layout.ERROR_HEADER]
    assert [r[0] for r in table[1:]] == [2.0, 3.0]
    assert table[1][-1] == ""
    assert "「性别」「未知」无效" in str(table[2][-1]) and "「出生日期」2009-02-30 不是有效日期" in str(table[2][-1])
    assert table[2][1 + layout.HEADERS.index("姓名")] == "王浩宇"
    highlighted = load_workbook(out)[layout.SHEET_NAME]
    sex_cell = highlighted.cell(row=3, column=2 + layout.HEADERS.index("性别"))
    assert sex_cell.fill.fgColor.rgb.endswith("FFC7CE") and sex_cell.comment is not None
    name_cell = highlighted.cell(row=3, column=2 + layout.HEADERS.index("姓名"))
    assert not name_cell.fill.fgColor.rgb.endswith("FFC7CE")

    # The annotated workbook (extra 行号 and 错误 columns) can be fixed and uploaded again.
    fixed = tmp_path / "fixed.xlsx"
    book = load_workbook(out)
    ws = book[layout.SHEET_NAME]
    ws.cell(row=3, column=2 + layout.HEADERS.index("性别")).value = "男"
    ws.cell(row=3, column=2 + layout.HEADERS.index("出生日期")).value = "2009-01-01"
    book.save(fixed)
    assert validate_file(fixed, fmt="xlsx", actor=personas["caseworker"]).ok


def test_jsonl_errors_workbook_lists_bad_lines(tmp_path: Path, personas: dict[str, User]) -> None:
    path = write_jsonl(tmp_path / "b.jsonl", [EXAMPLE, example(sex="female")])
    result = validate_file(path, fmt="jsonl", actor=None)
    out = tmp_path / "errors.xlsx"
    write_error_workbook(path, fmt="jsonl", errors=[e.as_dict() for e in result.errors], out=str(out))
    table = CalamineWorkbook.from_path(str(out)).get_sheet_by_name("错误").to_python()
    assert table[1][:3] == [2.0, "sex（性别）", "female 与身份证号中的性别（男）不一致"]
    assert json.loads(str(table[1][3]))["sex"] == "female"


# -- after the commit -----------------------------------------------------------------


def test_duplicates_are_queued_for_the_new_children(tmp_path: Path, personas: dict[str, User]) -> None:
    register(personas["caseworker"], example(id_number=None, no_id_reason="尚未登记户口"))
    _result, outcome = run_import(write_jsonl(tmp_path / "dup.jsonl", [EXAMPLE]), None)
    queue_duplicates(outcome.created)
    assert DuplicateCandidate.objects.count() == 1


def test_cli_dry_run_and_commit(tmp_path: Path, personas: dict[str, User]) -> None:
    register(personas["caseworker"], EXAMPLE)
    path = write_jsonl(tmp_path / "c.jsonl", [example(migrant=True), *varied_children(2)])
    out = io.StringIO()
    call_command("children", "import", str(path), "--dry-run", stdout=out)
    text = out.getvalue()
    assert "数据行：3；新增：2；更新：1" in text and "随迁子女：非随迁子女 → 随迁子女" in text and "未写入" in text
    assert Child.objects.count() == 1
    out = io.StringIO()
    call_command("children", "import", str(path), "--as", "supervisor_a", stdout=out)
    assert "已导入：新增 2 名，更新 1 名" in out.getvalue()
    assert Child.objects.count() == 3
    outside = write_jsonl(tmp_path / "b.jsonl", [example(region_code=VILLAGE_B, hukou_region_code=None)])
    with pytest.raises(CommandError, match="有 1 行有错误"):
        call_command(
            "children", "import", str(outside), "--as", "supervisor_a", stdout=io.StringIO(), stderr=io.StringIO()
        )
    with pytest.raises(CommandError, match="您没有执行此操作的权限"):
        call_command("children", "import", str(path), "--as", "director_a", stdout=io.StringIO())
