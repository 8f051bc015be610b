"""QTI 3 response processing over a :class:`~.model.ParsedItem`: pure functions, no I/O, so the
PowerPath simulator can score with them too.

:func:`process` binds the candidate's responses, sets the outcomes to their defaults (numeric
outcomes without one start at 0, as QTI says), then runs either the standard template
(``match_correct``, ``map_response``, ``map_response_point``) or the item's own rules
(``qti-response-condition`` with if / else-if / else, ``qti-set-outcome-value``,
``qti-exit-response``) over the expressions in :data:`OPERATORS`. Items whose responses are
extended text have no automatic score: they come back ``pending``.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from lxml import etree

from simulators.qti.model import AreaMapping, Feedback, ParsedItem, ResponseDeclaration
from simulators.qti.parse import kids, local
from simulators.qti.values import (
    Atom,
    BadValue,
    Value,
    boolean,
    make,
    matches,
    number,
    same_atom,
    text,
    typed,
)

#: what a caller passes per response identifier: one value, several, or nothing (NULL)
Response = str | Sequence[str] | None
Variables = dict[str, Value | None]


class ScoringError(ValueError):
    """The responses or the item's processing cannot be evaluated (the message says why)."""


@dataclass(frozen=True, slots=True)
class Result:
    score: float
    #: "scored", or "pending" when a person (or TimeBack's AI grader) must score it
    status: str
    outcomes: dict[str, list[str]]
    #: the modal feedback the outcomes show, first in document order
    feedback: Feedback | None
    #: every modal / inline / block feedback the outcomes show
    shown: tuple[Feedback, ...] = ()
    correct: bool = False


class _Exit(Exception):
    """``qti-exit-response``: stop processing, keep the outcomes set so far."""


def process(item: ParsedItem, responses: Mapping[str, Response]) -> Result:
    """Score ``responses`` (by response identifier) with the item's response processing."""
    variables: Variables = {}
    for declaration in item.responses:
        variables[declaration.identifier] = bind(declaration, responses.get(declaration.identifier))
    for outcome in item.outcomes:
        initial = make(outcome.cardinality, outcome.base_type, outcome.default)
        numeric = outcome.base_type in {"integer", "float"} and outcome.cardinality == "single"
        if initial is None and numeric:
            initial = number(0, outcome.base_type or "float")
        variables[outcome.identifier] = initial
    if is_pending(item):
        return Result(0.0, "pending", _texts(item, variables), None)
    evaluator = _Evaluator(item, variables)
    try:
        if item.template is not None:
            evaluator.run_template(item.template)
        else:
            evaluator.run_rules(item.rules)
    except _Exit:
        pass
    score = _score(variables.get("SCORE"))
    shown = tuple(f for f in _all_feedback(item) if _shows(f, variables))
    modal = next((f for f in item.modal_feedback if f in shown), None)
    return Result(score, "scored", _texts(item, variables), modal, shown, _correct(item, variables))


def bind(declaration: ResponseDeclaration, response: Response) -> Value | None:
    """The candidate's response as a value of the declaration's type (NULL when empty)."""
    if response is None:
        return None
    texts = [response] if isinstance(response, str) else list(response)
    if declaration.cardinality == "single" and len(texts) > 1:
        raise ScoringError(f"response {declaration.identifier} takes a single value")
    try:
        return make(declaration.cardinality, declaration.base_type, texts)
    except BadValue as exc:
        raise ScoringError(f"response {declaration.identifier}: {exc}") from exc


def is_pending(item: ParsedItem) -> bool:
    """Extended text answers no rule can score: no correct response and no mapping."""
    for interaction in item.interactions:
        if interaction.kind != "extended-text":
            continue
        declaration = item.response(interaction.response_identifier)
        if declaration is None or (not declaration.correct and declaration.mapping is None):
            return True
    return False


def map_response(declaration: ResponseDeclaration, value: Value | None) -> float:
    """``qti-map-response``: each distinct item mapped once; unmapped ones get the default."""
    mapping = declaration.mapping
    if mapping is None:
        raise ScoringError(f"response {declaration.identifier} has no mapping")
    if value is None:
        return _bounded(mapping.default, mapping.lower_bound, mapping.upper_bound)
    total, seen = 0.0, list[Atom]()
    for atom in value.items:
        if any(same_atom(atom, s) for s in seen):
            continue
        seen.append(atom)
        total += _mapped(declaration, atom)
    return _bounded(total, mapping.lower_bound, mapping.upper_bound)


def _mapped(declaration: ResponseDeclaration, atom: Atom) -> float:
    assert declaration.mapping is not None  # noqa: S101 (checked by the caller)
    for entry in declaration.mapping.entries:
        key = typed(declaration.base_type, entry.key)
        if isinstance(atom, str) and isinstance(key, str) and not entry.case_sensitive:
            if atom.lower() == key.lower():
                return entry.value
        elif same_atom(atom, key):
            return entry.value
    return declaration.mapping.default


def map_response_point(declaration: ResponseDeclaration, value: Value | None) -> float:
    """``qti-map-response-point``: each area counted once, for the first point inside it."""
    area = declaration.area_mapping
    if area is None:
        raise ScoringError(f"response {declaration.identifier} has no area mapping")
    if value is None:
        return _bounded(area.default, area.lower_bound, area.upper_bound)
    total, hit = 0.0, set()
    for atom in value.items:
        if not isinstance(atom, tuple) or len(atom) != 2:
            raise ScoringError("map-response-point needs points")
        x, y = float(atom[0]), float(atom[1])
        index = _area_of(area, x, y)
        if index is None:
            total += area.default
        elif index not in hit:
            hit.add(index)
            total += area.entries[index].value
    return _bounded(total, area.lower_bound, area.upper_bound)


def _area_of(area: AreaMapping, x: float, y: float) -> int | None:
    for index, entry in enumerate(area.entries):
        if inside(entry.shape, entry.coords, x, y):
            return index
    return None


def inside(shape: str, c: Sequence[float], x: float, y: float) -> bool:
    """Whether (x, y) lies in a QTI shape (HTML image-map coordinates)."""
    if shape == "default":
        return True
    if shape == "circle" and len(c) >= 3:
        return math.hypot(x - c[0], y - c[1]) <= c[2]
    if shape == "rect" and len(c) >= 4:
        return min(c[0], c[2]) <= x <= max(c[0], c[2]) and min(c[1], c[3]) <= y <= max(c[1], c[3])
    if shape == "ellipse" and len(c) >= 4 and c[2] and c[3]:
        return ((x - c[0]) / c[2]) ** 2 + ((y - c[1]) / c[3]) ** 2 <= 1
    if shape == "poly" and len(c) >= 6:
        points = list(zip(c[0::2], c[1::2], strict=False))
        crossings = False
        for (x1, y1), (x2, y2) in zip(points, points[1:] + points[:1], strict=True):
            if (y1 > y) != (y2 > y) and x < (x2 - x1) * (y - y1) / (y2 - y1) + x1:
                crossings = not crossings
        return crossings
    return False


def _bounded(total: float, lower: float | None, upper: float | None) -> float:
    if lower is not None:
        total = max(total, lower)
    if upper is not None:
        total = min(total, upper)
    return total


class _Evaluator:
    def __init__(self, item: ParsedItem, variables: Variables) -> None:
        self.item = item
        self.variables = variables

    # -- rules ---------------------------------------------------------------------------------

    def run_template(self, template: str) -> None:
        declaration = self.item.response("RESPONSE") or (
            self.item.responses[0] if self.item.responses else None
        )
        if declaration is None:
            raise ScoringError("the template needs a response declaration")
        response = self.variables.get(declaration.identifier)
        if template == "match_correct":
            correct = make(declaration.cardinality, declaration.base_type, declaration.correct)
            hit = response is not None and correct is not None and matches(response, correct)
            self._set("SCORE", number(1 if hit else 0))
        elif response is None:
            self._set("SCORE", number(0))
        elif template == "map_response":
            self._set("SCORE", number(map_response(declaration, response)))
        else:
            self._set("SCORE", number(map_response_point(declaration, response)))

    def run_rules(self, rules: Sequence[etree._Element]) -> None:
        for rule in rules:
            name = local(rule)
            if name == "qti-response-condition":
                self._condition(rule)
            elif name == "qti-set-outcome-value":
                expression = self._only(rule)
                self._set(rule.get("identifier", ""), self.eval(expression))
            elif name == "qti-exit-response":
                raise _Exit
            elif name == "qti-response-processing-fragment":
                self.run_rules(list(kids(rule)))
            else:
                raise ScoringError(f"unsupported response rule <{name}>")

    def _condition(self, rule: etree._Element) -> None:
        for branch in kids(rule):
            name = local(branch)
            parts = list(kids(branch))
            if name == "qti-response-else":
                self.run_rules(parts)
                return
            if name not in {"qti-response-if", "qti-response-else-if"} or not parts:
                raise ScoringError(f"malformed response condition at <{name}>")
            if _truth(self.eval(parts[0])):
                self.run_rules(parts[1:])
                return

    def _set(self, identifier: str, value: Value | None) -> None:
        declaration = self.item.outcome(identifier)
        if declaration is None:
            raise ScoringError(f"outcome {identifier} is not declared")
        if value is not None and declaration.base_type in {"integer", "float"}:
            if declaration.cardinality == "single":
                value = number(value.number(), declaration.base_type)
        elif value is not None and declaration.base_type is not None:
            value = Value(declaration.cardinality, declaration.base_type, value.items)
        self.variables[identifier] = value

    # -- expressions ---------------------------------------------------------------------------

    def eval(self, el: etree._Element) -> Value | None:
        operator = OPERATORS.get(local(el))
        if operator is None:
            raise ScoringError(f"unsupported expression <{local(el)}>")
        try:
            return operator(self, el)
        except BadValue as exc:
            raise ScoringError(f"<{local(el)}>: {exc}") from exc

    def _only(self, el: etree._Element) -> etree._Element:
        parts = list(kids(el))
        if len(parts) != 1:
            raise ScoringError(f"<{local(el)}> takes one expression")
        return parts[0]

    def args(self, el: etree._Element) -> list[Value | None]:
        return [self.eval(c) for c in kids(el)]

    def declaration(self, el: etree._Element) -> ResponseDeclaration:
        identifier = el.get("identifier", "")
        declaration = self.item.response(identifier)
        if declaration is None:
            raise ScoringError(f"response {identifier} is not declared")
        return declaration


def _truth(value: Value | None) -> bool:
    return value is not None and value.single is True


def _op_variable(ev: _Evaluator, el: etree._Element) -> Value | None:
    identifier = el.get("identifier", "")
    if identifier not in ev.variables:
        raise ScoringError(f"variable {identifier} is not declared")
    return ev.variables[identifier]


def _op_correct(ev: _Evaluator, el: etree._Element) -> Value | None:
    d = ev.declaration(el)
    return make(d.cardinality, d.base_type, d.correct)


def _op_base_value(_: _Evaluator, el: etree._Element) -> Value | None:
    base_type = el.get("base-type", "string")
    return Value("single", base_type, (typed(base_type, el.text or ""),))


def _op_map_response(ev: _Evaluator, el: etree._Element) -> Value | None:
    d = ev.declaration(el)
    return number(map_response(d, ev.variables.get(d.identifier)))


def _op_map_response_point(ev: _Evaluator, el: etree._Element) -> Value | None:
    d = ev.declaration(el)
    return number(map_response_point(d, ev.variables.get(d.identifier)))


def _pair(ev: _Evaluator, el: etree._Element) -> tuple[Value, Value] | None:
    args = ev.args(el)
    if len(args) != 2:
        raise ScoringError(f"<{local(el)}> takes two expressions")
    a, b = args
    return None if a is None or b is None else (a, b)


def _op_match(ev: _Evaluator, el: etree._Element) -> Value | None:
    pair = _pair(ev, el)
    return None if pair is None else boolean(matches(*pair))


def _op_member(ev: _Evaluator, el: etree._Element) -> Value | None:
    pair = _pair(ev, el)
    if pair is None:
        return None
    needle, container = pair
    return boolean(any(same_atom(needle.single, atom) for atom in container.items))


def _op_contains(ev: _Evaluator, el: etree._Element) -> Value | None:
    pair = _pair(ev, el)
    if pair is None:
        return None
    container, sub = pair
    if container.cardinality == "ordered":
        n, items = len(sub.items), container.items
        found = any(
            all(same_atom(x, y) for x, y in zip(items[i : i + n], sub.items, strict=True))
            for i in range(len(items) - n + 1)
        )
        return boolean(found)
    have, want = Counter(container.items), Counter(sub.items)
    return boolean(all(have[k] >= v for k, v in want.items()))


def _op_is_null(ev: _Evaluator, el: etree._Element) -> Value | None:
    return boolean(ev.eval(ev._only(el)) is None)


def _op_null(_: _Evaluator, __: etree._Element) -> Value | None:
    return None


def _numbers(ev: _Evaluator, el: etree._Element) -> list[float] | None:
    values = ev.args(el)
    if any(v is None for v in values):
        return None
    return [v.number() for v in values if v is not None]


def _arithmetic(fold: Callable[[list[float]], float]) -> Callable[..., Value | None]:
    def operator(ev: _Evaluator, el: etree._Element) -> Value | None:
        found = _numbers(ev, el)
        if not found:
            return None
        return number(fold(found))

    return operator


def _compare(test: Callable[[float, float], bool]) -> Callable[..., Value | None]:
    def operator(ev: _Evaluator, el: etree._Element) -> Value | None:
        found = _numbers(ev, el)
        if found is None or len(found) != 2:
            return None
        return boolean(test(found[0], found[1]))

    return operator


def _op_and(ev: _Evaluator, el: etree._Element) -> Value | None:
    values = ev.args(el)
    if any(v is not None and v.single is False for v in values):
        return boolean(False)
    return None if any(v is None for v in values) else boolean(True)


def _op_or(ev: _Evaluator, el: etree._Element) -> Value | None:
    values = ev.args(el)
    if any(v is not None and v.single is True for v in values):
        return boolean(True)
    return None if any(v is None for v in values) else boolean(False)


def _op_not(ev: _Evaluator, el: etree._Element) -> Value | None:
    value = ev.eval(ev._only(el))
    return None if value is None else boolean(value.single is not True)


def _container(cardinality: str) -> Callable[..., Value | None]:
    def operator(ev: _Evaluator, el: etree._Element) -> Value | None:
        parts = [v for v in ev.args(el) if v is not None]
        if not parts:
            return None
        items = tuple(atom for v in parts for atom in v.items)
        return Value(cardinality, parts[0].base_type, items)

    return operator


def _op_string_match(ev: _Evaluator, el: etree._Element) -> Value | None:
    pair = _pair(ev, el)
    if pair is None:
        return None
    a, b = (str(v.single) for v in pair)
    if el.get("case-sensitive", "true").lower() != "true":
        a, b = a.lower(), b.lower()
    return boolean(b in a if el.get("substring", "false").lower() == "true" else a == b)


def _op_container_size(ev: _Evaluator, el: etree._Element) -> Value | None:
    value = ev.eval(ev._only(el))
    return number(0 if value is None else len(value.items), "integer")


OPERATORS: dict[str, Callable[[_Evaluator, etree._Element], Value | None]] = {
    "qti-variable": _op_variable,
    "qti-correct": _op_correct,
    "qti-base-value": _op_base_value,
    "qti-null": _op_null,
    "qti-map-response": _op_map_response,
    "qti-map-response-point": _op_map_response_point,
    "qti-match": _op_match,
    "qti-member": _op_member,
    "qti-contains": _op_contains,
    "qti-is-null": _op_is_null,
    "qti-sum": _arithmetic(sum),
    "qti-product": _arithmetic(math.prod),
    "qti-subtract": _arithmetic(lambda xs: xs[0] - sum(xs[1:])),
    "qti-gt": _compare(lambda a, b: a > b),
    "qti-gte": _compare(lambda a, b: a >= b),
    "qti-lt": _compare(lambda a, b: a < b),
    "qti-lte": _compare(lambda a, b: a <= b),
    "qti-equal": _compare(lambda a, b: a == b),
    "qti-and": _op_and,
    "qti-or": _op_or,
    "qti-not": _op_not,
    "qti-multiple": _container("multiple"),
    "qti-ordered": _container("ordered"),
    "qti-string-match": _op_string_match,
    "qti-container-size": _op_container_size,
}


def _score(value: Value | None) -> float:
    if value is None:
        return 0.0
    try:
        return value.number()
    except BadValue:
        return 0.0


def _all_feedback(item: ParsedItem) -> tuple[Feedback, ...]:
    return (*item.modal_feedback, *item.feedback_inline, *item.feedback_block)


def _shows(feedback: Feedback, variables: Variables) -> bool:
    value = variables.get(feedback.outcome_identifier)
    held = value is not None and any(
        isinstance(a, str) and a == feedback.identifier for a in value.items
    )
    return held if feedback.show_hide == "show" else not held


def _correct(item: ParsedItem, variables: Variables) -> bool:
    """Every response with a correct response matches it (else: a positive score)."""
    keyed = [d for d in item.responses if d.correct]
    if not keyed:
        return _score(variables.get("SCORE")) > 0
    for d in keyed:
        response = variables.get(d.identifier)
        correct = make(d.cardinality, d.base_type, d.correct)
        if response is None or correct is None or not matches(response, correct):
            return False
    return True


def _texts(item: ParsedItem, variables: Variables) -> dict[str, list[str]]:
    return {
        o.identifier: [text(a) for a in (variables.get(o.identifier) or _EMPTY).items]
        for o in item.outcomes
    }


_EMPTY = Value("single", None, ())
