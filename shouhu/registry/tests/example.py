"""The contract's example child (shared/design/policy-rules.md), for tests."""

from __future__ import annotations

import copy
from typing import Any

EXAMPLE: dict[str, Any] = {
    "id_number": "210522201503150015",
    "no_id_reason": None,
    "name": "张小明",
    "sex": "male",
    "birth_date": "2015-03-15",
    "region_code": "210522100201",
    "hukou_region_code": "210522100201",
    "household": {"low_income": True, "extreme_poverty": False, "temporary_hardship": False},
    "parents": [
        {"role": "father", "status": "deceased"},
        {"role": "mother", "status": "imprisoned", "since": "2024-01-01", "until": "2030-06-30"},
    ],
    "guardian": {"relationship": "grandparent", "able": True},
    "disability": {"type": "hearing", "grade": 2},
    "serious_illness": False,
    "schooling": {"stage": "primary", "enrolled": True},
    "living_arrangement": "family",
    "migrant": False,
    "left_behind": False,
    "safety": {"abuse": False, "neglect": False, "abandoned": False},
}


def example(**changes: Any) -> dict[str, Any]:
    """A deep copy of the example with top-level keys replaced."""
    data = copy.deepcopy(EXAMPLE)
    data.update(changes)
    return data
