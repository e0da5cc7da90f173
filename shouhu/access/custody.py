"""Detention and imprisonment notices (tasks 18, 19): who records them, who sees them, who is told.

- Recorded by an officer of the unit the kind belongs to: 县公安局 (administrative and criminal
  detention), 县司法局 (imprisonment, compulsory drug rehabilitation). Another unit's officer has
  the role's capability but no notice form (404: it is not their unit's work).
- Seen by the recording unit's officers (their unit's notices), county civil affairs (all), and a
  township supervisor (the notices with a child living in their township); nobody else.
- The release is recorded by an officer of the recording unit.
- The township supervisors of the child's township verify a relative's arrangement and are
  reminded before the release.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from django.db.models import QuerySet
from django.http import Http404

from shouhu.accounts.models import Role, User

from .capabilities import Capability, can
from .preload import preloaded
from .regions import in_subtree, region_prefix

if TYPE_CHECKING:
    from shouhu.custody.models import CustodyChild, CustodyNotice
    from shouhu.registry.models import Child

R = Role
NOTICE_RELATED = ("department", "recorded_by", "released_by")


def custody_kinds_for(user: User) -> list[str]:
    """The notice kinds the user records: their unit's (none for other users)."""
    from shouhu.custody.models import UNIT_OF_KIND

    if not can(user, Capability.RECORD_CUSTODY_NOTICES) or user.department is None:
        return []
    unit = user.department.name
    return [str(kind) for kind, name in UNIT_OF_KIND.items() if name == unit]


def may_record_custody_notice(user: User, kind: str | None = None) -> bool:
    kinds = custody_kinds_for(user)
    return bool(kinds) if kind is None else kind in kinds


def custody_notices_visible_to(user: User) -> QuerySet[CustodyNotice]:
    from shouhu.custody.models import CustodyNotice

    if not can(user, Capability.VIEW_CUSTODY_NOTICES):
        return CustodyNotice.objects.none()
    if user.role in (R.COUNTY_ADMIN, R.CASEWORKER):
        return CustodyNotice.objects.all()
    if user.role == R.DEPARTMENT_OFFICER:
        if not custody_kinds_for(user) or user.department_id is None:
            return CustodyNotice.objects.none()
        return CustodyNotice.objects.filter(department_id=user.department_id)
    prefix = region_prefix(user)
    if user.role != R.TOWNSHIP_SUPERVISOR or prefix is None:
        return CustodyNotice.objects.none()
    from shouhu.custody.models import CustodyChild

    with_children = CustodyChild.objects.filter(in_subtree("child__region_code", prefix)).values("notice_id")
    return CustodyNotice.objects.filter(pk__in=with_children)


def custody_children_visible_to(user: User) -> QuerySet[CustodyChild]:
    """The children of the notices the user sees; a township supervisor sees only the children of
    their township (a notice may name a sibling living elsewhere)."""
    from shouhu.custody.models import CustodyChild

    rows = CustodyChild.objects.filter(notice__in=custody_notices_visible_to(user))
    prefix = region_prefix(user)
    if user.role == R.TOWNSHIP_SUPERVISOR and prefix is not None:
        rows = rows.filter(in_subtree("child__region_code", prefix))
    return rows


def may_see_custody_notices(user: User) -> bool:
    """Whether the notices' pages are for this user at all (the navigation's entry)."""
    if not can(user, Capability.VIEW_CUSTODY_NOTICES):
        return False
    return user.role != R.DEPARTMENT_OFFICER or bool(custody_kinds_for(user))


def access_custody_notice(
    user: User, notice_id: int, *, related: Sequence[str] = NOTICE_RELATED, prefetch: Sequence[str] = ()
) -> CustodyNotice:
    """One notice the user may see (404 otherwise)."""
    from shouhu.custody.models import CustodyNotice

    try:
        return preloaded(custody_notices_visible_to(user), related, prefetch).get(pk=notice_id)
    except CustodyNotice.DoesNotExist:
        raise Http404("通知不存在或您无权查看") from None


def may_record_custody_release(user: User, notice: CustodyNotice) -> bool:
    """An officer of the unit that recorded the notice."""
    return (
        can(user, Capability.RECORD_CUSTODY_NOTICES)
        and user.role == R.DEPARTMENT_OFFICER
        and user.department_id == notice.department_id
    )


def may_see_custody_child(user: User, child: Child) -> bool:
    """Whether a notice's page may link to the child's registry record (the civil-affairs network)."""
    from .children import children_visible_to

    return children_visible_to(user).filter(pk=child.pk).exists()


def custody_township_people(child: Child) -> QuerySet[User]:
    """The supervisors of the child's township: they verify an arrangement and plan the return."""
    return User.objects.filter(is_active=True, role=R.TOWNSHIP_SUPERVISOR, region__code=child.region_code[:9] + "000")
