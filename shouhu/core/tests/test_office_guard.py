"""The checks every uploaded Office file passes before it is parsed (`core.office_guard`), on the
hostile corpus built by `core.testing.hostile_files`, and the memory-limited child process that
parses what passes (`core.sandbox`). Each refusal must come quickly and name its reason."""

from __future__ import annotations

import io
import resource
import struct
import time
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from shouhu.core import office_guard, sandbox
from shouhu.core.office_guard import HostileFile, check_package, roster_limits, table_limits
from shouhu.core.testing import hostile_files
from shouhu.registry.exchange import layout_writing
from shouhu.registry.exchange.reading import _sheet_rows

MB = 1024 * 1024
ROSTER = "名单允许的 200 列 × 200000 行"


def refusal(path: Path, limits: office_guard.Limits | None = None) -> tuple[str, float]:
    start = time.monotonic()
    with pytest.raises(HostileFile) as refused:
        check_package(path, limits=limits or roster_limits())
    return str(refused.value), time.monotonic() - start


def test_an_ordinary_workbook_and_the_roster_template_pass(tmp_path: Path) -> None:
    check_package(
        hostile_files.workbook(tmp_path / "ok.xlsx", [("A1", "姓名"), ("GR200000", "x")]), limits=roster_limits()
    )
    template = tmp_path / "template.xlsx"
    with template.open("wb") as out:
        layout_writing.write_template(out)
    check_package(template, limits=roster_limits())
    check_package(str(template), limits=roster_limits())  # a path as text works too


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda p: hostile_files.far_cell(p, "XFD1048576"), f"工作表的单元格 XFD1048576 超出{ROSTER}"),
        (lambda p: hostile_files.far_cell(p, "AG1048576"), f"工作表的单元格 AG1048576 超出{ROSTER}"),
        (lambda p: hostile_files.far_cell(p, "GS1"), f"工作表的单元格 GS1 超出{ROSTER}"),
        (lambda p: hostile_files.far_cell(p, "A200001"), f"工作表的单元格 A200001 超出{ROSTER}"),
        (hostile_files.dimension_lie, f"工作表声明的范围 XFD1048576 超出{ROSTER}"),
        (lambda p: hostile_files.compressed_member(p, zipfile.ZIP_BZIP2), "使用了不允许的压缩方式（bzip2）"),
        (lambda p: hostile_files.compressed_member(p, zipfile.ZIP_LZMA), "使用了不允许的压缩方式（lzma）"),
        (lambda p: hostile_files.deflate_bomb(p, 64 * MB), "压缩比超过 200:1（疑似压缩炸弹）"),
        (lambda p: hostile_files.endless_row(p, 64 * MB), "压缩比超过 200:1（疑似压缩炸弹）"),
        (lambda p: hostile_files.many_members(p, 1500), "文件包含 1505 个部件，超过上限 1000 个"),
    ],
    ids=[
        "XFD1048576",
        "AG1048576",
        "column-201",
        "row-200001",
        "dimension",
        "bzip2",
        "lzma",
        "bomb",
        "endless-row",
        "members",
    ],
)
def test_hostile_workbooks_are_refused_quickly_with_their_reason(
    tmp_path: Path, build: Callable[[Path], Path], message: str
) -> None:
    text, seconds = refusal(build(tmp_path / "hostile.xlsx"))
    assert message in text
    assert seconds < 5


def _central_entry(data: bytes, name: str) -> int:
    """Where `name`'s entry in the zip's central directory starts."""
    at = data.find(b"PK\x01\x02")
    while at >= 0 and data[at + 46 : at + 46 + len(name.encode())] != name.encode():
        at = data.find(b"PK\x01\x02", at + 4)
    assert at >= 0
    return at


def test_sizes_are_counted_by_decompressing_not_read_from_the_headers(tmp_path: Path) -> None:
    sheet = "xl/worksheets/sheet1.xml"
    path = hostile_files.workbook(tmp_path / "liar.xlsx", [("A1", "姓名")])
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/padding.xml", "<x>" + " " * (20 * MB) + "</x>")
    data = bytearray(path.read_bytes())
    struct.pack_into("<I", data, _central_entry(data, "xl/padding.xml") + 24, 100)  # claims 100 bytes
    path.write_bytes(bytes(data))
    lenient = office_guard.Limits(label="名单", unpacked_bytes=1024 * MB, member_bytes=8 * MB, ratio=10**6)
    # Trusting the header, 100 bytes would pass; decompressed, it is 20 MB.
    assert "xl/padding.xml 解压后超过 8 MB 上限" in refusal(path, lenient)[0]
    # Within the caps, a size that does not match what the stream holds is refused as well.
    small = hostile_files.workbook(tmp_path / "small.xlsx", [("A1", "姓名")])
    data = bytearray(small.read_bytes())
    with zipfile.ZipFile(small) as archive:
        size = archive.getinfo(sheet).file_size
    struct.pack_into("<I", data, _central_entry(data, sheet) + 24, size - 10)
    small.write_bytes(bytes(data))
    assert f"{sheet} 与其声明的大小或校验值不符" in refusal(small)[0]


def test_a_local_header_that_names_another_method_is_refused(tmp_path: Path) -> None:
    path = hostile_files.workbook(tmp_path / "w.xlsx", [("A1", "姓名")])
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        offset = archive.getinfo("xl/worksheets/sheet1.xml").header_offset
    struct.pack_into("<H", data, offset + 8, 12)  # the local header now says bzip2
    path.write_bytes(bytes(data))
    assert "本地头与目录不符" in refusal(path)[0]


def test_doctype_and_positional_cells_are_refused(tmp_path: Path) -> None:
    entity = '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">]><worksheet><sheetData/></worksheet>'
    path = tmp_path / "entity.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", hostile_files.CONTENT_TYPES_XLSX)
        archive.writestr("xl/worksheets/sheet1.xml", entity)
    assert "含有 DOCTYPE 或实体声明" in refusal(path)[0]
    # Cells without `r` are placed one after another: 201 of them in a row is column 201.
    row = "<row>" + "<c><v>1</v></c>" * 201 + "</row>"
    path = tmp_path / "positional.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "xl/worksheets/sheet1.xml", f"{hostile_files.SHEET_HEAD}<sheetData>{row}</sheetData></worksheet>"
        )
    assert f"工作表第 1 行的第 201 列超出{ROSTER}" in refusal(path)[0]


def test_the_table_has_its_own_smaller_limits_and_a_docx_bomb_is_refused(tmp_path: Path, settings: object) -> None:
    far = hostile_files.far_cell(tmp_path / "t.xlsx", "A5001")
    assert "工作表的单元格 A5001 超出分工表允许的 50 列 × 5000 行" in refusal(far, table_limits())[0]
    bomb = hostile_files.docx_bomb(tmp_path / "bomb.docx", 64 * MB)
    assert "word/document.xml 压缩比超过 200:1" in refusal(bomb, table_limits())[0]
    settings.SHOUHU_TABLE_MAX_ROWS = 10_000  # type: ignore[attr-defined]
    check_package(far, limits=table_limits())


def test_a_damaged_zip_is_left_to_the_reader(tmp_path: Path) -> None:
    check_package(io.BytesIO(b"PK\x03\x04 not really a zip"), limits=roster_limits())


# --- the child process ------------------------------------------------------------------------


def _rows(count: int) -> Iterator[int]:
    yield from range(count)


def _grow() -> Iterator[int]:
    hoard = []
    while True:
        hoard.append(bytearray(16 * MB))
        yield len(hoard)


def _spin() -> Iterator[int]:
    while True:
        pass
    yield 0  # pragma: no cover


def _raise() -> Iterator[int]:
    yield 1
    raise ValueError("第 3 行有误")


def test_the_child_streams_what_it_yields_and_reports_its_peak() -> None:
    outcome = sandbox.Outcome()
    assert list(sandbox.iter_in_child(_rows, 1234, limits=sandbox.Budget(256, 30), outcome=outcome)) == list(
        range(1234)
    )
    assert outcome.peak_kb and outcome.peak_kb > 0
    assert sandbox.call_in_child(sum, [1, 2, 3], limits=sandbox.Budget(256, 30)) == 6


def test_the_parsers_own_errors_come_back_as_they_were() -> None:
    with pytest.raises(ValueError, match="第 3 行有误"):
        list(sandbox.iter_in_child(_raise, limits=sandbox.Budget(256, 30)))


def test_a_child_that_grows_without_end_is_stopped_at_the_limit_and_the_parent_stays_small() -> None:
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.monotonic()
    with pytest.raises(sandbox.ParseLimitExceeded, match="文件过大或格式异常：读取时内存超出 200 MB 上限"):
        list(sandbox.iter_in_child(_grow, limits=sandbox.Budget(200, 30)))
    assert time.monotonic() - start < 10
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 50 * 1024  # KB: the parent did not grow


def test_a_child_that_spins_is_stopped_at_the_time_limit() -> None:
    start = time.monotonic()
    with pytest.raises(sandbox.ParseLimitExceeded, match="文件过大或格式异常：读取超过 1 秒的时间上限"):
        list(sandbox.iter_in_child(_spin, limits=sandbox.Budget(200, 1)))
    assert time.monotonic() - start < 10


def test_a_workbook_that_passes_the_checks_but_explodes_in_calamine_fails_in_the_child(tmp_path: Path) -> None:
    # A1 and GR200000 are both within a roster's 200 × 200,000: the check lets it through, and
    # calamine allocates the dense range (200 × 200,000 cells, 1.3 GB). Rust aborts the child.
    path = hostile_files.far_cell(tmp_path / "sparse.xlsx", "GR200000")
    check_package(path, limits=roster_limits())
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with pytest.raises(sandbox.ParseLimitExceeded, match="读取时内存超出 256 MB 上限"):
        list(sandbox.iter_in_child(_sheet_rows, str(path), limits=sandbox.Budget(256, 60)))
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 50 * 1024
