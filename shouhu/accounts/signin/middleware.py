"""Keeps a signed-in user who must enrol in two-factor on the enrolment page, and turns away a
session that skipped the code its user has an authenticator for."""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse

from . import two_factor

# What a user who must enrol may still open (besides static files, served before this runs).
ENROL_PAGES = ("account:two_factor_enrol", "logout", "set_language", "login")


class TwoFactorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    @cached_property
    def enrol_paths(self) -> frozenset[str]:
        return frozenset(reverse(name) for name in ENROL_PAGES)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if not user.is_authenticated:
            return self.get_response(request)
        state = request.session.get(two_factor.SESSION_KEY)
        if state is None:
            # A session signed in some other way than the sign-in pages (from before two-factor).
            if two_factor.authenticator_of(user) is not None:  # type: ignore[arg-type]
                logout(request)
                messages.info(request, "请重新登录。")
                return redirect_to_login(request.get_full_path())
            state = two_factor.session_state_after_password(user)  # type: ignore[arg-type]
            request.session[two_factor.SESSION_KEY] = state
        if state == two_factor.ENROL and request.path not in self.enrol_paths:
            if request.path.startswith("/api/"):
                if "HTTP_AUTHORIZATION" in request.META:  # an API token: not this session's business
                    return self.get_response(request)
                return JsonResponse({"detail": "请先在网页上启用两步验证"}, status=403)
            return redirect("account:two_factor_enrol")
        return self.get_response(request)
