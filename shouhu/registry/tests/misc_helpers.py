"""Test helpers of the generator, duplicates, API and crypto tests."""

from __future__ import annotations

import datetime
from typing import Any

from stdnum.cn import ric

from shouhu.accounts.models import User
from shouhu.registry import services
from shouhu.registry.exchange.format import parse_record
from shouhu.registry.models import Child

from .example import example

DAY = datetime.date(2026, 11, 28)


def id_number(birth_date: str, sequence: int, *, prefix: str = "210522") -> str:
    """A valid ID number: odd sequence for a boy, even for a girl."""
    body = f"{prefix}{birth_date.replace('-', '')}{sequence:03d}"
    return body + ric.calc_check_digit(body + "0")


def child_data(name: str, birth_date: str, sequence: int | None, sex: str = "male", **changes: Any) -> dict[str, Any]:
    data = example(
        name=name,
        birth_date=birth_date,
        sex=sex,
        id_number=id_number(birth_date, sequence) if sequence is not None else None,
        no_id_reason=None if sequence is not None else "尚未办理户口登记",
    )
    data.update(changes)
    return data


def register(actor: User | None, data: dict[str, Any], on: datetime.date = DAY) -> Child:
    record, errors = parse_record(data, today=on)
    assert not errors, errors
    assert record is not None
    return services.child_register(actor=actor, record=record, effective=on)
