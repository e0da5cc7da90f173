"""`shouhu children import FILE [--dry-run] [--as USERNAME]` and
`shouhu children export --format jsonl|xlsx [--region CODE] [--output FILE] [--as USERNAME]`.

Without --as the command acts as the system with the whole county in scope (the audit log says
系统); with --as it acts as that user, with that user's capabilities and jurisdiction. Import
validates the whole file first and prints a Chinese summary (new, updated with their changes,
errors by row and field); on any error it exits non-zero having written nothing.
"""

from __future__ import annotations

import io
import shutil
import tempfile
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError, CommandParser

from shouhu.accounts.models import User
from shouhu.regions.models import Region
from shouhu.registry.exchange.commit import ImportFailed, commit_file, queue_duplicates
from shouhu.registry.exchange.error_workbook import write_error_workbook
from shouhu.registry.exchange.exporting import FORMATS, export_children
from shouhu.registry.exchange.reading import ImportFileError, detect_format
from shouhu.registry.exchange.validation import validate_file

MAX_ERRORS_PRINTED = 200


class Command(BaseCommand):
    help = "儿童名单：import 导入（.jsonl / .xlsx / .csv），export 导出（jsonl 或 xlsx）"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        imp = sub.add_parser("import", help="导入儿童名单")
        imp.add_argument("file", help="名单文件（交换格式 .jsonl，或按导入模板填写的 .xlsx / .csv）")
        imp.add_argument("--dry-run", action="store_true", help="只检查和预览，不写入")
        imp.add_argument(
            "--as", dest="as_user", metavar="USERNAME", help="以该用户的身份和辖区导入（默认：系统，全县）"
        )
        imp.add_argument("--errors-xlsx", metavar="FILE", help="有错误时，把标注了错误的表格写到此文件")
        exp = sub.add_parser("export", help="导出儿童名单")
        exp.add_argument("--format", choices=FORMATS, default="jsonl", help="jsonl 或 xlsx")
        exp.add_argument("--region", default="", metavar="CODE", help="只导出该区划（乡镇或村）内的儿童")
        exp.add_argument("--output", "-o", help="输出文件（jsonl 默认输出到标准输出；xlsx 必须指定）")
        exp.add_argument(
            "--as", dest="as_user", metavar="USERNAME", help="以该用户的身份和辖区导出（默认：系统，全县）"
        )

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        actor = self.actor(options.get("as_user"))
        try:
            if action == "import":
                self.do_import(actor=actor, **options)
            else:
                self.do_export(actor=actor, **options)
        except PermissionDenied as error:
            raise CommandError(f"{actor.get_username() if actor else '系统'}：{error}") from None

    def actor(self, username: str | None) -> User | None:
        if not username:
            return None
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"没有名为「{username}」的有效用户")
        return user

    def do_import(self, *, actor: User | None, file: str, dry_run: bool, errors_xlsx: str | None, **_: Any) -> None:
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"找不到文件：{file}")
        # The preview's validated records, sealed, for the commit (exchange.commit.commit_file).
        records = Path(tempfile.mkdtemp(prefix="shouhu-import-")) / "records"
        try:
            self.import_file(path, records, actor=actor, dry_run=dry_run, errors_xlsx=errors_xlsx)
        finally:
            shutil.rmtree(records.parent, ignore_errors=True)

    def import_file(
        self, path: Path, records: Path, *, actor: User | None, dry_run: bool, errors_xlsx: str | None
    ) -> None:
        try:
            fmt = detect_format(path.name)
            result = validate_file(path, fmt=fmt, actor=actor, records=None if dry_run else records)
        except ImportFileError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            f"数据行：{result.rows}；新增：{result.new}；更新：{len(result.updates)}；无变化：{len(result.unchanged)}；"
            f"有错误的行：{result.error_rows}"
        )
        for update in result.updates:
            self.stdout.write(f"第 {update.row} 行 更新 {update.name}（{update.masked}）：")
            for change in update.changes:
                self.stdout.write(f"  {change['field']}：{change['before']} → {change['after']}")
        if not result.ok:
            for row_error in result.errors[:MAX_ERRORS_PRINTED]:
                self.stderr.write(str(row_error))
            if len(result.errors) > MAX_ERRORS_PRINTED:
                self.stderr.write(f"……另有 {len(result.errors) - MAX_ERRORS_PRINTED} 处错误")
            if errors_xlsx:
                write_error_workbook(path, fmt=fmt, errors=[e.as_dict() for e in result.errors], out=errors_xlsx)
                self.stderr.write(f"已把标注了错误的表格写到 {errors_xlsx}")
            raise CommandError(f"有 {result.error_rows} 行有错误，未写入任何数据")
        if dry_run:
            self.stdout.write("（预览模式，未写入任何数据）")
            return
        try:
            outcome = commit_file(
                path,
                fmt=fmt,
                actor=actor,
                plan=result.plan(),
                as_of=result.as_of,
                source_name=path.name,
                records=records,
            )
        except ImportFailed as error:
            raise CommandError(str(error)) from None
        queue_duplicates(outcome.created)
        self.stdout.write(self.style.SUCCESS(f"已导入：新增 {len(outcome.created)} 名，更新 {outcome.updated} 名"))

    def do_export(self, *, actor: User | None, format: str, region: str, output: str | None, **_: Any) -> None:
        if region and not Region.objects.filter(code=region).exists():
            raise CommandError(f"区划代码 {region} 不存在")
        if format == "xlsx" and not output:
            raise CommandError("导出 xlsx 时必须用 --output 指定文件")
        if output:
            with open(output, "wb") as out:
                count = export_children(actor=actor, fmt=format, out=out, region_code=region)
            self.stderr.write(f"已导出 {count} 名儿童到 {output}")
        else:
            buffer = io.BytesIO()
            count = export_children(actor=actor, fmt=format, out=buffer, region_code=region)
            self.stdout.write(buffer.getvalue().decode(), ending="")
            self.stderr.write(f"已导出 {count} 名儿童")
