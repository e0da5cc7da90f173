"""Backups: the database and the uploaded files (MEDIA_ROOT) in one archive, and restoring one.

An archive is a tar file (gzip-compressed) holding
- `manifest.json`: the format, when and from which database it was made, the fingerprint of the
  encryption key it was made under (`key_fingerprint`: a SHA-256 of the key, not the key), the
  latest migration of each app, and the number of uploaded files;
- `database.sqlite3` (SQLite, copied with the online backup API: consistent while the web server
  and the workers write) or `database.pgdump` (PostgreSQL, `pg_dump -Fc`: one snapshot);
- `media/…`: every file under MEDIA_ROOT.
It is written to a temporary name beside the output and renamed when complete, so a failed backup
never leaves a file that looks like one.

Restoring refuses an archive made under another encryption key (encrypted ID numbers, phones and
addresses would be unreadable) unless that key is one of SHOUHU_ENCRYPTION_OLD_KEYS, and an archive
of the other kind of database. The database is replaced in one step (SQLite: the backup API copies
the archive's pages over the live file; PostgreSQL: `pg_restore --clean --single-transaction`,
all or nothing), then MEDIA_ROOT is swapped for the archive's files. Both actions are audited;
the restore's row is written after the restore, into the restored log. Commands: `shouhu backup`,
`shouhu restore` (docs/operations.md).
"""

from __future__ import annotations

import contextlib
import datetime
import glob
import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, connections
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

from . import audit

FORMAT = "shouhu-backup/1"
MANIFEST = "manifest.json"
SQLITE_MEMBER = "database.sqlite3"
POSTGRES_MEMBER = "database.pgdump"
MEDIA_PREFIX = "media/"


class BackupError(Exception):
    """A backup or restore that cannot be done; the message says why, in Chinese. Nothing was changed."""


@dataclass
class BackupSummary:
    path: Path
    vendor: str
    media_files: int
    size: int


def key_fingerprint(key_b64: str) -> str:
    """What an archive records of an encryption key: enough to tell two keys apart, nothing to
    recover it from."""
    import base64

    return hashlib.sha256(b"shouhu-backup-key\0" + base64.b64decode(key_b64)).hexdigest()


def _vendor() -> str:
    return "sqlite" if connection.vendor == "sqlite" else "postgresql"


def _media_root() -> Path:
    return Path(settings.MEDIA_ROOT)


def pg_program(name: str) -> str:
    """pg_dump / pg_restore: SHOUHU_PG_BIN_DIR if set, else on PATH, else the newest
    /usr/lib/postgresql/*/bin (Debian's layout)."""
    folder = os.environ.get("SHOUHU_PG_BIN_DIR", "")
    if folder and (Path(folder) / name).is_file():
        return str(Path(folder) / name)
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(
        glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=lambda p: int(Path(p).parts[-3].split(".")[0])
    )
    if candidates:
        return candidates[-1]
    raise BackupError(f"找不到 PostgreSQL 的 {name} 程序：请安装 postgresql-client，或用 SHOUHU_PG_BIN_DIR 指明其目录")


def _pg_args_env() -> tuple[list[str], dict[str, str]]:
    db = settings.DATABASES["default"]
    args = ["-h", str(db.get("HOST") or "127.0.0.1"), "-p", str(db.get("PORT") or 5432)]
    if db.get("USER"):
        args += ["-U", str(db["USER"])]
    env = {**os.environ}
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    return [*args, "-d", str(db["NAME"])], env


def _run(command: list[str], env: dict[str, str], what: str) -> None:
    try:
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    except OSError as error:
        raise BackupError(f"{what}失败：{error}") from None
    if done.returncode != 0:
        raise BackupError(f"{what}失败：{done.stderr.strip()[-1500:]}")


def _migrations() -> dict[str, str]:
    latest: dict[str, str] = {}
    for app, name in MigrationRecorder.Migration.objects.values_list("app", "name").order_by("app", "name"):
        latest[app] = name
    return latest


def create_backup(output: Path) -> BackupSummary:
    """Write an archive of the database and MEDIA_ROOT to `output` (replacing a file there only
    once the new one is complete). Audited."""
    output = output.resolve()
    if output.is_dir():
        raise BackupError(f"「--output」：{output} 是一个目录，请给出文件名")
    if not output.parent.is_dir():
        raise BackupError(f"「--output」：目录 {output.parent} 不存在")
    media = _media_root()
    if media.resolve() in output.parents:
        raise BackupError("「--output」：备份文件不能放在上传文件目录（MEDIA_ROOT）里")
    vendor = _vendor()
    with tempfile.TemporaryDirectory(prefix="shouhu-backup-", dir=output.parent) as scratch:
        dump = Path(scratch) / (SQLITE_MEMBER if vendor == "sqlite" else POSTGRES_MEMBER)
        if vendor == "sqlite":
            _sqlite_copy(Path(settings.DATABASES["default"]["NAME"]), dump)
        else:
            args, env = _pg_args_env()
            command = [pg_program("pg_dump"), "-Fc", "--no-owner", "--no-privileges", "-f", str(dump), *args]
            _run(command, env, "pg_dump")
        files = sorted(p for p in media.rglob("*") if p.is_file()) if media.is_dir() else []
        manifest = {
            "format": FORMAT,
            "created_at": timezone.now().isoformat(),
            "database": vendor,
            "key_fingerprint": key_fingerprint(settings.ENCRYPTION_KEY),
            "migrations": _migrations(),
            "media_files": len(files),
        }
        partial = Path(scratch) / "archive.tar.gz"
        with tarfile.open(partial, "w:gz") as tar:
            data = json.dumps(manifest, ensure_ascii=False, indent=2).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mtime = len(data), int(timezone.now().timestamp())
            tar.addfile(info, io.BytesIO(data))
            tar.add(dump, arcname=dump.name)
            for path in files:
                tar.add(path, arcname=MEDIA_PREFIX + path.relative_to(media).as_posix())
        os.replace(partial, output)
    summary = BackupSummary(path=output, vendor=vendor, media_files=len(files), size=output.stat().st_size)
    audit.record(
        actor=None,
        action="system.backup",
        object_type="system",
        summary=f"备份数据库和 {len(files)} 个上传文件到 {output.name}",
        detail={"file": str(output), "database": vendor, "media_files": len(files), "size": summary.size},
    )
    return summary


def _sqlite_copy(source: Path, target: Path) -> None:
    """A consistent copy of a live SQLite database (the online backup API, page by page)."""
    src = sqlite3.connect(source, timeout=60)
    dst = sqlite3.connect(target)
    try:
        with dst:
            src.backup(dst)
    finally:
        dst.close()
        src.close()


def read_manifest(archive: Path) -> dict[str, Any]:
    """The archive's manifest, checked; BackupError when the file is not a Shouhu backup."""
    try:
        with tarfile.open(archive, "r:*") as tar:
            member = tar.extractfile(MANIFEST)
            if member is None:
                raise KeyError(MANIFEST)
            manifest = json.loads(member.read().decode())
    except FileNotFoundError:
        raise BackupError(f"备份文件 {archive} 不存在") from None
    except (tarfile.TarError, KeyError, OSError, ValueError):
        raise BackupError(f"{archive} 不是守护系统的备份文件（无法读取其说明 {MANIFEST}）") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{archive} 的格式不受支持（应为 {FORMAT}）")
    return manifest


def check_restorable(manifest: dict[str, Any]) -> list[str]:
    """Refuse (BackupError) what cannot be restored here; returns notes for the operator."""
    vendor = _vendor()
    if manifest.get("database") != vendor:
        names = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
        raise BackupError(
            f"该备份来自 {names.get(manifest.get('database', ''), '未知')} 数据库，当前使用的是 {names[vendor]}："
            "只能恢复到同一种数据库。未做任何更改。"
        )
    current = key_fingerprint(settings.ENCRYPTION_KEY)
    old = {key_fingerprint(k) for k in getattr(settings, "ENCRYPTION_OLD_KEYS", ()) if k}
    theirs = manifest.get("key_fingerprint")
    if theirs == current:
        return []
    if theirs in old:
        return [
            "该备份使用的加密密钥在 SHOUHU_ENCRYPTION_OLD_KEYS 中：恢复后请运行 shouhu crypto rotate 改用当前密钥。"
        ]
    raise BackupError(
        "该备份使用的加密密钥与当前的 SHOUHU_ENCRYPTION_KEY 不一致：恢复后身份证号、电话和住址将无法解密。"
        "请设置备份时使用的密钥（或把它加入 SHOUHU_ENCRYPTION_OLD_KEYS）后再恢复。未做任何更改。"
    )


def restore_backup(archive: Path) -> dict[str, Any]:
    """Replace the database and MEDIA_ROOT with the archive's. Destructive: the command asks first.
    Returns the manifest. Audited (in the restored log)."""
    archive = archive.resolve()
    manifest = read_manifest(archive)
    check_restorable(manifest)
    media = _media_root()
    media.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="shouhu-restore-", dir=media.parent) as scratch:
        unpacked = Path(scratch)
        try:
            with tarfile.open(archive, "r:*") as tar:
                tar.extractall(unpacked, filter="data")
        except (tarfile.TarError, OSError) as error:
            raise BackupError(f"无法解开备份文件：{error}。未做任何更改。") from None
        if manifest["database"] == "sqlite":
            dump = unpacked / SQLITE_MEMBER
            if not dump.is_file():
                raise BackupError(f"备份文件中缺少 {SQLITE_MEMBER}。未做任何更改。")
            connections.close_all()
            _sqlite_copy(dump, Path(settings.DATABASES["default"]["NAME"]))
        else:
            dump = unpacked / POSTGRES_MEMBER
            if not dump.is_file():
                raise BackupError(f"备份文件中缺少 {POSTGRES_MEMBER}。未做任何更改。")
            connections.close_all()
            args, env = _pg_args_env()
            _run(
                [pg_program("pg_restore"), "--clean", "--if-exists", "--no-owner", "--no-privileges",
                 "--single-transaction", "--exit-on-error", *args, str(dump)],
                env,
                "pg_restore（数据库未改动）",
            )  # fmt: skip
        _swap_media(unpacked / "media", media)
    _forget_cached_state()
    audit.record(
        actor=None,
        action="system.restore",
        object_type="system",
        summary=f"从备份 {archive.name}（{manifest.get('created_at', '')[:19]}）恢复数据库和上传文件",
        detail={
            "file": str(archive),
            "created_at": manifest.get("created_at"),
            "media_files": manifest.get("media_files"),
        },
    )
    return manifest


def _swap_media(restored: Path, media: Path) -> None:
    """Put the archive's files in MEDIA_ROOT's place: the new folder is renamed in, the old one out."""
    if not restored.is_dir():
        restored.mkdir()
    previous = media.with_name(f"{media.name}.before-restore-{datetime.datetime.now().strftime('%Y%m%d%H%M%S')}")  # noqa: DTZ005
    if media.exists():
        media.rename(previous)
    restored.rename(media)
    with contextlib.suppress(OSError):
        shutil.rmtree(previous)


def _forget_cached_state() -> None:
    """Caches keyed by generations that the restored database does not know of are dropped."""
    from django.core.cache import cache

    with contextlib.suppress(Exception):
        cache.clear()
