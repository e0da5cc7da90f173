"""Every write to regions."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field

from django.db import transaction

from shouhu.accounts.models import User
from shouhu.core import audit
from shouhu.web.caching import POLICY, bump

from .models import Level, Region, level_of_code, prefix_of_code

CODE_RE = re.compile(r"^\d{12}$")
KIND_BY_SUFFIX = (("街道", "街道"), ("镇", "镇"), ("乡", "乡"), ("社区", "社区"), ("村", "村"), ("县", "县"))


class RegionImportError(Exception):
    def __init__(self, errors: list[str]) -> None:
        super().__init__("；".join(errors))
        self.errors = errors


@dataclass
class RegionImportReport:
    created: list[str] = field(default_factory=list)
    renamed: list[str] = field(default_factory=list)
    unchanged: int = 0
    errors: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Row:
    line: int
    code: str
    name: str
    parent: str


def guess_kind(name: str) -> str:
    for suffix, kind in KIND_BY_SUFFIX:
        if name.endswith(suffix):
            return kind
    return ""


def implied_parent_code(code: str) -> str | None:
    level = level_of_code(code)
    if level == Level.VILLAGE:
        return code[:9] + "000"
    if level == Level.TOWNSHIP:
        return code[:6] + "000000"
    return None


def _read_rows(text: str, report: RegionImportReport) -> list[_Row]:
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    rows: list[_Row] = []
    for line, cells in enumerate(reader, start=1):
        if not cells or all(not c.strip() for c in cells):
            continue
        if line == 1 and cells[0].strip().lower() in {"code", "代码", "区划代码"}:
            continue
        if len(cells) < 2:
            report.errors.append(f"第 {line} 行：至少需要「代码」和「名称」两列")
            continue
        code, name = cells[0].strip(), cells[1].strip()
        parent = cells[2].strip() if len(cells) > 2 else ""
        if not CODE_RE.match(code):
            report.errors.append(f"第 {line} 行「代码」：{code!r} 不是 12 位数字统计用区划代码")
            continue
        if not name:
            report.errors.append(f"第 {line} 行「名称」：不能为空")
            continue
        if parent and not CODE_RE.match(parent):
            report.errors.append(f"第 {line} 行「上级」：{parent!r} 不是 12 位数字统计用区划代码")
            continue
        rows.append(_Row(line, code, name, parent or (implied_parent_code(code) or "")))
    return rows


def _check_rows(rows: list[_Row], report: RegionImportReport) -> None:
    seen: dict[str, int] = {}
    for row in rows:
        if row.code in seen:
            report.errors.append(f"第 {row.line} 行「代码」：{row.code} 与第 {seen[row.code]} 行重复")
        seen[row.code] = row.line
    known = set(Region.objects.filter(code__in=[r.parent for r in rows if r.parent]).values_list("code", flat=True))
    known |= set(seen)
    for row in rows:
        if not row.parent:
            continue
        if not row.code.startswith(prefix_of_code(row.parent)) or row.code == row.parent:
            report.errors.append(f"第 {row.line} 行「上级」：{row.code} 不在上级 {row.parent} 的代码范围内")
        elif row.parent not in known:
            report.errors.append(f"第 {row.line} 行「上级」：上级区划 {row.parent} 不存在，也不在本文件中")


@transaction.atomic
def regions_import_csv(*, actor: User | None, text: str, dry_run: bool = False) -> RegionImportReport:
    """Import an official code list (`code,name[,parent]`). All or nothing: any error writes nothing.

    Existing codes get their names updated; new codes are created under their parent.
    """
    report = RegionImportReport()
    rows = _read_rows(text, report)
    _check_rows(rows, report)
    if report.errors:
        raise RegionImportError(report.errors)
    existing = {r.code: r for r in Region.objects.filter(code__in=[row.code for row in rows])}
    # Parents before children: sorting by level depth keeps creation order valid.
    for row in sorted(rows, key=lambda r: len(prefix_of_code(r.code))):
        region = existing.get(row.code)
        if region is None:
            parent = Region.objects.get(code=row.parent) if row.parent else None
            region = Region(code=row.code, name=row.name, parent=parent, kind=guess_kind(row.name))
            region.save()
            existing[row.code] = region
            report.created.append(row.code)
        elif region.name != row.name:
            region.name = row.name
            region.save()
            report.renamed.append(row.code)
        else:
            report.unchanged += 1
    if dry_run:
        transaction.set_rollback(True)
    else:
        bump(POLICY)  # the county's townships (supervision) and region counts (home) are kept
        audit.record(
            actor=actor,
            action="regions.import",
            object_type="regions.region",
            summary=f"导入区划：新增 {len(report.created)}，更名 {len(report.renamed)}",
            detail={"created": report.created, "renamed": report.renamed},
        )
    return report


@transaction.atomic
def region_create(*, actor: User, code: str, name: str, parent: Region) -> Region:
    if not CODE_RE.match(code):
        raise ValueError(f"「代码」：{code} 不是 12 位数字统计用区划代码")
    if not code.startswith(parent.prefix) or code == parent.code:
        raise ValueError(f"「代码」：{code} 不在上级「{parent.name}」的代码范围内")
    if Region.objects.filter(code=code).exists():
        raise ValueError(f"「代码」：{code} 已存在")
    region = Region(code=code, name=name.strip(), parent=parent, kind=guess_kind(name))
    region.save()
    bump(POLICY)
    audit.record(actor=actor, action="regions.create", target=region, summary=f"新增区划 {code} {name}")
    return region


@transaction.atomic
def region_rename(*, actor: User, region: Region, name: str) -> Region:
    old = region.name
    region.name = name.strip()
    region.save()
    bump(POLICY)
    audit.record(actor=actor, action="regions.rename", target=region, summary=f"区划更名：{old} → {region.name}")
    return region
