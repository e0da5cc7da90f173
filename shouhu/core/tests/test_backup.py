"""`shouhu backup` and `shouhu restore` in real processes, on the suite's database (SQLite through
the online backup API, PostgreSQL through pg_dump / pg_restore): a backup, then changed rows and
uploaded files, then a restore, gives back exactly the state backed up; a restore is refused
without confirmation and under another encryption key, changing nothing."""

from __future__ import annotations

import base64
import hashlib
import json
import subprocess
import tarfile
from pathlib import Path

from shouhu.core.testing.processes import Watcher, scratch_database, shouhu_process, shouhu_run

OTHER_KEY = base64.b64encode(b"another key, 32 bytes long......").decode()


def run(args: list[str], url: str, data: Path, **env: str) -> subprocess.CompletedProcess[str]:
    process = shouhu_process(args, url, SHOUHU_DATA_DIR=str(data), **env)
    out, _ = process.communicate(input=None, timeout=300)
    return subprocess.CompletedProcess(args, process.returncode, out)


def tables(db: Watcher, url: str) -> list[str]:
    if url.startswith("sqlite"):
        sql = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
    else:
        sql = "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name"
    return [row[0] for row in db.rows(sql)]


def database_state(url: str) -> dict[str, tuple[int, str]]:
    """Every table's rows (count and digest), leaving out the audit rows of backing up and restoring
    themselves (written after the copy is made, and after the restore) and the audit chains' heads,
    which those rows move on (the restored chain is verified instead)."""
    db = Watcher(url)
    try:
        state = {}
        for table in tables(db, url):
            if table == "core_auditchainhead":
                continue
            where = " WHERE action NOT LIKE 'system.%'" if table == "core_auditevent" else ""
            rows = db.rows(f'SELECT * FROM "{table}"{where} ORDER BY 1')  # noqa: S608
            state[table] = (len(rows), hashlib.sha256(repr(rows).encode()).hexdigest())
        return state
    finally:
        db.close()


def media_state(media: Path) -> dict[str, str]:
    return {
        p.relative_to(media).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(media.rglob("*"))
        if p.is_file()
    }


def audit_actions(url: str) -> list[str]:
    db = Watcher(url)
    try:
        return [r[0] for r in db.rows("SELECT action FROM core_auditevent WHERE action LIKE 'system.%' ORDER BY id")]
    finally:
        db.close()


def test_backup_then_changes_then_restore_gives_back_the_backed_up_state(tmp_path: Path) -> None:
    data = tmp_path / "data"
    media = data / "media"
    with scratch_database(tmp_path, migrated=True) as url:
        shouhu_run(["demo", "generate", "--children", "60", "--seed", "3"], url, SHOUHU_DATA_DIR=str(data))
        (media / "evidence").mkdir(parents=True)
        (media / "evidence" / "报告.pdf").write_bytes(b"%PDF-1.4 first")
        (media / "imports").mkdir()
        (media / "imports" / "roster.jsonl").write_text('{"name": "张三"}\n', encoding="utf-8")
        before_db, before_media = database_state(url), media_state(media)

        archive = tmp_path / "backups" / "shouhu.tar.gz"
        archive.parent.mkdir()
        made = run(["backup", "--output", str(archive)], url, data)
        assert made.returncode == 0, made.stdout
        assert "2 个上传文件" in made.stdout
        with tarfile.open(archive) as tar:
            names = tar.getnames()
            manifest = json.loads(tar.extractfile("manifest.json").read())  # type: ignore[union-attr]
        assert {"manifest.json", "media/evidence/报告.pdf", "media/imports/roster.jsonl"} <= set(names)
        assert manifest["database"] in ("sqlite", "postgresql") and len(manifest["key_fingerprint"]) == 64
        assert manifest["migrations"]["registry"].startswith("00")
        assert audit_actions(url) == ["system.backup"]

        # Changes after the backup: more children, a file changed, one removed, one added.
        shouhu_run(["demo", "generate", "--children", "15", "--seed", "4"], url, SHOUHU_DATA_DIR=str(data))
        (media / "evidence" / "报告.pdf").write_bytes(b"%PDF-1.4 changed")
        (media / "imports" / "roster.jsonl").unlink()
        (media / "later.txt").write_text("after the backup")
        changed_db, changed_media = database_state(url), media_state(media)
        assert changed_db != before_db and changed_media != before_media

        # Refused, changing nothing: no confirmation; another encryption key; not a backup.
        refused = run(["restore", str(archive)], url, data)
        assert refused.returncode != 0 and "请加 --yes" in refused.stdout
        refused = run(["restore", str(archive), "--yes"], url, data, SHOUHU_ENCRYPTION_KEY=OTHER_KEY)
        assert refused.returncode != 0 and "加密密钥与当前的 SHOUHU_ENCRYPTION_KEY 不一致" in refused.stdout
        bogus = tmp_path / "bogus.tar.gz"
        bogus.write_bytes(b"not an archive")
        refused = run(["restore", str(bogus), "--yes"], url, data)
        assert refused.returncode != 0 and "不是守护系统的备份文件" in refused.stdout
        assert database_state(url) == changed_db and media_state(media) == changed_media

        restored = run(["restore", str(archive), "--yes"], url, data)
        assert restored.returncode == 0, restored.stdout
        assert database_state(url) == before_db
        assert media_state(media) == before_media
        assert not list(data.glob("media.before-restore-*"))
        # The restore is in the restored log (the backup's own row was written after the copy).
        assert audit_actions(url) == ["system.restore"]
        verified = run(["audit", "verify"], url, data)
        assert verified.returncode == 0, verified.stdout
        # The encrypted fields read back under the running key.
        out = shouhu_run(
            ["shell", "-c", "from shouhu.registry.models import Child; c = Child.objects.order_by('pk').first(); "
             "print(len(c.id_number))"],
            url, SHOUHU_DATA_DIR=str(data),
        )  # fmt: skip
        assert out.strip().splitlines()[-1] == "18"
