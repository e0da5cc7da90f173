from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from shouhu.accounts.access import Capability

from .access import access_rule
from .home import home_context


@access_rule(Capability.VIEW_HOME)
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "web/home.html", home_context(request.user))  # type: ignore[arg-type]


@access_rule(Capability.VIEW_HOME)
def notification_list(request: HttpRequest) -> HttpResponse:
    from shouhu.core.notifications import notifications_for

    from .pagination import paginate

    page = paginate(request, notifications_for(request.user))  # type: ignore[arg-type]
    return render(request, "web/notifications.html", {"page": page})


@require_POST
@access_rule(Capability.VIEW_HOME)
def notifications_mark_read(request: HttpRequest) -> HttpResponse:
    from shouhu.core.notifications import mark_read

    ids = [int(i) for i in request.POST.getlist("id") if i.isdigit()] or None
    mark_read(user=request.user, notification_ids=ids)  # type: ignore[arg-type]
    return redirect("notifications")
