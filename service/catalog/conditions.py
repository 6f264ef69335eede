"""A small, safe expression language for question visibility (``showIf``) and scope rules.

No ``eval``: expressions are tokenised and parsed into a tiny tree once, then
evaluated against the answers. Grammar::

    expr       := and_expr ("or" and_expr)*
    and_expr   := not_expr ("and" not_expr)*
    not_expr   := "not" not_expr | "(" expr ")" | comparison
    comparison := KEY ("==" | "!=" | ">" | ">=" | "<" | "<=") LITERAL
                | KEY "in" "[" LITERAL ("," LITERAL)* "]"
                | KEY "contains" LITERAL
                | KEY "answered"
    LITERAL    := 'text' | "text" | number

A comparison with an unanswered question is false whatever the operator (so a
question that depends on an unanswered one stays hidden), and ``"n/a"``
counts as answered. ``contains`` tests one value of a comma-separated
MULTI_CHOICE answer; ordering operators compare numbers.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Union

MAX_LENGTH = 500

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<string>'[^']*'|"[^"]*")
      | (?P<number>-?\d+(?:\.\d+)?)
      | (?P<op>==|!=|>=|<=|>|<|\(|\)|\[|\]|,)
      | (?P<word>[A-Za-z_][A-Za-z0-9_.\-]*)
    )""",
    re.VERBOSE,
)
_KEYWORDS = {"and", "or", "not", "in", "contains", "answered"}
_COMPARATORS = {"==", "!=", ">", ">=", "<", "<="}


class ConditionError(ValueError):
    """The expression does not parse."""


@dataclass(frozen=True, slots=True)
class Compare:
    key: str
    op: str
    values: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Not:
    operand: Condition


@dataclass(frozen=True, slots=True)
class All:
    operands: tuple[Condition, ...]


@dataclass(frozen=True, slots=True)
class AnyOf:
    operands: tuple[Condition, ...]


Condition = Union[Compare, Not, All, AnyOf]  # noqa: UP007 - a recursive alias needs Union


def _tokenise(text: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    position = 0
    stripped = text.rstrip()
    while position < len(stripped):
        match = _TOKEN.match(stripped, position)
        if match is None or match.end() == position:
            raise ConditionError(
                f"unexpected character at position {position}: {text[position : position + 10]!r}"
            )
        kind = match.lastgroup or ""
        value = match.group(kind)
        if kind == "string":
            value = value[1:-1]
        tokens.append((kind, value))
        position = match.end()
    return tokens


class _Parser:
    def __init__(self, tokens: list[tuple[str, str]]) -> None:
        self.tokens = tokens
        self.index = 0

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.index] if self.index < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        token = self.peek()
        if token is None:
            raise ConditionError("unexpected end of expression")
        self.index += 1
        return token

    def expect(self, value: str) -> None:
        kind, found = self.take()
        if found != value or kind not in ("op", "word"):
            raise ConditionError(f"expected {value!r}, found {found!r}")

    def at(self, value: str) -> bool:
        token = self.peek()
        return token is not None and token[0] in ("op", "word") and token[1] == value

    def expression(self) -> Condition:
        return self.joined("or", self.conjunction, AnyOf)

    def conjunction(self) -> Condition:
        return self.joined("and", self.negation, All)

    def joined(
        self,
        keyword: str,
        operand: Callable[[], Condition],
        combine: Callable[[tuple[Condition, ...]], Condition],
    ) -> Condition:
        """``operand (keyword operand)*``: the one operand, or ``combine`` of them all."""
        operands = [operand()]
        while self.at(keyword):
            self.take()
            operands.append(operand())
        return operands[0] if len(operands) == 1 else combine(tuple(operands))

    def negation(self) -> Condition:
        if self.at("not"):
            self.take()
            return Not(self.negation())
        if self.at("("):
            self.take()
            inner = self.expression()
            self.expect(")")
            return inner
        return self.comparison()

    def literal(self) -> str:
        kind, value = self.take()
        if kind not in ("string", "number"):
            raise ConditionError(f"expected a quoted value or a number, found {value!r}")
        return value

    def comparison(self) -> Condition:
        kind, key = self.take()
        if kind != "word" or key in _KEYWORDS:
            raise ConditionError(f"expected a question key, found {key!r}")
        kind, op = self.take()
        if op in _COMPARATORS and kind == "op":
            return Compare(key, op, (self.literal(),))
        if op == "contains" and kind == "word":
            return Compare(key, op, (self.literal(),))
        if op == "answered" and kind == "word":
            return Compare(key, op, ())
        if op == "in" and kind == "word":
            self.expect("[")
            values = [self.literal()]
            while self.at(","):
                self.take()
                values.append(self.literal())
            self.expect("]")
            return Compare(key, op, tuple(values))
        raise ConditionError(f"expected an operator after {key!r}, found {op!r}")


def parse(text: str) -> Condition:
    if len(text) > MAX_LENGTH:
        raise ConditionError(f"expression longer than {MAX_LENGTH} characters")
    parser = _Parser(_tokenise(text))
    if parser.peek() is None:
        raise ConditionError("empty expression")
    condition = parser.expression()
    if parser.peek() is not None:
        raise ConditionError(f"unexpected {parser.peek()[1]!r} after a complete expression")  # type: ignore[index]
    return condition


def referenced_keys(condition: Condition) -> set[str]:
    if isinstance(condition, Compare):
        return {condition.key}
    if isinstance(condition, Not):
        return referenced_keys(condition.operand)
    return set().union(*(referenced_keys(operand) for operand in condition.operands))


def _number(value: str) -> float | None:
    try:
        return float(value)
    except ValueError:
        return None


def _compare(condition: Compare, answers: Mapping[str, str]) -> bool:  # noqa: PLR0911
    answer = answers.get(condition.key)
    if answer is None:
        return False
    op = condition.op
    if op == "answered":
        return True
    if op == "==":
        return answer == condition.values[0]
    if op == "!=":
        return answer != condition.values[0]
    if op == "in":
        return answer in condition.values
    if op == "contains":
        return condition.values[0] in {part.strip() for part in answer.split(",")}
    left, right = _number(answer), _number(condition.values[0])
    if left is None or right is None:
        return False
    return {">": left > right, ">=": left >= right, "<": left < right, "<=": left <= right}[op]


def evaluate(condition: Condition, answers: Mapping[str, str]) -> bool:
    if isinstance(condition, Compare):
        return _compare(condition, answers)
    if isinstance(condition, Not):
        return not evaluate(condition.operand, answers)
    if isinstance(condition, All):
        return all(evaluate(operand, answers) for operand in condition.operands)
    return any(evaluate(operand, answers) for operand in condition.operands)
