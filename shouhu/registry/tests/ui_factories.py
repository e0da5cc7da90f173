"""Helpers for the registry screen tests: the example child as form input, registration."""

from __future__ import annotations

import datetime
import re
from typing import Any

from django.utils import timezone

from shouhu.accounts.models import User
from shouhu.accounts.personas import VILLAGE_A
from shouhu.registry import services
from shouhu.registry.exchange.format import parse_record
from shouhu.registry.models import Child

from .example import example

# The contract's example child, as the registration form sends it.
EXAMPLE_FORM: dict[str, str] = {
    "name": "张小明",
    "sex": "male",
    "birth_date": "2015-03-15",
    "id_number": "210522201503150015",
    "region_code": VILLAGE_A,
    "hukou_region_code": VILLAGE_A,
    "low_income": "on",
    "father_status": "deceased",
    "mother_status": "imprisoned",
    "mother_since": "2024-01-01",
    "mother_until": "2030-06-30",
    "guardian_relationship": "grandparent",
    "guardian_able": "yes",
    "disability_type": "hearing",
    "disability_grade": "2",
    "school_stage": "primary",
    "school_enrolled": "yes",
    "living_arrangement": "family",
}


def form_data(**changes: str | None) -> dict[str, str]:
    """The example's form data with fields replaced (None removes a field, as an unticked box)."""
    data = dict(EXAMPLE_FORM)
    for key, value in changes.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    return data


def today() -> datetime.date:
    return timezone.localdate()


def register(actor: User, **changes: Any) -> Child:
    record, errors = parse_record(example(**changes), today=today())
    assert record is not None, errors
    return services.child_register(actor=actor, record=record, effective=today() - datetime.timedelta(days=30))


def field_errors(html: str, field: str) -> str:
    """The text of the error list shown next to a form field ("" when none)."""
    match = re.search(rf'data-testid="error-{field}">(.*?)</ul>', html, re.S)
    return re.sub(r"<[^>]+>", " ", match.group(1)) if match else ""


def form_errors(html: str) -> str:
    match = re.search(r'data-testid="form-errors">(.*?)</ul>', html, re.S)
    return re.sub(r"<[^>]+>", " ", match.group(1)) if match else ""
