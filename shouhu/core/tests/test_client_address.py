"""Which address the audit log records: X-Forwarded-For only from the proxies we trust."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import Client, RequestFactory, override_settings

from shouhu.core.middleware import client_ip, trusted_networks
from shouhu.core.models import AuditEvent

PROXIES = trusted_networks(["10.0.0.5", "10.1.0.0/16", "fd00::/8"])


def ip(remote: str, forwarded: str | None = None, trusted: tuple = PROXIES) -> str | None:  # type: ignore[type-arg]
    meta = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    request = RequestFactory().get("/")
    request.META.update(meta)
    return client_ip(request, trusted)


@pytest.mark.parametrize(
    ("remote", "forwarded", "expected"),
    [
        # No proxy trusted (the default): the header is the client's to invent, never read.
        ("203.0.113.9", "1.2.3.4", "203.0.113.9"),
        # A client that is not one of our proxies sends the header itself.
        ("198.51.100.7", "10.0.0.5, 1.2.3.4", "198.51.100.7"),
        # Through our proxy: the address it appended.
        ("10.0.0.5", "203.0.113.9", "203.0.113.9"),
        # A spoofed first hop is left of what our proxy appended, and never reached.
        ("10.0.0.5", "1.2.3.4, 203.0.113.9", "203.0.113.9"),
        # Two proxies of ours (a CIDR): the right-most address that is not ours.
        ("10.0.0.5", "6.6.6.6, 203.0.113.9, 10.1.2.3", "203.0.113.9"),
        # A client claiming to be one of our proxies is still the first untrusted hop from the right.
        ("10.0.0.5", "203.0.113.9, 10.1.2.3", "203.0.113.9"),
        # Junk passed on: stop at the proxy that passed it.
        ("10.0.0.5", "203.0.113.9, not-an-ip", "10.0.0.5"),
        ("10.0.0.5", "203.0.113.9, <script>, 10.1.9.9", "10.1.9.9"),
        # From a trusted proxy without the header, or only our proxies in it.
        ("10.0.0.5", None, "10.0.0.5"),
        ("10.0.0.5", "10.1.0.1", "10.1.0.1"),
        # Ports, brackets and IPv6.
        ("10.0.0.5", "203.0.113.9:51234", "203.0.113.9"),
        ("fd00::1", "[2001:db8::7]:443", "2001:db8::7"),
        ("::ffff:10.0.0.5", "2001:db8::7", "2001:db8::7"),
        # A peer address that is none.
        ("", "1.2.3.4", None),
    ],
)
def test_the_client_address(remote: str, forwarded: str | None, expected: str | None) -> None:
    assert ip(remote, forwarded) == expected


def test_without_trusted_proxies_forwarded_for_is_ignored() -> None:
    assert ip("10.0.0.5", "1.2.3.4", trusted=()) == "10.0.0.5"


def test_a_bad_trusted_proxy_stops_start_up_in_words() -> None:
    with pytest.raises(ImproperlyConfigured, match=r"SHOUHU_TRUSTED_PROXIES 中的「10\.0\.0\.300」不是 IP 地址或网段"):
        trusted_networks(["10.0.0.1", "10.0.0.300"])


@pytest.mark.django_db
def test_a_spoofed_header_does_not_reach_the_audit_log() -> None:
    Client(REMOTE_ADDR="203.0.113.9").post(
        "/login/", {"username": "nobody", "password": "x"}, HTTP_X_FORWARDED_FOR="1.2.3.4"
    )
    assert AuditEvent.objects.filter(action="login_failed").latest("id").ip_address == "203.0.113.9"
    with override_settings(TRUSTED_PROXIES=["10.0.0.5"]):
        client = Client(REMOTE_ADDR="10.0.0.5")
        client.post("/login/", {"username": "nobody", "password": "x"}, HTTP_X_FORWARDED_FOR="1.2.3.4, 198.51.100.7")
    assert AuditEvent.objects.filter(action="login_failed").latest("id").ip_address == "198.51.100.7"
