"""Registered by EligibilityConfig.ready(): the home-page panel and the demo screening."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from shouhu.accounts.access import Capability, can
from shouhu.accounts.models import User
from shouhu.core.demo import demo_loader
from shouhu.web.home import Panel, home_contributor


@home_contributor
def eligibility_panels(user: User) -> list[Panel]:
    if not can(user, Capability.VIEW_ELIGIBILITY):
        return []
    from .selectors import latest_runs, run_rows

    runs = latest_runs(user)
    items = [("各类别、措施人数", reverse("eligibility:counts"))]
    if not runs:
        return [
            Panel(
                title="资格筛查",
                text="还没有筛查记录",
                link=reverse("eligibility:runs"),
                link_label="查看筛查",
                items=items,
            )
        ]
    row = run_rows(user, runs)[0]
    run = row.run
    text = f"最近一次：{row.region_name}，基准日 {run.as_of}，{run.get_state_display()}"
    if run.state == "done":
        text += f"；新增符合 {row.gained} 项，不再符合 {row.lost} 项"
    return [
        Panel(
            title="资格筛查",
            text=text,
            link=reverse("eligibility:run", args=[run.pk]),
            link_label="查看筛查结果",
            items=items,
        )
    ]


@demo_loader
def screen_demo_children(users: dict[str, Any]) -> str | None:
    """Screen the demo county once, as of today, so the counts and the child pages have results."""
    from django.utils import timezone

    from shouhu.regions.models import Region
    from shouhu.registry.models import Child

    from .models import ScreeningRun
    from .screening import run_screening, screening_request

    county = Region.objects.filter(parent__isnull=True).order_by("code").first()
    if county is None or ScreeningRun.objects.exists() or not Child.objects.exists():
        return None
    run = run_screening(screening_request(actor=None, region_code=county.code, as_of=timezone.localdate()))
    return f"资格筛查：已筛查 {run.children_screened} 名儿童，{run.gained} 项符合"
