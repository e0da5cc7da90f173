"""Every write in placements, one module per concern: `placements` (a child's placements: start,
end, the adopters' assessment; `placement_start` and `placement_end` are the public API for
other apps), `families` (the
register: application, assessment, approval and the other steps of `transitions.py`, trainings,
reviews), `reads` (audit rows for reads).

Services are keyword-only and atomic, check who may act through `shouhu.access`, and write their
audit row in the same transaction. Callers import from this package."""

from .families import (
    FamilyChangedError,
    FamilyInput,
    family_apply,
    family_approve,
    family_assess,
    family_review_add,
    family_step,
    family_training_add,
)
from .placements import (
    PlacementChangedError,
    adoptive_assessment_record,
    placement_end,
    placement_start,
)
from .reads import child_placements_viewed, families_listed, families_matched, family_viewed

__all__ = [
    "FamilyChangedError",
    "FamilyInput",
    "PlacementChangedError",
    "adoptive_assessment_record",
    "child_placements_viewed",
    "families_listed",
    "families_matched",
    "family_apply",
    "family_approve",
    "family_assess",
    "family_review_add",
    "family_step",
    "family_training_add",
    "family_viewed",
    "placement_end",
    "placement_start",
]
