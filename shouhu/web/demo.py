"""The web app's part of the demo (found by autodiscovery, last since `web` comes after the apps
that load data): every process drops the reads it kept (shouhu/web/caching.py), since the
loaders wrote villages, units and the table directly."""

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
