"""Exporting what a user may see: JSON Lines (the exchange format) or .xlsx (the column layout).

The children are `children_in_scope(actor)` (the system — the CLI without --as — sees the
county), active records only, optionally under one region, each as its situation today
(`selectors.situations`, streamed by id range). Lines are the canonical `record_to_dict` with the
record's 登记编号 last (`record_keys.py`), sorted
by ID number (children without one after them, by id), so the same registry always gives the
same bytes and export → import → export is identical. Every export is audited with its count
and filters. In the workbook every text cell is written as a string: `=cmd()` stays text.
"""

from __future__ import annotations

import datetime
import json
from typing import IO, Any

from django.db import transaction
from django.db.models import QuerySet

from shouhu.access import Capability, children_in_scope, require
from shouhu.accounts.models import User
from shouhu.core import audit
from shouhu.core.dates import today
from shouhu.regions.models import prefix_of_code

from ..models import Child, ChildStatus
from ..record_keys import RECORD_KEY, county_code, record_key
from ..selectors import situations
from .format import record_to_dict
from .layout_writing import LayoutWriter, dict_to_row

FORMATS = ("jsonl", "xlsx")
CONTENT_TYPES = {
    "jsonl": "application/x-ndjson; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def children_for_export(actor: User | None, region_code: str = "") -> QuerySet[Child]:
    if actor is not None:
        require(actor, Capability.EXPORT_CHILDREN)
    children = children_in_scope(actor)
    children = children.filter(status=ChildStatus.ACTIVE)
    if region_code:
        children = children.filter(region_code__startswith=prefix_of_code(region_code))
    return children


def canonical_lines(children: QuerySet[Child], on: datetime.date) -> list[str]:
    """One JSON line per child, sorted by ID number, then (no ID number) by id. Each ends with the
    record's 登记编号 (`record_key`), so an edited export imported again updates the same children."""
    county = county_code()
    keyed: list[tuple[tuple[int, str, int], str]] = []
    for child, record in situations(children, on):
        key = (0, record.id_number, 0) if record.id_number else (1, "", child.pk)
        written = {**record_to_dict(record), RECORD_KEY: record_key(county, child.pk)}
        keyed.append((key, json.dumps(written, ensure_ascii=False) + "\n"))
    keyed.sort(key=lambda item: item[0])
    return [line for _, line in keyed]


def write_jsonl(lines: list[str], out: IO[bytes]) -> None:
    for line in lines:
        out.write(line.encode())


def write_xlsx(lines: list[str], out: str | IO[bytes]) -> None:
    writer = LayoutWriter(out)
    for line in lines:
        writer.write_row(dict_to_row(json.loads(line)))
    writer.close()


def export_children(
    *, actor: User | None, fmt: str, out: IO[bytes], region_code: str = "", on: datetime.date | None = None
) -> int:
    """Write the export to `out` and audit it; returns the number of children."""
    if fmt not in FORMATS:
        raise ValueError(f"未知格式：{fmt}")
    on = on or today()
    lines = canonical_lines(children_for_export(actor, region_code), on)
    if fmt == "jsonl":
        write_jsonl(lines, out)
    else:
        write_xlsx(lines, out)
    detail: dict[str, Any] = {"format": fmt, "count": len(lines), "region": region_code, "as_of": on.isoformat()}
    with transaction.atomic():
        audit.record(
            actor=actor,
            action="children.export",
            object_type="registry.child",
            summary=f"导出儿童名单 {len(lines)} 名（{fmt}{'，' + region_code if region_code else ''}）",
            detail=detail,
        )
    return len(lines)


def export_filename(fmt: str, region_code: str = "", on: datetime.date | None = None) -> str:
    on = on or today()
    return f"儿童名单-{region_code or '全部'}-{on:%Y%m%d}.{fmt}"
