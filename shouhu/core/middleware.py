from __future__ import annotations

import functools
import ipaddress
from collections.abc import Callable, Sequence

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse

from .request_context import RequestOrigin, current_origin

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def trusted_networks(entries: Sequence[str]) -> tuple[Network, ...]:
    """SHOUHU_TRUSTED_PROXIES as networks; an entry that is not an address or a CIDR stops start-up."""
    networks = []
    for entry in entries:
        try:
            networks.append(ipaddress.ip_network(entry.strip(), strict=False))
        except ValueError:
            raise ImproperlyConfigured(
                f"SHOUHU_TRUSTED_PROXIES 中的「{entry}」不是 IP 地址或网段（如 10.0.0.5 或 10.0.0.0/24）"
            ) from None
    return tuple(networks)


def _address(text: str) -> Address | None:
    """One hop of X-Forwarded-For or REMOTE_ADDR (tolerating a port and IPv6 brackets)."""
    text = text.strip()
    if text.startswith("[") and "]" in text:  # [2001:db8::1]:443
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # 10.0.0.1:443
        text = text.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def client_ip(request: HttpRequest, trusted: Sequence[Network] = ()) -> str | None:
    """The client's address for the audit log. X-Forwarded-For is whatever the client wants it to
    be unless a proxy we trust wrote it: so it is read only when the connection comes from a trusted
    proxy, and then from the right (each proxy appends the address it was reached from), skipping
    trusted proxies, up to the first address that is not one of ours — the client as our outermost
    proxy saw it. Anything a client put further left is never reached."""
    peer = _address(request.META.get("REMOTE_ADDR", ""))
    if peer is None or not _is_trusted(peer, trusted):
        return str(peer) if peer is not None else None
    hops = [hop for value in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if (hop := value.strip())]
    nearest = peer
    for hop in reversed(hops):
        address = _address(hop)
        if address is None:  # a trusted proxy passed on something that is no address: stop at it
            return str(nearest)
        if not _is_trusted(address, trusted):
            return str(address)
        nearest = address
    return str(nearest)  # every hop is one of our proxies: the request started at one of them


def request_ip(request: HttpRequest) -> str | None:
    """The client's address under the configured proxies (SHOUHU_TRUSTED_PROXIES): what the audit
    log records, and what sign-in throttling counts per address (behind a proxy, counting the
    proxy's own address would lock everyone out at once)."""
    return client_ip(request, _configured_proxies(tuple(getattr(settings, "TRUSTED_PROXIES", []))))


@functools.cache
def _configured_proxies(entries: tuple[str, ...]) -> tuple[Network, ...]:
    return trusted_networks(entries)


def _is_trusted(address: Address, trusted: Sequence[Network]) -> bool:
    return any(address.version == network.version and address in network for network in trusted)


class RequestContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.trusted = trusted_networks(getattr(settings, "TRUSTED_PROXIES", []))

    def __call__(self, request: HttpRequest) -> HttpResponse:
        origin = RequestOrigin(
            ip_address=client_ip(request, self.trusted), user_agent=request.META.get("HTTP_USER_AGENT", "")[:300]
        )
        token = current_origin.set(origin)
        try:
            return self.get_response(request)
        finally:
            current_origin.reset(token)


class ContentSecurityPolicyMiddleware:
    """Sends `settings.CONTENT_SECURITY_POLICY` with every response that has no policy of its own
    (empty: none). The pages keep no inline script, style or event handler, so the policy can
    allow our own files only (docs/security.md)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.policy = settings.CONTENT_SECURITY_POLICY

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if self.policy and "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = self.policy
        return response
