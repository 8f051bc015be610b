"""One problem found in a Caliper document, and the stable ids of the rules it can break."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Final


@dataclass(frozen=True, slots=True)
class Problem:
    """``path`` is a JSON path into the document (``$.data[0].actor.type``), ``rule`` one of
    ``RULES`` (callers may branch on it), ``message`` a sentence for a person."""

    path: str
    rule: str
    message: str


#: Every rule id a Problem can carry, with what it means.
RULES: Final[dict[str, str]] = {
    "not-json": "the text is not JSON",
    "required": "a required property is missing or null",
    "unknown-property": "a property the type does not define (custom data belongs in extensions)",
    "unknown-type": "a type that neither Caliper 1.2 nor the TimeBack profile defines",
    "type-not-allowed": "an entity of a type this property does not allow",
    "action-not-allowed": "an action that is not allowed for this event type",
    "profile-not-allowed": "a profile that Caliper does not define or this event type does not use",
    "unknown-context": "an @context that does not reference the Caliper 1.2 context",
    "data-version": "an envelope dataVersion other than the Caliper 1.2 context",
    "value-type": "a value of the wrong JSON type (a string where a number belongs, ...)",
    "number-range": "a number outside the range the property allows",
    "enum-value": "a term outside the property's vocabulary (metric, role, status, ...)",
    "datetime-format": "not an ISO 8601 date and time with a time zone",
    "duration-format": "not an ISO 8601 duration",
    "iri-format": "not an absolute IRI",
    "uuid-format": "an event id that is not a urn:uuid: UUID",
    "min-items": "an envelope without any data",
    "max-depth": "objects nested deeper than any Caliper document needs",
}

_NAME: Final = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def child(path: str, key: str) -> str:
    """The path of ``key`` inside the object at ``path`` (bracketed when not a plain name)."""
    return path + _step(key)


@lru_cache(maxsize=4096)
def _step(key: str) -> str:
    # documents repeat the same few keys: each is looked at once
    key = str(key)  # a caller's dict may have other keys than JSON's strings
    if _NAME.fullmatch(key):
        return f".{key}"
    return "['" + key.replace("\\", "\\\\").replace("'", "\\'") + "']"
