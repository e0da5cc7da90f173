"""The release reminder: once a day, the townships of children whose parent is released within a
month are reminded (`services.remind_releases`, once per child however often it runs)."""

from __future__ import annotations

import datetime

from django_tasks import task

from shouhu.core.periodic import periodic

from .services import remind_releases

EVERY = datetime.timedelta(days=1)


@periodic(every=EVERY, name="custody.release_reminders")
@task()
def release_reminders(on: str | None = None) -> dict[str, int]:
    return {"reminded": remind_releases(on=datetime.date.fromisoformat(on) if on else None)}
