"""The import screens: upload → preview (updates, errors, annotated workbook) → confirm → done,
through the real worker (the request only stores the file and queues the run), with progress."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django_tasks_db.models import DBTaskResult
from python_calamine import CalamineWorkbook

from shouhu.accounts.models import User
from shouhu.core.models import AuditEvent
from shouhu.core.testing.worker import run_worker
from shouhu.registry import services
from shouhu.registry.exchange import layout, layout_writing
from shouhu.registry.exchange.format import parse_record
from shouhu.registry.models import Child, ImportRun, ImportState

from .example import EXAMPLE, example
from .io_helpers import register, varied_children

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return tmp_path


def jsonl(rows: list[Any], name: str = "roster.jsonl") -> SimpleUploadedFile:
    text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
    return SimpleUploadedFile(name, text.encode(), content_type="application/x-ndjson")


def post_upload(client: Client, file: SimpleUploadedFile) -> ImportRun:
    """Upload through the page: the request stores the file and queues the run, reading nothing."""
    response = client.post("/children/io/import/", {"file": file})
    assert response.status_code == 302, response.content.decode()[:2000]
    run = ImportRun.objects.get(pk=int(response["Location"].rstrip("/").split("/")[-1]))
    assert run.state == ImportState.UPLOADED
    return run


def upload(client: Client, file: SimpleUploadedFile) -> ImportRun:
    """Upload, then let the worker check the file."""
    run = post_upload(client, file)
    run_worker(loops=1)
    run.refresh_from_db()
    return run


def confirm(client: Client, run: ImportRun) -> ImportRun:
    assert client.post(f"/children/io/import/{run.pk}/confirm/").status_code == 302
    run_worker(loops=1)
    run.refresh_from_db()
    return run


def test_upload_preview_confirm_done(login: Any, personas: dict[str, User]) -> None:
    register(personas["caseworker"], EXAMPLE)
    client = login("supervisor_a")
    assert "还没有导入过名单" in client.get("/children/io/import/").content.decode()
    run = upload(client, jsonl([example(migrant=True), *varied_children(2)]))
    assert run.state == ImportState.PREVIEWED and (run.new_count, run.updated_count, run.error_count) == (2, 1, 0)
    page = client.get(f"/children/io/import/{run.pk}/").content.decode()
    assert "将更新的已登记儿童" in page and "第 1 行 · 张小明（2105**************）" in page
    assert "非随迁子女" in page and "确认导入" in page and "hx-trigger" not in page
    assert Child.objects.count() == 1
    run = confirm(client, run)
    assert run.state == ImportState.DONE and (run.new_count, run.updated_count) == (2, 1)
    page = client.get(f"/children/io/import/{run.pk}/").content.decode()
    assert "导入完成" in page and "/children/" in page
    assert Child.objects.count() == 3
    assert AuditEvent.objects.filter(action="children.import_file", actor=personas["supervisor_a"]).count() == 1
    # A second confirmation does nothing.
    client.post(f"/children/io/import/{run.pk}/confirm/")
    assert Child.objects.count() == 3
    assert "已完成" in client.get("/children/io/import/").content.decode()


def test_errors_by_row_and_field_and_the_annotated_workbook(login: Any, personas: dict[str, User]) -> None:
    client = login("caseworker")
    rows = [layout_writing.dict_to_row(EXAMPLE), layout_writing.dict_to_row(example(region_code="210522999201"))]
    buffer = io.BytesIO()
    writer = layout_writing.LayoutWriter(buffer)
    for row in rows:
        writer.write_row(row)
    writer.close()
    run = upload(client, SimpleUploadedFile("名单.xlsx", buffer.getvalue()))
    assert run.state == ImportState.PREVIEWED and run.error_count == 1
    page = client.get(f"/children/io/import/{run.pk}/").content.decode()
    assert "居住地区划代码" in page and "区划代码 210522999201 不存在" in page and "确认导入" not in page
    response = client.get(f"/children/io/import/{run.pk}/errors.xlsx")
    assert response.status_code == 200
    path = Path(run.file.path).with_name("annotated.xlsx")
    path.write_bytes(b"".join(response.streaming_content))  # type: ignore[attr-defined]
    table = CalamineWorkbook.from_path(str(path)).get_sheet_by_name(layout.SHEET_NAME).to_python()
    assert table[0][-1] == "错误" and "不存在" in str(table[2][-1]) and table[1][-1] == ""
    assert client.post(f"/children/io/import/{run.pk}/confirm/").status_code == 302
    assert Child.objects.count() == 0
    assert login("admin").get(f"/children/io/import/{run.pk}/").status_code == 404  # only the uploader sees it


def test_a_stale_preview_is_refused_with_a_clear_message(login: Any, personas: dict[str, User]) -> None:
    child = register(personas["caseworker"], EXAMPLE)
    client = login("supervisor_a")
    run = upload(client, jsonl([example(left_behind=True), *varied_children(2)]))
    record, _ = parse_record(example(migrant=True))
    assert record is not None
    services.child_update(actor=personas["director_a"], child=child, record=record, expected_version=1)
    run = confirm(client, run)
    assert run.state == ImportState.FAILED and "在预览后已被他人修改" in run.message
    page = client.get(f"/children/io/import/{run.pk}/").content.decode()
    assert "未导入，未写入任何数据" in page and "已被他人修改" in page
    assert Child.objects.count() == 1


def test_cancel_a_preview(login: Any, personas: dict[str, User]) -> None:
    client = login("supervisor_a")
    run = upload(client, jsonl([EXAMPLE]))
    assert client.post(f"/children/io/import/{run.pk}/cancel/").status_code == 302
    run.refresh_from_db()
    assert run.state == ImportState.FAILED and "已取消" in run.message
    assert Child.objects.count() == 0


def test_a_big_import_runs_in_the_background_with_progress(login: Any, personas: dict[str, User]) -> None:
    register(personas["caseworker"], EXAMPLE)
    client = login("supervisor_a")
    run = post_upload(client, jsonl([example(migrant=True), *varied_children(2500)]))
    polling = client.get(f"/children/io/import/{run.pk}/progress/", HTTP_HX_REQUEST="true")
    assert 'hx-trigger="every 1s"' in polling.content.decode() and "HX-Refresh" not in polling
    assert 'hx-trigger="every 1s"' in client.get(f"/children/io/import/{run.pk}/").content.decode()

    run_worker(loops=2)
    run.refresh_from_db()
    assert run.state == ImportState.PREVIEWED and run.progress == run.total_rows == 2501
    assert (run.new_count, run.updated_count) == (2500, 1)
    done_polling = client.get(f"/children/io/import/{run.pk}/progress/", HTTP_HX_REQUEST="true")
    assert done_polling["HX-Refresh"] == "true"

    client.post(f"/children/io/import/{run.pk}/confirm/")
    run.refresh_from_db()
    assert run.state == ImportState.COMMITTING
    assert "正在导入：0 / 2501 行" in client.get(f"/children/io/import/{run.pk}/progress/").content.decode()
    run_worker(loops=2)
    run.refresh_from_db()
    assert run.state == ImportState.DONE and run.progress == 2501 and run.new_count == 2500
    assert Child.objects.count() == 2501
    # The worker also starts the day's periodic jobs (the registry's duplicates scan among them).
    imports = ("shouhu.registry.tasks.validate_import", "shouhu.registry.tasks.commit_import")
    results = DBTaskResult.objects.filter(task_path__in=imports)
    assert sorted(r.status for r in results) == ["SUCCESSFUL", "SUCCESSFUL"]


def test_the_template_download(login: Any) -> None:
    response = login("supervisor_a").get("/children/io/import/template.xlsx")
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    assert b"".join(response.streaming_content)[:2] == b"PK"  # type: ignore[attr-defined]
    assert login("director_a").get("/children/io/import/template.xlsx").status_code == 403


def test_an_unsupported_file_is_refused_at_upload(login: Any) -> None:
    client = login("supervisor_a")
    response = client.post("/children/io/import/", {"file": SimpleUploadedFile("a.docx", b"x")})
    assert response.status_code == 200 and "只能导入" in response.content.decode()
    run = upload(client, SimpleUploadedFile("a.xlsx", b"not a workbook"))
    assert run.state == ImportState.FAILED and "无法读取 Excel 文件" in run.message
