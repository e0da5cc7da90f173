"""`shouhu policy import FILE …` and `shouhu policy export --format json|xlsx …`.

Import prints a Chinese summary (tasks, areas, units; the version created, "no change", or the
differences from the previous version); problems go to stderr with a non-zero exit and nothing
written. The acting user is the system (the audit log says 系统).
"""

from __future__ import annotations

import datetime
import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from shouhu.accounts.models import Department
from shouhu.policy.importing import PolicyImportError, policy_export_record, policy_import_commit, policy_import_preview
from shouhu.policy.importing.exporting import FORMATS, export_json, export_xlsx
from shouhu.policy.importing.parsing import MAX_DOCUMENT_BYTES
from shouhu.policy.models import PolicyDocument, UnitAlias
from shouhu.policy.selectors import current_document


class Command(BaseCommand):
    help = "任务分工表：import 导入（.txt/.docx/.xlsx），export 导出（JSON 或 Excel）"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        imp = sub.add_parser("import", help="导入任务分工表")
        imp.add_argument("file", help="分工表文件（.txt、.docx 或 .xlsx）")
        imp.add_argument("--dry-run", action="store_true", help="只预览，不写入")
        imp.add_argument("--title", help="标题（默认取文件中的标题，其次文件名）")
        imp.add_argument("--issuing-body", default="", help="印发机关")
        imp.add_argument("--issued-on", help="印发日期 YYYY-MM-DD")
        imp.add_argument(
            "--map",
            action="append",
            default=[],
            metavar="表中写法=已有单位",
            help="把表中的单位写法对应到已有单位（可重复），如 县卫健委=县卫健局",
        )
        imp.add_argument(
            "--create-unit", action="append", default=[], metavar="单位", help="确认表中的单位为新单位（可重复）"
        )
        exp = sub.add_parser("export", help="导出任务分工表")
        exp.add_argument("--format", choices=FORMATS, default="json", help="json 或 xlsx")
        exp.add_argument("--title", help="分工表标题（默认：最近导入的分工表）")
        exp.add_argument("--version", type=int, help="版本号（默认：最新版本）")
        exp.add_argument("--output", "-o", help="输出文件（JSON 默认输出到标准输出；xlsx 必须指定）")
        exp.add_argument("--current-names", action="store_true", help="按机构改革后的现名称列出单位")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        if action == "import":
            self.do_import(**options)
        else:
            self.do_export(**options)

    # -- import ------------------------------------------------------------------------

    def do_import(
        self,
        *,
        file: str,
        dry_run: bool,
        title: str | None,
        issuing_body: str,
        issued_on: str | None,
        map: list[str],
        create_unit: list[str],
        **_: Any,
    ) -> None:
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"找不到文件：{file}")
        if path.stat().st_size > MAX_DOCUMENT_BYTES:
            raise CommandError(f"文件过大，上限为 {MAX_DOCUMENT_BYTES // (1024 * 1024)} MB")
        date = None
        if issued_on:
            try:
                date = datetime.date.fromisoformat(issued_on)
            except ValueError:
                raise CommandError(f"印发日期「{issued_on}」格式不对，应为 YYYY-MM-DD") from None
        arguments: dict[str, Any] = {
            "actor": None,
            "data": path.read_bytes(),
            "filename": path.name,
            "title": title,
            "issuing_body": issuing_body,
            "issued_on": date,
            "aliases": self.aliases(map),
            "create_units": create_unit,
        }
        preview = policy_import_preview(**arguments)
        for line in preview.summary_lines():
            self.stdout.write(line)
        if not preview.can_commit:
            self.fail(preview.blocking_messages)
        if dry_run:
            self.stdout.write("（预览模式，未写入任何数据）")
            return
        try:
            document = policy_import_commit(**arguments)
        except PolicyImportError as error:
            self.fail(error.errors)
        if preview.unchanged is not None:
            self.stdout.write(self.style.SUCCESS(f"无变化：仍为第 {document.version} 版"))
        else:
            self.stdout.write(self.style.SUCCESS(f"已导入第 {document.version} 版（编号 {document.pk}）"))

    def aliases(self, entries: list[str]) -> dict[str, int]:
        aliases: dict[str, int] = {}
        errors = []
        for entry in entries:
            written, sep, target = entry.partition("=")
            written, target = written.strip(), target.strip()
            if not sep or not written or not target:
                errors.append(f"--map「{entry}」格式不对，应为 表中写法=已有单位")
                continue
            department = Department.objects.filter(name=target).first()
            if department is None:
                alias = UnitAlias.objects.filter(alias=target).select_related("department").first()
                department = alias.department if alias else None
            if department is None:
                errors.append(f"--map「{entry}」：没有名为「{target}」的单位")
                continue
            aliases[written] = department.pk
        if errors:
            self.fail(errors)
        return aliases

    def fail(self, messages: list[str]) -> None:
        for message in messages:
            self.stderr.write(message)
        raise CommandError("导入失败，未写入任何数据")

    # -- export ------------------------------------------------------------------------

    def do_export(
        self,
        *,
        format: str,
        title: str | None,
        version: int | None,
        output: str | None,
        current_names: bool,
        **_: Any,
    ) -> None:
        document = self.document(title, version)
        if format == "xlsx" and not output:
            raise CommandError("导出 Excel 时请用 --output 指定文件")
        policy_export_record(actor=None, document=document, fmt=format, current_names=current_names)
        if format == "json":
            text = json.dumps(export_json(document, current_names=current_names), ensure_ascii=False, indent=2)
            if output:
                Path(output).write_text(text + "\n", encoding="utf-8")
            else:
                self.stdout.write(text)
                return
        else:
            assert output is not None
            Path(output).write_bytes(export_xlsx(document, current_names=current_names))
        self.stderr.write(f"已导出《{document.title}》第 {document.version} 版到 {output}")

    def document(self, title: str | None, version: int | None) -> PolicyDocument:
        if title is None:
            current = current_document()
            if current is None:
                raise CommandError("还没有导入任何任务分工表")
            title = current.title
        versions = PolicyDocument.objects.filter(title=title).order_by("-version")
        if not versions.exists():
            raise CommandError(f"没有标题为「{title}」的分工表")
        document = versions.filter(version=version).first() if version else versions.first()
        if document is None:
            numbers = "、".join(str(v) for v in versions.values_list("version", flat=True))
            raise CommandError(f"《{title}》没有第 {version} 版（已有：{numbers}）")
        return document
