"""`shouhu demo load`: demo villages and one user per role, clearly marked as demo data; `shouhu demo
code`: the code the demo authenticator shows now (for the demo administrator and caseworker)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from shouhu.accounts.personas import DEMO_PASSWORD, PERSONAS, ensure_personas, signs_in_with_code
from shouhu.accounts.signin.two_factor import DEMO_TOTP_KEY, DEMO_TOTP_SECRET
from shouhu.core.demo import demo_loaders


class Command(BaseCommand):
    help = "演示数据：load 载入演示村（社区）、各角色演示账号等（标记为演示数据）"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("load", help="载入演示数据（可重复执行）")
        generate = sub.add_parser("generate", help="生成模拟儿童数据（用于演示和性能测试）")
        generate.add_argument("--children", type=int, required=True, help="生成的儿童人数")
        generate.add_argument("--seed", type=int, default=2026, help="随机种子（相同种子生成相同数据）")
        sub.add_parser("code", help="演示身份验证器当前的验证码（admin、caseworker 登录时输入）")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        if action == "generate":
            self._generate(options["children"], options["seed"])
            return
        if action == "code":
            self._code()
            return
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
        with_code = "、".join(p.key for p in PERSONAS if signs_in_with_code(p.key))
        self.stdout.write(
            f"须两步验证的演示账号（{with_code}）登录时还要输入验证码：在身份验证器中添加密钥 "
            f"{DEMO_TOTP_SECRET}，或运行 shouhu demo code 查看当前验证码。"
        )

    def _code(self) -> None:
        from binascii import unhexlify

        from django_otp.oath import totp

        self.stdout.write(f"{totp(unhexlify(DEMO_TOTP_KEY)):06d}")

    def _generate(self, count: int, seed: int) -> None:
        import time

        from django.core.management.base import CommandError

        from shouhu.registry.generator import generate_children

        if count < 1:
            raise CommandError("「--children」应为正整数")
        started = time.monotonic()
        step = max(1000, count // 20)
        shown = [0]

        def progress(done: int) -> None:
            if done - shown[0] >= step or done == count:
                shown[0] = done
                self.stdout.write(f"  已生成 {done:,} / {count:,}（{time.monotonic() - started:.1f} 秒）")

        written = generate_children(count=count, seed=seed, on_progress=progress)
        elapsed = time.monotonic() - started
        self.stdout.write(self.style.SUCCESS(f"已生成 {written:,} 名模拟儿童（种子 {seed}），用时 {elapsed:.1f} 秒"))
