"""Walks a parsed Caliper document against the rule tables, collecting every problem.

One ``Checker`` per answer; each method appends to ``problems`` and never stops at the first,
so a caller sees everything wrong at once.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from domain.caliper import formats
from domain.caliper.problem import Problem, child
from domain.caliper.rules import (
    TABLES,
    EnumSpec,
    ListSpec,
    RefSpec,
    ScalarSpec,
    ShapeRule,
    ShapeSpec,
    TypeRule,
    ValueSpec,
)

CONTEXT: Final = TABLES.context
_ACTIONS: Final = TABLES.enums["action"]
_EVENT: Final = TABLES.events["Event"]
_ENTITY: Final = TABLES.entities["Entity"]
#: Entities nest (isPartOf, items, ...) but not deeper than this in any real event; a deeper
#: document is refused rather than walked, so no input can exhaust the stack.
MAX_DEPTH: Final = 32
# Keys the walker reads itself rather than through a type's property table.
_KEYWORDS: Final = frozenset({"@context", "type", "action"})

_SCALAR_NAMES: Final = {
    "string": "a string",
    "integer": "an integer",
    "nonNegativeInteger": "a non-negative integer",
    "decimal": "a number",
    "nonNegativeDecimal": "a non-negative number",
    "boolean": "true or false",
    "datetime": "an ISO 8601 date and time string",
    "duration": "an ISO 8601 duration string",
    "iri": "an IRI string",
    "uuid": "a urn:uuid: string",
    "object": "an object",
}


def _json_type(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


class Checker:
    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.depth = 0

    def add(self, path: str, rule: str, message: str) -> None:
        self.problems.append(Problem(path, rule, message))

    # --- documents -------------------------------------------------------------------------

    def envelope(self, payload: object) -> None:
        if not isinstance(payload, dict):
            self.add("$", "value-type", f"an envelope is an object, not {_json_type(payload)}")
            return
        for key in ("sensor", "sendTime", "dataVersion", "data"):
            if payload.get(key) is None:
                self.add(child("$", key), "required", f"the envelope needs {key}")
        for key, value in payload.items():
            path = child("$", key)
            if value is None:
                continue
            if key == "sensor":
                self.scalar(value, "iri", path)
            elif key == "sendTime":
                self.scalar(value, "datetime", path)
            elif key == "dataVersion":
                if value != CONTEXT:
                    self.add(path, "data-version", f"dataVersion must be {CONTEXT}")
            elif key == "data":
                self.envelope_data(value, path)
            else:
                self.add(path, "unknown-property", f"an envelope has no property {key!r}")

    def envelope_data(self, data: object, path: str) -> None:
        if not isinstance(data, list):
            self.add(path, "value-type", f"data is an array, not {_json_type(data)}")
            return
        if not data:
            self.add(path, "min-items", "data holds at least one event or entity")
        for index, item in enumerate(data):
            item_path = f"{path}[{index}]"
            if not isinstance(item, dict):
                self.add(item_path, "value-type", f"data holds objects, not {_json_type(item)}")
                continue
            kind = item.get("type")
            if not isinstance(kind, str):
                kind = None
            # an item is an event by its type, or by its action when the type says nothing
            if kind in TABLES.entities or (kind not in TABLES.events and "action" not in item):
                self.entity_document(item, item_path)
            else:
                self.event(item, item_path)

    def event(self, event: object, path: str) -> None:
        if not isinstance(event, dict):
            self.add(path, "value-type", f"an event is an object, not {_json_type(event)}")
            return
        self.top_context(event, path)
        kind = event.get("type")
        rule = TABLES.events.get(kind) if isinstance(kind, str) else None
        if kind is None:
            self.add(child(path, "type"), "required", "an event needs a type")
        elif not isinstance(kind, str):
            self.add(child(path, "type"), "value-type", "type is a string")
        elif rule is None:
            if kind in TABLES.entities:
                self.add(
                    child(path, "type"), "type-not-allowed", f"{kind} is an entity, not an event"
                )
            else:
                self.add(
                    child(path, "type"), "unknown-type", f"{kind!r} is not a Caliper event type"
                )
        self.action(event, rule, path)
        self.properties(event, rule or _EVENT, path, strict=rule is not None)
        profile = event.get("profile")
        events = TABLES.profiles.get(profile) if isinstance(profile, str) else None
        # an unknown profile is already an enum-value problem
        if rule is not None and events is not None and rule.name not in events:
            self.add(
                child(path, "profile"),
                "profile-not-allowed",
                f"the {profile} describes {', '.join(sorted(events))}, not {rule.name}",
            )

    def entity_document(self, entity: object, path: str) -> None:
        if not isinstance(entity, dict):
            self.add(path, "value-type", f"an entity is an object, not {_json_type(entity)}")
            return
        self.top_context(entity, path)
        self.entity(entity, path, allowed=None)

    # --- parts -----------------------------------------------------------------------------

    def top_context(self, document: Mapping[str, object], path: str) -> None:
        """``@context`` of a top-level event or entity. Absent is taken as Caliper 1.2 (TimeBack
        defaults it, and an envelope's dataVersion already names it); present, it must be the 1.2
        context or an array of contexts ending with it (Caliper terms keep their primacy)."""
        if "@context" not in document:
            return
        context = document["@context"]
        last = context[-1] if isinstance(context, list) and context else context
        if last != CONTEXT or (
            isinstance(context, list) and not all(isinstance(c, str | dict) for c in context)
        ):
            self.add(
                child(path, "@context"),
                "unknown-context",
                f"@context must be {CONTEXT} (or an array of contexts ending with it)",
            )

    def action(self, event: Mapping[str, object], rule: TypeRule | None, path: str) -> None:
        action = event.get("action")
        action_path = child(path, "action")
        if action is None:
            self.add(action_path, "required", "an event needs an action")
            return
        if not isinstance(action, str):
            self.add(action_path, "value-type", "action is a string")
            return
        allowed = _ACTIONS if rule is None or rule.actions is None else rule.actions
        if action not in allowed:
            self.add(
                action_path,
                "action-not-allowed",
                f"a {rule.name} allows {', '.join(sorted(allowed))}, not {action!r}"
                if rule is not None and rule.actions is not None
                else f"{action!r} is not a Caliper action",
            )
        if rule is None:
            return
        for prop in (rule.required_for_action or {}).get(action, ()):
            if event.get(prop) is None:
                self.add(child(path, prop), "required", f"a {rule.name} {action} needs {prop}")

    def entity(
        self,
        entity: Mapping[str, object],
        path: str,
        *,
        allowed: tuple[str, ...] | None,
    ) -> None:
        """An entity given as an object; ``allowed`` limits its type (None: any entity type)."""
        if not self.deeper(path):
            return
        kind = entity.get("type")
        type_path = child(path, "type")
        rule = TABLES.entities.get(kind) if isinstance(kind, str) else None
        if kind is None:
            self.add(type_path, "required", "an entity needs a type")
        elif not isinstance(kind, str):
            self.add(type_path, "value-type", "type is a string")
        elif rule is None:
            if kind in TABLES.events:
                self.add(type_path, "type-not-allowed", f"{kind} is an event, not an entity")
            else:
                self.add(type_path, "unknown-type", f"{kind!r} is not a Caliper entity type")
        elif allowed is not None and rule.ancestors.isdisjoint(allowed):
            self.add(
                type_path,
                "type-not-allowed",
                f"expected {' or '.join(allowed)} (or a subtype), not {kind}",
            )
        self.properties(entity, rule or _ENTITY, path, strict=rule is not None)
        self.depth -= 1

    def deeper(self, path: str) -> bool:
        if self.depth >= MAX_DEPTH:
            self.add(path, "max-depth", f"objects nest deeper than {MAX_DEPTH} levels here")
            return False
        self.depth += 1
        return True

    def properties(
        self, document: Mapping[str, object], rule: TypeRule | ShapeRule, path: str, *, strict: bool
    ) -> None:
        """Required and known properties; an unknown type (``strict`` False) is only checked for
        the base type's properties, since its own are unknowable."""
        typed = isinstance(rule, TypeRule)
        for prop in rule.required:
            if not (typed and prop in _KEYWORDS) and document.get(prop) is None:
                self.add(child(path, prop), "required", f"{prop} is required")
        for key, value in document.items():
            if typed and key in _KEYWORDS:
                continue
            spec = rule.properties.get(key)
            if spec is None:
                if strict and key != "@context":
                    self.add(
                        child(path, key),
                        "unknown-property",
                        f"{rule.name} has no property {key!r}; put custom data in extensions",
                    )
                continue
            if value is not None:
                self.value(value, spec, child(path, key))

    def value(self, value: object, spec: ValueSpec, path: str) -> None:
        if isinstance(spec, ScalarSpec):
            self.scalar(value, spec.kind, path)
        elif isinstance(spec, RefSpec):
            self.reference(value, spec, path)
        elif isinstance(spec, EnumSpec):
            if not isinstance(value, str):
                self.add(path, "value-type", f"expected a string, not {_json_type(value)}")
            elif value not in spec.values:
                self.add(path, "enum-value", f"{value!r} is not a known {spec.name} term")
        elif isinstance(spec, ListSpec):
            if not isinstance(value, list):
                self.add(path, "value-type", f"expected an array, not {_json_type(value)}")
                return
            for index, item in enumerate(value):
                self.value(item, spec.item, f"{path}[{index}]")
        elif isinstance(spec, ShapeSpec):
            if not isinstance(value, dict):
                self.add(path, "value-type", f"expected an object, not {_json_type(value)}")
            elif self.deeper(path):
                self.properties(value, TABLES.shapes[spec.name], path, strict=True)
                self.depth -= 1

    def reference(self, value: object, spec: RefSpec, path: str) -> None:
        if isinstance(value, dict):
            self.entity(value, path, allowed=spec.types)
        elif isinstance(value, str) and not spec.embedded:
            if not formats.is_iri(value):
                self.add(path, "iri-format", "expected an entity object or an absolute IRI")
        else:
            wanted = "an object" if spec.embedded else "an object or an IRI string"
            self.add(path, "value-type", f"expected {wanted}, not {_json_type(value)}")

    def scalar(self, value: object, kind: str, path: str) -> None:
        ok: bool
        if kind in ("string", "datetime", "duration", "iri", "uuid"):
            ok = isinstance(value, str)
        elif kind in ("integer", "nonNegativeInteger"):
            # JSON has one number type: 2.0 is the integer 2
            ok = _is_number(value) and float(value).is_integer()  # type: ignore[arg-type]
        elif kind in ("decimal", "nonNegativeDecimal"):
            ok = _is_number(value)
        elif kind == "boolean":
            ok = isinstance(value, bool)
        else:
            ok = isinstance(value, dict)
        if not ok:
            self.add(path, "value-type", f"expected {_SCALAR_NAMES[kind]}, not {_json_type(value)}")
            return
        if kind.startswith("nonNegative") and value < 0:  # type: ignore[operator]
            self.add(path, "number-range", "expected a value of 0 or more")
        elif kind == "datetime" and not formats.is_datetime(value):  # type: ignore[arg-type]
            self.add(
                path,
                "datetime-format",
                "expected an ISO 8601 date and time with a zone (2024-04-24T14:12:00.000Z)",
            )
        elif kind == "duration" and not formats.is_duration(value):  # type: ignore[arg-type]
            self.add(path, "duration-format", "expected an ISO 8601 duration (PT50M30S)")
        elif kind == "iri" and not formats.is_iri(value):  # type: ignore[arg-type]
            self.add(path, "iri-format", "expected an absolute IRI")
        elif kind == "uuid" and not formats.is_uuid_urn(value):  # type: ignore[arg-type]
            self.add(path, "uuid-format", "an event id is urn:uuid: followed by a UUID")
