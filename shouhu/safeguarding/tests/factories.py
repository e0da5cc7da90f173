"""What the safeguarding tests share: a report as a reporter files it (for an unregistered child
in 东关村 unless told otherwise)."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from shouhu.accounts.models import User
from shouhu.accounts.personas import VILLAGE_A
from shouhu.safeguarding import services
from shouhu.safeguarding.models import ReportSource, SafetyReport


def report_input(**changes: Any) -> services.ReportInput:
    values: dict[str, Any] = {
        "child_name": "不详",
        "approx_age": 6,
        "region_code": VILLAGE_A,
        "location": "东关村小卖部门口",
        "kind": "neglect",
        "observed_at": timezone.now() - datetime.timedelta(hours=1),
        "urgent": False,
        "description": "孩子独自在路边，身上有伤，说家里没有大人。",
        "source": ReportSource.REPORTER,
    }
    values.update(changes)
    return services.ReportInput(**values)


def file_report(actor: User, now: datetime.datetime | None = None, **changes: Any) -> SafetyReport:
    return services.report_file(actor=actor, data=report_input(**changes), now=now)
