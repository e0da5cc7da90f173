"""The referrals of the children one may see (辖区转介): a village director's way back to the
referrals of their village's children, a township supervisor's and county civil affairs' view of
every referral in their area whoever handles it. Read-only: each row says which are the user's to
act on (handle, or fill in a cooperating part), and the referral's page holds the forms.

Thin: the access layer decides scope (`referrals_visible_to`; a child outside it is 404), the
selectors read."""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import HttpResponse
from django.shortcuts import render

from shouhu.access import AuthedRequest, Capability, access_child, access_rule, can
from shouhu.registry import services as registry_services
from shouhu.web.pagination import paginate, query_without_page

from .. import selectors
from ..forms import ChildrenReferralsFilterForm
from .common import labelled, mark_parts


@access_rule(Capability.VIEW_CHILDREN)
def children_referrals(request: AuthedRequest, child_id: int | None = None) -> HttpResponse:
    """The list (`/referrals/children/`), or one child's referrals (`/referrals/children/<id>/`, 404
    for a child outside the user's scope)."""
    user = request.user
    child = access_child(user, child_id, related=("region__parent",)) if child_id is not None else None
    default = "all" if child is not None else "open"  # one child's: all of them, the open ones first
    tab = request.GET.get("tab", default)
    tab = tab if tab in selectors.CHILDREN_TABS else default
    measures = selectors.measure_labels()
    filters = ChildrenReferralsFilterForm(request.GET or None, measures=measures)
    values = filters.values()
    referrals = selectors.children_referrals(user, tab=tab, child=child, **values)
    page = paginate(request, referrals)
    page.object_list = labelled(page.object_list, measures)
    handleable, parts = selectors.actionable(user, [r.pk for r in page])
    mark_parts(page.object_list, parts)
    if child is not None:
        registry_services.child_viewed(
            actor=user, child=child, summary=f"查看儿童 {child.name} 的转介", detail={"via": "referrals"}
        )
    else:
        registry_services.children_shown(
            actor=user, page="辖区转介", query=request.GET.urlencode(), child_ids=[r.child_id for r in page]
        )
    return render(
        request,
        "casework/children_referrals.html",
        {
            "tab": tab,
            "tabs": selectors.CHILDREN_TABS,
            "counts": selectors.children_tab_counts(user, child=child, **values),
            "child": child,
            "summary": selectors.child_summary(child) if child else None,
            "filters": filters,
            "filter_query": urlencode({k: v for k, v in values.items() if v}),
            "page": page,
            "query": query_without_page(request),
            "handleable": handleable,
            "part_label": selectors.part_label(user),
            "may_inbox": can(user, Capability.HANDLE_REFERRALS),
            "today": selectors.today(),
        },
    )
