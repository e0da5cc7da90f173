"""Two evaluators, one answer.

`RuleSet` holds a consistent set of rules (categories, measures and building blocks) and the
parameter values. `check()` compiles every rule and refuses anything it cannot resolve (fail
closed). Then:
- `decide(record, as_of)` evaluates in memory for one child and explains each decision in Chinese;
- `matching(code, as_of, children)` compiles one rule to one SQL query over the registry;
- `row(code, as_of)` compiles one rule to a boolean SQL expression over a child's facts row (one
  materialised row per child, vocabulary.py "Facts rows"): what screening runs.
The property test (tests/test_agreement.py) checks all three agree.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet

from shouhu.registry.exchange.format import ChildRecord
from shouhu.registry.models import Child

from . import language as L
from .vocabulary import BLOCKS, FIELDS, PARENTS, Context, RowSql, SqlContext, block_phrase, row_all, row_any, row_not

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


class RuleSet:
    def __init__(self, rules: Iterable[RuleDef], params: dict[str, int]) -> None:
        self.rules = {r.code: r for r in rules}
        self.params = dict(params)
        self.trees: dict[str, L.Node] = {}
        self.check()

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
        memo: dict[str, bool] = {}
        is_minor = FIELDS["age"].get(ctx) < self.params["adult_age"]
        categories, measures, explanations, category_explanations = [], [], {}, {}
        for code, rule in sorted(self.rules.items()):
            if rule.kind == "block" or not self.holds(code, ctx, memo) or (rule.minor_only and not is_minor):
                continue
            text = self.explanation(code, ctx, memo)
            if rule.kind == "category":
                categories.append(code)
                category_explanations[code] = text
            else:
                measures.append(code)
                explanations[code] = text
        return Decision(categories, measures, explanations, category_explanations)

    def holds(self, code: str, ctx: Context, memo: dict[str, bool]) -> bool:
        if code not in memo:
            memo[code] = self._eval(self.trees[code], ctx, memo)
        return memo[code]

    def _eval(self, node: L.Node, ctx: Context, memo: dict[str, bool]) -> bool:
        if isinstance(node, L.And):
            return all(self._eval(n, ctx, memo) for n in node.items)
        if isinstance(node, L.Or):
            return any(self._eval(n, ctx, memo) for n in node.items)
        if isinstance(node, L.Not):
            return not self._eval(node.item, ctx, memo)
        if isinstance(node, L.Name):
            if node.name in FIELDS:
                return bool(FIELDS[node.name].get(ctx))
            rule = self.rules[node.name]
            minor = FIELDS["age"].get(ctx) < self.params["adult_age"] or not rule.minor_only
            return minor and self.holds(node.name, ctx, memo)
        if isinstance(node, L.Call):
            return BLOCKS[node.function].test(ctx, node.argument)
        if isinstance(node, L.Compare):
            value = FIELDS[node.left.name].get(ctx)  # type: ignore[attr-defined]
            if value is None:
                return False
            return _compare(value, node.op, self._value(node.right))
        if isinstance(node, L.InSet):
            value = FIELDS[node.left.name].get(ctx)  # type: ignore[attr-defined]
            if value is None:
                return False
            return (value in node.values) != node.negated
        raise AssertionError(node)

    def explanation(self, code: str, ctx: Context, memo: dict[str, bool]) -> str:
        """Why a rule holds, in Chinese: the positive facts that decided it, or — for a rule made
        only of absences (T16: no parent alive, no able guardian) — the facts behind those."""
        tree = self.trees[code]
        return self.explain(tree, ctx, memo, nested=False) or self.explain(
            tree, ctx, memo, nested=False, negatives=True
        )

    def explain(
        self, node: L.Node, ctx: Context, memo: dict[str, bool], *, nested: bool, negatives: bool = False
    ) -> str:
        """The facts that made a true expression true; negative conditions add nothing unless
        `negatives` asks for the facts behind them."""
        if isinstance(node, L.And):
            parts = [self.explain(n, ctx, memo, nested=nested, negatives=negatives) for n in node.items]
            return "，".join(dict.fromkeys(p for p in parts if p))  # each fact once, in order
        if isinstance(node, L.Or):
            for item in node.items:
                if self._eval(item, ctx, memo):
                    return self.explain(item, ctx, memo, nested=nested, negatives=negatives)
            return ""
        if isinstance(node, L.Not):
            return self._absence(node.item, ctx) if negatives else ""
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
        if (isinstance(node, L.Compare) and node.op == "!=") or (isinstance(node, L.InSet) and node.negated):
            return ""  # a negative condition names no fact
        if isinstance(node, L.Compare | L.InSet):
            f = FIELDS[node.left.name]  # type: ignore[attr-defined]
            value = f.get(ctx)
            if f.name == "age":
                return f"年龄 {value} 岁"
            if f.name == "disability.grade":
                return _disability_phrase(ctx)
            if f.name == "disability.type":
                return _disability_phrase(ctx)
            if f.name in ("father.status", "mother.status"):
                return block_phrase(ctx, f.name.split(".")[0])
            return f"{f.label}：{f.describe_value(value)}"
        return ""

    def _absence(self, node: L.Node, ctx: Context) -> str:
        """The fact behind a negative condition: `not parent_alive(father)` → what the father's
        situation is; `not guardian.able` → no guardian, or a guardian unable to care."""
        if isinstance(node, L.Call):
            return block_phrase(ctx, node.argument)
        if isinstance(node, L.Name) and node.name == "guardian.able":
            return "无实际监护人" if ctx.record.guardian is None else "实际监护人无监护能力"
        if isinstance(node, L.Name) and node.name in FIELDS:
            return f"非{FIELDS[node.name].label}"
        return ""

    # -- in the database -----------------------------------------------------------------------

    def q(self, code: str, as_of: datetime.date) -> Q:
        """The rule as a filter on registry children, as of a date (one query when applied)."""
        ctx = SqlContext(as_of, self.params)
        return self._rule_q(code, ctx, {})

    def matching(self, code: str, as_of: datetime.date, children: QuerySet[Child] | None = None) -> QuerySet[Child]:
        children = children if children is not None else Child.objects.all()
        return children.filter(self.q(code, as_of))

    def _rule_q(self, code: str, ctx: SqlContext, memo: dict[str, Q]) -> Q:
        if code not in memo:
            q = self._q(self.trees[code], ctx, memo)
            if self.rules[code].minor_only:
                q = FIELDS["age"].sql(ctx, "<", self.params["adult_age"]) & q
            memo[code] = q
        return memo[code]

    def _q(self, node: L.Node, ctx: SqlContext, memo: dict[str, Q]) -> Q:
        if isinstance(node, L.And):
            result = Q()
            for item in node.items:
                result &= self._q(item, ctx, memo)
            return result
        if isinstance(node, L.Or):
            result = self._q(node.items[0], ctx, memo)
            for item in node.items[1:]:
                result |= self._q(item, ctx, memo)
            return result
        if isinstance(node, L.Not):
            return ~self._q(node.item, ctx, memo)
        if isinstance(node, L.Name):
            if node.name in FIELDS:
                return FIELDS[node.name].sql(ctx)
            return self._rule_q(node.name, ctx, memo)
        if isinstance(node, L.Call):
            return BLOCKS[node.function].sql(ctx, node.argument)
        if isinstance(node, L.Compare):
            return FIELDS[node.left.name].sql(ctx, node.op, self._value(node.right))  # type: ignore[attr-defined]
        if isinstance(node, L.InSet):
            return FIELDS[node.left.name].sql(ctx, "not in" if node.negated else "in", node.values)  # type: ignore[attr-defined]
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


def screen_database(
    ruleset: RuleSet, as_of: datetime.date, children: QuerySet[Child]
) -> dict[int, tuple[list[str], list[str]]]:
    """Set-based: one query per category and measure; returns child id → (categories, measures)."""
    decided: dict[int, tuple[list[str], list[str]]] = {pk: ([], []) for pk in children.values_list("pk", flat=True)}
    for code, rule in sorted(ruleset.rules.items()):
        if rule.kind == "block":
            continue
        for pk in ruleset.matching(code, as_of, children).values_list("pk", flat=True):
            decided[pk][0 if rule.kind == "category" else 1].append(code)
    return decided


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
