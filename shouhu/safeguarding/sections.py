"""Sections other apps add to a safety case's page (guardianship intervention, placements, …),
contributed from their `panels.py` with `@case_section` (found by autodiscovery, core/plugins.py).
A contributor gets the request and the case (already scoped) and returns the sections to show:
each a dict with the `template` to include and what it renders (`section` in the template)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest

from .models import SafetyCase

CaseSection = Callable[[HttpRequest, SafetyCase], list[dict[str, Any]]]
_contributors: list[CaseSection] = []


def case_section(func: CaseSection) -> CaseSection:
    _contributors.append(func)
    return func


def case_sections(request: HttpRequest, case: SafetyCase) -> list[dict[str, Any]]:
    sections: list[dict[str, Any]] = []
    for contributor in _contributors:
        sections.extend(contributor(request, case))
    return sections
