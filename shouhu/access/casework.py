"""Intakes and referrals: who may take an intake, handle a referral, and see either."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet
from django.http import Http404

from shouhu.accounts.models import Role, User

from .capabilities import Capability, can
from .regions import in_subtree, region_prefix

if TYPE_CHECKING:
    from shouhu.casework.models import Intake, Referral
    from shouhu.registry.models import Child

R = Role


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
