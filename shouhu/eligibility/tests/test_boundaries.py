"""Eligibility does not import casework: casework builds on eligibility's results (it listens to
`eligibility.signals`), and an import the other way round makes a cycle between the two apps.
Every import is checked, those inside functions too, relative ones resolved."""

from __future__ import annotations

import ast
from pathlib import Path

import shouhu.eligibility

APP = Path(shouhu.eligibility.__file__).resolve().parent
FORBIDDEN = "shouhu.casework"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(APP).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(["shouhu.eligibility", *parts])


def imported_modules(source: str, module: str, *, is_package: bool = False) -> list[tuple[int, str]]:
    """(line, absolute name) for every import statement of a module's source, at any depth; for
    `from X import y` both X and X.y (y may be a module)."""
    package = module if is_package else module.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            name = node.module or ""
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                name = ".".join([*base, node.module] if node.module else base)
            found += [(node.lineno, name), *((node.lineno, f"{name}.{alias.name}") for alias in node.names)]
    return found


def forbidden(name: str) -> bool:
    return name == FORBIDDEN or name.startswith(FORBIDDEN + ".")


def test_no_module_of_eligibility_imports_casework() -> None:
    offences = [
        f"{path.relative_to(APP)}:{line} imports {name}"
        for path in sorted(APP.rglob("*.py"))
        for line, name in imported_modules(
            path.read_text(encoding="utf-8"), module_name(path), is_package=path.name == "__init__.py"
        )
        if forbidden(name)
    ]
    assert offences == []


def test_the_check_sees_imports_inside_functions_and_relative_ones() -> None:
    source = (
        "def f():\n    from shouhu.casework.suggestions import create_suggestions\n"
        "def g():\n    from ...casework import tasks\n"
        "import shouhu.casework.receivers\n"
        "from shouhu import casework\n"
        "from .models import ScreeningRun\n"
    )
    names = {name for _line, name in imported_modules(source, "shouhu.eligibility.management.probe") if forbidden(name)}
    assert names == {
        "shouhu.casework",
        "shouhu.casework.suggestions",
        "shouhu.casework.suggestions.create_suggestions",
        "shouhu.casework.tasks",
        "shouhu.casework.receivers",
    }
