"""Reads of placements and the family register, each leaving an audit row (who, when, what)."""

from __future__ import annotations

from typing import Any

from shouhu.accounts.models import User
from shouhu.core import audit
from shouhu.registry.models import Child

from ..models import Family


def child_placements_viewed(*, actor: User, child: Child, history: bool) -> None:
    audit.record(
        actor=actor,
        action="placements.child_view",
        target=child,
        summary=f"查看儿童 {child.name} 的安置" + ("记录" if history else "（当前安置）"),
        detail={"history": history},
    )


def families_listed(*, actor: User, detail: dict[str, Any]) -> None:
    audit.record(
        actor=actor,
        action="placements.family_list",
        object_type="placements.family",
        summary="查看爱心家庭名册",
        detail=detail,
    )


def family_viewed(*, actor: User, family: Family, address: bool) -> None:
    audit.record(
        actor=actor,
        action="placements.family_view",
        target=family,
        summary=f"查看爱心家庭 {family.reference}",
        detail={"address": address},
    )


def families_matched(*, actor: User, child: Child, detail: dict[str, Any]) -> None:
    audit.record(
        actor=actor,
        action="placements.match",
        target=child,
        summary=f"为儿童 {child.name} 匹配爱心家庭",
        detail=detail,
    )
