"""Hostile rosters through the real path: uploaded on the import page (the request only stores
the file and queues the run), checked and read by the real worker (`shouhu worker`), refused with
the reason on the run's page — never a run left "validating", never a worker that dies."""

from __future__ import annotations

import time
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from shouhu.core.testing import hostile_files
from shouhu.core.testing.worker import run_worker
from shouhu.registry.exchange import xlsx_reader
from shouhu.registry.models import Child, ImportRun, ImportState

pytestmark = pytest.mark.django_db
MB = 1024 * 1024
ROSTER = "名单允许的 200 列 × 200000 行"


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return tmp_path


def _written(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def refused(client: Client, path: Path) -> tuple[ImportRun, str, float]:
    response = client.post("/children/io/import/", {"file": SimpleUploadedFile(path.name, path.read_bytes())})
    assert response.status_code == 302
    run = ImportRun.objects.latest("pk")
    assert run.state == ImportState.UPLOADED  # nothing was read in the request
    start = time.monotonic()
    run_worker(loops=1)
    seconds = time.monotonic() - start
    run.refresh_from_db()
    assert run.state == ImportState.FAILED, run.message
    page = client.get(f"/children/io/import/{run.pk}/").content.decode()
    assert run.message in page
    assert Child.objects.count() == 0
    return run, run.message, seconds


@pytest.mark.parametrize(
    ("name", "build", "message"),
    [
        ("far.xlsx", hostile_files.far_cell, f"工作表的单元格 XFD1048576 超出{ROSTER}"),
        ("ag.xlsx", lambda p: hostile_files.far_cell(p, "AG1048576"), f"工作表的单元格 AG1048576 超出{ROSTER}"),
        ("dimension.xlsx", hostile_files.dimension_lie, f"工作表声明的范围 XFD1048576 超出{ROSTER}"),
        ("bzip2.xlsx", lambda p: hostile_files.compressed_member(p, zipfile.ZIP_BZIP2), "不允许的压缩方式（bzip2）"),
        ("lzma.xlsx", lambda p: hostile_files.compressed_member(p, zipfile.ZIP_LZMA), "不允许的压缩方式（lzma）"),
        ("bomb.xlsx", lambda p: hostile_files.deflate_bomb(p, 64 * MB), "压缩比超过 200:1（疑似压缩炸弹）"),
        ("endless.xlsx", lambda p: hostile_files.endless_row(p, 64 * MB), "压缩比超过 200:1（疑似压缩炸弹）"),
        ("members.xlsx", lambda p: hostile_files.many_members(p, 1500), "超过上限 1000 个"),
        ("bomb.csv", lambda p: hostile_files.csv_bomb(p, 4 * MB), "第 2 行超过 1024 KB"),
        ("wide.csv", lambda p: _written(p, b"," * 300 + b"\n"), "CSV 文件第 1 行有 301 列，超出名单允许的 200 列"),
    ],
    ids=lambda value: value if isinstance(value, str) and value.endswith(("xlsx", "csv")) else "",
)
def test_a_hostile_roster_fails_its_run_with_the_reason(
    login: Any, tmp_path: Path, name: str, build: Callable[[Path], Path], message: str
) -> None:
    _, text, seconds = refused(login("supervisor_a"), build(tmp_path / name))
    assert message in text
    assert seconds < 15


def test_a_long_json_line_is_refused(login: Any, tmp_path: Path) -> None:
    path = tmp_path / "long.jsonl"
    path.write_bytes(b'{"name": "' + b" " * (2 * MB) + b'"}\n')
    assert "第 1 行超过 1024 KB" in refused(login("supervisor_a"), path)[1]


def test_a_roster_that_passes_the_checks_but_explodes_fails_in_the_child_not_the_worker(
    login: Any, tmp_path: Path, settings: Any
) -> None:
    # Within 200 × 200,000, so the check passes; calamine allocates the whole range (1.3 GB).
    settings.SHOUHU_PARSE_MEMORY_MB = 256
    path = hostile_files.far_cell(tmp_path / "sparse.xlsx", "GR200000")
    _, text, seconds = refused(login("supervisor_a"), path)
    assert seconds < 30
    assert text == "文件过大或格式异常：读取时内存超出 256 MB 上限"
    # The worker process (this one) is alive and takes the next run.
    ok = hostile_files.workbook(tmp_path / "ok.xlsx", [("A1", "姓名")])
    client = login("supervisor_a")
    client.post("/children/io/import/", {"file": SimpleUploadedFile("ok.xlsx", ok.read_bytes())})
    run_worker(loops=1)
    after = ImportRun.objects.latest("pk")
    assert after.state == ImportState.PREVIEWED and after.error_count == 1  # read: its header is incomplete
    assert after.errors[0]["field"] == "表头"


def test_the_fragment_reader_caps_what_it_buffers_when_no_row_ends(tmp_path: Path) -> None:
    # Read directly, past the checks: the cap in `_fragments` holds on its own.
    path = hostile_files.endless_row(tmp_path / "endless.xlsx", 32 * MB)
    rows = xlsx_reader.iter_sheet(str(path), "儿童名单", fragment_bytes=MB, whole_bytes=MB, max_row_bytes=4 * MB)
    with pytest.raises(xlsx_reader.SheetError, match="工作表中有一行超过 4 MB 仍未结束"):
        list(rows)
