from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from shouhu.accounts.access import Capability

from .access import access_rule
from .home import home_context


@access_rule(Capability.VIEW_HOME)
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "web/home.html", home_context(request.user))  # type: ignore[arg-type]
