from __future__ import annotations

import pytest

from shouhu.accounts.models import User
from shouhu.core.models import AuditEvent
from shouhu.regions import services
from shouhu.regions.models import Level, Region, level_of_code, prefix_of_code

pytestmark = pytest.mark.django_db


def test_reference_data_comes_with_migrations() -> None:
    county = Region.objects.get(code="210522000000")
    assert county.name == "桓仁满族自治县" and county.level == Level.COUNTY
    townships = Region.objects.filter(parent=county)
    assert townships.count() == 13
    assert set(townships.values_list("level", flat=True)) == {Level.TOWNSHIP}
    assert Region.objects.get(code="210522001000").kind == "街道"


@pytest.mark.parametrize(
    ("code", "level", "prefix"),
    [
        ("210522000000", Level.COUNTY, "210522"),
        ("210522100000", Level.TOWNSHIP, "210522100"),
        ("210522100201", Level.VILLAGE, "210522100201"),
    ],
)
def test_levels_and_prefixes(code: str, level: str, prefix: str) -> None:
    assert level_of_code(code) == level
    assert prefix_of_code(code) == prefix


def test_import_creates_updates_and_never_duplicates(personas: dict[str, User]) -> None:
    csv_text = "code,name,parent\n210522100000,桓仁镇（新）,\n210522100204,新华村,210522100000\n210522100205,光明社区\n"
    report = services.regions_import_csv(actor=personas["admin"], text=csv_text)
    assert report.created == ["210522100204", "210522100205"]
    assert report.renamed == ["210522100000"]
    again = services.regions_import_csv(actor=personas["admin"], text=csv_text)
    assert again.created == [] and again.renamed == [] and again.unchanged == 3
    assert Region.objects.filter(code="210522100204").count() == 1
    parent = Region.objects.get(code="210522100205").parent
    assert parent is not None and parent.code == "210522100000"
    assert AuditEvent.objects.filter(action="regions.import").count() == 2


@pytest.mark.parametrize(
    ("bad_rows", "message"),
    [
        ("2105221002,短代码\n", "第 2 行「代码」"),
        ("210522100299,\n", "第 2 行「名称」"),
        ("210522100299,甲村\n210522100299,乙村\n", "第 3 行「代码」：210522100299 与第 2 行重复"),
        ("210522100299,甲村,210522101000\n", "第 2 行「上级」：210522100299 不在上级 210522101000 的代码范围内"),
        ("210522300201,甲村\n", "第 2 行「上级」：上级区划 210522300000 不存在"),
        ("onlyonecolumn\n", "第 2 行：至少需要"),
    ],
)
def test_import_errors_name_the_row_and_write_nothing(personas: dict[str, User], bad_rows: str, message: str) -> None:
    before = Region.objects.count()
    with pytest.raises(services.RegionImportError) as excinfo:
        # A good first row: the error must stop it from being written too.
        services.regions_import_csv(actor=personas["admin"], text="210522100298,好村\n" + bad_rows)
    assert any(message in error for error in excinfo.value.errors), excinfo.value.errors
    assert Region.objects.count() == before


def test_import_dry_run_writes_nothing(personas: dict[str, User]) -> None:
    report = services.regions_import_csv(actor=personas["admin"], text="210522100290,预览村\n", dry_run=True)
    assert report.created == ["210522100290"]
    assert not Region.objects.filter(code="210522100290").exists()


def test_region_create_checks_the_parent_prefix(personas: dict[str, User]) -> None:
    township_b = Region.objects.get(code="210522101000")
    with pytest.raises(ValueError, match="不在上级"):
        services.region_create(actor=personas["admin"], code="210522100299", name="错村", parent=township_b)
    village = services.region_create(actor=personas["admin"], code="210522101299", name="对村", parent=township_b)
    assert village.level == Level.VILLAGE and village.prefix == "210522101299"


def test_import_page_previews_then_confirms(login) -> None:  # type: ignore[no-untyped-def]
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = login("admin")
    upload = SimpleUploadedFile("codes.csv", "210522100270,预览村\n".encode("gb18030"), content_type="text/csv")
    response = client.post("/regions/import/", {"file": upload})
    assert response.status_code == 200
    assert "将新增 1 个" in response.content.decode()
    assert not Region.objects.filter(code="210522100270").exists()
    response = client.post("/regions/import/", {"confirm": "1"})
    assert response.status_code == 302
    assert Region.objects.get(code="210522100270").name == "预览村"


def test_township_supervisor_cannot_find_the_other_township(login) -> None:  # type: ignore[no-untyped-def]
    client = login("supervisor_a")
    page = client.get("/regions/", {"q": "普乐堡"}).content.decode()
    assert "普乐堡村" not in page and "没有找到" in page
    assert client.get("/regions/210522101201/").status_code == 404
    api = client.get("/api/v1/regions?limit=500").json()
    codes = {r["code"] for r in api["items"]}
    assert "210522100201" in codes and not any(c.startswith("210522101") for c in codes)
    assert api["count"] == len(codes)


def test_import_command_reports_and_refuses_bad_files(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from io import StringIO

    from django.core.management import CommandError, call_command

    good = tmp_path / "codes.csv"
    good.write_bytes("代码,名称,上级\n210522102202,新村,210522102000\n".encode("gb18030"))
    out = StringIO()
    call_command("regions", "import", str(good), "--dry-run", stdout=out)
    assert "试运行" in out.getvalue() and not Region.objects.filter(code="210522102202").exists()
    call_command("regions", "import", str(good), stdout=out)
    assert Region.objects.get(code="210522102202").name == "新村"
    bad = tmp_path / "bad.csv"
    bad.write_text("12345,坏\n", encoding="utf-8")
    err = StringIO()
    with pytest.raises(CommandError, match="未写入"):
        call_command("regions", "import", str(bad), stderr=err)
    assert "第 1 行「代码」" in err.getvalue()
