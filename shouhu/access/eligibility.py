"""Eligibility: whose results a user may count, which screening runs they see, which regions they
break counts down by, where they may start a screening, and whose not-recorded facts they are
asked to record (the 待补充信息 worklist)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet
from django.http import Http404

from shouhu.accounts.models import User
from shouhu.regions.models import Level, Region

from .capabilities import Capability, can
from .regions import in_subtree, jurisdiction, region_prefix

if TYPE_CHECKING:
    from shouhu.eligibility.models import PendingFacts, ScreeningRun


def eligibility_prefix(user: User) -> str | None:
    """The region prefix whose eligibility a user may see (counts), or None."""
    if not can(user, Capability.VIEW_ELIGIBILITY):
        return None
    return region_prefix(user)


def runs_visible_to(user: User) -> QuerySet[ScreeningRun]:
    """Runs inside the user's jurisdiction, and runs covering it (a county-wide run is seen by
    each township, which sees only its own children in it)."""
    from shouhu.eligibility.models import ScreeningRun

    prefix = eligibility_prefix(user)
    if prefix is None:
        return ScreeningRun.objects.none()
    covering = {prefix[:6], prefix[:9]} - {prefix}
    return ScreeningRun.objects.filter(Q(region_prefix__startswith=prefix) | Q(region_prefix__in=covering))


def access_run(user: User, run_id: int) -> ScreeningRun:
    from shouhu.eligibility.models import ScreeningRun

    try:
        return runs_visible_to(user).select_related("requested_by").get(pk=run_id)
    except ScreeningRun.DoesNotExist:
        raise Http404("筛查不存在或不在您的辖区内") from None


def run_within_scope(user: User, run: ScreeningRun) -> bool:
    """True when the whole run is inside the user's jurisdiction (its totals are theirs to see)."""
    prefix = eligibility_prefix(user)
    return prefix is not None and run.region_prefix.startswith(prefix)


def counting_regions_visible_to(user: User) -> QuerySet[Region]:
    """Regions a user may break the counts down by: their jurisdiction's county/township levels."""
    scope = jurisdiction(user) if can(user, Capability.VIEW_ELIGIBILITY) else None
    if scope is None:
        return Region.objects.none()
    return Region.objects.filter(code__startswith=scope.prefix, level__in=(Level.COUNTY, Level.TOWNSHIP))


def access_counting_region(user: User, code: str) -> Region:
    """The region whose counts the user asks for (their jurisdiction when `code` is empty)."""
    scope = jurisdiction(user) if can(user, Capability.VIEW_ELIGIBILITY) else None
    if scope is None:
        raise Http404("没有可查看的区划")
    if not code:
        return scope
    try:
        return Region.objects.filter(code__startswith=scope.prefix).get(code=code)
    except Region.DoesNotExist:
        raise Http404("区划不存在或不在您的辖区内") from None


def screening_regions_for(user: User) -> QuerySet[Region]:
    """Regions a user may start a screening for: their county or township, and its townships."""
    scope = jurisdiction(user) if can(user, Capability.RUN_SCREENING) else None
    if scope is None:
        return Region.objects.none()
    return Region.objects.filter(code__startswith=scope.prefix, level__in=(Level.COUNTY, Level.TOWNSHIP))


def may_screen_region(user: User, region: Region) -> bool:
    """The region lies in the jurisdiction of a user who may run screenings."""
    scope = jurisdiction(user) if can(user, Capability.RUN_SCREENING) else None
    return scope is not None and region.code.startswith(scope.prefix)


def pending_visible_to(user: User) -> QuerySet[PendingFacts]:
    """The worklist rows (children whose categories or measures wait for facts) of children in the
    user's jurisdiction, for those who may record a child's facts: REGISTER_CHILDREN, what the
    registry's change-of-circumstances form requires (village directors their village, township
    supervisors their township, county civil affairs the county). Nobody else is asked to record
    them: an empty queryset."""
    from shouhu.eligibility.models import PendingFacts

    may_record = can(user, Capability.VIEW_CHILDREN) and can(user, Capability.REGISTER_CHILDREN)
    prefix = region_prefix(user) if may_record else None
    if prefix is None:
        return PendingFacts.objects.none()
    return PendingFacts.objects.filter(in_subtree("child__region_code", prefix))
