"""The rule language: small, documented (docs/eligibility-rules.md), compiled, failing closed.

    expr   := or
    or     := and ("or" and)*
    and    := not ("and" not)*
    not    := "not" not | test
    test   := term (("<" | "<=" | ">" | ">=" | "==" | "!=") value | ["not"] "in" set)?
    term   := "(" expr ")" | NAME "(" NAME ")" | NAME ("." NAME)*
    value  := INTEGER | "$" NAME | NAME
    set    := "{" NAME ("," NAME)* "}"

`NAME` is a field (`age`, `household.low_income`, `disability.grade`, …), a building block
applied to a parent (`parent_unable(mother)`), another rule's code (`orphan`, `T01`), or an
enumeration value. `$name` is a named parameter. Anything unknown is a compile error: a rule
that cannot be compiled is refused at save, never evaluated.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

TOKEN = re.compile(
    r"\s*(?:(?P<num>\d+)|(?P<param>\$[A-Za-z_][A-Za-z0-9_]*)|(?P<name>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)"
    r"|(?P<op><=|>=|==|!=|<|>|\(|\)|\{|\}|,))"
)
KEYWORDS = {"and", "or", "not", "in"}
KIND_LABELS = {"name": "名称或取值", "num": "整数", "param": "参数"}


class RuleSyntaxError(ValueError):
    """A rule that cannot be parsed or compiled; the message is in Chinese and says where."""


@dataclass(frozen=True)
class Node:
    pass


@dataclass(frozen=True)
class And(Node):
    items: tuple[Node, ...]


@dataclass(frozen=True)
class Or(Node):
    items: tuple[Node, ...]


@dataclass(frozen=True)
class Not(Node):
    item: Node


@dataclass(frozen=True)
class Name(Node):
    """A field, a rule reference or (as a comparison value) an enumeration value."""

    name: str


@dataclass(frozen=True)
class Call(Node):
    function: str
    argument: str


@dataclass(frozen=True)
class Param(Node):
    name: str


@dataclass(frozen=True)
class Number(Node):
    value: int


@dataclass(frozen=True)
class Compare(Node):
    left: Node
    op: str
    right: Node


@dataclass(frozen=True)
class InSet(Node):
    left: Node
    values: tuple[str, ...]
    negated: bool = False


def tokenize(text: str) -> list[tuple[str, str, int]]:
    tokens, pos = [], 0
    text = text.strip()
    while pos < len(text):
        match = TOKEN.match(text, pos)
        if match is None or match.end() == pos:
            raise RuleSyntaxError(f"第 {pos + 1} 个字符处无法识别：{text[pos : pos + 10]!r}")
        group = match.lastgroup or ""
        value, start = match.group(group), match.start(group)
        kind = value if group == "name" and value in KEYWORDS else group
        tokens.append((kind, value, start + 1))
        pos = match.end()
    return tokens


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = tokenize(text)
        self.i = 0

    def peek(self, *kinds: str) -> bool:
        return self.i < len(self.tokens) and (self.tokens[self.i][0] in kinds or self.tokens[self.i][1] in kinds)

    def take(self, *kinds: str) -> tuple[str, str, int]:
        if not self.peek(*kinds):
            where = (
                f"第 {self.tokens[self.i][2]} 个字符处的 {self.tokens[self.i][1]!r}"
                if self.i < len(self.tokens)
                else "结尾"
            )
            expected = " 或 ".join(KIND_LABELS.get(k, k) for k in kinds)
            raise RuleSyntaxError(f"{where}：应为 {expected}")
        token = self.tokens[self.i]
        self.i += 1
        return token

    def parse(self) -> Node:
        if not self.tokens:
            raise RuleSyntaxError("规则为空")
        node = self.or_()
        if self.i != len(self.tokens):
            _kind, value, pos = self.tokens[self.i]
            raise RuleSyntaxError(f"第 {pos} 个字符处多余的 {value!r}")
        return node

    def or_(self) -> Node:
        items = [self.and_()]
        while self.peek("or"):
            self.take("or")
            items.append(self.and_())
        return items[0] if len(items) == 1 else Or(tuple(items))

    def and_(self) -> Node:
        items = [self.not_()]
        while self.peek("and"):
            self.take("and")
            items.append(self.not_())
        return items[0] if len(items) == 1 else And(tuple(items))

    def not_(self) -> Node:
        if self.peek("not"):
            self.take("not")
            return Not(self.not_())
        return self.test()

    def test(self) -> Node:
        left = self.term()
        if self.peek("<", "<=", ">", ">=", "==", "!="):
            op = self.take("<", "<=", ">", ">=", "==", "!=")[1]
            return Compare(left, op, self.value())
        negated = False
        if self.peek("not") and self.i + 1 < len(self.tokens) and self.tokens[self.i + 1][0] == "in":
            self.take("not")
            negated = True
        if self.peek("in"):
            self.take("in")
            return InSet(left, self.set_(), negated)
        if negated:
            raise RuleSyntaxError("not 之后应为 in")
        return left

    def term(self) -> Node:
        if self.peek("("):
            self.take("(")
            node = self.or_()
            self.take(")")
            return node
        name = self.take("name")[1]
        if self.peek("("):
            self.take("(")
            argument = self.take("name")[1]
            self.take(")")
            return Call(name, argument)
        return Name(name)

    def value(self) -> Node:
        if self.peek("num"):
            return Number(int(self.take("num")[1]))
        if self.peek("param"):
            return Param(self.take("param")[1][1:])
        return Name(self.take("name")[1])

    def set_(self) -> tuple[str, ...]:
        self.take("{")
        values = [self.take("name")[1]]
        while self.peek(","):
            self.take(",")
            values.append(self.take("name")[1])
        self.take("}")
        return tuple(values)


def parse(text: str) -> Node:
    return _Parser(text).parse()


def walk(node: Node) -> Iterator[Node]:
    """Every node of an expression that names something: names (a comparison's field too) and calls."""
    if isinstance(node, And | Or):
        for item in node.items:
            yield from walk(item)
    elif isinstance(node, Not):
        yield from walk(node.item)
    elif isinstance(node, Compare | InSet):
        yield node.left
    elif isinstance(node, Name | Call):
        yield node


def references(node: Node) -> set[str]:
    """Every bare name in an expression (fields and rule codes alike)."""
    if isinstance(node, And | Or):
        return set().union(*(references(n) for n in node.items))
    if isinstance(node, Not):
        return references(node.item)
    if isinstance(node, Name):
        return {node.name}
    if isinstance(node, Compare | InSet):
        return references(node.left)
    return set()


def parameters(node: Node) -> set[str]:
    if isinstance(node, And | Or):
        return set().union(*(parameters(n) for n in node.items))
    if isinstance(node, Not):
        return parameters(node.item)
    if isinstance(node, Compare):
        return parameters(node.left) | ({node.right.name} if isinstance(node.right, Param) else set())
    return set()
