"""`shouhu screen`: screen exchange-format records (two engines) or the registry.

    shouhu screen --input FILE.jsonl --as-of YYYY-MM-DD --output FILE.jsonl [--engine memory|database]
    shouhu screen --all [--region CODE] [--as-of YYYY-MM-DD]

The database engine never touches the registry: it starts a copy of this command on a temporary
SQLite database, loads the valid records there and runs the set-based queries, with the rules and
parameters in force here on the as-of date.
"""

from __future__ import annotations

import datetime
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Sum

from shouhu.core.dates import today
from shouhu.eligibility.engine import RuleDef, RuleSet, screen_database
from shouhu.eligibility.rules import ruleset_on
from shouhu.eligibility.screening import (
    output_object,
    read_lines,
    run_screening,
    screening_request,
    unfinished_run,
)
from shouhu.regions.models import Region

SCRATCH_ENV = "SHOUHU_SCREEN_SCRATCH"


def parse_date(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"「--as-of」：{value} 不是有效日期（YYYY-MM-DD）") from None


class Command(BaseCommand):
    help = "资格筛查：对交换格式文件（--input）或登记库（--all）按规则筛查"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--input",
            type=Path,
            metavar="FILE",
            help="要筛查的交换格式文件（JSON Lines，每行一名儿童），与 --output 同用",
        )
        parser.add_argument(
            "--output",
            type=Path,
            metavar="FILE",
            help=(
                "筛查结果写入的文件（JSON Lines，每名儿童一行：id_number、as_of、categories、measures、"
                "explanations、undetermined（因信息未填写而无法判定的类别和措施及其所缺信息）；"
                "无效记录为 line 与 errors）"
            ),
        )
        parser.add_argument(
            "--as-of", dest="as_of", metavar="YYYY-MM-DD", help="按该日期在用的规则和情况筛查（默认：今天）"
        )
        parser.add_argument(
            "--engine",
            choices=["memory", "database"],
            default="memory",
            help="文件筛查的计算方式：memory 在内存中逐条计算（默认），database 在临时数据库中按集合计算；两者结果相同",
        )
        parser.add_argument("--all", action="store_true", help="筛查登记库（结果保存，并列出变化）")
        parser.add_argument(
            "--region", default="", metavar="CODE", help="只筛查该区划（12 位代码；默认：全县），与 --all 同用"
        )
        parser.add_argument("--scratch-plan", type=Path, help=argparse_hidden())

    def handle(self, *args: Any, **options: Any) -> None:
        if options["scratch_plan"]:
            self._scratch(options["scratch_plan"])
            return
        as_of = parse_date(options["as_of"]) if options["as_of"] else today()
        if options["all"]:
            self._registry(options["region"], as_of)
        elif options["input"] and options["output"]:
            failed = self._file(options["input"], options["output"], as_of, options["engine"])
            if failed:
                raise CommandError(f"{failed} 条记录无效（见输出文件中的 line 与 errors），其余记录已筛查")
        else:
            raise CommandError("请使用 --all，或同时给出 --input 和 --output")

    # -- the registry ---------------------------------------------------------------------------

    def _registry(self, region_code: str, as_of: datetime.date) -> None:
        county = Region.objects.filter(parent__isnull=True).order_by("code").first()
        code = region_code or (county.code if county else "")
        if not Region.objects.filter(code=code).exists():
            raise CommandError(f"「--region」：区划代码 {code} 不存在")
        # A run of this region and date that was interrupted (its process killed) is carried on:
        # its finished parts keep their results and drafts, the rest are screened once.
        run = unfinished_run(region_code=code, as_of=as_of)
        if run is not None:
            self.stdout.write(f"继续未完成的筛查 #{run.pk}（{run.progress_done}/{run.progress_total} 个乡镇已完成）")
        else:
            run = screening_request(actor=None, region_code=code, as_of=as_of)

        def progress(done: int, total: int) -> None:
            self.stdout.write(f"\r已完成 {done}/{total} 个乡镇（街道）", ending="")
            self.stdout.flush()

        # Each part drafts its suggestions in its own transaction (whoever listens: casework).
        run = run_screening(run, on_progress=progress, announce=True)
        suggested = run.parts.aggregate(n=Sum("suggested"))["n"] or 0
        self.stdout.write("")
        self.stdout.write(
            f"筛查 #{run.pk} 完成：{run.children_screened} 名儿童，新增符合 {run.gained} 项，不再符合 {run.lost} 项"
        )
        if suggested:
            self.stdout.write(f"已为 {suggested} 名儿童生成受理建议，待乡镇（街道）窗口确认")

    # -- files ----------------------------------------------------------------------------------

    def _file(self, source: Path, target: Path, as_of: datetime.date, engine: str) -> int:
        try:
            text = source.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as e:
            raise CommandError(f"无法读取 {source}：{e}") from e
        known = set(Region.objects.values_list("code", flat=True))
        lines = list(read_lines(text.splitlines(), known_regions=known))
        ruleset = ruleset_on(as_of)
        valid = [item for item in lines if item.record is not None]
        if engine == "memory":
            decided = {}
            for item in valid:
                decision = ruleset.decide(item.record, as_of)  # type: ignore[arg-type]
                decided[item.line] = (decision.categories, decision.measures, decision.undetermined)
        else:
            decided = self._database_engine(ruleset, valid, as_of)
        with target.open("w", encoding="utf-8") as out:
            for item in lines:
                if item.record is None:
                    obj: dict[str, Any] = {"line": item.line, "errors": item.errors}
                else:
                    categories, measures, undetermined = decided[item.line]
                    obj = output_object(ruleset, item.record, as_of, categories, measures, undetermined)
                out.write(json.dumps(obj, ensure_ascii=False) + "\n")
        self.stdout.write(f"已筛查 {len(valid)} 条，无效 {len(lines) - len(valid)} 条，结果写入 {target}")
        return len(lines) - len(valid)

    def _database_engine(
        self, ruleset: RuleSet, valid: list[Any], as_of: datetime.date
    ) -> dict[int, tuple[list[str], list[str], dict[str, list[str]]]]:
        from shouhu.registry.exchange.format import record_to_dict

        with tempfile.TemporaryDirectory(prefix="shouhu-screen-") as tmp:
            plan = Path(tmp) / "plan.json"
            result = Path(tmp) / "result.json"
            regions = list(Region.objects.order_by("code").values_list("code", "name", "parent__code"))
            plan.write_text(
                json.dumps(
                    {
                        "as_of": as_of.isoformat(),
                        "rules": [r.__dict__ for r in ruleset.rules.values()],
                        "params": ruleset.params,
                        "regions": regions,
                        "records": [[item.line, record_to_dict(item.record)] for item in valid],
                        "result": str(result),
                    },
                    ensure_ascii=False,
                ),
                encoding="utf-8",
            )
            env = {
                **os.environ,
                "SHOUHU_DATABASE_URL": f"sqlite:///{Path(tmp) / 'screen.sqlite3'}",
                SCRATCH_ENV: "1",
                "SHOUHU_DATA_DIR": tmp,
            }
            proc = subprocess.run(  # noqa: S603  (our own interpreter and module)
                [sys.executable, "-m", "shouhu.cli", "screen", "--scratch-plan", str(plan)],
                env=env,
                capture_output=True,
                text=True,
                check=False,
            )
            if proc.returncode != 0:
                raise CommandError(f"数据库引擎失败：{proc.stderr[-2000:]}")
            data = json.loads(result.read_text(encoding="utf-8"))
        return {int(line): (cats, measures, undetermined) for line, (cats, measures, undetermined) in data.items()}

    def _scratch(self, plan_path: Path) -> None:
        """Inside the temporary database: migrate, load the records, run the set-based queries."""
        from django.core.management import call_command

        from shouhu.registry.exchange.bulk import bulk_register
        from shouhu.registry.exchange.format import parse_record
        from shouhu.registry.models import Child

        if os.environ.get(SCRATCH_ENV) != "1":
            raise CommandError("--scratch-plan 只供内部使用")
        plan = json.loads(plan_path.read_text(encoding="utf-8"))
        call_command("migrate", verbosity=0)
        by_code: dict[str, Region] = {}
        for code, name, parent in plan["regions"]:
            region = Region.objects.filter(code=code).first() or Region(
                code=code, name=name, parent=by_code.get(parent)
            )
            if region.pk is None:
                region.save()
            by_code[code] = region
        as_of = datetime.date.fromisoformat(plan["as_of"])
        records = []
        for _line, obj in plan["records"]:
            record, errors = parse_record(obj, today=as_of)
            assert record is not None, errors
            records.append(record)
        # Every fact in force long before the as-of date, as in the input.
        ids = bulk_register(actor=None, records=records, effective=datetime.date(1900, 1, 1), action="screen.scratch")
        ruleset = RuleSet([RuleDef(**r) for r in plan["rules"]], plan["params"])
        screened = screen_database(ruleset, as_of, Child.objects.all())
        result = {
            line: (screened[pk].categories, screened[pk].measures, screened[pk].undetermined)
            for (line, _obj), pk in zip(plan["records"], ids, strict=True)
        }
        Path(plan["result"]).write_text(json.dumps(result), encoding="utf-8")


def argparse_hidden() -> str:
    import argparse

    return argparse.SUPPRESS
