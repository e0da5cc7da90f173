"""`shouhu users reset-2fa USERNAME`: remove a user's authenticator and recovery codes (a lost
phone); audited. A user whose role requires two-factor enrols again at the next sign-in."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from shouhu.accounts.models import User
from shouhu.accounts.signin import two_factor


class Command(BaseCommand):
    help = "用户：reset-2fa 重置某用户的两步验证（手机丢失时）"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        reset = sub.add_parser("reset-2fa", help="重置两步验证：删除身份验证器和恢复码")
        reset.add_argument("username")

    def handle(self, *args: Any, action: str, username: str, **options: Any) -> None:
        user = User.objects.filter(username__iexact=username.strip()).first()
        if user is None:
            raise CommandError(f"没有用户名为 {username} 的用户")
        if two_factor.reset(actor=None, user=user):
            self.stdout.write(f"已重置 {user.display_name}（{user.username}）的两步验证；其下次登录时须重新启用。")
        else:
            self.stdout.write(f"已重置：{user.display_name}（{user.username}）原本没有启用两步验证。")
