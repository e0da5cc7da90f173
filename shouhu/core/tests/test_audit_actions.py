"""Every action written to the audit log has words for the audit page (`core/actions.py`)."""

from __future__ import annotations

import ast
from collections.abc import Iterable
from pathlib import Path

import pytest

import shouhu
from shouhu.casework.services.referrals import TRANSITIONS
from shouhu.core.actions import ACTION_LABELS, action_label
from shouhu.core.audit import record
from shouhu.placements.transitions import STEPS as FAMILY_STEPS
from shouhu.safeguarding.transitions import TRANSITIONS as SAFETY_TRANSITIONS

ROOT = Path(shouhu.__file__).parent


def _strings(node: ast.AST) -> list[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.IfExp):
        return _strings(node.body) + _strings(node.orelse)
    if isinstance(node, ast.Tuple):
        return [s for element in node.elts for s in _strings(element)]
    return []


def written_actions() -> set[str]:
    """The action strings production code hands to `audit.record` / `record_many`: given as
    `action=`, assigned to a name `action` (or an argument's default), or f"referral.{…}" and
    f"safety.case_{…}" and f"placements.family_{…}" (each transition of their table)."""
    found: set[str] = set()
    for path in ROOT.rglob("*.py"):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", "")) in {
                "record",
                "record_many",
            }:
                for keyword in node.keywords:
                    if keyword.arg == "action":
                        if isinstance(keyword.value, ast.JoinedStr):
                            prefix = _strings(keyword.value.values[0])[0] if keyword.value.values else ""
                            tables: dict[str, Iterable[str]] = {
                                "safety.case_": SAFETY_TRANSITIONS,
                                "placements.family_": FAMILY_STEPS,
                            }
                            table = tables.get(prefix, TRANSITIONS)
                            found |= {f"{prefix}{name}" for name in table}
                        found |= set(_strings(keyword.value))
            elif isinstance(node, ast.Assign) and any(
                (isinstance(t, ast.Tuple) and any(getattr(e, "id", "") == "action" for e in t.elts))
                or getattr(t, "id", "") == "action"
                for t in node.targets
            ):
                found |= {s for s in _strings(node.value) if "." in s}
            elif isinstance(node, ast.arguments):
                for arg, default in zip(node.kwonlyargs, node.kw_defaults, strict=True):
                    if arg.arg == "action" and default is not None:
                        found |= {s for s in _strings(default) if "." in s}
    return found


def test_every_written_action_has_words() -> None:
    actions = written_actions()
    assert {"login", "children.register", "progress.submit", "progress.return", "referral.accept"} <= actions
    assert {"safety.case_acknowledge", "safety.case_close"} <= actions
    assert "children.import" in actions  # a keyword argument's default
    assert sorted(actions - ACTION_LABELS.keys()) == []


@pytest.mark.django_db
def test_audit_page_shows_actions_and_people_in_words(login, personas) -> None:  # type: ignore[no-untyped-def]
    record(actor=personas["supervisor_a"], action="children.register", summary="登记儿童 甲")
    html = login("admin").get("/audit/").content.decode()
    row = html.split("登记儿童 甲", 1)[0].rsplit("<tr>", 1)[1]
    assert "孙督导" in row and "登记儿童" in row
    assert ">supervisor_a<" not in row and ">children.register<" not in row
    assert action_label("no.such_action") == "其他操作"
    filtered = login("admin").get("/audit/", {"action": "children.register", "actor": "孙督导"}).content.decode()
    assert "登记儿童 甲" in filtered
