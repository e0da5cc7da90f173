"""How a rule is named to a user: a measure with its code and name ("T14 控辍保学": the code is
how the task table and the departments cite it), a category or block by its name only
("低保家庭儿童", never `low_income`: that code is for rule writers, shown as code in the editor)."""

from __future__ import annotations

import re

MEASURE_CODE = re.compile(r"^T\d\d$")  # measures are T01–T24 (shared/design/policy-rules.md)


def rule_display(code: str, label: str) -> str:
    if not label:
        return code
    return f"{code} {label}" if MEASURE_CODE.match(code) else label
