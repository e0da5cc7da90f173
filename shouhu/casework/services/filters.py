"""Writes to a user's saved inbox filters: save (or replace, by name) and delete one's own."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from shouhu.access import may_change_saved_filter
from shouhu.accounts.models import User
from shouhu.core import audit

from ..models import SavedFilter

MAX_SAVED_FILTERS = 20


@transaction.atomic
def saved_filter_save(*, actor: User, name: str, query: str) -> SavedFilter:
    """Save (or replace, by name) one of the actor's inbox filters."""
    name, query = name.strip(), query.strip().lstrip("?")
    if not name:
        raise ValidationError({"name": "「名称」不能为空"})
    if len(name) > 50:
        raise ValidationError({"name": "「名称」不能超过 50 个字"})
    if len(query) > 500:
        raise ValidationError({"query": "筛选条件太长"})
    existing = SavedFilter.objects.filter(user=actor, name=name).first()
    if existing is None and SavedFilter.objects.filter(user=actor).count() >= MAX_SAVED_FILTERS:
        raise ValidationError({"name": f"最多保存 {MAX_SAVED_FILTERS} 个筛选，请先删除不用的"})
    row, _created = SavedFilter.objects.update_or_create(user=actor, name=name, defaults={"query": query})
    audit.record(
        actor=actor, action="casework.filter_save", target=row, summary=f"保存筛选「{name}」", detail={"query": query}
    )
    return row


@transaction.atomic
def saved_filter_delete(*, actor: User, saved: SavedFilter) -> None:
    if not may_change_saved_filter(actor, saved):
        raise PermissionDenied("只能删除自己保存的筛选")
    audit.record(actor=actor, action="casework.filter_delete", target=saved, summary=f"删除筛选「{saved.name}」")
    saved.delete()
