"""`shouhu policy import|export`: through call_command, and once as a real process against a
fresh SQLite database."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from shouhu.core.models import AuditEvent
from shouhu.core.testing.processes import migrated_sqlite_file
from shouhu.policy.models import PolicyDocument, PolicyTask, UnitAlias

from .import_helpers import SOURCE, TITLE, as_xlsx, replace, source_tasks


def run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("policy", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.mark.django_db
def test_import_dry_run_then_import_then_no_change() -> None:
    out, _ = run("import", str(SOURCE), "--dry-run")
    assert "任务 47 项，项目 12 个，责任单位 21 个" in out
    assert "将作为第 1 版导入" in out and "未写入任何数据" in out
    assert PolicyDocument.objects.count() == 0

    out, _ = run("import", str(SOURCE), "--issuing-body", "桓仁满族自治县人民政府办公室", "--issued-on", "2017-06-30")
    document = PolicyDocument.objects.get()
    assert f"已导入第 1 版（编号 {document.pk}）" in out
    assert (document.title, document.issuing_body, str(document.issued_on)) == (
        TITLE,
        "桓仁满族自治县人民政府办公室",
        "2017-06-30",
    )
    assert document.imported_by is None
    assert AuditEvent.objects.get(action="policy.import").actor_label == "系统"

    out, _ = run("import", str(SOURCE))
    assert "无变化：仍为第 1 版" in out
    assert PolicyDocument.objects.count() == 1


@pytest.mark.django_db
def test_import_revision_prints_differences(tmp_path: Path) -> None:
    run("import", str(SOURCE))
    revised = tmp_path / "修订.xlsx"
    revised.write_bytes(as_xlsx(replace(source_tasks(), 3, text="修订后的任务。")))
    out, _ = run("import", str(revised))
    assert "将作为第 2 版导入；与第 1 版相比：" in out
    assert "任务 3：任务内容修改" in out and "现为「修订后的任务。」" in out
    assert "已导入第 2 版" in out


@pytest.mark.django_db
def test_import_errors_go_to_stderr_and_write_nothing(tmp_path: Path) -> None:
    bad = tmp_path / "坏表.txt"
    bad.write_text(SOURCE.read_text(encoding="utf-8").replace("\t5\n", "\t五\n", 1), encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError, match="导入失败，未写入任何数据"):
        call_command("policy", "import", str(bad), stdout=out, stderr=err)
    assert "第 6 行「序号」：「五」不是整数" in err.getvalue()
    assert PolicyDocument.objects.count() == PolicyTask.objects.count() == 0

    with pytest.raises(CommandError, match="找不到文件"):
        run("import", str(tmp_path / "missing.txt"))
    with pytest.raises(CommandError, match="印发日期「2017-13-01」格式不对"):
        run("import", str(SOURCE), "--issued-on", "2017-13-01")


@pytest.mark.django_db
def test_import_with_map_and_create_unit(tmp_path: Path) -> None:
    tasks = replace(source_tasks(), 6, responsibility="牵头单位：县残联\n配合单位：县卫健委", cooperating=("县卫健委",))
    tasks = replace(tasks, 20, responsibility="县青少年活动中心", lead=("县青少年活动中心",))
    path = tmp_path / "别名.xlsx"
    path.write_bytes(as_xlsx(tasks, title="别名测试"))
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("policy", "import", str(path), stdout=io.StringIO(), stderr=err)
    assert "第 8 行（任务 6）「责任单位」：未知单位「县卫健委」" in err.getvalue()
    assert "未知单位「县青少年活动中心」" in err.getvalue()
    with pytest.raises(CommandError):
        call_command("policy", "import", str(path), "--map", "县卫健委=不存在局", stdout=io.StringIO(), stderr=err)
    assert "没有名为「不存在局」的单位" in err.getvalue()
    assert PolicyDocument.objects.count() == 0

    out, _ = run("import", str(path), "--map", "县卫健委=县卫健局", "--create-unit", "县青少年活动中心")
    assert "已导入第 1 版" in out
    assert UnitAlias.objects.get(alias="县卫健委").department.name == "县卫健局"


@pytest.mark.django_db
def test_export_json_and_xlsx(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="还没有导入任何任务分工表"):
        run("export", "--format", "json")
    run("import", str(SOURCE))
    out, _ = run("export", "--format", "json")
    rows = json.loads(out)
    assert len(rows) == 47 and rows[0]["lead"] == ["县民政局"]
    assert "县民政局" in out  # ensure_ascii=False
    assert '\n  {\n    "number": 1,' in out  # indent=2

    out, _ = run("export", "--format", "json", "--current-names")
    assert "县卫健局" in out and "县卫计局" not in out
    assert out.count("县税务局") == 1

    target = tmp_path / "table.xlsx"
    _, err = run("export", "--format", "xlsx", "--version", "1", "--output", str(target))
    assert "已导出" in err
    out, _ = run("import", str(target))
    assert "无变化：仍为第 1 版" in out

    with pytest.raises(CommandError, match="没有第 9 版"):
        run("export", "--version", "9")
    with pytest.raises(CommandError, match="--output"):
        run("export", "--format", "xlsx")
    assert AuditEvent.objects.filter(action="policy.export").count() == 3


def test_shouhu_command_against_a_fresh_sqlite_database(tmp_path: Path) -> None:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "SHOUHU_DATA_DIR": str(tmp_path),
        "SHOUHU_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.sqlite3'}",
    }
    shouhu = Path(sys.executable).parent / "shouhu"

    def shell(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(  # noqa: S603  (our own console script)
            [str(shouhu), *args], env=env, capture_output=True, text=True, timeout=300, check=False
        )

    shutil.copyfile(migrated_sqlite_file(), tmp_path / "cli.sqlite3")  # what `shouhu migrate` makes
    imported = shell("policy", "import", str(SOURCE))
    assert imported.returncode == 0, imported.stderr
    assert "已导入第 1 版" in imported.stdout
    exported = shell("policy", "export", "--format", "json")
    assert exported.returncode == 0, exported.stderr
    rows = json.loads(exported.stdout)
    assert [row["number"] for row in rows] == list(range(1, 48))
    assert rows[24] == {
        "number": 25,
        "category": "工作体系",
        "text": rows[24]["text"],
        "lead": ["各乡镇（街道）"],
        "cooperating": [],
        "mode": "each_township",
    }
    failed = shell("policy", "import", str(tmp_path / "missing.txt"))
    assert failed.returncode != 0 and "找不到文件" in failed.stderr
