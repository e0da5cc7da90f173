from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from shouhu.access import AuthedRequest, Capability, access_rule

from .home import home_context


@access_rule(Capability.VIEW_HOME)
def home(request: AuthedRequest) -> HttpResponse:
    return render(request, "web/home.html", home_context(request.user))


@access_rule(Capability.VIEW_HOME)
def notification_list(request: AuthedRequest) -> HttpResponse:
    from shouhu.core.notifications import notifications_for

    from .pagination import paginate

    page = paginate(request, notifications_for(request.user))
    return render(request, "web/notifications.html", {"page": page})


@require_POST
@access_rule(Capability.VIEW_HOME)
def notifications_mark_read(request: AuthedRequest) -> HttpResponse:
    from shouhu.core.notifications import mark_read

    ids = [int(i) for i in request.POST.getlist("id") if i.isdigit()] or None
    mark_read(user=request.user, notification_ids=ids)
    return redirect("notifications")
