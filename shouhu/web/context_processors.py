from __future__ import annotations

from typing import Any

from django.http import HttpRequest


def navigation(request: HttpRequest) -> dict[str, Any]:
    from shouhu.core.notifications import unread_for

    from .navigation import nav_items_for

    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": [], "unread_notifications": 0}
    return {"nav_items": nav_items_for(user, request.path), "unread_notifications": unread_for(user).count()}
