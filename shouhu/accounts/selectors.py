from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from shouhu.access import Capability, can, departments_visible_to, users_visible_to
from shouhu.core.models import AuditEvent

from .models import ApiToken, Department, User


def user_list(actor: User, *, q: str = "", role: str = "", active: str = "") -> QuerySet[User]:
    users = users_visible_to(actor).select_related("region", "department")
    if q:
        users = users.filter(Q(username__icontains=q) | Q(full_name__contains=q))
    if role:
        users = users.filter(role=role)
    if active in {"0", "1"}:
        users = users.filter(is_active=active == "1")
    return users.order_by("username")


def department_list(actor: User, *, q: str = "") -> QuerySet[Department]:
    departments = departments_visible_to(actor)
    if q:
        departments = departments.filter(Q(name__contains=q) | Q(official_name__contains=q))
    return departments.order_by("id")


def audit_events(actor: User, *, action: str = "", actor_q: str = "", object_id: str = "") -> QuerySet[AuditEvent]:
    if not can(actor, Capability.VIEW_AUDIT):
        return AuditEvent.objects.none()
    events = AuditEvent.objects.select_related("actor")
    filters: dict[str, Any] = {}
    if action:
        filters["action__startswith"] = action
    if object_id:
        filters["object_id"] = object_id
    events = events.filter(**filters)
    if actor_q:  # by name or by login name
        events = events.filter(Q(actor_label__icontains=actor_q) | Q(actor__full_name__icontains=actor_q))
    return events.order_by("-at", "-id")


def api_tokens_for_operator(username: str = "") -> QuerySet[ApiToken]:
    """Every token (or one user's), for an operator at the server (`shouhu tokens list`): the
    command line is the system, as for exports without --as. No key: only its hash is stored."""
    tokens = ApiToken.objects.select_related("user", "issued_by").order_by("id")
    return tokens.filter(user__username=username) if username else tokens
