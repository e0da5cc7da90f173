"""Children: the registry's rows a user may see (by residence code prefix, in the query)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from django.db.models import QuerySet
from django.http import Http404

from shouhu.accounts.models import User
from shouhu.regions.models import Region

from .capabilities import Capability, can, require
from .preload import preloaded
from .regions import in_subtree, region_prefix

if TYPE_CHECKING:
    from shouhu.registry.models import Child


def children_visible_to(user: User) -> QuerySet[Child]:
    """Children in the user's jurisdiction (by residence code prefix, in the query)."""
    from shouhu.registry.models import Child

    prefix = region_prefix(user) if can(user, Capability.VIEW_CHILDREN) else None
    if prefix is None:
        return Child.objects.none()
    return Child.objects.filter(in_subtree("region_code", prefix))


def children_in_scope(actor: User | None) -> QuerySet[Child]:
    """The children an actor works on: the user's `children_visible_to`, or every child for the
    system (`actor` None: the CLI without --as acts for the whole county)."""
    from shouhu.registry.models import Child

    return Child.objects.all() if actor is None else children_visible_to(actor)


def may_see_child(user: User, child: Child) -> bool:
    """Whether `child` is within the user's scope (one EXISTS query), e.g. before pointing the user
    to a record that already holds an ID number they typed."""
    return children_visible_to(user).filter(pk=child.pk).exists()


def access_child(
    user: User,
    child_id: int,
    *,
    for_write: bool = False,
    related: Sequence[str] = ("region",),
    prefetch: Sequence[str] = (),
) -> Child:
    """One child the user may see (404 otherwise), with `related` and `prefetch` loaded;
    `for_write` also needs REGISTER_CHILDREN (403)."""
    from shouhu.registry.models import Child

    try:
        child = preloaded(children_visible_to(user), related, prefetch).get(pk=child_id)
    except Child.DoesNotExist:
        raise Http404("儿童不存在或不在您的辖区内") from None
    if for_write:
        require(user, Capability.REGISTER_CHILDREN)
    return child


def may_register_in(user: User, region: Region) -> bool:
    """A child may be registered (or moved) only into a village in the user's jurisdiction."""
    prefix = region_prefix(user)
    return can(user, Capability.REGISTER_CHILDREN) and prefix is not None and region.code.startswith(prefix)
