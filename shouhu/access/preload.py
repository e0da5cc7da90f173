"""What the `access_*` loaders load along with the row: the relations the caller will read."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from django.db.models import Model, QuerySet

M = TypeVar("M", bound=Model)


def preloaded(rows: QuerySet[M], related: Sequence[str], prefetch: Sequence[str] = ()) -> QuerySet[M]:
    """`rows` with `related` joined (`select_related`) and `prefetch` fetched (`prefetch_related`)."""
    # select_related() with no names would follow every non-null foreign key: name only what was asked.
    if related:
        rows = rows.select_related(*related)
    if prefetch:
        rows = rows.prefetch_related(*prefetch)
    return rows
