"""The import pages: upload → preview → confirm as the county administrator; versions and
downloads for everyone who may view the policy table; 403 for everyone else."""

from __future__ import annotations

import io
import json
import os
import time
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from python_calamine import CalamineWorkbook

from shouhu.accounts.models import Department
from shouhu.core.models import AuditEvent
from shouhu.core.testing import hostile_files
from shouhu.core.testing.worker import run_worker
from shouhu.policy.importing import policy_import_commit
from shouhu.policy.importing.views import SESSION_KEY
from shouhu.policy.models import PolicyDocument, PolicyTask, UnitAlias

from .import_helpers import SOURCE, TITLE, as_xlsx, replace, source_bytes, source_tasks

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path
    return tmp_path / "policy-uploads"


def upload(client: Any, data: bytes, filename: str, *, read: bool = True, **fields: str) -> Any:
    """Upload a table; with `read`, then let the real worker read it (the request only stores it)."""
    response = client.post(reverse("policy:import"), {"file": SimpleUploadedFile(filename, data), **fields})
    if read:
        run_worker(loops=1)
    return response


def test_upload_preview_confirm(login: Any, personas: dict[str, Any], media: Path) -> None:
    client = login("admin")
    page = client.get(reverse("policy:import"))
    assert page.status_code == 200 and "上传并预览" in page.content.decode()

    response = upload(
        client, source_bytes(), SOURCE.name, issuing_body="桓仁满族自治县人民政府办公室", issued_on="2017-06-30"
    )
    assert response.status_code == 302 and response["Location"] == reverse("policy:import_preview")
    token = client.session[SESSION_KEY]["token"]
    assert (media / f"{token}.upload").read_bytes() == source_bytes()
    assert len(json.dumps(dict(client.session), ensure_ascii=False)) < 1000  # the file is not in the session

    preview = client.get(reverse("policy:import_preview"))
    body = preview.content.decode()
    assert preview.status_code == 200
    assert TITLE in body and "这是该分工表的第一次导入" in body
    assert "保障基本生活" in body and "强化宣传引导" in body
    assert "确认导入为第 1 版" in body
    assert PolicyDocument.objects.count() == 0

    done = client.post(reverse("policy:import_preview"), {"confirm": "1"})
    assert done.status_code == 302 and done["Location"] == reverse("policy:tasks")
    document = PolicyDocument.objects.get()
    assert (document.version, document.imported_by, str(document.issued_on)) == (1, personas["admin"], "2017-06-30")
    assert document.issuing_body == "桓仁满族自治县人民政府办公室"
    assert document.tasks.count() == 47
    assert not (media / f"{token}.upload").exists() and SESSION_KEY not in client.session
    messages = [str(m) for m in done.wsgi_request._messages]
    assert messages == [f"已导入《{TITLE}》第 1 版：47 项任务"]

    # the same table again: the preview says so and confirming changes nothing
    upload(client, as_xlsx(source_tasks()), "分工表.xlsx")
    assert "与已导入的第 1 版内容完全相同" in client.get(reverse("policy:import_preview")).content.decode()
    again = client.post(reverse("policy:import_preview"), {"confirm": "1"}, follow=True)
    assert f"内容与《{TITLE}》第 1 版相同，未做任何更改" in again.content.decode()
    assert PolicyDocument.objects.count() == 1


def test_preview_lists_differences_from_the_previous_version(login: Any) -> None:
    policy_import_commit(actor=None, data=source_bytes(), filename=SOURCE.name)
    client = login("admin")
    tasks = [t for t in replace(source_tasks(), 2, text="修订后的第二项任务。") if t.number != 3]
    upload(client, as_xlsx(tasks), "修订.xlsx")
    body = client.get(reverse("policy:import_preview")).content.decode()
    assert "将作为第 2 版导入；与第 1 版的差异" in body
    assert "修订后的第二项任务。" in body and "任务内容修改" in body and "删除" in body
    client.post(reverse("policy:import_preview"), {"confirm": "1"})
    assert PolicyDocument.objects.get(version=2).tasks.count() == 46


def test_unknown_units_are_mapped_in_the_preview(login: Any) -> None:
    client = login("admin")
    tasks = replace(source_tasks(), 6, responsibility="牵头单位：县残联\n配合单位：县卫健委", cooperating=("县卫健委",))
    tasks = replace(tasks, 20, responsibility="县青少年活动中心", lead=("县青少年活动中心",))
    upload(client, as_xlsx(tasks, title="别名测试"), "别名.xlsx")
    body = client.get(reverse("policy:import_preview")).content.decode()
    assert "「县卫健委」（第 8 行，任务 6）" in body and "「县青少年活动中心」（第 22 行，任务 20）" in body
    assert 'name="map_0"' in body and 'name="create_1"' in body

    refused = client.post(
        reverse("policy:import_preview"), {"confirm": "1", "unknown": ["县卫健委", "县青少年活动中心"]}
    )
    assert refused.status_code == 200
    assert "第 8 行（任务 6）「责任单位」：未知单位「县卫健委」" in refused.content.decode()
    assert PolicyDocument.objects.count() == 0

    health = Department.objects.get(name="县卫健局")
    done = client.post(
        reverse("policy:import_preview"),
        {"confirm": "1", "unknown": ["县卫健委", "县青少年活动中心"], "map_0": str(health.pk), "create_1": "1"},
    )
    assert done.status_code == 302
    assert UnitAlias.objects.get(alias="县卫健委").department == health
    assert Department.objects.filter(name="县青少年活动中心").exists()
    assert PolicyDocument.objects.get().title == "别名测试"


def test_malformed_upload_shows_row_errors_and_cannot_be_confirmed(login: Any) -> None:
    client = login("admin")
    text = SOURCE.read_text(encoding="utf-8").replace("\t5\n", "\t五\n", 1)
    upload(client, text.encode(), "坏表.txt")
    body = client.get(reverse("policy:import_preview")).content.decode()
    assert "第 6 行「序号」：「五」不是整数" in body
    assert 'data-testid="confirm-form"' not in body
    refused = client.post(reverse("policy:import_preview"), {"confirm": "1"})
    assert "未能导入，未写入任何数据" in refused.content.decode()
    assert PolicyDocument.objects.count() == PolicyTask.objects.count() == 0

    cancelled = client.post(reverse("policy:import_preview"), {"cancel": "1"})
    assert cancelled["Location"] == reverse("policy:import")
    assert SESSION_KEY not in client.session


def test_upload_form_errors_and_expired_preview(login: Any) -> None:
    client = login("admin")
    response = client.post(reverse("policy:import"), {"title": "x"})
    assert response.status_code == 200 and "这个字段是必填项" in response.content.decode()
    expired = client.get(reverse("policy:import_preview"))
    assert expired.status_code == 302 and expired["Location"] == reverse("policy:import")


def test_versions_and_downloads(login: Any, personas: dict[str, Any]) -> None:
    document = policy_import_commit(actor=personas["admin"], data=source_bytes(), filename=SOURCE.name)
    client = login("officer_b")
    page = client.get(reverse("policy:import_versions"))
    body = page.content.decode()
    assert page.status_code == 200 and TITLE in body and "第 1 版" in body and "王管理" in body
    assert "导入分工表" not in body  # only administrators import
    assert client.get(reverse("policy:import_versions"), {"q": "不存在"}).content.decode().count("没有标题包含") == 1

    url = reverse("policy:import_export", kwargs={"pk": document.pk, "fmt": "json"})
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"].startswith("application/json")
    assert "attachment" in response["Content-Disposition"]
    rows = json.loads(response.content)
    assert len(rows) == 47 and rows[4]["cooperating"] == ["县财政局", "县卫计局", "县人社局", "县残联"]
    current = json.loads(client.get(url, {"current_names": "1"}).content)
    assert current[4]["cooperating"] == ["县财政局", "县卫健局", "县人社局", "县残联"]

    xlsx = client.get(reverse("policy:import_export", kwargs={"pk": document.pk, "fmt": "xlsx"}))
    assert xlsx.status_code == 200
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(xlsx.content)).get_sheet_by_index(0).to_python()
    assert sheet[0][0] == TITLE and sheet[1][:4] == ["序号", "项目", "工作任务", "责任单位"]
    assert len(sheet) == 49

    events = AuditEvent.objects.filter(action="policy.export", object_id=str(document.pk))
    assert events.count() == 3 and {e.actor for e in events} == {personas["officer_b"]}
    assert client.get(reverse("policy:import_export", kwargs={"pk": 999999, "fmt": "json"})).status_code == 404


def test_empty_versions_page(login: Any) -> None:
    body = login("admin").get(reverse("policy:import_versions")).content.decode()
    assert "还没有导入任务分工表" in body and reverse("policy:import") in body


@pytest.mark.parametrize("key", ["caseworker", "officer_a", "supervisor_a", "director_b", "leader", "community_a"])
def test_only_administrators_import(login: Any, key: str) -> None:
    client = login(key)
    assert client.get(reverse("policy:import")).status_code == 403
    assert upload(client, source_bytes(), SOURCE.name).status_code == 403
    assert client.post(reverse("policy:import_preview"), {"confirm": "1"}).status_code == 403
    assert PolicyDocument.objects.count() == 0


@pytest.mark.parametrize("key", ["community_a", "reporter_a"])
def test_versions_need_the_view_policy_capability(login: Any, key: str) -> None:
    document = policy_import_commit(actor=None, data=source_bytes(), filename=SOURCE.name)
    client = login(key)
    assert client.get(reverse("policy:import_versions")).status_code == 403
    assert client.get(reverse("policy:import_export", kwargs={"pk": document.pk, "fmt": "json"})).status_code == 403


@pytest.mark.parametrize(
    ("name", "build", "message"),
    [
        ("bomb.docx", lambda p: hostile_files.docx_bomb(p, 64 * 1024 * 1024), "word/document.xml 压缩比超过 200:1"),
        ("far.xlsx", hostile_files.far_cell, "工作表的单元格 XFD1048576 超出分工表允许的 50 列 × 5000 行"),
        ("bzip2.xlsx", lambda p: hostile_files.compressed_member(p, zipfile.ZIP_BZIP2), "不允许的压缩方式（bzip2）"),
    ],
    ids=["docx-bomb", "far-cell", "bzip2"],
)
def test_a_hostile_table_is_refused_in_the_preview_with_its_reason(
    login: Any, tmp_path: Path, name: str, build: Callable[[Path], Path], message: str
) -> None:
    client = login("admin")
    data = build(tmp_path / name).read_bytes()
    assert upload(client, data, name).status_code == 302  # stored, not parsed
    start = time.monotonic()
    body = client.get(reverse("policy:import_preview")).content.decode()
    assert time.monotonic() - start < 10
    assert message in body and "确认导入" not in body
    refused = client.post(reverse("policy:import_preview"), {"confirm": "1"})
    assert refused.status_code == 200 and not PolicyDocument.objects.exists()


def test_a_table_that_explodes_in_the_parser_fails_its_preview_not_the_web_process(
    login: Any, settings: Any, tmp_path: Path
) -> None:
    # Parsed by the worker in a child process (core.sandbox): with the table's rows raised to
    # 200,000, A1 and AX200000 pass the checks and calamine allocates the whole range (10 million
    # cells, ~320 MB) — more than the 64 MB allowed here. The preview says so; the worker carries on.
    settings.SHOUHU_TABLE_MAX_ROWS = 200_000
    settings.SHOUHU_PARSE_MEMORY_MB = 64
    client = login("admin")
    data = hostile_files.far_cell(tmp_path / "sparse.xlsx", "AX200000").read_bytes()
    assert upload(client, data, "sparse.xlsx").status_code == 302
    body = client.get(reverse("policy:import_preview")).content.decode()
    assert "文件过大或格式异常：读取时内存超出 64 MB 上限" in body
    settings.SHOUHU_TABLE_MAX_ROWS = 5_000
    assert upload(client, data, "sparse.xlsx").status_code == 302
    body = client.get(reverse("policy:import_preview")).content.decode()
    assert "工作表的单元格 AX200000 超出分工表允许的 50 列 × 5000 行" in body


def test_the_web_request_never_reads_the_table_the_worker_does(login: Any, media: Path) -> None:
    """Until the worker has read the upload the preview page only waits (and polls); then it shows
    what the worker found. A worker that never comes is said plainly, with a way to queue it again."""
    client = login("admin")
    assert upload(client, source_bytes(), SOURCE.name, read=False).status_code == 302
    token = client.session[SESSION_KEY]["token"]
    waiting = client.get(reverse("policy:import_preview"))
    body = waiting.content.decode()
    assert waiting.status_code == 200 and "正在读取" in body and 'hx-trigger="every 1s"' in body
    assert "确认导入" not in body and not (media / f"{token}.parsed.json").exists()
    assert client.post(reverse("policy:import_preview"), {"confirm": "1"}).status_code == 200
    assert not PolicyDocument.objects.exists()  # nothing confirmed before it was read

    old = time.time() - 3600
    os.utime(media / f"{token}.upload", (old, old))
    stalled = client.get(reverse("policy:import_preview")).content.decode()
    assert "可能后台服务（shouhu worker）没有运行" in stalled and "hx-trigger" not in stalled
    assert client.post(reverse("policy:import_preview"), {"retry": "1"}).status_code == 302

    run_worker(loops=1)
    assert (media / f"{token}.parsed.json").exists()
    poll = client.get(reverse("policy:import_preview"), HTTP_HX_REQUEST="true")
    assert poll["HX-Refresh"] == "true"
    assert "确认导入为第 1 版" in client.get(reverse("policy:import_preview")).content.decode()
