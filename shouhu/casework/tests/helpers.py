"""Test helpers: the real table imported, and registered children."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

from shouhu.policy.importing import policy_import_commit
from shouhu.registry import services as registry_services
from shouhu.registry.exchange.format import parse_record
from shouhu.registry.models import Child
from shouhu.registry.tests.example import example

TABLE = Path(__file__).resolve().parents[2] / "policy" / "data" / "huanren-task-table.txt"


def benefit(amount: str = "250", period: str = "per_term") -> Any:
    """A benefit decision from this month (T09 两免一补 and the other benefit measures)."""
    from decimal import Decimal

    from shouhu.casework.outcomes import Answer
    from shouhu.core.dates import today

    return Answer(amount=Decimal(amount), period=period, start_month=today().replace(day=1))


def import_table() -> None:
    from shouhu.policy.models import PolicyDocument

    if not PolicyDocument.objects.exists():
        policy_import_commit(actor=None, data=TABLE.read_bytes(), filename=TABLE.name)


def register(**changes: Any) -> Child:
    record, errors = parse_record(example(**changes))
    assert record is not None, errors
    return registry_services.child_register(actor=None, record=record, effective=datetime.date(2026, 1, 1))


def screen_with_tasks(run_id: int) -> None:
    """Run a screening the way workers do: the planning task, then each part's task (which drafts
    the part's suggestions in its transaction), in this process."""
    from shouhu.eligibility.models import ScreeningPart
    from shouhu.eligibility.tasks import screen_part_task, screen_region

    screen_region.call(run_id)
    parts = list(ScreeningPart.objects.filter(run_id=run_id).values_list("pk", flat=True))
    for part_id in parts:
        screen_part_task.call(part_id)
