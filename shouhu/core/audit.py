"""The one way to write the audit log."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import models

from .models import AuditEvent
from .request_context import current_origin

if TYPE_CHECKING:
    from shouhu.accounts.models import User


def record(
    *,
    actor: User | None,
    action: str,
    target: models.Model | None = None,
    object_type: str = "",
    object_id: str | int = "",
    summary: str = "",
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append an audit row. Call it inside the transaction of the change it describes."""
    if target is not None:
        object_type = object_type or target._meta.label_lower
        object_id = object_id or str(target.pk)
    origin = current_origin.get()
    actor_obj = actor if actor is not None and actor.pk is not None else None
    return AuditEvent.objects.create(
        actor=actor_obj,
        actor_label=(actor.get_username() if actor is not None else "系统")[:150],
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        summary=summary[:500],
        detail=detail or {},
        ip_address=origin.ip_address,
        user_agent=origin.user_agent,
    )
