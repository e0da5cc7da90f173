"""docs/eligibility-rules.md documents every field, building block, parameter and rule of the
language, and is exactly what shouhu/eligibility/docs_rules.py renders from the vocabulary."""

from __future__ import annotations

from shouhu.eligibility.contract import PARAMETERS_V1, RULES_V1
from shouhu.eligibility.docs_rules import DOC_PATH, render
from shouhu.eligibility.vocabulary import BLOCKS, FIELDS


def test_the_committed_document_is_current() -> None:
    assert DOC_PATH.read_text(encoding="utf-8") == render(), (
        "docs/eligibility-rules.md is out of date: run `.venv/bin/python -m shouhu.eligibility.docs_rules`"
    )


def test_every_field_block_parameter_and_rule_is_documented() -> None:
    doc = DOC_PATH.read_text(encoding="utf-8")
    for name, field in FIELDS.items():
        assert f"| `{name}` | {field.label} |" in doc
        for value in field.values:
            assert f"`{value}`" in doc
    for name in BLOCKS:
        assert f"| `{name}(p)` |" in doc
    for name in PARAMETERS_V1:
        assert f"| `${name}` |" in doc
    for code, *_rest in RULES_V1:
        assert f"| `{code}` |" in doc
    for keyword in ("and", "or", "not", "in"):
        assert f'"{keyword}"' in doc
