"""TimeBack's data as the simulator holds it: OneRoster entities in wire shape, keyed by sourcedId.

Entities stay JSON-shaped on purpose: filters, sort and sparse field sets (a later slice) then work
on any collection alike. A new entity type is one more :class:`Collection` in :class:`RosterState`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

JsonObject = dict[str, Any]


@dataclass(slots=True)
class Collection:
    plural: str  # the path segment and the list envelope key
    singular: str  # the single-object envelope key
    label: str  # how a 404 names it
    items: dict[str, JsonObject] = field(default_factory=dict)

    def put(self, entity: JsonObject) -> None:
        self.items[entity["sourcedId"]] = entity

    def get(self, sourced_id: str) -> JsonObject | None:
        return self.items.get(sourced_id)

    def all(self) -> list[JsonObject]:
        return list(self.items.values())

    def __len__(self) -> int:
        return len(self.items)


@dataclass(slots=True)
class RosterState:
    clients: dict[str, str]  # client id -> secret
    orgs: Collection = field(default_factory=lambda: Collection("orgs", "org", "Org"))
    users: Collection = field(default_factory=lambda: Collection("users", "user", "User"))

    def collections(self) -> dict[str, Collection]:
        return {"orgs": self.orgs, "users": self.users}
