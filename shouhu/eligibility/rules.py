"""The rules and parameters in force on a date, compiled, and proposed changes checked (unsaved)
with the rules they can affect. Saving a change is services.py."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import Q

from .engine import RuleDef, RuleSet
from .language import RuleSyntaxError
from .models import Parameter, ParameterVersion, RuleKind, RuleVersion


def _in_force(on: datetime.date) -> Q:
    return Q(effective_from__lte=on) & (Q(effective_to__isnull=True) | Q(effective_to__gte=on))


def rule_versions_on(on: datetime.date) -> dict[str, RuleVersion]:
    rows = RuleVersion.objects.filter(_in_force(on)).select_related("rule").order_by("rule__code", "-effective_from")
    versions: dict[str, RuleVersion] = {}
    for row in rows:
        versions.setdefault(row.rule.code, row)
    return versions


def parameters_on(on: datetime.date) -> dict[str, int]:
    rows = ParameterVersion.objects.filter(_in_force(on)).select_related("parameter").order_by("-effective_from")
    values: dict[str, int] = {}
    for row in rows:
        values.setdefault(row.parameter.name, row.value)
    return values


def rule_defs(versions: dict[str, RuleVersion], overrides: dict[str, str] | None = None) -> list[RuleDef]:
    overrides = overrides or {}
    return [
        RuleDef(
            code=code,
            kind=v.rule.kind,
            label=v.rule.label,
            expression=overrides.get(code, v.expression),
            task_number=v.rule.task_number,
            version=v.version,
            minor_only=v.rule.kind != RuleKind.BLOCK,
        )
        for code, v in versions.items()
    ]


def ruleset_on(on: datetime.date) -> RuleSet:
    """The rules and parameters in force on a date, compiled (raises RuleSyntaxError if broken)."""
    return RuleSet(rule_defs(rule_versions_on(on)), parameters_on(on))


@dataclass(frozen=True)
class RuleProposal:
    """A checked but unsaved change: the rule set it would make, and for previews the codes whose
    results can differ."""

    ruleset: RuleSet
    affected: tuple[str, ...]


def propose_rule(*, code: str, expression: str, effective_from: datetime.date) -> RuleProposal:
    """Compile the whole rule set with the new expression (fail closed: anything that does not
    compile, including rules that use this one, is refused with the reason)."""
    versions = rule_versions_on(effective_from)
    if code not in versions:
        raise ValidationError({"code": f"规则 {code} 不存在"})
    try:
        ruleset = RuleSet(rule_defs(versions, {code: expression.strip()}), parameters_on(effective_from))
    except RuleSyntaxError as e:
        raise ValidationError({"expression": str(e)}) from None
    return RuleProposal(ruleset, tuple(c for c in ruleset.rules if _depends_on(ruleset, c, code)))


def _depends_on(ruleset: RuleSet, code: str, target: str, seen: frozenset[str] = frozenset()) -> bool:
    from .language import references
    from .vocabulary import FIELDS

    if code == target:
        return True
    names = {n for n in references(ruleset.trees[code]) if n in ruleset.rules and n not in FIELDS and n not in seen}
    return any(_depends_on(ruleset, n, target, seen | {code}) for n in names)


# ---------------------------------------------------------------------------------------------
# Which rules a parameter change can affect (the previews of a parameter change)

# Parameters read by building blocks in shouhu/eligibility/vocabulary.py rather than written as
# `$name` in an expression: a rule calling the block depends on them.
BLOCK_PARAMETERS: dict[str, tuple[str, ...]] = {
    "parent_unable": ("parent_unable_months", "parent_severe_grade_max"),
}
# Applies to every category and measure (`minor_only`), not written in any expression.
ADULT_AGE = "adult_age"


def _calls(node: object) -> set[str]:
    from . import language as L

    if isinstance(node, L.And | L.Or):
        return set().union(*(_calls(n) for n in node.items))
    if isinstance(node, L.Not):
        return _calls(node.item)
    if isinstance(node, L.Call):
        return {node.function}
    return set()


def rules_using_parameter(ruleset: RuleSet, name: str) -> tuple[str, ...]:
    """Codes whose result can change with the parameter: rules that name it (`$name`), call a
    block that reads it, or (for `adult_age`) every category and measure — and every rule that
    depends on one of those."""
    from .language import parameters

    if name == ADULT_AGE:
        direct = {code for code, rule in ruleset.rules.items() if rule.minor_only}
    else:
        blocks = {block for block, names in BLOCK_PARAMETERS.items() if name in names}
        direct = {code for code, tree in ruleset.trees.items() if name in parameters(tree) or (_calls(tree) & blocks)}
    return tuple(code for code in ruleset.rules if code in direct or any(_depends_on(ruleset, code, d) for d in direct))


def propose_parameter(*, name: str, value: int, effective_from: datetime.date) -> RuleProposal:
    """The rule set in force on `effective_from` with the parameter changed (checked, unsaved),
    and the codes whose results can differ. Refused (ValidationError) when it does not compile."""
    if not Parameter.objects.filter(name=name).exists():
        raise ValidationError({"name": f"参数 {name} 不存在"})
    values = parameters_on(effective_from) | {name: value}
    try:
        ruleset = RuleSet(rule_defs(rule_versions_on(effective_from)), values)
    except RuleSyntaxError as e:
        raise ValidationError({"value": str(e)}) from None
    return RuleProposal(ruleset, rules_using_parameter(ruleset, name))
