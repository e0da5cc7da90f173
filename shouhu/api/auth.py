"""API authentication: a bearer token or the browser session. The operations' rules are declared
with `shouhu.access.api_access`, the same access layer as the UI."""

from __future__ import annotations

from dataclasses import replace

from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone
from ninja.security import APIKeyCookie, HttpBearer

from shouhu.accounts.models import ApiToken, User
from shouhu.accounts.services import api_token_touch
from shouhu.core.dates import today
from shouhu.core.request_context import current_origin


class TokenAuth(HttpBearer):
    """`Authorization: Bearer sh_…` for other departments' systems. The token rides on the user it
    acts as (`user.api_token`: the access layer limits a token its owner did not issue) and on the
    request's origin (every audit row made through it names the token and its issuer)."""

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        row = (
            ApiToken.objects.select_related("user", "issued_by")
            .filter(key_hash=ApiToken.hash_key(token), revoked_at__isnull=True, user__is_active=True)
            .filter(Q(expires_on__isnull=True) | Q(expires_on__gte=today()))
            .first()
        )
        if row is None:
            return None
        if row.last_used_at is None or (timezone.now() - row.last_used_at).total_seconds() > 60:
            api_token_touch(row)
        user = row.user
        user.api_token = row  # type: ignore[attr-defined]
        current_origin.set(replace(current_origin.get(), api_token=row.audit_detail()))
        request.user = user
        return user


class SessionAuth(APIKeyCookie):
    """The logged-in browser session (CSRF-checked), so pages can call the API too."""

    param_name = "sessionid"

    def authenticate(self, request: HttpRequest, key: str | None) -> User | None:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            return user  # type: ignore[return-value]
        return None


API_AUTH = [TokenAuth(), SessionAuth()]
