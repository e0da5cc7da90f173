"""Sections other apps add to a safety case's page (placements: the child's temporary care),
contributed from their `panels.py` with `@case_section`, as department pages get theirs. A
contributor returns a list of `{"title", "template", ...}` dicts: the case page includes each
`template` with `section` (the dict) in its context, after the case's own steps."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from shouhu.accounts.models import User

from .models import SafetyCase

SectionContributor = Callable[[User, SafetyCase], list[dict[str, Any]]]
_contributors: list[SectionContributor] = []


def case_section(func: SectionContributor) -> SectionContributor:
    _contributors.append(func)
    return func


def case_sections(user: User, case: SafetyCase) -> list[dict[str, Any]]:
    sections: list[dict[str, Any]] = []
    for contributor in _contributors:
        sections.extend(contributor(user, case))
    return sections
