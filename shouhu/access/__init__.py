"""The access layer: the one place that decides what a user may see and do.

Two questions, answered here only:
- *may this role do this kind of thing?* — `Capability` → roles (`can`, `require`), in
  `capabilities.py`;
- *which rows may this user see?* — `*_visible_to(user)` querysets and `access_*` loaders that
  raise 404 for anything outside the user's scope, one module per concern (`regions`, `accounts`,
  `children`, `casework`, `supervision`, …). Scope is applied in the query, so lists, counts,
  dropdowns, exports, autocompletes and the API cannot leak.
  `children`, `duplicates`, `imports`, `casework`, …). Scope is applied in the query, so lists,
  counts, dropdowns, exports, autocompletes and the API cannot leak.

Every view and API operation declares its rule (`rules.access_rule`, `rules.api_access`), which
`tests/test_persona_walk.py` checks. Callers import from this package (`from shouhu.access import
can, children_visible_to`); a new app adds its module here and its names below.
"""

from .accounts import (
    access_api_token,
    access_department,
    access_user,
    api_tokens_visible_to,
    departments_visible_to,
    users_visible_to,
)
from .capabilities import (
    CHILD_NETWORK_ROLES,
    COUNTY_WIDE_ROLES,
    ROLES_BY_CAPABILITY,
    STAFF_ROLES,
    Capability,
    can,
    capabilities_of,
    require,
)
from .casework import (
    access_handled_referral,
    access_intake,
    access_referral,
    access_referred_child,
    access_saved_filter,
    access_window_intake,
    intakes_visible_to,
    may_change_saved_filter,
    may_cooperate_on,
    may_handle_referral,
    may_see_intakes,
    may_take_intake,
    may_transfer_referral,
    referral_handlers,
    referrals_handled_by,
    referrals_visible_to,
    saved_filters_visible_to,
)
from .children import access_child, children_in_scope, children_visible_to, may_register_in, may_see_child
from .duplicates import access_duplicate, duplicates_visible_to
from .eligibility import (
    access_counting_region,
    access_run,
    counting_regions_visible_to,
    eligibility_prefix,
    may_screen_region,
    pending_visible_to,
    run_within_scope,
    runs_visible_to,
    screening_regions_for,
)
from .imports import access_import_run, import_runs_visible_to, may_handle_import_run
from .regions import (
    access_region,
    access_township,
    in_subtree,
    jurisdiction,
    region_prefix,
    regions_in_jurisdiction,
    regions_visible_to,
    township_of,
    townships_visible_to,
)
from .rules import PUBLIC, AuthedRequest, access_rule, api_access, api_public, mark_public, request_user
from .supervision import (
    COUNTY_EXPORT_ROLES,
    access_evidence,
    access_progress_report,
    can_open_report,
    may_export_county,
    may_export_department,
    reports_for_unit,
    reports_visible_to,
    user_unit_filters,
)

__all__ = [
    "CHILD_NETWORK_ROLES",
    "COUNTY_EXPORT_ROLES",
    "COUNTY_WIDE_ROLES",
    "PUBLIC",
    "ROLES_BY_CAPABILITY",
    "STAFF_ROLES",
    "AuthedRequest",
    "Capability",
    "access_api_token",
    "access_child",
    "access_counting_region",
    "access_department",
    "access_duplicate",
    "access_evidence",
    "access_handled_referral",
    "access_import_run",
    "access_intake",
    "access_progress_report",
    "access_referral",
    "access_referred_child",
    "access_region",
    "access_rule",
    "access_run",
    "access_saved_filter",
    "access_township",
    "access_user",
    "access_window_intake",
    "api_access",
    "api_public",
    "api_tokens_visible_to",
    "can",
    "can_open_report",
    "capabilities_of",
    "children_in_scope",
    "children_visible_to",
    "counting_regions_visible_to",
    "departments_visible_to",
    "duplicates_visible_to",
    "eligibility_prefix",
    "import_runs_visible_to",
    "in_subtree",
    "intakes_visible_to",
    "jurisdiction",
    "mark_public",
    "may_change_saved_filter",
    "may_cooperate_on",
    "may_export_county",
    "may_export_department",
    "may_handle_import_run",
    "may_handle_referral",
    "may_register_in",
    "may_screen_region",
    "may_see_child",
    "may_see_intakes",
    "may_take_intake",
    "may_transfer_referral",
    "pending_visible_to",
    "referral_handlers",
    "referrals_handled_by",
    "referrals_visible_to",
    "region_prefix",
    "regions_in_jurisdiction",
    "regions_visible_to",
    "reports_for_unit",
    "reports_visible_to",
    "request_user",
    "require",
    "run_within_scope",
    "runs_visible_to",
    "saved_filters_visible_to",
    "screening_regions_for",
    "township_of",
    "townships_visible_to",
    "user_unit_filters",
    "users_visible_to",
]
