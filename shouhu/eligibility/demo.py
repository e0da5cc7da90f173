"""Eligibility's demo data (found by autodiscovery): the demo county screened once, as of today."""

from __future__ import annotations

from typing import Any

from shouhu.core.demo import demo_loader


@demo_loader
def screen_demo_children(users: dict[str, Any]) -> str | None:
    """Screen the demo county once, as of today, so the counts and the child pages have results."""
    from shouhu.core.dates import today
    from shouhu.regions.models import Region
    from shouhu.registry.models import Child

    from .models import ScreeningRun
    from .screening import run_screening, screening_request

    county = Region.objects.filter(parent__isnull=True).order_by("code").first()
    if county is None or ScreeningRun.objects.filter(child__isnull=True).exists() or not Child.objects.exists():
        return None
    run = run_screening(screening_request(actor=None, region_code=county.code, as_of=today()))
    return f"资格筛查：已筛查 {run.children_screened} 名儿童，{run.gained} 项符合"
