"""Registered by shouhu.registry.contributions: demo children, the daily duplicates scan and the
reviewers' home panel."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from shouhu.accounts.access import Capability, can
from shouhu.accounts.models import User
from shouhu.core.demo import demo_loader
from shouhu.web.home import Panel, home_contributor
from shouhu.web.pagination import cached_count

from . import duplicate_tasks  # noqa: F401  (registers the periodic job)


@demo_loader
def load_demo_children(users: dict[str, Any]) -> str | None:
    """300 synthetic children (seed 2026) once, when the registry is still empty."""
    from .duplicates import scan
    from .generator import DEMO_CHILDREN, DEMO_SEED, generate_children
    from .models import Child

    if Child.objects.exists():
        return None
    written = generate_children(count=DEMO_CHILDREN, seed=DEMO_SEED)
    queued = scan()
    return f"儿童：已生成 {written} 名模拟儿童（演示数据），{queued} 对疑似重复待核查"


@home_contributor
def duplicates_panel(user: User) -> list[Panel]:
    if not can(user, Capability.REVIEW_DUPLICATES):
        return []
    from .duplicates import duplicates_visible_to
    from .models import DuplicateState

    # A county's first scan queues hundreds of thousands of pairs at province size, and scoping each
    # pair reads both children: a large count is remembered for a minute (as the list's own is).
    waiting = cached_count(duplicates_visible_to(user).filter(state=DuplicateState.OPEN))
    return [
        Panel(
            title="疑似重复档案",
            stat=waiting,
            text=f"待核查 {waiting} 对" if waiting else "没有待核查的疑似重复档案",
            link=reverse("registry:duplicates"),
            link_label="去核查",
        )
    ]
