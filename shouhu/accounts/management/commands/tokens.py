"""`shouhu tokens issue --user U --name N [--expires YYYY-MM-DD]` (prints the key once),
`shouhu tokens list [--user U]` (never a key: only its hash is stored), `shouhu tokens revoke ID`.

For operators at the server. Each is audited with the actor "命令行". A token issued here acts as
its user but is not its owner's, so it never reveals sensitive fields (docs/security.md, "API
tokens"); a person issues their own in "我的API令牌"."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from shouhu.accounts import selectors, services
from shouhu.accounts.models import ApiToken, User


def _date(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--expires：{value} 不是有效日期（YYYY-MM-DD）") from None


class Command(BaseCommand):
    help = "接口令牌：issue 签发（只显示一次）、list 列出、revoke 吊销；每一步记入审计日志（操作人：命令行）"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        issue = sub.add_parser("issue", help="为一个用户签发令牌（令牌不能查看敏感信息）")
        issue.add_argument("--user", required=True, help="令牌代表的用户名")
        issue.add_argument("--name", required=True, help="使用令牌的系统名称")
        issue.add_argument("--expires", default="", help="有效期至 YYYY-MM-DD（可选）")
        listing = sub.add_parser("list", help="列出令牌（不显示密钥）")
        listing.add_argument("--user", default="", help="只列出这个用户的令牌")
        revoke = sub.add_parser("revoke", help="吊销令牌")
        revoke.add_argument("id", type=int, help="令牌编号（list 的第一列）")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        if action == "issue":
            self._issue(options["user"], options["name"], options["expires"])
        elif action == "list":
            self._list(options["user"])
        else:
            self._revoke(options["id"])

    def _issue(self, username: str, name: str, expires: str) -> None:
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"--user：用户 {username} 不存在")
        try:
            token, key = services.api_token_issue(
                actor=None, name=name, user=user, expires_on=_date(expires) if expires else None
            )
        except ValidationError as e:
            raise CommandError("；".join(e.messages)) from e
        self.stdout.write(f"已签发令牌 #{token.pk}「{token.name}」，代表 {user.username}。密钥只显示这一次：")
        self.stdout.write(key)

    def _list(self, username: str) -> None:
        if username and not User.objects.filter(username=username).exists():
            raise CommandError(f"--user：用户 {username} 不存在")
        tokens = list(selectors.api_tokens_for_operator(username))
        services.api_tokens_listed(count=len(tokens), username=username)
        self.stdout.write("编号\t系统名称\t前缀\t代表用户\t签发人\t有效期至\t最近使用\t状态")
        for t in tokens:
            state = "已吊销" if t.revoked_at else "有效"
            last = f"{timezone.localtime(t.last_used_at):%Y-%m-%d %H:%M}" if t.last_used_at else "—"
            expires = t.expires_on.isoformat() if t.expires_on else "—"
            self.stdout.write(
                f"{t.pk}\t{t.name}\t{t.key_prefix}…\t{t.user.username}\t{t.issuer_label}\t{expires}\t{last}\t{state}"
            )
        self.stdout.write(f"共 {len(tokens)} 个")

    def _revoke(self, token_id: int) -> None:
        token = ApiToken.objects.select_related("user", "issued_by").filter(pk=token_id).first()
        if token is None:
            raise CommandError(f"令牌 #{token_id} 不存在")
        if token.revoked_at is not None:
            revoked = timezone.localtime(token.revoked_at)
            self.stdout.write(f"令牌 #{token.pk}「{token.name}」已于 {revoked:%Y-%m-%d %H:%M} 吊销，未作改动")
            return
        services.api_token_revoke(actor=None, token=token)
        self.stdout.write(f"已吊销令牌 #{token.pk}「{token.name}」")
