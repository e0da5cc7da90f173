"""`shouhu demo load`: demo villages and one user per role, clearly marked as demo data."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from shouhu.accounts.personas import DEMO_PASSWORD, PERSONAS, ensure_personas
from shouhu.core.demo import demo_loaders


class Command(BaseCommand):
    help = "演示数据：load 载入演示村（社区）、各角色演示账号等（标记为演示数据）"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("load", help="载入演示数据（可重复执行）")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        users = ensure_personas()
        for loader in demo_loaders():
            message = loader(users)
            if message:
                self.stdout.write(message)
        self.stdout.write(self.style.SUCCESS(f"演示数据已载入。演示账号（密码均为 {DEMO_PASSWORD}）："))
        for persona in PERSONAS:
            user = users[persona.key]
            scope = (
                user.region.name
                if user.region
                else (user.department.official_name if user.department else (user.organisation or "全县"))
            )
            self.stdout.write(f"  {persona.key:<14} {user.get_role_display()}（{scope}）")
