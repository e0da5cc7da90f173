"""Registered by WebConfig.ready(): after the demo data is loaded (villages, units, the table, written
directly by the loaders), every process drops the reads it kept (shouhu/web/caching.py)."""

from __future__ import annotations

from typing import Any

from shouhu.core.demo import demo_loader

from .caching import POLICY, bump


@demo_loader
def forget_kept_reads(users: dict[str, Any]) -> str | None:
    from django.db import transaction

    with transaction.atomic():
        bump(POLICY)
    return None
