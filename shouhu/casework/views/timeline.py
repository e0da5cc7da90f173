"""The child's timeline screen (built in `casework/timeline.py`), scoped by the access layer."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render

from shouhu.access import AuthedRequest, Capability, access_referred_child, access_rule, can, may_take_intake
from shouhu.registry import services as registry_services
from shouhu.registry.models import ChildStatus

from .. import selectors
from ..timeline import timeline_for


@access_rule(Capability.VIEW_REFERRALS)
def child_timeline(request: AuthedRequest, child_id: int) -> HttpResponse:
    child = access_referred_child(request.user, child_id, related=("region__parent",))
    entries = timeline_for(request.user, child)
    kinds = {e.kind: e.kind_label for e in entries}
    kind = request.GET.get("kind", "")
    shown = [e for e in entries if e.kind == kind] if kind in kinds else entries
    registry_services.child_viewed(
        actor=request.user, child=child, summary=f"查看儿童 {child.name} 的时间线", detail={"via": "timeline"}
    )
    return render(
        request,
        "casework/timeline.html",
        {
            "child": child,
            "summary": selectors.child_summary(child),
            "entries": shown,
            "kinds": kinds,
            "kind": kind,
            "may_view_child": can(request.user, Capability.VIEW_CHILDREN),
            "may_take_intake": may_take_intake(request.user, child) and child.status == ChildStatus.ACTIVE,
        },
    )
