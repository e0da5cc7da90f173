"""Moving a child between townships: who may ask, who decides, and which requests each may see.

- Asking (`may_request_transfer_to`): a village director or township supervisor, for a village in
  their own jurisdiction — the child's new home.
- Deciding (`may_decide_transfer`): the supervisor of the township the child lives in now, or a
  county caseworker; only while the request waits.
- Seeing (`transfers_visible_to`, `access_transfer`): deciders the requests for children of their
  area; askers the requests into their area. Scope is a code prefix in the query.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet
from django.http import Http404

from shouhu.accounts.models import User
from shouhu.regions.models import Region

from .capabilities import Capability, can
from .regions import region_prefix

if TYPE_CHECKING:
    from shouhu.registry.models import ChildTransfer


def transfers_visible_to(user: User) -> QuerySet[ChildTransfer]:
    """Requests from the decider's area and into the asker's area (both, for a supervisor)."""
    from shouhu.registry.models import ChildTransfer

    prefix = region_prefix(user) if can(user, Capability.VIEW_TRANSFERS) else None
    if prefix is None:
        return ChildTransfer.objects.none()
    scope = Q(pk__in=[])
    if can(user, Capability.DECIDE_TRANSFERS):
        scope |= Q(from_code__startswith=prefix)
    if can(user, Capability.REQUEST_TRANSFER):
        scope |= Q(to_code__startswith=prefix)
    return ChildTransfer.objects.filter(scope)


def transfers_to_decide(user: User) -> QuerySet[ChildTransfer]:
    """The waiting requests the user may confirm or refuse."""
    from shouhu.registry.models import ChildTransfer, TransferState

    prefix = region_prefix(user) if can(user, Capability.DECIDE_TRANSFERS) else None
    if prefix is None:
        return ChildTransfer.objects.none()
    return ChildTransfer.objects.filter(from_code__startswith=prefix, state=TransferState.REQUESTED)


def access_transfer(user: User, transfer_id: int) -> ChildTransfer:
    """One request the user may see, with its child and regions (404 otherwise)."""
    from shouhu.registry.models import ChildTransfer

    try:
        return (
            transfers_visible_to(user)
            .select_related("child", "from_region__parent", "to_region__parent", "requested_by", "decided_by")
            .get(pk=transfer_id)
        )
    except ChildTransfer.DoesNotExist:
        raise Http404("迁入申请不存在或不在您的辖区内") from None


def may_request_transfer_to(user: User, region: Region) -> bool:
    """A child may be asked into a village of the asker's own jurisdiction."""
    prefix = region_prefix(user)
    return can(user, Capability.REQUEST_TRANSFER) and prefix is not None and region.code.startswith(prefix)


def may_decide_transfer(user: User, transfer: ChildTransfer) -> bool:
    """The child's current township (or the county) decides, while the request waits."""
    from shouhu.registry.models import TransferState

    prefix = region_prefix(user)
    return (
        can(user, Capability.DECIDE_TRANSFERS)
        and prefix is not None
        and transfer.from_code.startswith(prefix)
        and transfer.state == TransferState.REQUESTED
    )


def may_see_transfer_origin(user: User, transfer: ChildTransfer) -> bool:
    """Whether the user may see where the child lives now and who it is on record: the deciding
    side only. The asker learns nothing of the child until it has moved into their area."""
    prefix = region_prefix(user)
    return can(user, Capability.DECIDE_TRANSFERS) and prefix is not None and transfer.from_code.startswith(prefix)


def access_transfer_decision(user: User, transfer_id: int) -> ChildTransfer:
    """A waiting request the user may confirm or refuse (404 otherwise)."""
    transfer = access_transfer(user, transfer_id)
    if not may_decide_transfer(user, transfer):
        raise Http404("迁入申请不存在或不由您处理")
    return transfer
