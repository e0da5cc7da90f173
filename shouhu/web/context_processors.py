from __future__ import annotations

from typing import Any

from django.http import HttpRequest


def navigation(request: HttpRequest) -> dict[str, Any]:
    from shouhu.core.notifications import unread_for

    from .navigation import account_items_for, nav_items_for

    user = getattr(request, "user", None)
    from shouhu.access import capabilities_of

    if user is None or not user.is_authenticated:
        return {"nav_items": [], "account_items": [], "unread_notifications": 0, "user_capabilities": frozenset()}
    return {
        "nav_items": nav_items_for(user, request.path),
        "account_items": account_items_for(user, request.path),
        "unread_notifications": unread_for(user).count(),
        # For templates that show a link only to those who may follow it (the view still checks).
        "user_capabilities": capabilities_of(user),
    }
