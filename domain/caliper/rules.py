"""The Caliper 1.2 rule tables (``caliper_v1p2.json``), compiled once at import into lookups.

The tables are the spec's own: actions per event type, entity types per property, the type
hierarchy, required properties. Keeping them as data lets a reviewer check them against the spec
line by line; this module only turns the little value-spec strings into objects the checker walks.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any, Final, Literal

Scalar = Literal[
    "string",
    "integer",
    "nonNegativeInteger",
    "decimal",
    "nonNegativeDecimal",
    "boolean",
    "datetime",
    "duration",
    "iri",
    "uuid",
    "object",
]
_SCALARS: Final = frozenset(Scalar.__args__)  # type: ignore[attr-defined]


@dataclass(frozen=True, slots=True)
class ScalarSpec:
    kind: Scalar


@dataclass(frozen=True, slots=True)
class EnumSpec:
    name: str
    values: frozenset[str]


@dataclass(frozen=True, slots=True)
class RefSpec:
    """An entity of one of ``types`` (or a subtype); as an IRI string too unless ``embedded``."""

    types: tuple[str, ...]
    embedded: bool


@dataclass(frozen=True, slots=True)
class ShapeSpec:
    name: str


@dataclass(frozen=True, slots=True)
class ListSpec:
    item: ValueSpec


ValueSpec = ScalarSpec | EnumSpec | RefSpec | ShapeSpec | ListSpec


@dataclass(frozen=True, slots=True)
class TypeRule:
    """One event or entity type, its supertypes' properties and requirements folded in."""

    name: str
    is_event: bool
    ancestors: frozenset[str]
    properties: Mapping[str, ValueSpec]
    required: tuple[str, ...]
    #: None: any action of the Caliper vocabulary (the generic Event)
    actions: frozenset[str] | None = None
    required_for_action: Mapping[str, tuple[str, ...]] | None = None


@dataclass(frozen=True, slots=True)
class ShapeRule:
    name: str
    properties: Mapping[str, ValueSpec]
    required: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class RuleTables:
    context: str
    events: Mapping[str, TypeRule]
    entities: Mapping[str, TypeRule]
    shapes: Mapping[str, ShapeRule]
    enums: Mapping[str, frozenset[str]]
    #: the event types each profile describes
    profiles: Mapping[str, frozenset[str]]


def _value_spec(text: str, enums: Mapping[str, frozenset[str]]) -> ValueSpec:
    head, _, rest = text.partition(":")
    if not rest:
        if head not in _SCALARS:
            raise ValueError(f"unknown value kind {head!r}")
        return ScalarSpec(head)  # type: ignore[arg-type]
    if head == "list":
        return ListSpec(_value_spec(rest, enums))
    if head == "enum":
        return EnumSpec(rest, enums[rest])
    if head in ("ref", "embedded"):
        return RefSpec(tuple(rest.split("|")), embedded=head == "embedded")
    if head == "shape":
        return ShapeSpec(rest)
    raise ValueError(f"unknown value spec {text!r}")


def _compile_types(
    raw: Mapping[str, Any], enums: Mapping[str, frozenset[str]], *, events: bool
) -> dict[str, TypeRule]:
    done: dict[str, TypeRule] = {}

    def build(name: str) -> TypeRule:
        if name in done:
            return done[name]
        entry = raw[name]
        ancestors = {name}
        properties: dict[str, ValueSpec] = {}
        required: list[str] = []
        for parent in entry.get("supertypes", ["Event"] if events else ["Entity"]):
            rule = build(parent)
            ancestors |= rule.ancestors
            properties.update(rule.properties)
            required.extend(r for r in rule.required if r not in required)
        for prop, spec in entry.get("properties", {}).items():
            properties[prop] = _value_spec(spec, enums)
        required.extend(r for r in entry.get("required", []) if r not in required)
        actions = entry.get("actions", "*")
        done[name] = TypeRule(
            name=name,
            is_event=events,
            ancestors=frozenset(ancestors),
            properties=properties,
            required=tuple(required),
            actions=None if actions == "*" else frozenset(actions),
            required_for_action={k: tuple(v) for k, v in entry.get("requiredForAction", {}).items()}
            or None,
        )
        return done[name]

    for name in raw:
        if not name.startswith("$"):
            build(name)
    return done


def _load() -> RuleTables:
    raw = json.loads(resources.files(__package__).joinpath("caliper_v1p2.json").read_text("utf-8"))
    enums = {name: frozenset(values) for name, values in raw["enums"].items()}
    shapes = {
        name: ShapeRule(
            name=name,
            properties={p: _value_spec(s, enums) for p, s in entry["properties"].items()},
            required=tuple(entry.get("required", ())),
        )
        for name, entry in raw["shapes"].items()
    }
    return RuleTables(
        context=raw["context"],
        events=_compile_types(raw["events"], enums, events=True),
        entities=_compile_types(raw["entities"], enums, events=False),
        shapes=shapes,
        enums=enums,
        profiles={
            name: frozenset(events)
            for name, events in raw["profiles"].items()
            if not name.startswith("$")
        },
    )


TABLES: Final = _load()
