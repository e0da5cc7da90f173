"""Apps register demo loaders here (e.g. the policy table), run by `shouhu demo load`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

DemoLoader = Callable[[dict[str, Any]], str | None]
_loaders: list[DemoLoader] = []


def demo_loader(func: DemoLoader) -> DemoLoader:
    _loaders.append(func)
    return func


def demo_loaders() -> list[DemoLoader]:
    return list(_loaders)
