"""Open eligibility counted by region and code, and the children behind a count."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, QuerySet
from django.db.models.functions import Substr

from shouhu.access import children_visible_to
from shouhu.accounts.models import User
from shouhu.regions.models import Level, Region
from shouhu.registry.models import ChildStatus
from shouhu.registry.selectors import within_prefix

from ..models import Eligibility
from .rule_pages import code_labels


@dataclass
class CountsTable:
    region: Region
    columns: list[Region]
    rows: list[tuple[str, str, str, list[tuple[Region, int]], int]]  # code, label, kind, cells, total
    totals: list[int]


def open_eligibility(prefix: str) -> QuerySet[Eligibility]:
    return Eligibility.objects.filter(
        until__isnull=True, child__region_code__startswith=prefix, child__status=ChildStatus.ACTIVE
    )


def counts_table(region: Region, *, kind: str = "") -> CountsTable:
    """Open eligibility counts: one row per category/measure, one column per region directly
    under `region` (townships of the county, villages of a township), plus the total."""
    columns = list(region.children.order_by("code")) if region.level != Level.VILLAGE else [region]
    width = 9 if region.level == Level.COUNTY else 12
    cells: dict[tuple[str, str], int] = {}
    for row in (
        open_eligibility(region.prefix)
        .annotate(part=Substr("child__region_code", 1, width))
        .values("code", "part")
        .annotate(n=Count("id"))
    ):
        cells[(row["code"], row["part"])] = row["n"]
    keys = [c.code[:width] for c in columns]
    rows = []
    for code, (label, rule_kind) in code_labels().items():
        if kind and rule_kind != kind:
            continue
        values = [(column, cells.get((code, key), 0)) for column, key in zip(columns, keys, strict=True)]
        total = sum(n for (c, _p), n in cells.items() if c == code)
        rows.append((code, label, rule_kind, values, total))
    totals = [sum(r[3][i][1] for r in rows) for i in range(len(columns))]
    return CountsTable(region, columns, rows, totals)


def eligible_children(user: User, region: Region, code: str) -> QuerySet[Eligibility]:
    """Open eligibility rows of a code in a region, for children the user may see."""
    return (
        open_eligibility(region.prefix)
        .filter(within_prefix("child__region_code", region.prefix))  # lets the page's keys come from an index
        .filter(code=code, child__in=children_visible_to(user))
        .select_related("child__region__parent")  # found_by_id is all the list and export show
        .order_by("child__region_code", "child__name_pinyin", "child_id")
    )
