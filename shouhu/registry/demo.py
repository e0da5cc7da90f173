"""The registry's demo data (found by autodiscovery): 300 synthetic children, then a first
duplicate scan."""

from __future__ import annotations

from typing import Any

from shouhu.core.demo import demo_loader


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
