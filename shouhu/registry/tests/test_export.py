"""Exporting: what the user may see, deterministic, audited, formulas neutralised; and the round
trip export → import into an empty registry → export gives identical files."""

from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from python_calamine import CalamineWorkbook

from shouhu.accounts.models import User
from shouhu.core.models import AuditEvent
from shouhu.registry.exchange import layout, layout_writing
from shouhu.registry.exchange.commit import commit_file
from shouhu.registry.exchange.exporting import export_children
from shouhu.registry.exchange.validation import validate_file
from shouhu.registry.models import Child

from .example import EXAMPLE, example
from .io_helpers import register, varied_children

pytestmark = pytest.mark.django_db
VILLAGE_B = "210522101201"
ROSTER = [
    EXAMPLE,
    example(
        id_number=None,
        no_id_reason="弃婴，尚未登记户口",
        name="李小红",
        sex="female",
        birth_date="2024-06-01",
        household={"low_income": False, "extreme_poverty": True, "temporary_hardship": True},
        parents=[
            {"role": "father", "status": "unknown"},
            {"role": "mother", "status": "lost_contact", "since": "2024-06-02"},
        ],
        guardian=None,
        disability=None,
        schooling={"stage": "none", "enrolled": False},
        living_arrangement="institution",
        safety={"abuse": False, "neglect": True, "abandoned": True},
    ),
    example(
        id_number=None,
        no_id_reason="未落户",
        name="王=1+1",
        sex="female",
        birth_date="2020-02-29",
        region_code=VILLAGE_B,
        hukou_region_code=None,
        parents=[
            {"role": "father", "status": "severe_disability", "disability_type": "intellectual", "disability_grade": 3}
        ],
        guardian={"relationship": "邻居", "able": False},
        serious_illness=True,
        migrant=True,
        left_behind=True,
        schooling={"stage": "preschool", "enrolled": False},
        disability={"type": "autism", "grade": 4},
    ),
    # Not recorded (exchange format v2): no guardian key, no schooling, no parents …
    {
        k: v
        for k, v in example(
            id_number=None, no_id_reason="未落户", name="赵未填", parents=[], schooling=None, hukou_region_code=None
        ).items()
        if k != "guardian"
    },
    # … and a guardian's ability and school attendance not recorded beside recorded facts.
    example(
        id_number=None,
        no_id_reason="未落户",
        name="钱小雨",
        sex="female",
        parents=[{"role": "mother", "status": "unknown"}],
        guardian={"relationship": "grandparent", "able": None},
        schooling={"stage": "primary", "enrolled": None},
    ),
    *varied_children(4),
]


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return tmp_path


def export(actor: User | None, fmt: str, region: str = "") -> bytes:
    out = io.BytesIO()
    export_children(actor=actor, fmt=fmt, out=out, region_code=region)
    return out.getvalue()


def import_file(path: Path, fmt: str) -> None:
    result = validate_file(path, fmt=fmt, actor=None)
    assert result.ok, [str(e) for e in result.errors]
    commit_file(path, fmt=fmt, actor=None, plan=result.plan(), as_of=result.as_of)


def without_keys(jsonl: bytes) -> bytes:
    """The lines without their 登记编号 (the record ids of the registry that exported them)."""
    lines = [json.loads(line) for line in jsonl.decode().splitlines()]
    return "".join(
        json.dumps({k: v for k, v in d.items() if k != "record_key"}, ensure_ascii=False) + "\n" for d in lines
    ).encode()


def sheet_without_keys(xlsx: bytes) -> list[list[Any]]:
    rows = CalamineWorkbook.from_filelike(io.BytesIO(xlsx)).get_sheet_by_name(layout.SHEET_NAME).to_python()
    return [row[:-1] for row in rows]  # 登记编号 is the last column


def test_export_import_export_gives_identical_files(tmp_path: Path, personas: dict[str, User]) -> None:
    for data in ROSTER:
        register(personas["caseworker"], data)
    jsonl, xlsx = export(None, "jsonl"), export(None, "xlsx")
    assert jsonl.count(b"\n") == len(ROSTER)
    assert b'"status": "not_recorded"' in jsonl and "未填写".encode() not in jsonl

    # Into the same registry: every row names its record, nothing is new or changed.
    for name, content, fmt in (("a.jsonl", jsonl, "jsonl"), ("a.xlsx", xlsx, "xlsx")):
        (tmp_path / name).write_bytes(content)
        result = validate_file(tmp_path / name, fmt=fmt, actor=None)
        assert result.ok and result.new == 0 and not result.updates and len(result.unchanged) == len(ROSTER)
    assert export(None, "jsonl") == jsonl and export(None, "xlsx") == xlsx

    # Into an empty registry (the keys left out: they name the old registry's records).
    Child.objects.all().delete()
    (tmp_path / "b.jsonl").write_bytes(without_keys(jsonl))
    import_file(tmp_path / "b.jsonl", "jsonl")
    assert without_keys(export(None, "jsonl")) == without_keys(jsonl)
    assert sheet_without_keys(export(None, "xlsx")) == sheet_without_keys(xlsx)


def test_the_workbook_has_the_layout_and_chinese_values(personas: dict[str, User]) -> None:
    register(personas["caseworker"], EXAMPLE)
    path = Path(__file__).parent / "_export_test.xlsx"
    try:
        path.write_bytes(export(None, "xlsx"))
        rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name(layout.SHEET_NAME).to_python()
    finally:
        path.unlink(missing_ok=True)
    assert rows[0] == list(layout.HEADERS)
    values = dict(zip(layout.HEADERS, rows[1], strict=True))
    assert (values["姓名"], values["性别"], values["低保"], values["母亲状况"], values["残疾类别"]) == (
        "张小明",
        "男",
        "是",
        "服刑",
        "听力残疾",
    )
    assert values["身份证号"] == "210522201503150015" and str(values["出生日期"]) == "2015-03-15"


def test_export_neutralises_formulas(personas: dict[str, User]) -> None:
    register(personas["caseworker"], example(name="=cmd()", id_number=None, no_id_reason="@SUM(1)"))
    data = export(None, "xlsx")
    archive = zipfile.ZipFile(io.BytesIO(data))
    sheet = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet
    assert re.search(r'<c r="A2"[^>]* t="inlineStr"><is><t>=cmd\(\)</t>', sheet)
    path = Path(__file__).parent / "_formula_test.xlsx"
    try:
        path.write_bytes(data)
        row = CalamineWorkbook.from_path(str(path)).get_sheet_by_name(layout.SHEET_NAME).to_python()[1]
    finally:
        path.unlink(missing_ok=True)
    assert row[0] == "=cmd()" and row[layout.HEADERS.index("无身份证号原因")] == "@SUM(1)"
    assert layout_writing.csv_value("=cmd()") == "'=cmd()" and layout_writing.csv_value("-1") == "'-1"


def test_export_is_what_the_user_may_see_and_is_audited(personas: dict[str, User]) -> None:
    register(personas["caseworker"], EXAMPLE)
    register(personas["caseworker"], example(id_number=None, no_id_reason="未落户", region_code=VILLAGE_B))
    assert export(personas["supervisor_a"], "jsonl").count(b"\n") == 1
    assert export(personas["supervisor_b"], "jsonl").count(b"\n") == 1
    assert export(personas["caseworker"], "jsonl").count(b"\n") == 2
    assert export(personas["caseworker"], "jsonl", region=VILLAGE_B).count(b"\n") == 1
    event = AuditEvent.objects.filter(action="children.export").first()
    assert event is not None and event.actor == personas["caseworker"]
    assert event.detail["count"] == 1 and event.detail["region"] == VILLAGE_B and event.detail["format"] == "jsonl"
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        export(personas["director_a"], "jsonl")


def test_export_in_the_ui(login: Any, personas: dict[str, User]) -> None:
    register(personas["caseworker"], EXAMPLE)
    register(personas["caseworker"], example(id_number=None, no_id_reason="未落户", region_code=VILLAGE_B))
    client: Client = login("supervisor_a")
    page = client.get("/children/io/export/")
    assert page.status_code == 200 and "导出儿童名单" in page.content.decode()
    response = client.get("/children/io/export/?format=jsonl")
    assert response.status_code == 200 and response["X-Export-Count"] == "1"
    assert b"".join(response.streaming_content).decode().count("张小明") == 1  # type: ignore[attr-defined]
    xlsx = client.get("/children/io/export/?format=xlsx&region=210522100201")
    assert xlsx.status_code == 200 and xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
    assert client.get("/children/io/export/?format=jsonl&region=210522101201").status_code == 404
    assert AuditEvent.objects.filter(action="children.export", actor=personas["supervisor_a"]).count() == 2
    assert login("director_a").get("/children/io/export/?format=jsonl").status_code == 403


def test_cli_export(tmp_path: Path, personas: dict[str, User]) -> None:
    register(personas["caseworker"], EXAMPLE)
    register(personas["caseworker"], example(id_number=None, no_id_reason="未落户", region_code=VILLAGE_B))
    out = io.StringIO()
    call_command("children", "export", "--format", "jsonl", stdout=out, stderr=io.StringIO())
    assert out.getvalue().encode() == export(None, "jsonl") and out.getvalue().count("\n") == 2
    out = io.StringIO()
    call_command("children", "export", "--as", "supervisor_b", stdout=out, stderr=io.StringIO())
    assert out.getvalue().count("\n") == 1 and "210522101201" in out.getvalue()
    target = tmp_path / "out.xlsx"
    call_command(
        "children",
        "export",
        "--format",
        "xlsx",
        "--region",
        "210522100000",
        "--output",
        str(target),
        stderr=io.StringIO(),
    )
    assert len(CalamineWorkbook.from_path(str(target)).get_sheet_by_name(layout.SHEET_NAME).to_python()) == 2
    with pytest.raises(CommandError, match="必须用 --output"):
        call_command("children", "export", "--format", "xlsx")
    with pytest.raises(CommandError, match="没有执行此操作的权限"):
        call_command("children", "export", "--as", "leader", stdout=io.StringIO())
    assert AuditEvent.objects.filter(action="children.export", actor=None).count() == 3  # two here, one to compare
