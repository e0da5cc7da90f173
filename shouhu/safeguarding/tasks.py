"""The escalation sweep: every minute, every clock whose next level has fallen due is escalated
(`services.escalate_due`), so no level is more than a minute late while a worker runs."""

from __future__ import annotations

import datetime

from django_tasks import task

from shouhu.core.periodic import periodic

from .services import escalate_due

SWEEP_EVERY = datetime.timedelta(minutes=1)


@periodic(every=SWEEP_EVERY, name="safeguarding.clock_escalations")
@task()
def clock_escalations(now: str | None = None) -> dict[str, int]:
    return {"escalated": escalate_due(now=datetime.datetime.fromisoformat(now) if now else None)}
