"""Placements and the family register: who sees a child's placements, who records them, who sees
the register of foster and host families and whose addresses.

- Placements follow the child: county civil affairs (the administrator reads, the caseworkers
  record) all children; a township supervisor the children of their township (and records for
  them); a village director only the *current* placement of their village's children, never the
  history. Department officers, leaders, community workers and reporters nothing.
- The register is kept by the county caseworkers (and read by the administrator). A township
  supervisor sees the families of their township and, to match a child, the approved families of
  the county. A family's address (and contact phone) only to county civil affairs and the
  supervisor of the family's township.
- The adopters' capacity assessment (task 20) is county civil affairs' (the caseworkers).
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet
from django.http import Http404

from shouhu.accounts.models import Role, User

from .capabilities import Capability, can, require
from .children import children_visible_to
from .regions import in_subtree, region_prefix

if TYPE_CHECKING:
    from shouhu.placements.models import Family, Placement
    from shouhu.registry.models import Child
    from shouhu.safeguarding.models import SafetyCase

R = Role
COUNTY_CIVIL_AFFAIRS = (R.COUNTY_ADMIN, R.CASEWORKER)


def _today() -> datetime.date:
    from shouhu.core.dates import today

    return today()


def placement_children_visible_to(user: User) -> QuerySet[Child]:
    """The children whose placements the user may see (their jurisdiction's)."""
    from shouhu.registry.models import Child

    if not can(user, Capability.VIEW_PLACEMENTS):
        return Child.objects.none()
    return children_visible_to(user)


def may_see_placement_history(user: User) -> bool:
    """Everyone who sees placements sees the history, but a village director (the current one)."""
    return can(user, Capability.VIEW_PLACEMENTS) and user.role != R.VILLAGE_DIRECTOR


def placements_visible_to(user: User, on: datetime.date | None = None) -> QuerySet[Placement]:
    from shouhu.placements.models import Placement

    prefix = region_prefix(user) if can(user, Capability.VIEW_PLACEMENTS) else None
    if prefix is None:
        return Placement.objects.none()
    placements = Placement.objects.filter(in_subtree("child__region_code", prefix))
    if not may_see_placement_history(user):
        on = on or _today()
        placements = placements.filter(Q(valid_to__isnull=True) | Q(valid_to__gte=on), valid_from__lte=on)
    return placements


def access_placement_child(user: User, child_id: int) -> Child:
    """A child whose placements the user may see (404 outside their jurisdiction)."""
    from shouhu.registry.models import Child

    try:
        return placement_children_visible_to(user).select_related("region").get(pk=child_id)
    except Child.DoesNotExist:
        raise Http404("儿童不存在或不在您的辖区内") from None


def may_manage_placements_of(user: User, child: Child) -> bool:
    return can(user, Capability.MANAGE_PLACEMENTS) and placement_children_visible_to(user).filter(pk=child.pk).exists()


def access_placement(user: User, placement_id: int, *, for_write: bool = False) -> Placement:
    """One placement the user may see (404 otherwise); `for_write` also needs MANAGE_PLACEMENTS (403)."""
    from shouhu.placements.models import Placement

    try:
        placement = (
            placements_visible_to(user).select_related("child", "family", "decided_by_unit").get(pk=placement_id)
        )
    except Placement.DoesNotExist:
        raise Http404("安置记录不存在或您无权查看") from None
    if for_write:
        require(user, Capability.MANAGE_PLACEMENTS)
    return placement


def may_record_temporary_care(user: User, case: SafetyCase) -> bool:
    """From a safety case: whoever records placements for the case's (registered) child."""
    if case.child_id is None or not can(user, Capability.MANAGE_PLACEMENTS):
        return False
    return placement_children_visible_to(user).filter(pk=case.child_id).exists()


def may_see_temporary_care_of(user: User, case: SafetyCase) -> bool:
    """Whether the case page shows its placements section (the child's placements are in scope)."""
    return can(user, Capability.VIEW_PLACEMENTS) and user.role != R.VILLAGE_DIRECTOR


def families_visible_to(user: User) -> QuerySet[Family]:
    from shouhu.placements.models import Family, FamilyState

    if not can(user, Capability.VIEW_FAMILIES):
        return Family.objects.none()
    if user.role in COUNTY_CIVIL_AFFAIRS:
        return Family.objects.all()
    prefix = region_prefix(user)
    if user.role != R.TOWNSHIP_SUPERVISOR or prefix is None:
        return Family.objects.none()
    return Family.objects.filter(in_subtree("region_code", prefix) | Q(state=FamilyState.APPROVED))


def access_family(user: User, family_id: int) -> Family:
    from shouhu.placements.models import Family

    try:
        return families_visible_to(user).select_related("region", "approved_by").get(pk=family_id)
    except Family.DoesNotExist:
        raise Http404("家庭不存在或您无权查看") from None


def may_see_family_address(user: User, family: Family) -> bool:
    """Address and phone: county civil affairs and the supervisor of the family's township."""
    if not can(user, Capability.VIEW_FAMILIES):
        return False
    if user.role in COUNTY_CIVIL_AFFAIRS:
        return True
    prefix = region_prefix(user)
    return user.role == R.TOWNSHIP_SUPERVISOR and prefix is not None and family.region_code.startswith(prefix)


def may_manage_families(user: User) -> bool:
    return can(user, Capability.MANAGE_FAMILIES)


def may_assess_adopters(user: User, child: Child) -> bool:
    """Task 20 is county civil affairs': the caseworkers record it, for a child they may see."""
    return may_manage_families(user) and placement_children_visible_to(user).filter(pk=child.pk).exists()
