"""Two evaluators, one answer.

`RuleSet` holds a consistent set of rules (categories, measures and building blocks) and the
parameter values. `check()` compiles every rule and refuses anything it cannot resolve (fail
closed). Then:
- `decide(record, as_of)` evaluates in memory for one child and explains each decision in Chinese;
- `matching(code, as_of, children)` compiles one rule to one SQL query over the registry
  (`undetermined_among` the children it is undetermined for);
- `row(code, as_of)` compiles one rule to a boolean SQL expression over a child's facts row (one
  materialised row per child, vocabulary.py "Facts rows"): what screening runs.
The property test (tests/test_agreement.py) checks all three agree.

Rules are decided in three-valued (Kleene) logic (policy rules v2): a rule that reads a fact that
was not recorded can be undetermined. Only true rules are decided; an undetermined one is listed
with the not-recorded facts it depends on (`facts_read`: what its expression reads, directly or
through the rules it names, intersected with what the child's record left out).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet

from shouhu.registry.exchange.format import FACT_ENROLLED, FACT_GUARDIAN, ChildRecord
from shouhu.registry.models import Child

from . import language as L
from .vocabulary import (
    BLOCKS,
    FIELDS,
    PARENTS,
    Context,
    RowSql,
    SqlContext,
    Truth,
    block_phrase,
    parent_fact,
    row_all,
    row_any,
    row_not,
)

KINDS = ("category", "measure", "block")


@dataclass(frozen=True)
class RuleDef:
    code: str
    kind: str
    label: str
    expression: str
    task_number: int | None = None
    version: int = 1
    minor_only: bool = True


@dataclass
class Decision:
    categories: list[str]
    measures: list[str]
    explanations: dict[str, str]
    category_explanations: dict[str, str] = field(default_factory=dict)
    # Each undetermined category or measure → the sorted not-recorded facts it depends on.
    undetermined: dict[str, list[str]] = field(default_factory=dict)


def kleene_and(values: Iterable[Truth]) -> Truth:
    result: Truth = True
    for value in values:
        if value is False:
            return False
        if value is None:
            result = None
    return result


def kleene_or(values: Iterable[Truth]) -> Truth:
    result: Truth = False
    for value in values:
        if value is True:
            return True
        if value is None:
            result = None
    return result


def kleene_not(value: Truth) -> Truth:
    return None if value is None else not value


def depending(facts_read: Iterable[str], not_recorded: Iterable[str]) -> list[str]:
    """The not-recorded facts an undetermined rule depends on, sorted (the contract's output)."""
    return sorted(set(facts_read) & set(not_recorded))


class RuleSet:
    def __init__(self, rules: Iterable[RuleDef], params: dict[str, int]) -> None:
        self.rules = {r.code: r for r in rules}
        self.params = dict(params)
        self.trees: dict[str, L.Node] = {}
        self.check()
        self.facts_read: dict[str, frozenset[str]] = {}
        for code in self.rules:
            self._facts_read(code)

    # -- compile-time checks -------------------------------------------------------------------

    def check(self) -> None:
        for rule in self.rules.values():
            if rule.kind not in KINDS:
                raise L.RuleSyntaxError(f"规则 {rule.code}：类型 {rule.kind} 无效")
            try:
                tree = L.parse(rule.expression)
                self._check_node(tree)
            except L.RuleSyntaxError as e:
                raise L.RuleSyntaxError(f"规则 {rule.code}（{rule.label}）：{e}") from None
            self.trees[rule.code] = tree
        for code in self.rules:
            self._check_cycles(code, ())

    def _check_node(self, node: L.Node) -> None:
        if isinstance(node, L.And | L.Or):
            for item in node.items:
                self._check_node(item)
        elif isinstance(node, L.Not):
            self._check_node(node.item)
        elif isinstance(node, L.Name):
            field_ = FIELDS.get(node.name)
            if field_ is not None:
                if field_.type != "bool":
                    raise L.RuleSyntaxError(
                        f"{node.name}（{field_.label}）不是是/否字段，需要比较，例如 {node.name} == …"
                    )
            elif node.name not in self.rules:
                raise L.RuleSyntaxError(f"未知的字段或规则：{node.name}")
        elif isinstance(node, L.Call):
            if node.function not in BLOCKS:
                raise L.RuleSyntaxError(f"未知的函数：{node.function}（可用：{'、'.join(BLOCKS)}）")
            if node.argument not in PARENTS:
                raise L.RuleSyntaxError(f"{node.function} 的参数应为 father 或 mother，而不是 {node.argument}")
        elif isinstance(node, L.Compare):
            self._check_compare(node)
        elif isinstance(node, L.InSet):
            field_ = self._field_of(node.left)
            if field_.type != "enum":
                raise L.RuleSyntaxError(f"{field_.name} 不能用 in 比较")
            for value in node.values:
                if value not in field_.values:
                    raise L.RuleSyntaxError(f"{field_.name} 没有取值 {value}（可用：{'、'.join(field_.values)}）")
        else:
            raise L.RuleSyntaxError("无法识别的表达式")

    def _field_of(self, node: L.Node) -> Any:
        if not isinstance(node, L.Name) or node.name not in FIELDS:
            raise L.RuleSyntaxError("比较的左边应为字段，例如 age 或 disability.grade")
        return FIELDS[node.name]

    def _check_compare(self, node: L.Compare) -> None:
        field_ = self._field_of(node.left)
        right = node.right
        if field_.type == "int":
            if isinstance(right, L.Param):
                if right.name not in self.params:
                    raise L.RuleSyntaxError(f"未知参数：${right.name}")
            elif not isinstance(right, L.Number):
                raise L.RuleSyntaxError(f"{field_.name} 应与整数或参数比较")
        elif field_.type == "enum":
            if node.op not in ("==", "!="):
                raise L.RuleSyntaxError(f"{field_.name} 只能用 == 或 != 比较")
            if not isinstance(right, L.Name) or right.name not in field_.values:
                shown = right.name if isinstance(right, L.Name) else "该值"
                raise L.RuleSyntaxError(f"{field_.name} 没有取值 {shown}（可用：{'、'.join(field_.values)}）")
        else:
            raise L.RuleSyntaxError(f"{field_.name} 是是/否字段，不能比较大小")

    def _check_cycles(self, code: str, path: tuple[str, ...]) -> None:
        if code in path:
            raise L.RuleSyntaxError(f"规则循环引用：{' → '.join((*path, code))}")
        for name in L.references(self.trees[code]):
            if name in self.rules and name not in FIELDS:  # a field's name means the field
                self._check_cycles(name, (*path, code))

    def _facts_read(self, code: str) -> frozenset[str]:
        """The not-recorded facts a rule reads, directly or through blocks and the rules it names."""
        if code not in self.facts_read:
            facts: set[str] = set()
            for node in L.walk(self.trees[code]):
                if isinstance(node, L.Name) and node.name in FIELDS:
                    facts.add(FIELDS[node.name].fact)
                elif isinstance(node, L.Name) and node.name in self.rules:
                    facts |= self._facts_read(node.name)
                elif isinstance(node, L.Call) and BLOCKS[node.function].sql_false is not None:
                    facts.add(parent_fact(node.argument))
            facts.discard("")
            self.facts_read[code] = frozenset(facts)
        return self.facts_read[code]

    def _value(self, node: L.Node) -> Any:
        if isinstance(node, L.Number):
            return node.value
        if isinstance(node, L.Param):
            return self.params[node.name]
        assert isinstance(node, L.Name)
        return node.name

    # -- in memory -----------------------------------------------------------------------------

    def decide(self, record: ChildRecord, as_of: datetime.date) -> Decision:
        ctx = Context(record, as_of, self.params)
        memo: dict[str, Truth] = {}
        is_minor = FIELDS["age"].get(ctx) < self.params["adult_age"]
        not_recorded = record.not_recorded()
        decision = Decision([], [], {})
        for code, rule in sorted(self.rules.items()):
            if rule.kind == "block" or (rule.minor_only and not is_minor):
                continue
            value = self.holds(code, ctx, memo)
            if value is None:
                decision.undetermined[code] = depending(self.facts_read[code], not_recorded)
            elif value:
                text = self.explanation(code, ctx, memo)
                if rule.kind == "category":
                    decision.categories.append(code)
                    decision.category_explanations[code] = text
                else:
                    decision.measures.append(code)
                    decision.explanations[code] = text
        return decision

    def holds(self, code: str, ctx: Context, memo: dict[str, Truth]) -> Truth:
        if code not in memo:
            memo[code] = self._eval(self.trees[code], ctx, memo)
        return memo[code]

    def _eval(self, node: L.Node, ctx: Context, memo: dict[str, Truth]) -> Truth:
        if isinstance(node, L.And):
            return kleene_and(self._eval(n, ctx, memo) for n in node.items)
        if isinstance(node, L.Or):
            return kleene_or(self._eval(n, ctx, memo) for n in node.items)
        if isinstance(node, L.Not):
            return kleene_not(self._eval(node.item, ctx, memo))
        if isinstance(node, L.Name):
            if node.name in FIELDS:
                field_ = FIELDS[node.name]
                value = field_.get(ctx)
                return field_.absent() if value is None else bool(value)
            rule = self.rules[node.name]
            minor = FIELDS["age"].get(ctx) < self.params["adult_age"] or not rule.minor_only
            return minor and self.holds(node.name, ctx, memo)
        if isinstance(node, L.Call):
            return BLOCKS[node.function].test(ctx, node.argument)
        if isinstance(node, L.Compare):
            field_ = FIELDS[node.left.name]  # type: ignore[attr-defined]
            value = field_.get(ctx)
            if value is None:
                return field_.absent()
            return _compare(value, node.op, self._value(node.right))
        if isinstance(node, L.InSet):
            field_ = FIELDS[node.left.name]  # type: ignore[attr-defined]
            value = field_.get(ctx)
            if value is None:
                return field_.absent()
            return (value in node.values) != node.negated
        raise AssertionError(node)

    def explanation(self, code: str, ctx: Context, memo: dict[str, Truth]) -> str:
        """Why a rule holds, in Chinese: every fact that decided it, the absences too (T14: 未在读;
        T16: 父亲死亡, 无实际监护人). A rule named under `not` (T04's `not (T01 or …)`) names none."""
        return self.explain(self.trees[code], ctx, memo, nested=False)

    def explain(self, node: L.Node, ctx: Context, memo: dict[str, Truth], *, nested: bool) -> str:
        """The facts that made a true expression true."""
        if isinstance(node, L.And):
            parts = [self.explain(n, ctx, memo, nested=nested) for n in node.items]
            return "，".join(dict.fromkeys(p for p in parts if p))  # each fact once, in order
        if isinstance(node, L.Or):
            for item in node.items:
                if self._eval(item, ctx, memo):
                    return self.explain(item, ctx, memo, nested=nested)
            return ""
        if isinstance(node, L.Not):
            return self._absence(node.item, ctx, memo)
        if isinstance(node, L.Name):
            if node.name in FIELDS:
                f = FIELDS[node.name]
                return f.phrase(ctx) if f.phrase else f.label
            rule = self.rules[node.name]
            inner = self.explain(self.trees[node.name], ctx, memo, nested=True)
            if not inner or inner == rule.label:
                return rule.label
            return f"{rule.label}（{inner}）" if nested else f"{rule.label}：{inner}"
        if isinstance(node, L.Call):
            return block_phrase(ctx, node.argument)
        if isinstance(node, L.Compare | L.InSet):
            return self._value_phrase(FIELDS[node.left.name], ctx)  # type: ignore[attr-defined]
        return ""

    def _value_phrase(self, f: Any, ctx: Context) -> str:
        value = f.get(ctx)
        if f.name == "age":
            return f"年龄 {value} 岁"
        if f.name in ("disability.grade", "disability.type"):
            return _disability_phrase(ctx)
        if f.name in ("father.status", "mother.status"):
            return block_phrase(ctx, f.name.split(".")[0])
        if f.phrase:
            return f.phrase(ctx)
        return f"{f.label}：{f.describe_value(value)}"

    def _absence(self, node: L.Node, ctx: Context, memo: dict[str, Truth]) -> str:
        """The facts behind a false expression under `not`: `not parent_alive(father)` → the father's
        situation; `not guardian.able` → no guardian, or one unable to care; `not in_school` → 未在读."""
        if isinstance(node, L.Call):
            return block_phrase(ctx, node.argument)
        if isinstance(node, L.Name) and node.name in FIELDS:
            f = FIELDS[node.name]
            return f.phrase(ctx) if f.phrase and f.fact else f"非{f.label}"
        if isinstance(node, L.Name) and self.rules[node.name].kind == "block":
            return self._falsity(self.trees[node.name], ctx, memo)
        if isinstance(node, L.Compare | L.InSet):
            return self._value_phrase(FIELDS[node.left.name], ctx)  # type: ignore[attr-defined]
        if isinstance(node, L.And | L.Or):
            return self._falsity(node, ctx, memo)
        return ""  # a category or measure named under `not` is an exclusion, not a fact

    def _falsity(self, node: L.Node, ctx: Context, memo: dict[str, Truth]) -> str:
        """The facts that made an expression false: an `and` by its first false part, an `or` by all."""
        if isinstance(node, L.And):
            first_false = next((n for n in node.items if self._eval(n, ctx, memo) is False), None)
            return self._falsity(first_false, ctx, memo) if first_false is not None else ""
        if isinstance(node, L.Or):
            parts = [self._falsity(n, ctx, memo) for n in node.items]
            return "，".join(dict.fromkeys(p for p in parts if p))
        if isinstance(node, L.Not):
            return self.explain(node.item, ctx, memo, nested=True)
        return self._absence(node, ctx, memo)

    # -- in the database -----------------------------------------------------------------------

    def q(self, code: str, as_of: datetime.date) -> Q:
        """The rule as a filter on registry children, as of a date: those it is true for."""
        return self.q_pair(code, as_of)[0]

    def q_pair(self, code: str, as_of: datetime.date) -> tuple[Q, Q]:
        """(true, false) filters on registry children; a child in neither is undetermined. Kleene
        logic as two two-valued filters: `not` swaps them, `and` is true when all are true and false
        when any is false, `or` the other way round."""
        return self._rule_q(code, SqlContext(as_of, self.params), {})

    def matching(self, code: str, as_of: datetime.date, children: QuerySet[Child] | None = None) -> QuerySet[Child]:
        children = children if children is not None else Child.objects.all()
        return children.filter(self.q(code, as_of))

    def undetermined_among(self, code: str, as_of: datetime.date, children: QuerySet[Child]) -> QuerySet[Child]:
        true, false = self.q_pair(code, as_of)
        return children.exclude(true).exclude(false)

    def _rule_q(self, code: str, ctx: SqlContext, memo: dict[str, tuple[Q, Q]]) -> tuple[Q, Q]:
        if code not in memo:
            true, false = self._q(self.trees[code], ctx, memo)
            if self.rules[code].minor_only:
                minor = FIELDS["age"].sql(ctx, "<", self.params["adult_age"])
                true, false = minor & true, ~minor | false
            memo[code] = (true, false)
        return memo[code]

    def _q(self, node: L.Node, ctx: SqlContext, memo: dict[str, tuple[Q, Q]]) -> tuple[Q, Q]:
        if isinstance(node, L.And | L.Or):
            pairs = [self._q(item, ctx, memo) for item in node.items]
            trues, falses = [t for t, _ in pairs], [f for _, f in pairs]
            if isinstance(node, L.Or):
                return _any_q(trues), _all_q(falses)
            return _all_q(trues), _any_q(falses)
        if isinstance(node, L.Not):
            true, false = self._q(node.item, ctx, memo)
            return false, true
        if isinstance(node, L.Name):
            if node.name not in FIELDS:
                return self._rule_q(node.name, ctx, memo)
            f = FIELDS[node.name]
            return _with_false(f.sql(ctx), f.sql_false(ctx) if f.sql_false else None)
        if isinstance(node, L.Call):
            block = BLOCKS[node.function]
            return _with_false(
                block.sql(ctx, node.argument), block.sql_false(ctx, node.argument) if block.sql_false else None
            )
        if isinstance(node, L.Compare | L.InSet):
            f = FIELDS[node.left.name]  # type: ignore[attr-defined]
            if isinstance(node, L.Compare):
                op, value = node.op, self._value(node.right)
            else:
                op, value = ("not in" if node.negated else "in"), node.values
            return _with_false(f.sql(ctx, op, value), f.sql_false(ctx, op, value) if f.sql_false else None)
        raise AssertionError(node)

    # -- over a facts row ------------------------------------------------------------------------

    def row(self, code: str, as_of: datetime.date) -> RowSql:
        """The rule as a boolean SQL expression over a facts row, as of a date. Rules it names are
        inlined: every expression reads the same row, so nothing is probed twice per child."""
        return self._rule_row(code, SqlContext(as_of, self.params), {})

    def _rule_row(self, code: str, ctx: SqlContext, memo: dict[str, RowSql]) -> RowSql:
        if code not in memo:
            row = self._row(self.trees[code], ctx, memo)
            if self.rules[code].minor_only:
                row = row_all([FIELDS["age"].row(ctx, "<", self.params["adult_age"]), row])
            memo[code] = row
        return memo[code]

    def _row(self, node: L.Node, ctx: SqlContext, memo: dict[str, RowSql]) -> RowSql:
        if isinstance(node, L.And):
            return row_all(self._row(n, ctx, memo) for n in node.items)
        if isinstance(node, L.Or):
            return row_any(self._row(n, ctx, memo) for n in node.items)
        if isinstance(node, L.Not):
            return row_not(self._row(node.item, ctx, memo))
        if isinstance(node, L.Name):
            if node.name in FIELDS:
                return FIELDS[node.name].row(ctx)
            return self._rule_row(node.name, ctx, memo)
        if isinstance(node, L.Call):
            return BLOCKS[node.function].row(ctx, node.argument)
        if isinstance(node, L.Compare):
            return FIELDS[node.left.name].row(ctx, node.op, self._value(node.right))  # type: ignore[attr-defined]
        if isinstance(node, L.InSet):
            op = "not in" if node.negated else "in"
            return FIELDS[node.left.name].row(ctx, op, node.values)  # type: ignore[attr-defined]
        raise AssertionError(node)


def _all_q(items: list[Q]) -> Q:
    result = Q()
    for item in items:
        result &= item
    return result


def _any_q(items: list[Q]) -> Q:
    result = items[0]
    for item in items[1:]:
        result |= item
    return result


def _with_false(true: Q, false: Q | None) -> tuple[Q, Q]:
    """A test that is never undetermined is false where it is not true."""
    return true, (false if false is not None else ~true)


@dataclass
class Screened:
    """One child's screening by the database: what it is decided for, and what is undetermined."""

    categories: list[str] = field(default_factory=list)
    measures: list[str] = field(default_factory=list)
    undetermined: dict[str, list[str]] = field(default_factory=dict)

    @property
    def decided(self) -> tuple[list[str], list[str]]:
        return self.categories, self.measures


def screen_database(ruleset: RuleSet, as_of: datetime.date, children: QuerySet[Child]) -> dict[int, Screened]:
    """Set-based: per category and measure one query for the children it is true for and one for
    those it is undetermined for; per not-recorded fact one query for the children missing it.
    Returns child id → Screened."""
    screened = {pk: Screened() for pk in children.values_list("pk", flat=True)}
    missing = not_recorded_in_database(as_of, children)
    for code, rule in sorted(ruleset.rules.items()):
        if rule.kind == "block":
            continue
        for pk in ruleset.matching(code, as_of, children).values_list("pk", flat=True):
            (screened[pk].categories if rule.kind == "category" else screened[pk].measures).append(code)
        for pk in ruleset.undetermined_among(code, as_of, children).values_list("pk", flat=True):
            screened[pk].undetermined[code] = depending(ruleset.facts_read[code], missing.get(pk, ()))
    return screened


def not_recorded_in_database(as_of: datetime.date, children: QuerySet[Child]) -> dict[int, list[str]]:
    """Child id → the facts not recorded for it on `as_of` (one query per fact)."""
    ctx = SqlContext(as_of, {})
    recorded = {
        parent_fact("father"): BLOCKS["parent_recorded"].sql(ctx, "father"),
        parent_fact("mother"): BLOCKS["parent_recorded"].sql(ctx, "mother"),
        FACT_ENROLLED: FIELDS["schooling.attendance_recorded"].sql(ctx),
        FACT_GUARDIAN: FIELDS["guardian.recorded"].sql(ctx),
    }
    missing: dict[int, list[str]] = {}
    for fact, q in recorded.items():
        for pk in children.exclude(q).values_list("pk", flat=True):
            missing.setdefault(pk, []).append(fact)
    return missing


def _compare(value: Any, op: str, other: Any) -> bool:
    return {
        "<": value < other,
        "<=": value <= other,
        ">": value > other,
        ">=": value >= other,
        "==": value == other,
        "!=": value != other,
    }[op]


def _disability_phrase(ctx: Context) -> str:
    from shouhu.registry.labels import DISABILITY_LABELS

    d = ctx.record.disability
    return f"{DISABILITY_LABELS.get(d.type, d.type)} {d.grade} 级" if d else ""


def contract_ruleset() -> RuleSet:
    from .contract import PARAMETERS_V1, RULES_V1

    rules = [
        RuleDef(code, kind, label, expr, task, minor_only=kind != "block") for code, kind, label, task, expr in RULES_V1
    ]
    return RuleSet(rules, {name: value for name, (value, _) in PARAMETERS_V1.items()})
