"""Exchange-format files (`shouhu screen --input`): reading their lines, and what is written for
each record (its categories and measures, the measures explained)."""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from shouhu.registry.exchange.format import ChildRecord, parse_record

from ..engine import Context, RuleSet


@dataclass(frozen=True)
class FileLine:
    line: int
    record: ChildRecord | None
    errors: list[str]


def read_lines(lines: Iterable[str], *, known_regions: set[str] | None) -> Iterator[FileLine]:
    for number, text in enumerate(lines, start=1):
        if not text.strip():
            continue
        try:
            obj = json.loads(text)
        except json.JSONDecodeError as e:
            yield FileLine(number, None, [f"不是有效的 JSON：{e.msg}（第 {e.colno} 列）"])
            continue
        record, errors = parse_record(obj, known_regions=known_regions)
        yield FileLine(number, record, [str(e) for e in errors])


def explain_codes(ruleset: RuleSet, record: ChildRecord, as_of: datetime.date, codes: Iterable[str]) -> dict[str, str]:
    ctx = Context(record, as_of, ruleset.params)
    memo: dict[str, bool | None] = {}
    return {code: ruleset.explanation(code, ctx, memo) for code in codes}


def output_object(
    ruleset: RuleSet,
    record: ChildRecord,
    as_of: datetime.date,
    categories: list[str],
    measures: list[str],
    undetermined: dict[str, list[str]],
) -> dict[str, Any]:
    """One line of screening output v2 (policy-rules.md): `undetermined` always present."""
    return {
        "id_number": record.id_number,
        "as_of": as_of.isoformat(),
        "categories": sorted(categories),
        "measures": sorted(measures),
        "explanations": explain_codes(ruleset, record, as_of, sorted(measures)),
        "undetermined": {code: sorted(facts) for code, facts in sorted(undetermined.items())},
    }
