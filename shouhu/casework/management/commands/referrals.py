"""`shouhu referrals routing [--format json|text] [--as-written]`: how every measure is routed."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from shouhu.casework.routing import RoutingError, routing_json, routing_text


class Command(BaseCommand):
    help = "转介：routing 输出各项措施的承办单位（按现名称，或 --as-written 按表中写法）"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        routing = sub.add_parser("routing", help="输出转介路由")
        routing.add_argument("--format", choices=["json", "text"], default="json", help="json（默认）或 text（中文）")
        routing.add_argument("--as-written", action="store_true", help="按分工表中的单位写法")

    def handle(self, *args: Any, action: str, as_written: bool = False, **options: Any) -> None:
        try:
            if options.get("format") == "text":
                self.stdout.write(routing_text(as_written=as_written), ending="")
                return
            table = routing_json(as_written=as_written)
        except RoutingError as e:
            raise CommandError(str(e)) from e
        self.stdout.write(json.dumps(table, ensure_ascii=False, indent=2))
