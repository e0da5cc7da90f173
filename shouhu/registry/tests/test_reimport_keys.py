"""Export → edit → import updates the same children, those without an ID number included: each
exported row carries its record's 登记编号, which the import matches (within what the importer may
edit); a key of another county, of a record outside the importer's jurisdiction or twice in the
file is an error naming the row."""

from __future__ import annotations

import datetime
import io
import json
from pathlib import Path
from typing import Any

import pytest
import xlsxwriter
from python_calamine import CalamineWorkbook

from shouhu.accounts.models import User
from shouhu.accounts.personas import VILLAGE_A, VILLAGE_B
from shouhu.registry.exchange import layout
from shouhu.registry.exchange.commit import commit_file
from shouhu.registry.exchange.exporting import export_children
from shouhu.registry.exchange.validation import validate_file
from shouhu.registry.identity import mask_id_number
from shouhu.registry.models import Child, Kind
from shouhu.registry.record_keys import record_key

from .example import example
from .io_helpers import id_number, register

pytestmark = pytest.mark.django_db
NO_ID = {"id_number": None, "no_id_reason": "弃婴，尚未登记户口"}


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return tmp_path


def export(actor: User | None, fmt: str) -> bytes:
    out = io.BytesIO()
    export_children(actor=actor, fmt=fmt, out=out)
    return out.getvalue()


def lines(jsonl: bytes) -> list[dict[str, Any]]:
    return [json.loads(line) for line in jsonl.decode().splitlines()]


def write_lines(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def reimport(path: Path, actor: User | None, fmt: str = "jsonl") -> Any:
    result = validate_file(path, fmt=fmt, actor=actor)
    if result.ok:
        commit_file(path, fmt=fmt, actor=actor, plan=result.plan(), as_of=result.as_of)
    return result


def foundlings(actor: User) -> tuple[Child, Child]:
    a = register(actor, example(name="无名男婴", birth_date="2025-01-02", **NO_ID))
    b = register(actor, example(name="无名女婴", sex="female", birth_date="2025-01-02", **NO_ID))
    return a, b


def test_every_exported_row_carries_its_record_key(personas: dict[str, User]) -> None:
    a, b = foundlings(personas["caseworker"])
    keys = [row["record_key"] for row in lines(export(None, "jsonl"))]
    assert (
        keys == [record_key("210522", a.pk), record_key("210522", b.pk)] == [f"210522-{a.pk:08d}", f"210522-{b.pk:08d}"]
    )
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(export(None, "xlsx"))).get_sheet_by_name(layout.SHEET_NAME)
    header, *rows = sheet.to_python()
    assert header[-1] == "登记编号" and [r[-1] for r in rows] == keys


def test_children_without_id_number_are_updated_not_duplicated_jsonl(tmp_path: Path, personas: dict[str, User]) -> None:
    a, b = foundlings(personas["caseworker"])
    rows = lines(export(None, "jsonl"))
    rows[0]["name"] = "王念恩"  # named since
    rows[1]["household"]["low_income"] = False
    result = reimport(write_lines(tmp_path / "edited.jsonl", rows), personas["caseworker"])
    assert result.ok and result.new == 0, [str(e) for e in result.errors]
    assert sorted(u.child_id for u in result.updates) == [a.pk, b.pk]
    assert Child.objects.count() == 2
    a.refresh_from_db()
    assert a.name == "王念恩" and a.name_pinyin == "wangnianen"
    assert not b.circumstances.filter(kind=Kind.LOW_INCOME, valid_to__isnull=True).exists()


def test_children_without_id_number_are_updated_not_duplicated_xlsx(tmp_path: Path, personas: dict[str, User]) -> None:
    a, _b = foundlings(personas["caseworker"])
    header, *rows = (
        CalamineWorkbook.from_filelike(io.BytesIO(export(None, "xlsx")))
        .get_sheet_by_name(layout.SHEET_NAME)
        .to_python()
    )
    rows[0][header.index("姓名")] = "王念恩"
    path = tmp_path / "edited.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet(layout.SHEET_NAME)
    for r, row in enumerate([header, *rows]):
        for c, value in enumerate(row):
            sheet.write_string(r, c, str(value)) if isinstance(value, str) else sheet.write(r, c, value)
    book.close()
    result = reimport(path, personas["caseworker"], "xlsx")
    assert result.ok and result.new == 0 and [u.child_id for u in result.updates] == [a.pk]
    assert Child.objects.count() == 2 and Child.objects.get(pk=a.pk).name == "王念恩"


def test_an_id_number_found_later_is_added_to_the_keyed_record(tmp_path: Path, personas: dict[str, User]) -> None:
    a, _b = foundlings(personas["caseworker"])
    rows = lines(export(None, "jsonl"))
    number = id_number(datetime.date(2025, 1, 2), 5)
    rows[0].update(id_number=number, no_id_reason=None)
    result = reimport(write_lines(tmp_path / "x.jsonl", rows), personas["caseworker"])
    assert result.ok, [str(e) for e in result.errors]
    assert result.updates[0].changes[0] == {"field": "身份证号", "before": "无", "after": mask_id_number(number)}
    a.refresh_from_db()
    assert a.id_number == number and Child.objects.count() == 2


def test_a_file_without_the_key_column_still_imports(tmp_path: Path, personas: dict[str, User]) -> None:
    header, *rows = (
        CalamineWorkbook.from_filelike(io.BytesIO(export(None, "xlsx")))
        .get_sheet_by_name(layout.SHEET_NAME)
        .to_python()
    )
    assert rows == [] and header[-1] == "登记编号"
    path = tmp_path / "old.csv"
    path.write_text(",".join(layout.HEADERS[:-1]) + "\n", encoding="utf-8")
    result = validate_file(path, fmt="csv", actor=personas["caseworker"])
    assert not [e for e in result.errors if "缺少列" in e.message]


def test_keys_of_another_county_outside_the_jurisdiction_or_twice_are_errors_naming_the_row(
    tmp_path: Path, personas: dict[str, User]
) -> None:
    caseworker = personas["caseworker"]
    a = register(caseworker, example(name="无名男婴", birth_date="2025-01-02", **NO_ID))
    other = register(
        caseworker, example(name="无名女婴", sex="female", birth_date="2025-01-02", region_code=VILLAGE_B, **NO_ID)
    )
    rows = lines(export(None, "jsonl"))
    mine = next(r for r in rows if r["region_code"] == VILLAGE_A)
    theirs = next(r for r in rows if r["region_code"] == VILLAGE_B)
    rows = [
        mine,
        {**mine, "record_key": "210101-" + mine["record_key"][7:]},  # another county's system
        {**theirs, "region_code": VILLAGE_A},  # a record of 普乐堡镇, for a supervisor of 桓仁镇
        dict(mine),  # the same key again
        {**mine, "record_key": "第一号"},
        {**mine, "record_key": f"210522-{other.pk + 1000:08d}"},  # no such record: the same words
    ]
    result = validate_file(write_lines(tmp_path / "k.jsonl", rows), fmt="jsonl", actor=personas["supervisor_a"])
    by_row = {e.row: str(e) for e in result.errors}
    assert set(by_row) == {2, 3, 4, 5, 6}, by_row
    assert "是其他县（区）系统的登记编号" in by_row[2] and "record_key（登记编号）" in by_row[2]
    assert "不在您的辖区内或不存在" in by_row[3] and "不在您的辖区内或不存在" in by_row[6]
    assert "与第 1 行的登记编号重复" in by_row[4]
    assert "不是系统导出的登记编号" in by_row[5]
    assert "无名女婴" not in " ".join(by_row.values())  # nothing about the other township's child
    assert Child.objects.count() == 2 and Child.objects.get(pk=a.pk).region_code == VILLAGE_A


def test_a_keyed_row_cannot_take_another_childs_id_number(tmp_path: Path, personas: dict[str, User]) -> None:
    caseworker = personas["caseworker"]
    register(caseworker, example())  # 210522201503150015
    foundlings(caseworker)
    rows = [r for r in lines(export(None, "jsonl")) if r["id_number"] is None]
    rows[0].update(id_number="210522201503150015", no_id_reason=None, birth_date="2015-03-15")
    result = validate_file(write_lines(tmp_path / "k.jsonl", rows), fmt="jsonl", actor=caseworker)
    assert [str(e) for e in result.errors] == ["第 1 行「id_number（身份证号）」：该身份证号已属于另一名儿童"]
