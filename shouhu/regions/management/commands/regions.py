"""`shouhu regions import FILE.csv [--dry-run]`: an official statistical code list."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from shouhu.regions import services
from shouhu.regions.selectors import decode_upload


class Command(BaseCommand):
    help = "行政区划：import 导入统计用区划代码表（CSV：代码,名称[,上级代码]）"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        importer = sub.add_parser("import", help="导入区划代码表")
        importer.add_argument("file", type=Path)
        importer.add_argument("--dry-run", action="store_true", help="只检查并报告，不写入")

    def handle(self, *args: Any, action: str, file: Path, dry_run: bool, **options: Any) -> None:
        try:
            text = decode_upload(file.read_bytes())
        except OSError as e:
            raise CommandError(f"无法读取文件 {file}：{e.strerror}") from e
        except UnicodeDecodeError as e:
            raise CommandError("无法识别文件编码，请保存为 UTF-8 或 GB18030 编码的 CSV") from e
        try:
            report = services.regions_import_csv(actor=None, text=text, dry_run=dry_run)
        except services.RegionImportError as e:
            for error in e.errors:
                self.stderr.write(error)
            raise CommandError(f"共 {len(e.errors)} 处错误，未写入任何数据") from e
        prefix = "（试运行，未写入）" if dry_run else ""
        self.stdout.write(
            f"{prefix}新增 {len(report.created)} 个，更名 {len(report.renamed)} 个，未变 {report.unchanged} 个"
        )
