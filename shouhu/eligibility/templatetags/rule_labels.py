"""Rules and parameters by name in templates (`{% load rule_labels %}`): no page shows a user a
code in place of its name (docs/eligibility.md, "Names, not codes").

- `{{ code|rule_name }}`: a measure with its code and name ("T14 控辍保学": the code is how the
  table and the departments cite it), a category or block by its name ("低保家庭儿童", never
  `low_income`). `{{ code|rule_name:label }}` when the view already has the label.
- `{{ name|parameter_label }}`: a rule parameter by what it means ("控辍保学：年龄上限", never
  `$dropout_age_max`).

The names are read once per request (`web.caching.shared`, family LABELS)."""

from __future__ import annotations

import re

from django import template
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe

from shouhu.web.caching import LABELS, shared

from ..labels import rule_display
from ..models import Parameter, Rule

register = template.Library()


def _rule_labels() -> dict[str, str]:
    return shared(LABELS, ("rule_labels",), lambda: dict(Rule.objects.values_list("code", "label")))


def _parameter_labels() -> dict[str, str]:
    return shared(LABELS, ("parameter_labels",), lambda: dict(Parameter.objects.values_list("name", "description")))


def rule_name_of(code: str, label: str = "") -> str:
    return rule_display(code, label or _rule_labels().get(code, ""))


@register.filter
def rule_name(code: str, label: str = "") -> str:
    return rule_name_of(str(code), str(label or ""))


@register.filter
def parameter_label(name: str) -> str:
    name = str(name).lstrip("$")
    return _parameter_labels().get(name, name)


_RULE_WORD = re.compile(r"`([^`]*)`|(\$?[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*(?:\([a-z]+\))?)")


@register.filter
def rule_language(text: str) -> str:
    """Reference text about the rule language ("状态为 deceased、declared_dead 或 unknown"): the
    words of the language (values, fields, parameters, `quoted`) set as code, the Chinese as prose."""
    parts = []
    last = 0
    for match in _RULE_WORD.finditer(str(text)):
        parts.append(escape(text[last : match.start()]))
        parts.append(format_html("<code>{}</code>", match.group(1) if match.group(1) is not None else match.group(2)))
        last = match.end()
    parts.append(escape(text[last:]))
    return mark_safe("".join(parts))  # noqa: S308  (every piece escaped above)
