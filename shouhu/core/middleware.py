from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from .request_context import RequestOrigin, current_origin


def client_ip(request: HttpRequest) -> str | None:
    # Behind the county's reverse proxy the address is in X-Forwarded-For; only its first
    # hop is the client. Without a proxy REMOTE_ADDR is the client.
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if forwarded:
        return forwarded.split(",")[0].strip() or None
    return request.META.get("REMOTE_ADDR") or None


class RequestContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        origin = RequestOrigin(ip_address=client_ip(request), user_agent=request.META.get("HTTP_USER_AGENT", "")[:300])
        token = current_origin.set(origin)
        try:
            return self.get_response(request)
        finally:
            current_origin.reset(token)
