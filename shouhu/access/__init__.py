"""The access layer: the one place that decides what a user may see and do.

Two questions, answered here only:
- *may this role do this kind of thing?* — `Capability` → roles (`can`, `require`), in
  `capabilities.py`;
- *which rows may this user see?* — `*_visible_to(user)` querysets and `access_*` loaders that
  raise 404 for anything outside the user's scope, one module per concern (`regions`, `accounts`,
  `children`, `duplicates`, `imports`, `casework`, …). Scope is applied in the query, so lists,
  counts, dropdowns, exports, autocompletes and the API cannot leak.

Every view and API operation declares its rule (`rules.access_rule`, `rules.api_access`), which
`tests/test_persona_walk.py` checks. Callers import from this package (`from shouhu.access import
can, children_visible_to`); a new app adds its module here and its names below.
"""

from .accounts import access_department, access_user, departments_visible_to, users_visible_to
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
    access_intake,
    access_referral,
    intakes_visible_to,
    may_handle_referral,
    may_take_intake,
    referrals_visible_to,
)
from .children import access_child, children_in_scope, children_visible_to, may_register_in, may_see_child
from .duplicates import access_duplicate, duplicates_visible_to
from .imports import access_import_run, import_runs_visible_to, may_handle_import_run
from .regions import (
    access_region,
    in_subtree,
    jurisdiction,
    region_prefix,
    regions_in_jurisdiction,
    regions_visible_to,
)
from .rules import PUBLIC, AuthedRequest, access_rule, api_access, api_public, mark_public, request_user

__all__ = [
    "CHILD_NETWORK_ROLES",
    "COUNTY_WIDE_ROLES",
    "PUBLIC",
    "ROLES_BY_CAPABILITY",
    "STAFF_ROLES",
    "AuthedRequest",
    "Capability",
    "access_child",
    "access_department",
    "access_duplicate",
    "access_import_run",
    "access_intake",
    "access_referral",
    "access_region",
    "access_rule",
    "access_user",
    "api_access",
    "api_public",
    "can",
    "capabilities_of",
    "children_in_scope",
    "children_visible_to",
    "departments_visible_to",
    "duplicates_visible_to",
    "import_runs_visible_to",
    "in_subtree",
    "intakes_visible_to",
    "jurisdiction",
    "mark_public",
    "may_handle_import_run",
    "may_handle_referral",
    "may_register_in",
    "may_see_child",
    "may_take_intake",
    "referrals_visible_to",
    "region_prefix",
    "regions_in_jurisdiction",
    "regions_visible_to",
    "request_user",
    "require",
    "users_visible_to",
]
