"""The one way to write the audit log. Every row is appended to a hash chain (`chain.py`)."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.db import models
from django.utils import timezone

from . import chain
from .actions import ACTION_LABELS, action_label
from .models import AuditEvent
from .request_context import current_origin

if TYPE_CHECKING:
    from shouhu.accounts.models import User

__all__ = ["ACTION_LABELS", "action_label", "record", "record_many"]


def record(
    *,
    actor: User | None,
    action: str,
    target: models.Model | None = None,
    object_type: str = "",
    object_id: str | int = "",
    summary: str = "",
    detail: dict[str, Any] | None = None,
    actor_label: str = "",
) -> AuditEvent:
    """Append an audit row. Call it inside the transaction of the change it describes.
    `actor_label`: who acted when no user did ("命令行" for an operator; "系统" by default)."""
    if target is not None:
        object_type = object_type or target._meta.label_lower
        object_id = object_id or str(target.pk)
    event = _event(timezone.now(), actor, action, object_type, str(object_id), summary, detail, actor_label)
    with chain.appending(event.partition) as links:
        links.link(event)
        event.save()
    return event


def record_many(*, actor: User | None, action: str, targets: Iterable[tuple[models.Model, str]]) -> int:
    """One audit row per (target, summary), written with one INSERT: for changes made in bulk
    (a screening run's suggestions), inside their transaction as with `record`."""
    now = timezone.now()
    events = [
        _event(now, actor, action, target._meta.label_lower, str(target.pk), summary, None)
        for target, summary in targets
    ]
    if not events:
        return 0
    with chain.appending(chain.partition_of(now)) as links:
        for event in events:
            links.link(event)
        return len(AuditEvent.objects.bulk_create(events, batch_size=1000))


def _event(
    at: datetime.datetime,
    actor: User | None,
    action: str,
    object_type: str,
    object_id: str,
    summary: str,
    detail: dict[str, Any] | None,
    actor_label: str = "",
) -> AuditEvent:
    origin = current_origin.get()
    actor_obj = actor if actor is not None and actor.pk is not None else None
    if origin.api_token is not None:
        detail = {**(detail or {}), "api_token": origin.api_token}
    return AuditEvent(
        at=at,
        partition=chain.partition_of(at),
        actor=actor_obj,
        actor_label=(actor.get_username() if actor is not None else actor_label or "系统")[:150],
        action=action,
        object_type=object_type,
        object_id=object_id,
        summary=summary[:500],
        detail=chain.normalised_detail(detail),
        ip_address=origin.ip_address,
        user_agent=origin.user_agent,
    )
