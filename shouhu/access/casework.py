"""Intakes and referrals: who may take an intake, handle, transfer or cooperate on a referral,
see either, and see or change a saved inbox filter; which children casework shows a user.

Who acts for a unit: a department officer for their own unit; county caseworkers (县民政局业务人员)
for 县民政局 (`CIVIL_AFFAIRS_UNIT`), which leads T01–T04 and a dozen other tasks and has no
department officers of its own; a township's supervisor for 各乡镇（街道） on the children of their
township (the township's part where the table names 各乡镇（街道） as cooperating, the referral itself
where a task is each township's). `acting_units` names the units, `referrals_handled_by` and
`referrals_cooperated_by` the referrals, `referrals_worked_by` the inbox (both together).

The `access_*` loaders take the relations the caller will read (`related`, passed to
`select_related`; `prefetch`, to `prefetch_related`), so a caller loads its row once, in scope,
with everything it shows."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet
from django.http import Http404

from shouhu.accounts.models import Department, DepartmentKind, Role, User

from .capabilities import Capability, can
from .children import access_child
from .preload import preloaded
from .regions import in_subtree, region_prefix

if TYPE_CHECKING:
    from shouhu.casework.models import Intake, Referral, ReferralCooperation, SavedFilter
    from shouhu.registry.models import Child

R = Role
REFERRAL_RELATED = ("child", "department", "intake", "township")
INTAKE_RELATED = ("child", "township")
# The unit county civil affairs is: the table's short name for it. Its referrals and its cooperating
# parts are the county caseworkers' to act on (a unit reorganised away would need this name changed).
CIVIL_AFFAIRS_UNIT = "县民政局"


def may_take_intake(user: User, child: Child) -> bool:
    """The county caseworkers and the window of the child's township."""
    prefix = region_prefix(user)
    return can(user, Capability.TAKE_INTAKE) and prefix is not None and child.region_code.startswith(prefix)


def acting_units(user: User) -> frozenset[int]:
    """The units (department ids) whose referrals and cooperating parts the user acts on as their
    officer: an officer's own unit; 县民政局 for a county caseworker. Looked up once per user object
    (a request's user): a page asks for every row it shows."""
    cached: frozenset[int] | None = getattr(user, "_shouhu_acting_units", None)
    if cached is not None:
        return cached
    units: set[int] = set()
    if user.role == R.DEPARTMENT_OFFICER and user.department_id is not None:
        units.add(user.department_id)
    elif user.role == R.CASEWORKER:
        units.update(Department.objects.filter(name=CIVIL_AFFAIRS_UNIT).values_list("pk", flat=True))
    result = frozenset(units)
    user._shouhu_acting_units = result  # type: ignore[attr-defined]
    return result


def may_handle_referral(user: User, referral: Referral) -> bool:
    """The handling unit's officers (county caseworkers for 县民政局), or for a township's referral
    that township's supervisor."""
    if not can(user, Capability.HANDLE_REFERRALS):
        return False
    if referral.township_id is not None:
        return user.role == R.TOWNSHIP_SUPERVISOR and user.region_id == referral.township_id
    return referral.department_id in acting_units(user)


def _handled(user: User) -> Q | None:
    """The condition `referrals_handled_by` filters on; None for a user who handles nothing."""
    if not can(user, Capability.HANDLE_REFERRALS):
        return None
    if user.role == R.TOWNSHIP_SUPERVISOR:
        return Q(township_id=user.region_id) if user.region_id else None
    units = acting_units(user)
    return Q(department_id__in=units, township__isnull=True) if units else None


def referrals_handled_by(user: User) -> QuerySet[Referral]:
    """The referrals `may_handle_referral` allows this user to act on, as a queryset (a subset of
    `referrals_visible_to`)."""
    from shouhu.casework.models import Referral

    handled = _handled(user)
    return Referral.objects.filter(handled) if handled is not None else Referral.objects.none()


def _parts_of(user: User) -> QuerySet[ReferralCooperation]:
    """Every cooperating part the user fills in: their units' parts, and for a township supervisor
    the part of 各乡镇（街道） on the referrals of the children of their township."""
    from shouhu.casework.models import ReferralCooperation

    if not can(user, Capability.HANDLE_REFERRALS):
        return ReferralCooperation.objects.none()
    if user.role == R.TOWNSHIP_SUPERVISOR:
        prefix = region_prefix(user)
        if prefix is None:
            return ReferralCooperation.objects.none()
        return ReferralCooperation.objects.filter(department__kind=DepartmentKind.TOWNSHIPS).filter(
            in_subtree("referral__child__region_code", prefix)
        )
    units = acting_units(user)
    if not units:
        return ReferralCooperation.objects.none()
    return ReferralCooperation.objects.filter(department_id__in=units)


def cooperations_filled_by(user: User, referral: Referral | None = None) -> QuerySet[ReferralCooperation]:
    """The cooperating parts this user fills in: all of them, or the referral's (one in practice)."""
    parts = _parts_of(user)
    return parts if referral is None else parts.filter(referral_id=referral.pk)


def referrals_cooperated_by(user: User, *, unfilled: bool = False) -> QuerySet[Referral]:
    """The referrals with a cooperating part the user fills in (`unfilled`: not filled in yet)."""
    from shouhu.casework.models import Referral

    parts = _parts_of(user)
    if unfilled:
        parts = parts.filter(note="")
    return Referral.objects.filter(pk__in=parts.values("referral_id"))


def referrals_worked_by(user: User) -> QuerySet[Referral]:
    """The inbox: what the user handles and the referrals they fill in a cooperating part of. A
    township supervisor's holds the township's own referrals and its parts, not every referral of
    the township's children (those are on the children's referrals list, `referrals_visible_to`)."""
    from shouhu.casework.models import Referral

    if not can(user, Capability.HANDLE_REFERRALS):
        return Referral.objects.none()
    cooperating = Q(pk__in=_parts_of(user).values("referral_id"))
    handled = _handled(user)
    return Referral.objects.filter(cooperating if handled is None else handled | cooperating)


def referral_handlers(referral: Referral) -> QuerySet[User]:
    """The active users who may handle the referral: its township's supervisors for a township's
    referral, else the handling unit's officers (and the county caseworkers for 县民政局)."""
    if referral.township_id is not None:
        return User.objects.filter(is_active=True, role=R.TOWNSHIP_SUPERVISOR, region_id=referral.township_id)
    officers = Q(role=R.DEPARTMENT_OFFICER, department_id=referral.department_id)
    if referral.department.name == CIVIL_AFFAIRS_UNIT:
        officers |= Q(role=R.CASEWORKER)
    return User.objects.filter(officers, is_active=True)


def referral_cooperators(referral: Referral) -> QuerySet[User]:
    """The active users who fill in the referral's cooperating parts: each unit's officers, the
    county caseworkers for 县民政局's, the supervisors of the child's township for 各乡镇（街道）'s."""
    who = Q(pk__in=[])
    for part in referral.cooperations.select_related("department"):
        department = part.department
        if department.kind == DepartmentKind.TOWNSHIPS:
            township = referral.child.region_code[:9] + "000"
            who |= Q(role=R.TOWNSHIP_SUPERVISOR, region__code=township)
        else:
            who |= Q(role=R.DEPARTMENT_OFFICER, department_id=department.pk)
            if department.name == CIVIL_AFFAIRS_UNIT:
                who |= Q(role=R.CASEWORKER)
    return User.objects.filter(who, is_active=True)


def may_transfer_referral(user: User, referral: Referral) -> bool:
    """Routed wrongly: the handling unit, or county civil affairs, hands it to another unit."""
    return may_handle_referral(user, referral) or can(user, Capability.MANAGE_REFERRALS)


def may_cooperate_on(user: User, referral: Referral) -> bool:
    """One who fills in a cooperating part of the referral: an officer of a cooperating unit (a
    county caseworker for 县民政局), or for 各乡镇（街道）'s part the supervisor of the child's
    township (one query)."""
    return cooperations_filled_by(user, referral).exists()


def may_see_intakes(user: User) -> bool:
    """Whether a referral's page links to its intake: county civil affairs and the civil-affairs
    network see the intakes in their scope; a department officer sees the referral only."""
    return can(user, Capability.VIEW_CHILDREN) or can(user, Capability.MANAGE_REFERRALS)


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


def access_referral(
    user: User, referral_id: int, *, related: Sequence[str] = REFERRAL_RELATED, prefetch: Sequence[str] = ()
) -> Referral:
    """One referral the user may see (404 otherwise), with `related` and `prefetch` loaded."""
    from shouhu.casework.models import Referral

    try:
        return preloaded(referrals_visible_to(user), related, prefetch).get(pk=referral_id)
    except Referral.DoesNotExist:
        raise Http404("转介不存在或您无权查看") from None


def access_handled_referral(
    user: User, referral_id: int, *, related: Sequence[str] = REFERRAL_RELATED, prefetch: Sequence[str] = ()
) -> Referral:
    """One referral the user may act on as its handling unit: 404 outside their scope, and 404 too
    for one they may see but not handle (a cooperating unit, the window)."""
    referral = access_referral(user, referral_id, related=related, prefetch=prefetch)
    if not may_handle_referral(user, referral):
        raise Http404("转介不存在或不由您办理")
    return referral


def intakes_visible_to(user: User) -> QuerySet[Intake]:
    from shouhu.casework.models import Intake

    if can(user, Capability.MANAGE_REFERRALS):
        return Intake.objects.all()
    prefix = region_prefix(user)
    if not can(user, Capability.VIEW_REFERRALS) or prefix is None or user.role == R.DEPARTMENT_OFFICER:
        return Intake.objects.none()
    return Intake.objects.filter(in_subtree("child__region_code", prefix))


def access_intake(
    user: User, intake_id: int, *, related: Sequence[str] = INTAKE_RELATED, prefetch: Sequence[str] = ()
) -> Intake:
    """One intake the user may see (404 otherwise), with `related` and `prefetch` loaded."""
    from shouhu.casework.models import Intake

    try:
        return preloaded(intakes_visible_to(user), related, prefetch).get(pk=intake_id)
    except Intake.DoesNotExist:
        raise Http404("受理不存在或您无权查看") from None


def access_window_intake(
    user: User, intake_id: int, *, related: Sequence[str] = INTAKE_RELATED, prefetch: Sequence[str] = ()
) -> Intake:
    """One intake the user may act on as the child's window (confirm, cancel): 404 otherwise."""
    intake = access_intake(user, intake_id, related=related, prefetch=prefetch)
    if not may_take_intake(user, intake.child):
        raise Http404("受理不存在或您无权办理")
    return intake


def access_referred_child(user: User, child_id: int, *, related: Sequence[str] = ("region",)) -> Child:
    """A child as casework shows it (the timeline): the civil-affairs network loads it through
    `access_child`; anyone else who may see referrals (department officers) only a child with a
    referral visible to them, in one query (404 otherwise)."""
    from shouhu.registry.models import Child

    if can(user, Capability.VIEW_CHILDREN):
        return access_child(user, child_id, related=related)
    referred = referrals_visible_to(user).values("child_id")
    child = preloaded(Child.objects.filter(pk__in=referred), related).filter(pk=child_id).first()
    if child is None:
        raise Http404("儿童不存在或您无权查看")
    return child


def saved_filters_visible_to(user: User) -> QuerySet[SavedFilter]:
    """A user's saved inbox filters are their own."""
    from shouhu.casework.models import SavedFilter

    return SavedFilter.objects.filter(user=user)


def access_saved_filter(user: User, filter_id: int) -> SavedFilter:
    from shouhu.casework.models import SavedFilter

    try:
        return saved_filters_visible_to(user).get(pk=filter_id)
    except SavedFilter.DoesNotExist:
        raise Http404("筛选不存在") from None


def may_change_saved_filter(user: User, saved: SavedFilter) -> bool:
    return saved.user_id == user.pk
