"""`shouhu restore FILE [--yes]`: replace the database and the uploaded files with a backup's
(core/backups.py, docs/operations.md). Destructive: asks for confirmation unless --yes."""

from __future__ import annotations

import datetime
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from shouhu.core.backups import BackupError, check_restorable, read_manifest, restore_backup


class Command(BaseCommand):
    help = "从备份文件恢复数据库和上传的文件（会覆盖当前的全部数据）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("archive", type=Path, metavar="FILE", help="shouhu backup 生成的备份文件")
        parser.add_argument("--yes", action="store_true", help="不再询问，直接恢复（覆盖当前数据）")

    def handle(self, *args: Any, archive: Path, yes: bool, **options: Any) -> None:
        try:
            manifest = read_manifest(archive)
            notes = check_restorable(manifest)
        except BackupError as error:
            raise CommandError(str(error)) from None
        try:
            when = f"{timezone.localtime(datetime.datetime.fromisoformat(manifest['created_at'])):%Y-%m-%d %H:%M:%S}"
        except (KeyError, TypeError, ValueError):
            when = "未知"
        self.stdout.write(f"备份时间 {when}，上传文件 {manifest.get('media_files', 0)} 个")
        if not yes:
            if not sys.stdin.isatty():
                raise CommandError("恢复会用备份覆盖当前的数据库和全部上传文件；确认无误请加 --yes。未做任何更改。")
            answer = input("恢复会用备份覆盖当前的数据库和全部上传文件，且无法撤销。输入 yes 继续：")
            if answer.strip().lower() != "yes":
                raise CommandError("已放弃恢复，未做任何更改。")
        try:
            restore_backup(archive)
        except BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"已从 {archive} 恢复数据库和上传文件。请运行 shouhu migrate，然后重新启动网站和后台进程。")
        for note in notes:
            self.stdout.write(note)
