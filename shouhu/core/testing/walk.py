"""Machinery for the persona walk: every URL pattern and API operation, requested as every
persona, must answer as its access rule and the sample's scope say.

Each app lists its samples in `shouhu/<app>/tests/walk_samples*.py` (one or more modules):

    def setup(personas) -> dict: ...          # optional: create objects the samples point at
    SAMPLES = {"regions:detail": [Sample(kwargs={"code": TOWNSHIP_A}, ok=SEES_A), ...]}
    API_SAMPLES = {"/regions/{code}": [Sample(kwargs=..., ok=...)]}

`ok` is the set of persona keys that may act on that object; a persona whose role has the
capability but is not in `ok` must get 404 (out of scope), one whose role lacks it 403.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.urls import URLPattern, URLResolver, get_resolver

import shouhu

Kwargs = dict[str, Any] | Callable[[dict[str, Any]], dict[str, Any]]


@dataclass(frozen=True)
class Sample:
    kwargs: Kwargs = field(default_factory=dict)
    ok: frozenset[str] | None = None  # None: everyone whose role has the capability
    method: str = "get"
    data: dict[str, Any] | Callable[[dict[str, Any]], dict[str, Any]] = field(default_factory=dict)
    success: tuple[int, ...] = (200,)
    query: str = ""

    def resolve_kwargs(self, ctx: dict[str, Any]) -> dict[str, Any]:
        return self.kwargs(ctx) if callable(self.kwargs) else dict(self.kwargs)

    def resolve_data(self, ctx: dict[str, Any]) -> dict[str, Any]:
        return self.data(ctx) if callable(self.data) else dict(self.data)


@dataclass(frozen=True)
class Route:
    name: str  # "namespace:name"
    pattern: str
    callback: Any


def iter_routes(resolver: URLResolver | None = None, prefix: str = "", namespace: str = "") -> Iterator[Route]:
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            ns = namespace
            if entry.namespace:
                ns = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
            yield from iter_routes(entry, prefix + str(entry.pattern), ns)
        elif isinstance(entry, URLPattern):
            name = f"{namespace}:{entry.name}" if namespace and entry.name else (entry.name or "")
            yield Route(name=name, pattern=prefix + str(entry.pattern), callback=entry.callback)


def walk_modules() -> list[Any]:
    """Every `shouhu/<app>/tests/walk_samples*.py` module."""
    modules = []
    for app in pkgutil.iter_modules(shouhu.__path__):
        try:
            tests = importlib.import_module(f"shouhu.{app.name}.tests")
        except ModuleNotFoundError as e:
            if e.name != f"shouhu.{app.name}.tests":
                raise
            continue
        for info in pkgutil.iter_modules(tests.__path__):
            if info.name.startswith("walk_samples"):
                modules.append(importlib.import_module(f"shouhu.{app.name}.tests.{info.name}"))
    return modules


def collect_samples(attribute: str) -> dict[str, list[Sample]]:
    samples: dict[str, list[Sample]] = {}
    for module in walk_modules():
        for name, items in getattr(module, attribute, {}).items():
            assert name not in samples, f"{name} has samples in two modules"
            samples[name] = items
    return samples


def run_setups(personas: dict[str, Any]) -> dict[str, Any]:
    ctx: dict[str, Any] = {"personas": personas}
    for module in walk_modules():
        if hasattr(module, "setup"):
            ctx.update(module.setup(personas) or {})
    return ctx
