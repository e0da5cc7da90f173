"""`shouhu audit verify [--since YYYY-MM-DD]`: check the audit log's hash chains (`core.chain`).

Each chain (a day, one of its lanes) is walked from its first row; the first link that does not
hold is reported in words (a row changed, removed or slipped in) and the command exits with 1.
When every chain holds it prints how many days, chains and rows it checked and exits with 0; with
`--chains` also each chain's length and last hash, to keep somewhere the database's users cannot
write (docs/security.md, "Audit"). Run nightly (docs/operations.md).
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from shouhu.core import chain


def _date(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"「--since」应为日期，如 2026-01-31，收到的是「{value}」") from None


class Command(BaseCommand):
    help = "审计日志：verify 校验哈希链，报告每条链第一处断开的位置"

    def add_arguments(self, parser: CommandParser) -> None:
        commands = parser.add_subparsers(dest="subcommand", title="子命令", required=True)
        verify = commands.add_parser("verify", help="校验审计日志的哈希链")
        verify.add_argument("--since", default="", help="只校验这一天（YYYY-MM-DD）及以后的记录")
        verify.add_argument("--chains", action="store_true", help="列出每条链的条数和最后一条哈希")

    def handle(self, *args: Any, **options: Any) -> None:
        since = _date(options["since"]) if options.get("since") else None
        result = chain.verify(since=since)
        scope = f"{since.isoformat()} 以来" if since else "全部"
        if options.get("chains"):
            for (partition, lane), (rows, last_hash) in sorted(result.chains.items()):
                self.stdout.write(f"{partition} 第 {lane} 道：{rows} 条，最后一条哈希 {last_hash}")
        if result.ok:
            self.stdout.write(
                f"审计日志校验通过（{scope}）：{len(result.partitions)} 天，{len(result.chains)} 条链，"
                f"共 {result.rows} 条记录"
            )
            return
        for broken in result.broken:
            self.stderr.write(broken.message)
        self.stderr.write(
            f"审计日志校验未通过（{scope}）：{len(result.broken)} 处断开；"
            f"共检查 {len(result.chains)} 条链、{result.rows} 条记录"
        )
        raise SystemExit(1)
