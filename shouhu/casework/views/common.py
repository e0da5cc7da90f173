"""What the casework screens share: the bound data of a POST, and measures named in Chinese."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from .. import selectors
from ..models import OutcomeKind


def posted(request: HttpRequest) -> Any:
    """The POST data of a POST (even an empty one, so it shows its errors); None for a GET."""
    return request.POST if request.method == "POST" else None


def files(request: HttpRequest) -> Any:
    return request.FILES if request.method == "POST" else None


def labelled(items: Any, labels: dict[str, str] | None = None) -> list[Any]:
    """Give each row with a measure `code` its Chinese name as `.label` (and its outcome kind's as
    `.kind_label` where the query named it)."""
    labels = labels if labels is not None else selectors.measure_labels()
    rows = list(items)
    for row in rows:
        row.label = labels.get(row.code, "")
        # `selectors.with_outcome_kind` rows name their outcome kind too.
        kind = getattr(row, "measure_kind", "")
        row.kind_label = OutcomeKind(kind).label if kind in OutcomeKind.values else ""
    return rows


def mark_parts(rows: list[Any], parts: dict[int, bool]) -> list[Any]:
    """Give each row `.part`: "todo" for a cooperating part the user has yet to fill in, "done" for
    one filled in, "" for none (`selectors.cooperation_parts`)."""
    for row in rows:
        filled = parts.get(row.pk)
        row.part = "" if filled is None else ("done" if filled else "todo")
    return rows
