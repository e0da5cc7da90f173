from __future__ import annotations

from typing import Any

from django.http import HttpRequest


def navigation(request: HttpRequest) -> dict[str, Any]:
    from shouhu.core.notifications import BELL_CAP, unread_for_bell

    from .navigation import account_items_for, nav_items_for

    user = getattr(request, "user", None)
    from shouhu.access import capabilities_of

    if user is None or not user.is_authenticated:
        return {"nav_items": [], "account_items": [], "unread_notifications": 0, "user_capabilities": frozenset()}
    unread = unread_for_bell(user)
    return {
        "nav_items": nav_items_for(user, request.path),
        "account_items": account_items_for(user, request.path),
        "unread_notifications": unread,
        "unread_more": unread >= BELL_CAP,  # the bell says 99+
        # For templates that show a link only to those who may follow it (the view still checks).
        "user_capabilities": capabilities_of(user),
    }
