"""API authentication and the API's access rules: the same access layer as the UI."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja.errors import HttpError
from ninja.security import APIKeyCookie, HttpBearer

from shouhu.accounts.access import Capability, can
from shouhu.accounts.models import ApiToken, User
from shouhu.accounts.services import api_token_touch


class TokenAuth(HttpBearer):
    """`Authorization: Bearer sh_…` for other departments' systems."""

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        row = (
            ApiToken.objects.select_related("user")
            .filter(key_hash=ApiToken.hash_key(token), revoked_at__isnull=True, user__is_active=True)
            .first()
        )
        if row is None:
            return None
        if row.last_used_at is None or (timezone.now() - row.last_used_at).total_seconds() > 60:
            api_token_touch(row)
        request.user = row.user
        return row.user


class SessionAuth(APIKeyCookie):
    """The logged-in browser session (CSRF-checked), so pages can call the API too."""

    param_name = "sessionid"

    def authenticate(self, request: HttpRequest, key: str | None) -> User | None:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            return user  # type: ignore[return-value]
        return None


API_AUTH = [TokenAuth(), SessionAuth()]


def api_access(capability: Capability) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Declare an endpoint's rule: 403 unless the caller's role has `capability`."""

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
    func.access_rule = "public"  # type: ignore[attr-defined]
    return func
