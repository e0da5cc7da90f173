"""Declared rules: every view says what it needs with `@access_rule(...)` and every API operation
with `@api_access(...)`; the persona walk fails for any route or operation that does not (deny
by default). Object scope is enforced by the `access_*` loaders the view then calls (404 outside
the user's scope)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from ninja.errors import HttpError

from shouhu.accounts.models import User

from .capabilities import Capability, can, require

PUBLIC = "public"


class AuthedRequest(HttpRequest):
    """The request a view behind `access_rule` gets: its user is logged in."""

    user: User  # type: ignore[assignment]


def access_rule(capability: Capability | str) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Require login and `capability` (403 otherwise)."""

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


def api_access(capability: Capability) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Declare an API operation's rule: 403 unless the caller's role has `capability`."""

    def decorator(func: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(func)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            if not can(request.auth, capability):  # type: ignore[attr-defined]
                raise HttpError(403, "您没有执行此操作的权限")
            return func(request, *args, **kwargs)

        wrapped.access_rule = capability  # type: ignore[attr-defined]
        return wrapped

    return decorator


def api_public(func: Callable[..., Any]) -> Callable[..., Any]:
    func.access_rule = PUBLIC  # type: ignore[attr-defined]
    return func


def request_user(request: HttpRequest) -> User:
    """The acting user of a view behind `access_rule` or an API operation behind `api_access`
    (the token's user for the API, the session's otherwise)."""
    user = getattr(request, "auth", None) or request.user
    return user  # type: ignore[return-value]
