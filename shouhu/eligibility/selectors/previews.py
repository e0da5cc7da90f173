"""Previews of a rule or parameter change: among the editor's children, how many match before and
after, and who changes (set-based counts, names masked)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import QuerySet

from shouhu.registry.models import Child, ChildStatus

from ..engine import RuleSet

PREVIEW_NAMES = 20


def mask_name(name: str) -> str:
    """张小明 → 张**: enough to recognise a child in a preview, not to identify one."""
    name = name.strip()
    return name[:1] + "*" * max(len(name) - 1, 1) if name else ""


@dataclass
class PreviewRow:
    code: str
    label: str
    kind: str
    before: int
    after: int
    gained: int
    lost: int
    gained_names: list[tuple[int, str]]
    lost_names: list[tuple[int, str]]

    @property
    def changed(self) -> bool:
        return bool(self.gained or self.lost)


def preview(
    *, before: RuleSet, after: RuleSet, codes: tuple[str, ...], as_of: datetime.date, children: QuerySet[Child]
) -> list[PreviewRow]:
    """For each code: how many of `children` match before and after the change, and who changes
    (set-based: counts and differences are queries, not loops over children)."""
    children = children.filter(status=ChildStatus.ACTIVE)
    rows = []
    for code in codes:
        if code not in after.rules:
            continue
        old = before.matching(code, as_of, children) if code in before.rules else children.none()
        new = after.matching(code, as_of, children)
        gained = new.exclude(pk__in=old.values("pk"))
        lost = old.exclude(pk__in=new.values("pk"))
        rule = after.rules[code]
        rows.append(
            PreviewRow(
                code=code,
                label=rule.label,
                kind=rule.kind,
                before=old.count(),
                after=new.count(),
                gained=gained.count(),
                lost=lost.count(),
                gained_names=[
                    (pk, mask_name(n)) for pk, n in gained.order_by("pk").values_list("pk", "name")[:PREVIEW_NAMES]
                ],
                lost_names=[
                    (pk, mask_name(n)) for pk, n in lost.order_by("pk").values_list("pk", "name")[:PREVIEW_NAMES]
                ],
            )
        )
    return rows
