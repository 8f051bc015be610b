"""The OneRoster 1.2 filter language, as TimeBack speaks it: parsed to a small AST and printed back.

    filter      := disjunction
    disjunction := conjunction ( " OR " conjunction )*
    conjunction := term ( " AND " term )*
    term        := "(" disjunction ")" | field op value
    op          := "=" | "!=" | ">=" | "<=" | ">" | "<" | "~" | "@"
    value       := "'" text with '' for a quote "'" | bare token (number, true, false, ...)

``~`` is a case-insensitive "contains"; ``@`` means "one of" a comma-separated list. AND binds
tighter than OR, and parentheses (which the spec does not have but clients send) group. One parser
serves the simulator (which evaluates the AST), the BFF's cache (which compiles it to parameterised
SQL) and the TimeBack adapter (which prints it back for a live read), so the three cannot disagree.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from domain.errors import InvalidInput


class Op(StrEnum):
    EQ = "="
    NE = "!="
    GT = ">"
    GE = ">="
    LT = "<"
    LE = "<="
    CONTAINS = "~"
    IN = "@"


@dataclass(frozen=True, slots=True)
class Comparison:
    field: str
    op: Op
    value: str
    #: written in quotes: always a string or date; bare values may be numbers or booleans
    quoted: bool = True

    @property
    def values(self) -> tuple[str, ...]:
        """The list of an ``@`` comparison (or the single value)."""
        if self.op is Op.IN:
            return tuple(v.strip() for v in self.value.split(","))
        return (self.value,)


@dataclass(frozen=True, slots=True)
class Logical:
    op: str  # "AND" or "OR"
    parts: tuple[Expr, ...]


Expr = Comparison | Logical

MAX_FILTER_LENGTH = 4000
MAX_PREDICATES = 50

_FIELD = re.compile(r"[A-Za-z_][A-Za-z0-9_.]*")
_OPS = sorted((o.value for o in Op), key=len, reverse=True)  # ">=" before ">"
_BARE = re.compile(r"[^\s()']+")


class FilterError(InvalidInput):
    """A filter the grammar refuses; ``field`` is ``filter`` so the API can point at the parameter."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail, field="filter")


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.predicates = 0

    def fail(self, what: str) -> FilterError:
        return FilterError(f"Invalid filter at character {self.pos + 1}: {what}.")

    def skip_spaces(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos] == " ":
            self.pos += 1

    def keyword(self, word: str) -> bool:
        self.skip_spaces()
        end = self.pos + len(word)
        if self.text[self.pos : end] == word and (end == len(self.text) or self.text[end] in " ("):
            self.pos = end
            return True
        return False

    def disjunction(self) -> Expr:
        parts = [self.conjunction()]
        while self.keyword("OR"):
            parts.append(self.conjunction())
        return parts[0] if len(parts) == 1 else Logical("OR", tuple(parts))

    def conjunction(self) -> Expr:
        parts = [self.term()]
        while self.keyword("AND"):
            parts.append(self.term())
        return parts[0] if len(parts) == 1 else Logical("AND", tuple(parts))

    def term(self) -> Expr:
        self.skip_spaces()
        if self.text.startswith("(", self.pos):
            self.pos += 1
            inner = self.disjunction()
            self.skip_spaces()
            if not self.text.startswith(")", self.pos):
                raise self.fail("expected ')'")
            self.pos += 1
            return inner
        field = _FIELD.match(self.text, self.pos)
        if field is None:
            raise self.fail("expected a field name")
        self.pos = field.end()
        self.skip_spaces()
        op = next((o for o in _OPS if self.text.startswith(o, self.pos)), None)
        if op is None:
            raise self.fail(
                f"expected an operator ({', '.join(o.value for o in Op)}) after {field.group()!r}"
            )
        self.pos += len(op)
        self.skip_spaces()
        value, quoted = self.value()
        self.predicates += 1
        if self.predicates > MAX_PREDICATES:
            raise self.fail(f"more than {MAX_PREDICATES} predicates")
        return Comparison(field.group(), Op(op), value, quoted)

    def value(self) -> tuple[str, bool]:
        if self.text.startswith("'", self.pos):
            chars: list[str] = []
            self.pos += 1
            while self.pos < len(self.text):
                ch = self.text[self.pos]
                if ch == "'":
                    if self.text.startswith("''", self.pos):
                        chars.append("'")
                        self.pos += 2
                        continue
                    self.pos += 1
                    return "".join(chars), True
                chars.append(ch)
                self.pos += 1
            raise self.fail("unterminated quoted value")
        bare = _BARE.match(self.text, self.pos)
        if bare is None:
            raise self.fail("expected a value")
        self.pos = bare.end()
        return bare.group(), False


def parse_filter(text: str) -> Expr:
    """Parse a OneRoster filter; raises :class:`FilterError` naming the position of the problem."""
    if not text.strip():
        raise FilterError("The filter is empty.")
    if len(text) > MAX_FILTER_LENGTH:
        raise FilterError(f"The filter is longer than {MAX_FILTER_LENGTH} characters.")
    parser = _Parser(text)
    expr = parser.disjunction()
    parser.skip_spaces()
    if parser.pos != len(text):
        raise parser.fail("expected AND, OR or the end")
    return expr


def quote(value: str) -> str:
    """A value in single quotes, inner quotes doubled (``O'Brien`` -> ``'O''Brien'``)."""
    return "'" + value.replace("'", "''") + "'"


def format_filter(expr: Expr, *, nested: bool = False) -> str:
    """Print an AST back as a filter string that :func:`parse_filter` reads to the same AST."""
    if isinstance(expr, Comparison):
        value = quote(expr.value) if expr.quoted else expr.value
        return f"{expr.field}{expr.op.value}{value}"
    text = f" {expr.op} ".join(format_filter(p, nested=True) for p in expr.parts)
    return f"({text})" if nested else text


def fields_of(expr: Expr) -> set[str]:
    """Every field name the filter mentions (for checking against what may be filtered)."""
    if isinstance(expr, Comparison):
        return {expr.field}
    return set().union(*(fields_of(p) for p in expr.parts))
