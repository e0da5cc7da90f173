"""Eligibility listens to the registry (which knows nothing of eligibility): a child registered or
changed by a person is screened at once, in the same transaction and request, and whoever follows
screening (casework's suggestions) is told through `signals.child_screened`."""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django.dispatch import receiver

from shouhu.accounts.models import User
from shouhu.registry.models import Child
from shouhu.registry.signals import child_facts_changed

from .models import ScreeningRun
from .screening import screen_child
from .signals import child_screened

logger = logging.getLogger(__name__)


@receiver(child_facts_changed, dispatch_uid="eligibility.screen_child_at_once")
def screen_child_at_once(sender: Any, child: Child, actor: User | None, **kwargs: Any) -> str:
    """Screen the child as of today and let casework draft suggestions for what it gained. Returns
    the line shown to the person who made the change. In a savepoint of its own: should screening
    fail, the change is kept (the next run screens the child) and the error logged."""
    try:
        with transaction.atomic():
            result = screen_child(child=child, actor=actor)
            for _receiver, drafted in child_screened.send(sender=ScreeningRun, run=result.run, child=child):
                if isinstance(drafted, int):
                    result.suggested += drafted
    except Exception:
        logger.exception("即时筛查失败：儿童 #%s", child.pk)
        return "即时筛查未能完成（错误已记录），下次筛查时将判定该儿童的资格。"
    return result.summary()
