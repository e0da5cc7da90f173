"""The layout the next apps copy (docs/architecture.md), checked from the source so a change that
breaks it fails here rather than in review: no import cycles, one access package, one plug-in
convention, small modules."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "shouhu"
# Test code, migrations and the test machinery may import anything they exercise.
NOT_PRODUCTION = {"tests", "migrations", "testing"}
LONG_MODULE = 650  # lines; "about 600" with room for a docstring that says why a file stays whole
KEPT_WHOLE = "Kept whole:"
ACCESS_NAME = re.compile(r"^(access_\w+|\w+_visible_to|may_\w+|can_\w+)$")


def production_modules() -> dict[str, Path]:
    modules = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if NOT_PRODUCTION & set(parts):
            continue
        if parts[-1] == "__init__":
            parts.pop()
        modules[".".join(parts)] = path
    return modules


def _imported_base(module: str, path: Path, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    package = package[: len(package) - (node.level - 1)]
    return ".".join(package + ([node.module] if node.module else []))


def _known(name: str, modules: dict[str, Path]) -> str | None:
    while name and name not in modules:
        name = name.rpartition(".")[0]
    return name or None


@cache
def import_graph() -> dict[str, frozenset[str]]:
    """Every production module's imports of other production modules, function-level imports
    included (a lazy import dodges the import machinery, not the dependency)."""
    modules = production_modules()
    graph = {}
    for module, path in modules.items():
        targets = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets.update(filter(None, (_known(alias.name, modules) for alias in node.names)))
            elif isinstance(node, ast.ImportFrom) and node.module != "__future__":
                base = _imported_base(module, path, node)
                for alias in node.names:
                    full = f"{base}.{alias.name}"
                    target = _known(full if full in modules else base, modules)
                    if target:
                        targets.add(target)
        targets.discard(module)
        graph[module] = frozenset(targets)
    return graph


def import_cycles(graph: dict[str, frozenset[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan, iteratively)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles = []
    for start in graph:
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, successors = work[-1]
            for successor in successors:
                if successor not in index:
                    index[successor] = low[successor] = len(index)
                    stack.append(successor)
                    on_stack.add(successor)
                    work.append((successor, iter(sorted(graph[successor]))))
                    break
                if successor in on_stack:
                    low[node] = min(low[node], index[successor])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        cycles.append(sorted(component))
    return cycles


def test_the_cycle_finder_finds_a_cycle() -> None:
    graph = {"a": frozenset({"b"}), "b": frozenset({"c"}), "c": frozenset({"a"}), "d": frozenset({"a"})}
    assert import_cycles(graph) == [["a", "b", "c"]]
    assert import_cycles({"a": frozenset({"b"}), "b": frozenset()}) == []


def test_no_import_cycles_between_production_modules() -> None:
    """A cycle means two modules are one concern split in two, or a shared piece that belongs
    lower down (periods and dates in their own module; tasks import services, never the reverse;
    one app reacts to another's signal instead of being called by it)."""
    assert import_cycles(import_graph()) == []


def test_eligibility_does_not_import_casework() -> None:
    """Screening tells casework it finished (a signal); it never calls casework."""
    imports = [
        f"{module} → {target}"
        for module, targets in import_graph().items()
        if module.startswith("shouhu.eligibility")
        for target in targets
        if target.startswith("shouhu.casework")
    ]
    assert imports == []


def _functions(path: Path) -> Iterator[ast.FunctionDef]:
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.FunctionDef):
            yield node


def test_access_decisions_live_in_the_access_package() -> None:
    """`*_visible_to`, `access_*`, `may_*` and `can_*` decide who sees or does what: one package
    holds them all, so a reviewer reads one place to know a role's reach."""
    strays = [
        f"{module}.{function.name}"
        for module, path in production_modules().items()
        if not module.startswith("shouhu.access")
        for function in _functions(path)
        if ACCESS_NAME.match(function.name)
    ]
    assert strays == []


def test_apps_plug_in_by_autodiscovered_modules() -> None:
    """No app imports modules for their side effects in `AppConfig.ready()` (core's discovery of
    the plug-in modules is the one `ready`), and the old contribution modules are gone."""
    readies = [
        str(path.relative_to(ROOT))
        for path in PACKAGE.glob("*/apps.py")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.FunctionDef) and node.name == "ready" and path.parent.name != "core"
    ]
    assert readies == []
    leftovers = sorted(str(p.relative_to(ROOT)) for p in PACKAGE.rglob("contrib*.py"))
    assert leftovers == []


def test_modules_stay_small_or_say_why_they_are_whole() -> None:
    long_ones = []
    for module, path in production_modules().items():
        text = path.read_text(encoding="utf-8")
        lines = text.count("\n")
        docstring = ast.get_docstring(ast.parse(text)) or ""
        if lines > LONG_MODULE and KEPT_WHOLE not in docstring:
            long_ones.append(f"{module}: {lines} lines")
    assert long_ones == [], f"split these, or say in the docstring why ({KEPT_WHOLE!r}) they read best whole"
