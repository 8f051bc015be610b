"""What the QTI simulator holds: items (with their parses, for scoring), stimuli, tests with
their parts and sections, and question / lesson feedback."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from simulators.qti.model import ParsedItem

JsonObject = dict[str, Any]


@dataclass
class QtiState:
    clients: dict[str, str]
    items: dict[str, JsonObject] = field(default_factory=dict)
    parsed: dict[str, ParsedItem] = field(default_factory=dict)
    stimuli: dict[str, JsonObject] = field(default_factory=dict)
    tests: dict[str, JsonObject] = field(default_factory=dict)
    feedback: dict[str, JsonObject] = field(default_factory=dict)

    def put_item(self, record: JsonObject, parsed: ParsedItem) -> None:
        self.items[record["identifier"]] = record
        self.parsed[record["identifier"]] = parsed

    def drop_item(self, identifier: str) -> None:
        self.items.pop(identifier, None)
        self.parsed.pop(identifier, None)
