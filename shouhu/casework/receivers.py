"""Casework listens to eligibility (which knows nothing of casework): screening results become
intake suggestions for the township windows to confirm — a run's, a part's, or one child's
screened at once after a registration or a change. And to the registry: a child moved to another
township takes its open referrals and waiting suggestions with it."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from shouhu.eligibility.models import ScreeningPart, ScreeningRun
from shouhu.eligibility.signals import child_screened, part_screened
from shouhu.regions.models import Region
from shouhu.registry.models import Child
from shouhu.registry.signals import child_moved

from .services import follow_moved_child
from .suggestions import create_suggestions


@receiver(part_screened, dispatch_uid="casework.draft_part_suggestions")
def draft_part_suggestions(sender: Any, part: ScreeningPart, run: ScreeningRun, **kwargs: Any) -> int:
    """A part has its results: draft the township's suggestions now, inside the part's transaction,
    so the part is done only with its drafts (a worker killed part-way leaves neither, and the part
    is taken again whole). Returns how many were drafted, kept on the part."""
    return create_suggestions(run, region_prefix=part.region_prefix)


@receiver(child_screened, dispatch_uid="casework.draft_child_suggestions")
def draft_child_suggestions(sender: Any, run: ScreeningRun, **kwargs: Any) -> int:
    """A child was screened at once after a registration or a change (a run of that child): draft
    its suggestion now, inside the change's transaction, as a part's are drafted (idempotent per
    run). Returns how many were drafted (0 or 1), which the person who made the change is told."""
    return create_suggestions(run)


@receiver(child_moved, dispatch_uid="casework.follow_moved_child")
def follow_moved_child_receiver(
    sender: Any, child: Child, before: Region, after: Region, actor: Any = None, **kwargs: Any
) -> str | None:
    """A transfer between townships was confirmed: the child's open referrals that the old township
    handles, and its waiting suggestions, go to the new township, in the confirmation's transaction.
    Returns the line for the person who confirmed."""
    return follow_moved_child(actor=actor, child=child, before=before, after=after)
