"""Every view declares its access rule with `@access_rule(...)`; the persona walk test
fails for any URL whose view does not (deny by default)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse

from shouhu.accounts.access import Capability, require
from shouhu.accounts.models import User

PUBLIC = "public"


class AuthedRequest(HttpRequest):
    """The request a view behind `access_rule` gets: its user is logged in."""

    user: User  # type: ignore[assignment]


def access_rule(capability: Capability | str) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Require login and `capability` (403 otherwise). Object scope is enforced by the
    `access_*` loaders the view calls (404 outside the user's scope)."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if capability != PUBLIC:
                if not request.user.is_authenticated:
                    return redirect_to_login(request.get_full_path())
                require(request.user, Capability(capability))  # type: ignore[arg-type]
            return view(request, *args, **kwargs)

        wrapped.access_rule = capability  # type: ignore[attr-defined]
        return wrapped

    return decorator


def mark_public(view: Callable[..., Any]) -> Callable[..., Any]:
    view.access_rule = PUBLIC  # type: ignore[attr-defined]
    return view
