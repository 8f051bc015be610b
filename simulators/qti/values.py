"""QTI runtime values: a cardinality, a base type and zero or more typed items (none is NULL).

Pairs are unordered (a frozenset of two identifiers), directed pairs and points ordered tuples; a
``multiple`` container compares as a multiset, an ``ordered`` one as a sequence.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

Atom = str | int | float | bool | frozenset[str] | tuple[str, ...] | tuple[int, ...]


class BadValue(ValueError):
    """A value that cannot be read as its declared base type."""


@dataclass(frozen=True, slots=True)
class Value:
    cardinality: str
    base_type: str | None
    items: tuple[Atom, ...]

    @property
    def single(self) -> Atom:
        return self.items[0]

    def number(self) -> float:
        atom = self.items[0]
        if isinstance(atom, bool) or not isinstance(atom, int | float):
            raise BadValue(f"{atom!r} is not a number")
        return float(atom)


def typed(base_type: str | None, text: str) -> Atom:
    """One item of ``base_type`` from its QTI text form."""
    text = text.strip()
    try:
        if base_type == "integer":
            return int(text)
        if base_type == "float":
            return float(text)
        if base_type == "boolean":
            if text.lower() not in {"true", "false"}:
                raise BadValue(f"{text!r} is not a boolean")
            return text.lower() == "true"
        if base_type == "pair":
            return frozenset(_two(text))
        if base_type == "directedPair":
            return _two(text)
        if base_type == "point":
            x, y = _two(text)
            return (int(float(x)), int(float(y)))
    except ValueError as exc:
        raise BadValue(f"{text!r} is not a valid {base_type}") from exc
    return text


def _two(text: str) -> tuple[str, str]:
    parts = text.split()
    if len(parts) != 2:
        raise BadValue(f"{text!r} is not two space-separated values")
    return parts[0], parts[1]


def make(cardinality: str, base_type: str | None, texts: Sequence[str]) -> Value | None:
    """A value from its items' text forms; NULL (None) when there are none."""
    items = tuple(typed(base_type, t) for t in texts if t.strip() != "")
    if not items:
        return None
    if cardinality == "single" and len(items) > 1:
        raise BadValue("a single-cardinality value holds one item")
    return Value(cardinality, base_type, items)


def boolean(result: bool) -> Value:
    return Value("single", "boolean", (result,))


def number(result: float, base_type: str = "float") -> Value:
    return Value("single", base_type, (int(result) if base_type == "integer" else result,))


def same_atom(a: Atom, b: Atom) -> bool:
    if isinstance(a, int | float) and isinstance(b, int | float):
        return float(a) == float(b)
    return a == b


def matches(a: Value, b: Value) -> bool:
    """``qti-match``: same items, as a multiset for ``multiple``, in order otherwise."""
    if a.cardinality == "multiple" or b.cardinality == "multiple":
        return Counter(_key(i) for i in a.items) == Counter(_key(i) for i in b.items)
    return len(a.items) == len(b.items) and all(
        same_atom(x, y) for x, y in zip(a.items, b.items, strict=True)
    )


def _key(atom: Atom) -> Atom:
    return float(atom) if isinstance(atom, int) and not isinstance(atom, bool) else atom


def text(atom: Atom) -> str:
    """The QTI text form of an item (what ``outcomes`` answer with)."""
    if isinstance(atom, bool):
        return "true" if atom else "false"
    if isinstance(atom, frozenset):
        return " ".join(sorted(atom))
    if isinstance(atom, tuple):
        return " ".join(str(p) for p in atom)
    return str(atom)
