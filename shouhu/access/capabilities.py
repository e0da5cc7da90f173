"""Capabilities: what each role may do at all (`can`, `require`). Deny by default: a capability
grants nothing unless a role is listed here."""

from __future__ import annotations

from enum import StrEnum

from django.core.exceptions import PermissionDenied

from shouhu.accounts.models import Role, User


class Capability(StrEnum):
    VIEW_HOME = "view_home"
    VIEW_REGIONS = "view_regions"
    MANAGE_REGIONS = "manage_regions"
    VIEW_DEPARTMENTS = "view_departments"
    MANAGE_DEPARTMENTS = "manage_departments"
    MANAGE_USERS = "manage_users"
    VIEW_AUDIT = "view_audit"
    VIEW_POLICY = "view_policy"
    MANAGE_POLICY = "manage_policy"
    REPORT_PROGRESS = "report_progress"
    REVIEW_PROGRESS = "review_progress"
    VIEW_SUPERVISION = "view_supervision"
    VIEW_CHILDREN = "view_children"
    REGISTER_CHILDREN = "register_children"
    REVEAL_SENSITIVE = "reveal_sensitive"
    EXPORT_CHILDREN = "export_children"
    IMPORT_CHILDREN = "import_children"
    REVIEW_DUPLICATES = "review_duplicates"
    MANAGE_RULES = "manage_rules"
    RUN_SCREENING = "run_screening"
    VIEW_ELIGIBILITY = "view_eligibility"
    TAKE_INTAKE = "take_intake"
    HANDLE_REFERRALS = "handle_referrals"
    MANAGE_REFERRALS = "manage_referrals"
    VIEW_REFERRALS = "view_referrals"
    REQUEST_TRANSFER = "request_transfer"
    DECIDE_TRANSFERS = "decide_transfers"
    VIEW_TRANSFERS = "view_transfers"
    OWN_API_TOKENS = "own_api_tokens"
    FILE_SAFETY_REPORTS = "file_safety_reports"
    FOLLOW_SAFETY_REPORTS = "follow_safety_reports"
    READ_SAFETY_REPORTS = "read_safety_reports"
    VIEW_SAFETY_CASES = "view_safety_cases"
    HANDLE_SAFETY_CASES = "handle_safety_cases"
    MANAGE_SAFETY_CLOCKS = "manage_safety_clocks"
    VIEW_PLACEMENTS = "view_placements"
    MANAGE_PLACEMENTS = "manage_placements"
    VIEW_FAMILIES = "view_families"
    MANAGE_FAMILIES = "manage_families"
    RECORD_CUSTODY_NOTICES = "record_custody_notices"
    VIEW_CUSTODY_NOTICES = "view_custody_notices"


R = Role
STAFF_ROLES = frozenset(
    {R.COUNTY_ADMIN, R.CASEWORKER, R.DEPARTMENT_OFFICER, R.TOWNSHIP_SUPERVISOR, R.VILLAGE_DIRECTOR, R.LEADER}
)
CHILD_NETWORK_ROLES = frozenset({R.COUNTY_ADMIN, R.CASEWORKER, R.TOWNSHIP_SUPERVISOR, R.VILLAGE_DIRECTOR})
SAFETY_CASE_ROLES = frozenset({R.COUNTY_ADMIN, R.CASEWORKER, R.DEPARTMENT_OFFICER, R.TOWNSHIP_SUPERVISOR})
ROLES_BY_CAPABILITY: dict[Capability, frozenset[str]] = {
    Capability.VIEW_HOME: frozenset(Role.values),
    Capability.VIEW_REGIONS: frozenset(
        {R.COUNTY_ADMIN, R.CASEWORKER, R.TOWNSHIP_SUPERVISOR, R.VILLAGE_DIRECTOR, R.LEADER}
    ),
    Capability.MANAGE_REGIONS: frozenset({R.COUNTY_ADMIN}),
    Capability.VIEW_DEPARTMENTS: STAFF_ROLES,
    Capability.MANAGE_DEPARTMENTS: frozenset({R.COUNTY_ADMIN}),
    Capability.MANAGE_USERS: frozenset({R.COUNTY_ADMIN}),
    Capability.VIEW_AUDIT: frozenset({R.COUNTY_ADMIN}),
    Capability.VIEW_POLICY: STAFF_ROLES,
    Capability.MANAGE_POLICY: frozenset({R.COUNTY_ADMIN}),
    # Progress on a task is reported by the responsible unit's officers (and a township's
    # supervisor for tasks each township answers for); county civil affairs reviews it.
    Capability.REPORT_PROGRESS: frozenset({R.DEPARTMENT_OFFICER, R.TOWNSHIP_SUPERVISOR}),
    Capability.REVIEW_PROGRESS: frozenset({R.COUNTY_ADMIN, R.CASEWORKER}),
    Capability.VIEW_SUPERVISION: frozenset(
        {R.COUNTY_ADMIN, R.CASEWORKER, R.LEADER, R.DEPARTMENT_OFFICER, R.TOWNSHIP_SUPERVISOR}
    ),
    # Children's personal data: the civil-affairs network only. Leaders see aggregates; department
    # officers will see the children referred to them (intake issue); community workers their
    # paired children (not built yet) — until then, nothing.
    Capability.VIEW_CHILDREN: CHILD_NETWORK_ROLES,
    Capability.REGISTER_CHILDREN: CHILD_NETWORK_ROLES,
    Capability.REVEAL_SENSITIVE: frozenset({R.CASEWORKER, R.TOWNSHIP_SUPERVISOR}),
    Capability.EXPORT_CHILDREN: frozenset({R.COUNTY_ADMIN, R.CASEWORKER, R.TOWNSHIP_SUPERVISOR}),
    Capability.IMPORT_CHILDREN: frozenset({R.COUNTY_ADMIN, R.CASEWORKER, R.TOWNSHIP_SUPERVISOR}),
    Capability.REVIEW_DUPLICATES: frozenset({R.COUNTY_ADMIN, R.CASEWORKER}),
    # Eligibility rules are changed by the county; screening runs are started by the county and by
    # a township's supervisor for their own township (scope checked in the service). Leaders see
    # eligibility counts only (no names: they have no VIEW_CHILDREN).
    Capability.MANAGE_RULES: frozenset({R.COUNTY_ADMIN}),
    Capability.RUN_SCREENING: frozenset({R.COUNTY_ADMIN, R.CASEWORKER, R.TOWNSHIP_SUPERVISOR}),
    Capability.VIEW_ELIGIBILITY: CHILD_NETWORK_ROLES | {R.LEADER},
    # Single window: the county caseworkers and the township windows take intakes; departments
    # handle referrals — the county caseworkers for 县民政局, which has no officers of its own — and
    # townships their part (cooperating on T01–T04, or a task each township answers for); county
    # civil affairs supervises them all (access/casework.py: who acts for which unit).
    Capability.TAKE_INTAKE: frozenset({R.CASEWORKER, R.TOWNSHIP_SUPERVISOR}),
    Capability.HANDLE_REFERRALS: frozenset({R.CASEWORKER, R.DEPARTMENT_OFFICER, R.TOWNSHIP_SUPERVISOR}),
    Capability.MANAGE_REFERRALS: frozenset({R.COUNTY_ADMIN, R.CASEWORKER}),
    Capability.VIEW_REFERRALS: frozenset(
        {R.COUNTY_ADMIN, R.CASEWORKER, R.DEPARTMENT_OFFICER, R.TOWNSHIP_SUPERVISOR, R.VILLAGE_DIRECTOR}
    ),
    # Moving a child between townships: the destination's director or supervisor asks, the current
    # township's supervisor (or a county caseworker) confirms or refuses (shouhu/access/transfers.py).
    Capability.REQUEST_TRANSFER: frozenset({R.VILLAGE_DIRECTOR, R.TOWNSHIP_SUPERVISOR}),
    Capability.DECIDE_TRANSFERS: frozenset({R.TOWNSHIP_SUPERVISOR, R.CASEWORKER}),
    Capability.VIEW_TRANSFERS: frozenset({R.VILLAGE_DIRECTOR, R.TOWNSHIP_SUPERVISOR, R.CASEWORKER}),
    # API tokens for one's own account ("我的API令牌"): issued by their owner only; a token acts
    # as its owner (docs/security.md, "API tokens"). Administrators see and revoke all of them.
    Capability.OWN_API_TOKENS: STAFF_ROLES,
    # Child safety (shouhu/access/safeguarding.py): mandatory reporters file reports and follow
    # their own (status only); county caseworkers enter the reports that come by telephone. Cases
    # are seen by county civil affairs, the handling units' officers and the child's township
    # supervisor, and handled by all but the administrator, who sets the clocks. A village director
    # learns only that a case exists (a home panel); the leader sees counts.
    Capability.FILE_SAFETY_REPORTS: frozenset({R.MANDATORY_REPORTER, R.CASEWORKER}),
    Capability.FOLLOW_SAFETY_REPORTS: frozenset({R.MANDATORY_REPORTER}),
    Capability.VIEW_SAFETY_CASES: SAFETY_CASE_ROLES,
    Capability.READ_SAFETY_REPORTS: SAFETY_CASE_ROLES | {R.MANDATORY_REPORTER},
    Capability.HANDLE_SAFETY_CASES: frozenset({R.CASEWORKER, R.DEPARTMENT_OFFICER, R.TOWNSHIP_SUPERVISOR}),
    Capability.MANAGE_SAFETY_CLOCKS: frozenset({R.COUNTY_ADMIN}),
    # Placements and the family register (shouhu/access/placements.py): county civil affairs keeps
    # the register and the placements (the administrator reads); a township supervisor sees and
    # records the placements of their township's children and matches them to approved families;
    # a village director sees their village's children's current placement only.
    Capability.VIEW_PLACEMENTS: CHILD_NETWORK_ROLES,
    Capability.MANAGE_PLACEMENTS: frozenset({R.CASEWORKER, R.TOWNSHIP_SUPERVISOR}),
    Capability.VIEW_FAMILIES: frozenset({R.COUNTY_ADMIN, R.CASEWORKER, R.TOWNSHIP_SUPERVISOR}),
    Capability.MANAGE_FAMILIES: frozenset({R.CASEWORKER}),
    # Detention and imprisonment notices (shouhu/access/custody.py): recorded by the officers of
    # 县公安局 and 县司法局 (the unit is checked there); seen by the recording unit, county civil
    # affairs and the township supervisor of a child the notice names.
    Capability.RECORD_CUSTODY_NOTICES: frozenset({R.DEPARTMENT_OFFICER}),
    Capability.VIEW_CUSTODY_NOTICES: SAFETY_CASE_ROLES,
}
COUNTY_WIDE_ROLES = frozenset({R.COUNTY_ADMIN, R.CASEWORKER, R.LEADER, R.DEPARTMENT_OFFICER})


def _role_can(user: User, capability: Capability) -> bool:
    return bool(user.is_authenticated and user.is_active and user.role in ROLES_BY_CAPABILITY.get(capability, ()))


def can(user: User, capability: Capability) -> bool:
    """A request through an API token its owner did not issue (`ApiToken.issued_by_owner`) never
    reveals sensitive fields, and may do only what its issuer may do too: a token gives no one
    more than they have."""
    if not _role_can(user, capability):
        return False
    token = getattr(user, "api_token", None)
    if token is not None and not token.issued_by_owner:
        if capability == Capability.REVEAL_SENSITIVE:
            return False
        if token.issued_by is not None and not _role_can(token.issued_by, capability):
            return False
    return True


def capabilities_of(user: User) -> frozenset[str]:
    return frozenset(str(c) for c in Capability if can(user, c))


def require(user: User, capability: Capability) -> None:
    if not can(user, capability):
        raise PermissionDenied("您没有执行此操作的权限")
