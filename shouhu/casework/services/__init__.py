"""Every write in casework, one module per concern: `intake` (the window opens, confirms and
cancels intakes; screening drafts them), `referrals` (the units' steps, reassignment, transfer,
cooperation, the sweep's overdue mark), `calendar` (working days, each measure's deadlines and outcome kind),
`filters` (a user's saved inbox filters), `moves` (a child moved to another township: its
open referrals and waiting suggestions follow).

Services are keyword-only and atomic, check who may act through `shouhu.access`, and write their
audit row in the same transaction. Callers import from this package (`from shouhu.casework import
services`); each public name is re-exported below.
"""

from .calendar import (
    MAX_DEADLINE_DAYS,
    calendar_day_remove,
    calendar_day_set,
    measure_deadline_set,
    measure_outcome_kind_set,
)
from .filters import MAX_SAVED_FILTERS, saved_filter_delete, saved_filter_save
from .intake import (
    Suggestion,
    intake_cancel,
    intake_confirm,
    intake_confirm_draft,
    intake_create,
    intake_refer,
    intake_take,
    next_references,
    suggestions_create,
    window_of,
)
from .moves import follow_moved_child
from .referrals import (
    TRANSITIONS,
    ReferralChangedError,
    Transition,
    cooperating_unit_name,
    cooperation_note,
    referral_mark_overdue,
    referral_reassign,
    referral_transfer,
    referral_transition,
)

__all__ = [
    "MAX_DEADLINE_DAYS",
    "MAX_SAVED_FILTERS",
    "TRANSITIONS",
    "ReferralChangedError",
    "Suggestion",
    "Transition",
    "calendar_day_remove",
    "calendar_day_set",
    "cooperating_unit_name",
    "cooperation_note",
    "follow_moved_child",
    "intake_cancel",
    "intake_confirm",
    "intake_confirm_draft",
    "intake_create",
    "intake_refer",
    "intake_take",
    "measure_deadline_set",
    "measure_outcome_kind_set",
    "next_references",
    "referral_mark_overdue",
    "referral_reassign",
    "referral_transfer",
    "referral_transition",
    "saved_filter_delete",
    "saved_filter_save",
    "suggestions_create",
    "window_of",
]
