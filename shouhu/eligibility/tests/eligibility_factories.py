"""Helpers for the eligibility tests: children from exchange-format dicts, and running the
background worker in-process."""

from __future__ import annotations

import datetime
from typing import Any

from shouhu.accounts.models import User
from shouhu.accounts.personas import VILLAGE_A
from shouhu.core.dates import today
from shouhu.core.testing import worker
from shouhu.registry import services
from shouhu.registry.exchange.format import parse_record
from shouhu.registry.models import Child

LONG_AGO = datetime.date(2000, 1, 1)


def child_data(**changes: Any) -> dict[str, Any]:
    """A plain child (no ID number, nothing special, every fact recorded: both parents alive, a
    parent caring, not in school) with top-level keys replaced."""
    data: dict[str, Any] = {
        "id_number": None,
        "no_id_reason": "测试：尚未登记户口",
        "name": "测试儿童",
        "sex": "male",
        "birth_date": "2015-03-15",
        "region_code": VILLAGE_A,
        "parents": [{"role": "father", "status": "alive"}, {"role": "mother", "status": "alive"}],
        "guardian": {"relationship": "parent", "able": True},
        "schooling": {"stage": "none", "enrolled": False},
    }
    data.update(changes)
    return data


def register(actor: User | None = None, *, effective: datetime.date = LONG_AGO, **changes: Any) -> Child:
    """Register a child whose facts hold since `effective` (by default long before any as-of date)."""
    data = child_data(**changes)
    # A case may be dated years ahead with a child born after today: read the record as of its birth then.
    on = max(today(), datetime.date.fromisoformat(data["birth_date"]))
    record, errors = parse_record(data, today=on)
    assert record is not None, errors
    return services.child_register(actor=actor, record=record, effective=effective)


def disabled_child(age: int, on: datetime.date, *, name: str, region_code: str = VILLAGE_A, **changes: Any) -> Child:
    """A child with a hearing disability (grade 3), aged `age` on `on` (birthday a month before)."""
    birth = on.replace(year=on.year - age) - datetime.timedelta(days=30)
    return register(
        name=name,
        birth_date=birth.isoformat(),
        region_code=region_code,
        disability={"type": "hearing", "grade": 3},
        **changes,
    )


def run_worker(loops: int = 1) -> str:
    """The real worker command (`shouhu worker`), inside the test's transaction."""
    return worker.run_worker(loops=loops)
