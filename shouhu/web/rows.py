"""Table rows of the long lists rendered in Python (docs/performance.md, "Web under load"): at 50 rows a page,
the template engine's per-row work (`{% url %}`, `{% blocktranslate %}`, filters, variable lookups)
was half of a list page's CPU. The list templates keep the page; the rows come from `format_html`,
which escapes every value as the template did, and the strings are the catalogue's own (the same
msgids as the templates, so the English page reads the same)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.urls import reverse

_SENTINEL = 987654321987


def url_for_id(name: str) -> Callable[[Any], str]:
    """`reverse(name, args=[pk])` for many pks with one `reverse`: the URL with a sentinel in
    place of the pk (the patterns these lists link to take one integer)."""
    template = reverse(name, args=[_SENTINEL])
    head, tail = template.split(str(_SENTINEL))
    return lambda pk: f"{head}{int(pk)}{tail}"
