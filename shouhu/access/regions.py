"""Regional scope: the subtree of regions a user works in, the regions they may see, and the
township (乡镇/街道) pages of the task-division table they may open."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from shouhu.accounts.models import Role, User
from shouhu.regions.models import Level, Region

from .capabilities import COUNTY_WIDE_ROLES, Capability, can

R = Role


def jurisdiction(user: User) -> Region | None:
    """The region subtree a user works in; None when the user has no regional scope."""
    if user.role in COUNTY_WIDE_ROLES:
        # Looked up once per user object (a request's user): a page asks several times, and
        # each time was a query.
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


def in_subtree(field: str, prefix: str) -> Q:
    """Region codes under `prefix`: the LIKE, and the same subtree as a range of the 12-digit codes,
    so an ordered index can start and stop at the prefix — which PostgreSQL cannot do from LIKE
    under a non-C collation."""
    lowest, highest = prefix.ljust(12, "0"), prefix.ljust(12, "9")
    return Q(**{f"{field}__startswith": prefix, f"{field}__gte": lowest, f"{field}__lte": highest})


def township_of(user: User) -> Region | None:
    """The township (street) a supervisor or village director works in."""
    region = jurisdiction(user)
    if region is None or region.level == Level.COUNTY:
        return None
    if region.level == Level.TOWNSHIP:
        return region
    return Region.objects.filter(code=region.code[:9] + "000").first()


def access_township(user: User, code: str) -> Region:
    """The task-division table is not personal data: county-wide roles and department officers
    open any township; supervisors and village directors only their own (404 otherwise)."""
    region = Region.objects.filter(code=code, level=Level.TOWNSHIP).first()
    if region is None:
        raise Http404("乡镇（街道）不存在")
    if user.role in COUNTY_WIDE_ROLES:
        return region
    own = township_of(user)
    if own is None or own.pk != region.pk:
        raise Http404("乡镇（街道）不存在或不在您的辖区内")
    return region


def townships_visible_to(user: User) -> list[Region]:
    """The townships whose task pages a user may open (all for county-wide roles, else their own)."""
    if user.role in COUNTY_WIDE_ROLES:
        return list(Region.objects.filter(level=Level.TOWNSHIP).order_by("code"))
    own = township_of(user)
    return [own] if own is not None else []
