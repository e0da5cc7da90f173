"""Reporting periods by name in templates (`{% load periods %}`): `{{ report.period|period_label }}`
shows 2026Q3 as "2026年第三季度" (a key that is not a period is shown as it is)."""

from __future__ import annotations

from django import template
from django.core.exceptions import ValidationError

from ..supervision.periods import parse_period

register = template.Library()


@register.filter
def period_label(key: str) -> str:
    try:
        return parse_period(str(key)).label
    except ValidationError:
        return str(key)
