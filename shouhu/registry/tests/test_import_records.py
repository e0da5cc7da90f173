"""The import's fast path: the preview's sealed records reused by the commit only when safe, the
commit's own checks still done on them, batches written in one transaction, and .xlsx sheets
read a fragment at a time exactly as when read whole."""

from __future__ import annotations

import datetime
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from python_calamine import CalamineWorkbook

from shouhu.accounts.models import User
from shouhu.core.models import AuditEvent
from shouhu.regions.models import Region
from shouhu.registry.exchange import layout, layout_reading, layout_writing, sealed_records, xlsx_reader
from shouhu.registry.exchange.commit import ImportFailed, commit_file
from shouhu.registry.exchange.format import ChildRecord, parse_record, record_to_dict
from shouhu.registry.exchange.runs import (
    import_run_commit,
    import_run_confirm,
    import_run_create,
    import_run_validate,
    records_path,
)
from shouhu.registry.exchange.validation import validate_file
from shouhu.registry.generator import ChildGenerator, ensure_villages
from shouhu.registry.models import Child, ImportState
from shouhu.registry.selectors import situation_on
from shouhu.registry.services import find_by_id_number, today

from .example import EXAMPLE, example
from .io_helpers import register, varied_children, varied_lines, write_jsonl

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return tmp_path


def write_xlsx(path: Path, rows: list[dict[str, Any]]) -> Path:
    writer = layout_writing.LayoutWriter(str(path))
    for row in rows:
        writer.write_row(layout_writing.dict_to_row(row))
    writer.close()
    return path


def preview(path: Path, fmt: str, actor: User | None, records: Path) -> Any:
    result = validate_file(path, fmt=fmt, actor=actor, records=records)
    assert result.ok, [str(e) for e in result.errors]
    return result


def on_record(number: str) -> dict[str, Any]:
    child = find_by_id_number(number)
    assert child is not None
    return record_to_dict(situation_on(child, today()))


def frame_starts(raw: bytes) -> list[int]:
    starts, at = [], len(sealed_records.MAGIC)
    while at < len(raw):
        starts.append(at)
        at += 4 + int.from_bytes(raw[at : at + 4], "big")
    return starts


# -- the records file ---------------------------------------------------------------------


def test_records_survive_packing_field_for_field() -> None:
    generated = list(ChildGenerator(seed=7, villages=ensure_villages(), today=datetime.date(2026, 1, 15)).records(300))
    objects = [json.loads(line) for line in varied_lines(50)]
    objects.append(example(id_number=None, no_id_reason="弃婴，尚未登记户口", hukou_region_code=None))
    parsed = [parse_record(obj)[0] for obj in objects]
    records: list[ChildRecord] = [*generated, *(r for r in parsed if r is not None)]
    assert any(r.parents and r.parents[0].since for r in records) and any(r.disability for r in records)
    assert any(r.guardian for r in records) and any(r.id_number is None for r in records)
    assert [sealed_records.unpack(sealed_records.pack(r)) for r in records] == records


def test_the_commit_writes_the_preview_records_and_they_are_sealed(tmp_path: Path, personas: dict[str, User]) -> None:
    rows = list(varied_children(5))
    path = write_xlsx(tmp_path / "roster.xlsx", rows)
    kept = tmp_path / "roster.records"
    result = preview(path, "xlsx", personas["supervisor_a"], kept)
    raw = kept.read_bytes()
    assert rows[0]["id_number"].encode() not in raw and rows[0]["name"].encode() not in raw  # encrypted
    outcome = commit_file(
        path, fmt="xlsx", actor=personas["supervisor_a"], plan=result.plan(), as_of=result.as_of, records=kept
    )
    assert outcome.from_preview and len(outcome.created) == 5
    assert [on_record(r["id_number"]) for r in rows] == rows


def test_a_file_changed_after_the_preview_is_read_and_checked_again(tmp_path: Path, personas: dict[str, User]) -> None:
    rows = list(varied_children(4))
    path = write_jsonl(tmp_path / "r.jsonl", rows)
    kept = tmp_path / "r.records"
    result = preview(path, "jsonl", None, kept)
    write_jsonl(path, [*rows[:3], dict(rows[3], sex="x")])  # same rows, the last one now invalid
    with pytest.raises(ImportFailed, match="第 4 行：「sex（性别）」取值 'x' 无效"):
        commit_file(path, fmt="jsonl", actor=None, plan=result.plan(), as_of=result.as_of, records=kept)
    assert Child.objects.count() == 0
    # A valid change is not taken from the preview either: what is written is what the file says now.
    write_jsonl(path, [*rows[:3], dict(rows[3], name="周改名")])
    outcome = commit_file(path, fmt="jsonl", actor=None, plan=result.plan(), as_of=result.as_of, records=kept)
    assert not outcome.from_preview and on_record(rows[3]["id_number"])["name"] == "周改名"


@pytest.mark.parametrize("damage", ["flip", "cut", "other_day", "other_user", "other_key"])
def test_records_that_do_not_match_are_not_used(
    tmp_path: Path, personas: dict[str, User], settings: Any, damage: str
) -> None:
    rows = list(varied_children(3))
    path = write_jsonl(tmp_path / "d.jsonl", rows)
    kept = tmp_path / "d.records"
    actor = personas["caseworker"]
    result = preview(path, "jsonl", actor, kept)
    as_of = result.as_of
    raw = kept.read_bytes()
    if damage == "flip":
        kept.write_bytes(raw[:-40] + bytes([raw[-40] ^ 1]) + raw[-39:])
    elif damage == "cut":  # the last frame (the frame count) dropped
        kept.write_bytes(raw[: frame_starts(raw)[-1]])
    elif damage == "other_day":
        as_of = as_of - datetime.timedelta(days=1)
    elif damage == "other_user":
        actor = personas["supervisor_a"]
    else:
        settings.ENCRYPTION_OLD_KEYS = [settings.ENCRYPTION_KEY]
        settings.ENCRYPTION_KEY = "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVowMTIzNDU="
    outcome = commit_file(path, fmt="jsonl", actor=actor, plan=result.plan(), as_of=as_of, records=kept)
    assert not outcome.from_preview and len(outcome.created) == 3
    assert [on_record(r["id_number"]) for r in rows] == rows


def test_the_commit_checks_the_jurisdiction_again(tmp_path: Path, personas: dict[str, User]) -> None:
    supervisor = personas["supervisor_a"]
    path = write_jsonl(tmp_path / "j.jsonl", list(varied_children(3)))
    kept = tmp_path / "j.records"
    result = preview(path, "jsonl", supervisor, kept)
    home = supervisor.region
    supervisor.region = Region.objects.get(code="210522101000")  # moved to another township since
    supervisor.save()
    try:
        with pytest.raises(ImportFailed, match=r"第 1 行：「region_code（居住地区划代码）」.*不在您的辖区内"):
            commit_file(path, fmt="jsonl", actor=supervisor, plan=result.plan(), as_of=result.as_of, records=kept)
    finally:
        supervisor.region = home
        supervisor.save()
    assert Child.objects.count() == 0


def test_batches_are_all_or_nothing_with_the_problem_in_the_last_one(tmp_path: Path, personas: dict[str, User]) -> None:
    rows = list(varied_children(7))
    path = write_xlsx(tmp_path / "b.xlsx", rows)
    kept = tmp_path / "b.records"
    result = preview(path, "xlsx", None, kept)
    register(personas["caseworker"], rows[6])  # the last row's child, registered since the preview
    audits = AuditEvent.objects.count()
    with pytest.raises(ImportFailed, match=r"第 8 行（.*）：身份证号 .* 在预览后已被登记"):
        commit_file(path, fmt="xlsx", actor=None, plan=result.plan(), as_of=result.as_of, records=kept, batch_size=2)
    assert Child.objects.count() == 1  # three batches of two were written, then all rolled back
    assert AuditEvent.objects.count() == audits


def test_an_import_run_keeps_its_records_until_the_commit(personas: dict[str, User]) -> None:
    text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in [EXAMPLE, *varied_children(2)])
    actor = personas["supervisor_a"]
    run = import_run_create(actor=actor, upload=SimpleUploadedFile("r.jsonl", text.encode()), filename="r.jsonl")
    run = import_run_validate(run)
    assert run.state == ImportState.PREVIEWED and records_path(run).is_file()
    run = import_run_commit(import_run_confirm(actor=actor, run=run))
    assert run.state == ImportState.DONE and run.new_count == 3
    assert not records_path(run).exists()


def test_a_preview_with_errors_keeps_no_records(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "e.jsonl", [EXAMPLE, example(sex="female")])
    kept = tmp_path / "e.records"
    assert not validate_file(path, fmt="jsonl", actor=None, records=kept).ok
    assert not kept.exists()


# -- reading .xlsx a fragment at a time ---------------------------------------------------


def odd_workbook(path: Path, *, shared_strings: bool) -> Path:
    """Data from row 3 and column B on, an empty row in the middle, dates, numbers, booleans,
    text with XML's special characters; shared strings (as Excel saves) or inline strings."""
    import xlsxwriter

    workbook = xlsxwriter.Workbook(str(path), {"constant_memory": not shared_strings})
    sheet = workbook.add_worksheet("名单")
    day = workbook.add_format({"num_format": "yyyy-mm-dd"})
    sheet.write_row(2, 1, ["姓名", "日期", "数", "是否", "备注"])
    for i in range(300):
        r = 3 + i + (i >= 150)  # row 154 (1-based) stays empty
        sheet.write_string(r, 1, f"张{i}")
        sheet.write_datetime(r, 2, datetime.datetime(2015, 1, 1) + datetime.timedelta(days=i), day)  # noqa: DTZ001
        sheet.write_number(r, 3, i * 1.5)
        sheet.write_boolean(r, 4, i % 2 == 0)
        if i % 7 == 0:
            sheet.write_string(r, 5, 'a<b & c>"d"')
    workbook.close()
    return path


@pytest.mark.parametrize("shared_strings", [False, True])
def test_a_sheet_read_in_fragments_equals_the_sheet_read_whole(tmp_path: Path, shared_strings: bool) -> None:
    path = str(odd_workbook(tmp_path / "odd.xlsx", shared_strings=shared_strings))

    def filled(rows: Any) -> list[tuple[int, list[Any]]]:  # empty rows may come out or not
        return [(n, cells) for n, cells in rows if any(v not in ("", None) for v in cells)]

    whole = filled(xlsx_reader.iter_sheet(path, "名单"))
    pieces = filled(xlsx_reader.iter_sheet(path, "名单", fragment_bytes=2048, whole_bytes=0))
    assert pieces == whole
    numbers = [n for n, _ in whole]
    assert numbers[0] == 3 and 154 not in numbers and numbers[-1] == 304 and len(numbers) == 301
    first = dict(whole)[4]  # the first data row
    assert first == [None, "张0", datetime.date(2015, 1, 1), 0.0, True, 'a<b & c>"d"']
    expected = CalamineWorkbook.from_path(path).get_sheet_by_name("名单").to_python()
    assert [cells[1:] for _, cells in whole] == [r for r in expected if any(v != "" for v in r)]


def test_a_roster_below_an_empty_first_row_imports_with_its_row_numbers(tmp_path: Path) -> None:
    import xlsxwriter

    path = tmp_path / "low.xlsx"
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet(layout.SHEET_NAME)
    sheet.write_row(2, 0, layout.HEADERS)
    sheet.write_row(3, 0, [str(v) if isinstance(v, datetime.date) else v for v in layout_writing.dict_to_row(EXAMPLE)])
    bad = layout_writing.dict_to_row(next(varied_children(1)))
    bad[layout.HEADERS.index("性别")] = "未知"
    sheet.write_row(4, 0, [str(v) if isinstance(v, datetime.date) else v for v in bad])
    workbook.close()
    result = validate_file(path, fmt="xlsx", actor=None)
    assert [(e.row, e.field) for e in result.errors] == [(5, "性别")]


def test_the_fast_row_reader_agrees_with_row_to_dict() -> None:
    odd = [None, "", " ", "是", "否", "YES", "n", "1", 1.0, 0.0, 2.0, 5, True, False, "男", "female", "x", "重残",
           "severe_disability", "2015-03-04", "2015/3/4", "20150304", 42000.0, datetime.date(2015, 3, 4),
           datetime.datetime(2015, 3, 4, 10, 30), "4级",  # noqa: DTZ001 "三", "1.1E+17", "1.1e+17", 2.10522e17, " 210522100203 ",
           "爷爷", "其他亲属", "小学", "视力残疾", "=cmd()"]  # fmt: skip
    index = {h: i for i, h in enumerate(layout.HEADERS)}
    reader = layout_reading.RowReader(index)
    base = layout_writing.dict_to_row(EXAMPLE)
    checked = 0
    for column in range(len(layout.HEADERS)):
        for value in odd:
            cells = list(base)
            cells[column] = value
            fast = reader.read(cells)
            slow = layout_reading.row_to_dict(dict(zip(layout.HEADERS, cells, strict=True)))
            assert (fast.obj, fast.errors, fast.parent_roles) == (slow.obj, slow.errors, slow.parent_roles), (
                layout.HEADERS[column],
                value,
            )
            checked += 1
    assert checked == len(odd) * len(layout.HEADERS)
    short = reader.read(base[:5])  # a row cut short reads as empty cells
    assert short.obj == layout_reading.row_to_dict(dict(zip(layout.HEADERS[:5], base[:5], strict=True))).obj


def test_repeated_id_numbers_name_their_first_row(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from shouhu.registry.exchange import validation

    monkeypatch.setattr(validation._SeenNumbers, "REPEATS_BEFORE_INDEX", 2)  # also past the switch to a dict
    rows = list(varied_children(3))
    path = write_jsonl(tmp_path / "twice.jsonl", [*rows, rows[1], rows[0], rows[2], rows[1]])
    result = validate_file(path, fmt="jsonl", actor=None)
    assert [(e.row, e.message) for e in result.errors] == [
        (4, "与第 2 行的身份证号重复"),
        (5, "与第 1 行的身份证号重复"),
        (6, "与第 3 行的身份证号重复"),
        (7, "与第 2 行的身份证号重复"),
    ]


def test_rows_without_their_numbers_are_read_whole(tmp_path: Path) -> None:
    import re
    import zipfile

    source = odd_workbook(tmp_path / "numbered.xlsx", shared_strings=False)
    bare = tmp_path / "bare.xlsx"
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(bare, "w", zipfile.ZIP_DEFLATED) as new:
        for item in old.infolist():
            data = old.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":  # some writers leave out r= on rows and cells
                data = re.sub(rb'<(row|c) r="[A-Z]*\d+"', rb"<\1", data)
            new.writestr(item, data)
    pieces = list(xlsx_reader.iter_sheet(str(bare), "名单", fragment_bytes=2048, whole_bytes=0))
    assert pieces == list(xlsx_reader.iter_sheet(str(bare), "名单")) and len(pieces) > 300
