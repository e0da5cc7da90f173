"""Sections of a department's page, contributed by the apps that know about departments
(policy: the tasks it leads, cooperates in or answers for by its duty)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .models import Department, User

SectionContributor = Callable[[User, Department], list[dict[str, Any]]]
_contributors: list[SectionContributor] = []


def department_section(func: SectionContributor) -> SectionContributor:
    _contributors.append(func)
    return func


def department_sections(user: User, department: Department) -> list[dict[str, Any]]:
    sections: list[dict[str, Any]] = []
    for contributor in _contributors:
        sections.extend(contributor(user, department))
    return sections
