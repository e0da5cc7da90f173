"""The access layer: the one place that decides what a user may see and do.

Two questions, answered here only:
- *may this role do this kind of thing?* — `Capability` → roles (`can`, `require`);
- *which rows may this user see?* — `*_visible_to(user)` querysets and `access_*` loaders that
  raise 404 for anything outside the user's scope. Scope is applied in the query, so lists,
  counts, dropdowns, exports, autocompletes and the API cannot leak.

Deny by default: a capability grants nothing unless a role is listed, and every view and API
endpoint must declare its rule (`shouhu.web.access.access_rule`, `shouhu.api.auth.require`),
which `tests/test_persona_walk.py` checks.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from shouhu.regions.models import Region

if TYPE_CHECKING:
    from shouhu.casework.models import Intake, Referral
    from shouhu.registry.models import Child

from .models import Department, Role, User


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


R = Role
STAFF_ROLES = frozenset(
    {R.COUNTY_ADMIN, R.CASEWORKER, R.DEPARTMENT_OFFICER, R.TOWNSHIP_SUPERVISOR, R.VILLAGE_DIRECTOR, R.LEADER}
)
CHILD_NETWORK_ROLES = frozenset({R.COUNTY_ADMIN, R.CASEWORKER, R.TOWNSHIP_SUPERVISOR, R.VILLAGE_DIRECTOR})
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
    # (and townships, for tasks each township answers for) handle referrals; county civil affairs
    # supervises them all.
    Capability.TAKE_INTAKE: frozenset({R.CASEWORKER, R.TOWNSHIP_SUPERVISOR}),
    Capability.HANDLE_REFERRALS: frozenset({R.DEPARTMENT_OFFICER, R.TOWNSHIP_SUPERVISOR}),
    Capability.MANAGE_REFERRALS: frozenset({R.COUNTY_ADMIN, R.CASEWORKER}),
    Capability.VIEW_REFERRALS: frozenset(
        {R.COUNTY_ADMIN, R.CASEWORKER, R.DEPARTMENT_OFFICER, R.TOWNSHIP_SUPERVISOR, R.VILLAGE_DIRECTOR}
    ),
}
COUNTY_WIDE_ROLES = frozenset({R.COUNTY_ADMIN, R.CASEWORKER, R.LEADER, R.DEPARTMENT_OFFICER})


def can(user: User, capability: Capability) -> bool:
    return bool(user.is_authenticated and user.is_active and user.role in ROLES_BY_CAPABILITY.get(capability, ()))


def capabilities_of(user: User) -> frozenset[str]:
    return frozenset(str(c) for c in Capability if can(user, c))


def require(user: User, capability: Capability) -> None:
    if not can(user, capability):
        raise PermissionDenied("您没有执行此操作的权限")


def jurisdiction(user: User) -> Region | None:
    """The region subtree a user works in; None when the user has no regional scope."""
    if user.role in COUNTY_WIDE_ROLES:
        # Looked up once per user object (a request's user): a page asks several times (issue 7).
        county: Region | None = getattr(user, "_shouhu_county", None)
        if county is None:
            county = Region.objects.filter(parent__isnull=True).order_by("code").first()
            user._shouhu_county = county  # type: ignore[attr-defined]
        return county
    if user.role in {R.TOWNSHIP_SUPERVISOR, R.VILLAGE_DIRECTOR}:
        return user.region
    return None


def region_prefix(user: User) -> str | None:
    region = jurisdiction(user)
    return region.prefix if region is not None else None


def regions_visible_to(user: User) -> QuerySet[Region]:
    """Regions in the user's jurisdiction (its subtree), plus the chain of ancestors above it,
    so a township supervisor sees 桓仁满族自治县 › 桓仁镇 › its villages and nothing of other townships."""
    if not can(user, Capability.VIEW_REGIONS):
        return Region.objects.none()
    region = jurisdiction(user)
    if region is None:
        return Region.objects.none()
    ancestors = [region.code[:6] + "000000", region.code[:9] + "000"]
    return Region.objects.filter(Q(code__startswith=region.prefix) | Q(code__in=ancestors))


def regions_in_jurisdiction(user: User) -> QuerySet[Region]:
    """The user's subtree only (no ancestors): what they may pick for new records."""
    region = jurisdiction(user)
    if region is None or not can(user, Capability.VIEW_REGIONS):
        return Region.objects.none()
    return Region.objects.filter(code__startswith=region.prefix)


def access_region(user: User, code: str) -> Region:
    try:
        return regions_visible_to(user).get(code=code)
    except Region.DoesNotExist:
        raise Http404("区划不存在或不在您的辖区内") from None


def departments_visible_to(user: User) -> QuerySet[Department]:
    if not can(user, Capability.VIEW_DEPARTMENTS):
        return Department.objects.none()
    return Department.objects.all()


def access_department(user: User, department_id: int) -> Department:
    try:
        return departments_visible_to(user).get(pk=department_id)
    except Department.DoesNotExist:
        raise Http404("单位不存在") from None


def users_visible_to(user: User) -> QuerySet[User]:
    if can(user, Capability.MANAGE_USERS):
        return User.objects.all()
    return User.objects.none()


def access_user(user: User, user_id: int) -> User:
    try:
        return users_visible_to(user).get(pk=user_id)
    except User.DoesNotExist:
        raise Http404("用户不存在") from None


def children_visible_to(user: User) -> QuerySet[Child]:
    """Children in the user's jurisdiction (by residence code prefix, in the query)."""
    from shouhu.registry.models import Child

    prefix = region_prefix(user) if can(user, Capability.VIEW_CHILDREN) else None
    if prefix is None:
        return Child.objects.none()
    return Child.objects.filter(in_subtree("region_code", prefix))


def in_subtree(field: str, prefix: str) -> Q:
    """Region codes under `prefix`: the LIKE, and the same subtree as a range of the 12-digit codes,
    so an ordered index can start and stop at the prefix — which PostgreSQL cannot do from LIKE
    under a non-C collation (issue 7)."""
    lowest, highest = prefix.ljust(12, "0"), prefix.ljust(12, "9")
    return Q(**{f"{field}__startswith": prefix, f"{field}__gte": lowest, f"{field}__lte": highest})


def access_child(user: User, child_id: int, *, for_write: bool = False) -> Child:
    """One child the user may see (404 otherwise); `for_write` also needs REGISTER_CHILDREN (403)."""
    from shouhu.registry.models import Child

    try:
        child = children_visible_to(user).select_related("region").get(pk=child_id)
    except Child.DoesNotExist:
        raise Http404("儿童不存在或不在您的辖区内") from None
    if for_write:
        require(user, Capability.REGISTER_CHILDREN)
    return child


def may_register_in(user: User, region: Region) -> bool:
    """A child may be registered (or moved) only into a village in the user's jurisdiction."""
    prefix = region_prefix(user)
    return can(user, Capability.REGISTER_CHILDREN) and prefix is not None and region.code.startswith(prefix)


def may_take_intake(user: User, child: Child) -> bool:
    """The county caseworkers and the window of the child's township."""
    prefix = region_prefix(user)
    return can(user, Capability.TAKE_INTAKE) and prefix is not None and child.region_code.startswith(prefix)


def may_handle_referral(user: User, referral: Referral) -> bool:
    """The handling unit's officers, or for a township's referral that township's supervisor."""
    if not can(user, Capability.HANDLE_REFERRALS):
        return False
    if referral.township_id is not None:
        return user.role == R.TOWNSHIP_SUPERVISOR and user.region_id == referral.township_id
    return user.role == R.DEPARTMENT_OFFICER and user.department_id == referral.department_id


def referrals_visible_to(user: User) -> QuerySet[Referral]:
    """County civil affairs: all. Officers: their unit's referrals and those it cooperates in.
    Township and village staff: the referrals of the children in their jurisdiction."""
    from shouhu.casework.models import Referral

    if not can(user, Capability.VIEW_REFERRALS):
        return Referral.objects.none()
    if can(user, Capability.MANAGE_REFERRALS):
        return Referral.objects.all()
    if user.role == R.DEPARTMENT_OFFICER:
        if user.department_id is None:
            return Referral.objects.none()
        return Referral.objects.filter(
            Q(department_id=user.department_id) | Q(cooperations__department_id=user.department_id)
        ).distinct()
    prefix = region_prefix(user)
    if prefix is None:
        return Referral.objects.none()
    return Referral.objects.filter(in_subtree("child__region_code", prefix))


def access_referral(user: User, referral_id: int) -> Referral:
    from shouhu.casework.models import Referral

    try:
        return (
            referrals_visible_to(user).select_related("child", "department", "intake", "township").get(pk=referral_id)
        )
    except Referral.DoesNotExist:
        raise Http404("转介不存在或您无权查看") from None


def intakes_visible_to(user: User) -> QuerySet[Intake]:
    from shouhu.casework.models import Intake

    if can(user, Capability.MANAGE_REFERRALS):
        return Intake.objects.all()
    prefix = region_prefix(user)
    if not can(user, Capability.VIEW_REFERRALS) or prefix is None or user.role == R.DEPARTMENT_OFFICER:
        return Intake.objects.none()
    return Intake.objects.filter(in_subtree("child__region_code", prefix))


def access_intake(user: User, intake_id: int) -> Intake:
    from shouhu.casework.models import Intake

    try:
        return intakes_visible_to(user).select_related("child", "township").get(pk=intake_id)
    except Intake.DoesNotExist:
        raise Http404("受理不存在或您无权查看") from None
