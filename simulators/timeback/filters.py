"""TimeBack's ``filter`` parameter, parsed the way TimeBack documents it.

Written from the OneRoster API description (``?filter=[field][operator][value]``, the operator
list, ``AND`` / ``OR``) and what the official clients send, not from the BFF's parser: a shared
parser would agree with the BFF's mistakes instead of catching them (decision D28).

    expression := conjunction ("OR" conjunction)*
    conjunction := term ("AND" term)*
    term       := "(" expression ")" | field operator values
    field      := name ("." name)*          e.g. course.sourcedId, roles.role
    operator   := "=" | "!=" | ">" | ">=" | "<" | "<=" | "~" | "@"
    values     := literal ("," literal)*    more than one only after "@"
    literal    := 'quoted text' ('' is a quote) | a bare number | true | false

``AND`` binds tighter than ``OR`` and both are upper case words. ``@`` takes a comma-separated
list, written either as one quoted string (``role@'teacher,student'``, TimeBack's form) or as
several literals (``role@'teacher','student'``). Parentheses group, as ``timeback-common``'s
``where_to_filter`` writes an ``in_`` (``(role='teacher' OR role='aide')``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, cast

Operator = Literal["=", "!=", ">", ">=", "<", "<=", "~", "@"]
Joiner = Literal["AND", "OR"]

_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
_TOKEN = re.compile(
    rf"""
    \s*(?:
        (?P<open>\()
      | (?P<close>\))
      | (?P<comma>,)
      | (?P<operator>!=|>=|<=|=|>|<|~|@)
      | '(?P<quoted>(?:[^']|'')*)'
      | (?P<word>{_NAME}(?:\.{_NAME})*|[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)
    )
    """,
    re.VERBOSE,
)
_NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
_JOINERS: tuple[Joiner, ...] = ("AND", "OR")


class FilterSyntaxError(ValueError):
    """The filter does not follow the grammar; the message says where."""


@dataclass(frozen=True, slots=True)
class Value:
    text: str  # unquoted, quotes undoubled
    quoted: bool  # a quoted value compares as text (or an instant), a bare one as a number


@dataclass(frozen=True, slots=True)
class Condition:
    field: str
    operator: Operator
    values: tuple[Value, ...]  # one, except after "@"

    @property
    def path(self) -> list[str]:
        return self.field.split(".")


@dataclass(frozen=True, slots=True)
class Junction:
    joiner: Joiner
    parts: tuple[Filter, ...]


Filter = Condition | Junction


@dataclass(frozen=True, slots=True)
class _Token:
    kind: str
    text: str
    at: int


def parse(text: str) -> Filter:
    """The filter's tree; :class:`FilterSyntaxError` when it does not parse."""
    return _Parser(_tokens(text)).parse()


def fields_named(tree: Filter) -> list[str]:
    """Every field the filter compares, in order."""
    if isinstance(tree, Condition):
        return [tree.field]
    return [name for part in tree.parts for name in fields_named(part)]


def _tokens(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    at = 0
    end = len(text.rstrip())
    while at < end:
        match = _TOKEN.match(text, at)
        if match is None or match.end() == at:
            raise FilterSyntaxError(f"Invalid filter: unexpected character at {at}: {text[at:]!r}")
        kind = match.lastgroup or ""  # every alternative is a named group
        value, start = match.group(kind), match.start(kind)
        if kind == "quoted":
            value = value.replace("''", "'")
        elif kind == "word" and value in _JOINERS:
            kind = "joiner"
        tokens.append(_Token(kind, value, start))
        at = match.end()
    return tokens


class _Parser:
    def __init__(self, tokens: list[_Token]) -> None:
        self.tokens = tokens
        self.at = 0

    def parse(self) -> Filter:
        if not self.tokens:
            raise FilterSyntaxError("Invalid filter: empty")
        tree = self._expression()
        if (left := self._peek()) is not None:
            raise FilterSyntaxError(f"Invalid filter: unexpected {left.text!r} at {left.at}")
        return tree

    def _expression(self) -> Filter:
        return self._joined("OR", self._conjunction)

    def _conjunction(self) -> Filter:
        return self._joined("AND", self._term)

    def _joined(self, joiner: Joiner, read: Callable[[], Filter]) -> Filter:
        parts: list[Filter] = [read()]
        while (token := self._peek()) is not None and token.kind == "joiner":
            if token.text != joiner:
                break
            self.at += 1
            parts.append(read())
        return parts[0] if len(parts) == 1 else Junction(joiner, tuple(parts))

    def _term(self) -> Filter:
        token = self._next("a field or '('")
        if token.kind == "open":
            inner = self._expression()
            self._expect("close", "')'")
            return inner
        if token.kind != "word" or _NUMBER.fullmatch(token.text):
            raise FilterSyntaxError(f"Invalid filter: expected a field at {token.at}")
        operator = self._expect("operator", "an operator").text
        values = [self._value()]
        if operator == "@":
            while (comma := self._peek()) is not None and comma.kind == "comma":
                self.at += 1
                values.append(self._value())
            if len(values) == 1 and values[0].quoted:
                values = [Value(v.strip(), True) for v in values[0].text.split(",")]
        return Condition(token.text, cast(Operator, operator), tuple(values))

    def _value(self) -> Value:
        token = self._next("a value")
        if token.kind == "quoted":
            return Value(token.text, quoted=True)
        if token.kind == "word" and (
            _NUMBER.fullmatch(token.text) or token.text in ("true", "false")
        ):
            return Value(token.text, quoted=False)
        raise FilterSyntaxError(
            f"Invalid filter: expected a quoted value, a number or true/false at {token.at}"
        )

    def _peek(self) -> _Token | None:
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def _next(self, wanted: str) -> _Token:
        token = self._peek()
        if token is None:
            raise FilterSyntaxError(f"Invalid filter: expected {wanted} at the end")
        self.at += 1
        return token

    def _expect(self, kind: str, wanted: str) -> _Token:
        token = self._next(wanted)
        if token.kind != kind:
            raise FilterSyntaxError(f"Invalid filter: expected {wanted} at {token.at}")
        return token
