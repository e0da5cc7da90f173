"""Every read in placements, already scoped through `shouhu.access`."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Count, F, Q, QuerySet
from django.db.models.functions import Coalesce

from shouhu.access import (
    access_family,
    families_visible_to,
    may_manage_families,
    may_see_family_address,
    placements_visible_to,
)
from shouhu.accounts.models import Department, User
from shouhu.core.dates import today
from shouhu.regions.models import Level, Region
from shouhu.registry.models import Child

from .models import AdoptiveAssessment, Family, FamilyState, Placement

ENDING_SOON = datetime.timedelta(days=30)
COMING_OF_AGE = datetime.timedelta(days=60)


def _open_on(on: datetime.date) -> Q:
    return Q(placements__valid_to__isnull=True) | Q(placements__valid_to__gte=on)


def with_placed(families: QuerySet[Family], on: datetime.date | None = None) -> QuerySet[Family]:
    """Each family with `placed`: its children in placement on `on` (today) and later."""
    on = on or today()
    return families.annotate(placed=Count("placements", filter=_open_on(on), distinct=True))


@dataclass(frozen=True)
class FamilyFilters:
    q: str = ""
    state: str = ""
    township: str = ""


def family_list(user: User, filters: FamilyFilters) -> QuerySet[Family]:
    families = with_placed(families_visible_to(user)).select_related("region")
    if filters.q:
        families = families.filter(Q(name__icontains=filters.q) | Q(reference__icontains=filters.q))
    if filters.state in FamilyState.values:
        families = families.filter(state=filters.state)
    if filters.township:
        families = families.filter(region_code__startswith=filters.township[:9])
    return families.order_by("region_code", "name", "id")


def family_detail(user: User, family_id: int) -> Family:
    return access_family(user, family_id)


@dataclass(frozen=True)
class FamilyPage:
    family: Family
    address_shown: bool
    events: list
    assessments: list
    trainings: list
    reviews: list
    current: list[Placement]
    placed: int


def family_page(user: User, family: Family) -> FamilyPage:
    """The family's history; its current children (names only to those who may see them)."""
    children = placements_visible_to(user).values("child_id")
    current = list(
        Placement.objects.filter(family=family, valid_to__isnull=True, child_id__in=children)
        .select_related("child")
        .order_by("valid_from")
    )
    placed = Placement.objects.filter(family=family, valid_to__isnull=True).count()
    return FamilyPage(
        family=family,
        address_shown=may_see_family_address(user, family),
        events=list(family.events.select_related("actor").order_by("at", "id")),
        assessments=list(family.assessments.order_by("-assessed_on", "-id")),
        trainings=list(family.trainings.order_by("-trained_on", "-id")),
        reviews=list(family.reviews.order_by("-reviewed_on", "-id")),
        current=current,
        placed=placed,
    )


def child_placements(user: User, child: Child) -> list[Placement]:
    """The child's placements the user may see, latest first (a village director: the current one)."""
    return list(
        placements_visible_to(user)
        .filter(child=child)
        .select_related("family", "decided_by_unit", "source_case", "adoptive_assessment", "recorded_by")
        .order_by("-valid_from", "-id")
    )


def current_placement(child: Child, on: datetime.date | None = None) -> Placement | None:
    on = on or today()
    return (
        Placement.objects.filter(Q(valid_to__isnull=True) | Q(valid_to__gte=on), child=child, valid_from__lte=on)
        .select_related("family")
        .first()
    )


def open_placement(child: Child) -> Placement | None:
    return Placement.objects.filter(child=child, valid_to__isnull=True).select_related("family").first()


def adoptive_assessments(child: Child) -> list[AdoptiveAssessment]:
    return list(AdoptiveAssessment.objects.filter(child=child).select_related("unit").order_by("-assessed_on", "-id"))


@dataclass(frozen=True)
class MatchFilters:
    township: str = ""
    q: str = ""
    all_townships: bool = True


def match_families(user: User, child: Child, filters: MatchFilters, on: datetime.date | None = None) -> list[Family]:
    """Approved families with a free place, the child's township first, then by free places."""
    on = on or today()
    families = with_placed(families_visible_to(user).filter(state=FamilyState.APPROVED), on).select_related("region")
    families = families.annotate(free=F("capacity") - Coalesce(F("placed"), 0)).filter(free__gt=0)
    if filters.township:
        families = families.filter(region_code__startswith=filters.township[:9])
    elif not filters.all_townships:
        families = families.filter(region_code__startswith=child.region_code[:9])
    if filters.q:
        families = families.filter(name__icontains=filters.q)
    rows: list[Family] = list(families[:200])
    township = child.region_code[:9]
    rows.sort(key=lambda f: (not f.region_code.startswith(township), -f.free, f.region_code, f.name, f.pk))  # type: ignore[attr-defined]
    return rows


def townships() -> list[Region]:
    return list(Region.objects.filter(level=Level.TOWNSHIP).order_by("code"))


def deciding_units() -> list[Department]:
    """Units that decide placements (in use today): civil affairs first, then the rest."""
    units = list(Department.objects.filter(dissolved_on__isnull=True).exclude(kind="townships").order_by("id"))
    units.sort(key=lambda d: d.name != "县民政局")
    return units


@dataclass(frozen=True)
class CountyWork:
    applied: int
    assessed: int
    reviews_due: int
    ending_soon: list[Placement]


def county_work(user: User, on: datetime.date | None = None) -> CountyWork:
    """The home panel: families awaiting assessment or approval and reviews due (for those who keep
    the register: one aggregate), and the placements ending soon in scope (planned end within 30
    days, or the child turning 18 within 60: one query)."""
    on = on or today()
    families = {"applied": 0, "assessed": 0, "reviews_due": 0}
    if may_manage_families(user):
        families = families_visible_to(user).aggregate(
            applied=Count("pk", filter=Q(state=FamilyState.APPLIED)),
            assessed=Count("pk", filter=Q(state=FamilyState.ASSESSED)),
            reviews_due=Count("pk", filter=Q(state=FamilyState.APPROVED, next_review_on__lte=on + ENDING_SOON)),
        )
    adult_born_by = datetime.date(on.year - 18, on.month, min(on.day, 28)) + COMING_OF_AGE
    ending = list(
        placements_visible_to(user)
        .filter(valid_to__isnull=True)
        .filter(Q(planned_end__lte=on + ENDING_SOON) | Q(child__birth_date__lte=adult_born_by))
        .select_related("child", "family")
        .order_by("planned_end", "child__birth_date")[:10]
    )
    return CountyWork(families["applied"], families["assessed"], families["reviews_due"], ending)
