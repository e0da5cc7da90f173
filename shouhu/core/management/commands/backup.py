"""`shouhu backup --output FILE`: the database and the uploaded files in one archive (core/backups.py,
docs/operations.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from shouhu.core.backups import BackupError, create_backup


class Command(BaseCommand):
    help = "备份数据库和上传的文件（MEDIA_ROOT）到一个文件，附加密密钥指纹"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--output", required=True, type=Path, metavar="FILE", help="备份写入的文件（.tar.gz）")

    def handle(self, *args: Any, output: Path, **options: Any) -> None:
        try:
            summary = create_backup(output)
        except BackupError as error:
            raise CommandError(str(error)) from None
        database = "SQLite" if summary.vendor == "sqlite" else "PostgreSQL"
        self.stdout.write(
            f"已备份 {database} 数据库和 {summary.media_files} 个上传文件到 {summary.path}"
            f"（{summary.size / 1024 / 1024:.1f} MB）"
        )
