from __future__ import annotations

from typing import Any

from django.http import HttpRequest


def navigation(request: HttpRequest) -> dict[str, Any]:
    from .navigation import nav_items_for

    user = getattr(request, "user", None)
    return {"nav_items": nav_items_for(user, request.path) if user is not None else []}
