"""Potential duplicates: which pairs a reviewer may see and act on."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Exists, OuterRef, QuerySet
from django.http import Http404

from shouhu.accounts.models import User

from .capabilities import Capability, can
from .children import children_visible_to

if TYPE_CHECKING:
    from shouhu.registry.models import DuplicateCandidate


def duplicates_visible_to(user: User) -> QuerySet[DuplicateCandidate]:
    """Pairs a reviewer may act on: both children within the user's scope (`children_visible_to`),
    and the user may review duplicates at all."""
    from shouhu.registry.models import DuplicateCandidate

    if not can(user, Capability.REVIEW_DUPLICATES):
        return DuplicateCandidate.objects.none()
    # Correlated EXISTS, not `child_a__in=<subquery>`: with two IN lists SQLite drives the unique
    # (child_a, child_b) index from their cross product (10^10 probes at 100,000 children).
    visible = children_visible_to(user)
    return DuplicateCandidate.objects.filter(
        Exists(visible.filter(pk=OuterRef("child_a_id"))), Exists(visible.filter(pk=OuterRef("child_b_id")))
    )


def access_duplicate(user: User, candidate_id: int) -> DuplicateCandidate:
    """One pair the user may review, with both children and their regions (404 otherwise)."""
    from shouhu.registry.models import DuplicateCandidate

    try:
        return duplicates_visible_to(user).select_related("child_a__region", "child_b__region").get(pk=candidate_id)
    except DuplicateCandidate.DoesNotExist:
        raise Http404("疑似重复记录不存在或不在您的辖区内") from None
