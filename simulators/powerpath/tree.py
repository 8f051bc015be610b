"""A lesson plan's tree: the course's units and lessons from the roster, with the plan's operation
log replayed over them (skip, add a custom resource, move, change parent). Replaying on every
read keeps a plan in step with the course: a lesson TimeBack adds shows in every plan."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from simulators.powerpath.roster import Roster, lesson_type
from simulators.timeback.state import JsonObject

IDS = uuid.UUID("6d1c1b7e-3f0a-4a55-9f6e-0b1f4c2d8e71")
TARGETS = ("component", "resource")
OPERATION_TYPES = (
    "set-skipped", "add-custom-resource", "move-item-before", "move-item-after",
    "move-item-to-start", "move-item-to-end", "change-item-parent",
)  # fmt: skip


def stable_id(*parts: str) -> str:
    return str(uuid.uuid5(IDS, ":".join(parts)))


@dataclass(slots=True)
class Item:
    """A unit (component) or a lesson (resource) in a plan."""

    kind: str
    id: str
    title: str
    entity: JsonObject
    parent: str | None = None
    skipped: bool = False
    children: list[Item] = field(default_factory=list)  # a component's lessons


class OperationError(ValueError):
    pass


class Tree:
    def __init__(self, roster: Roster, course_id: str) -> None:
        self.units: list[Item] = []
        for unit in roster.units(course_id):
            item = Item("component", unit["sourcedId"], unit.get("title", ""), unit)
            for lesson in roster.lessons(unit["sourcedId"]):
                title = lesson.get("title", "")
                child = Item("resource", lesson["sourcedId"], title, lesson, parent=item.id)
                item.children.append(child)
            self.units.append(item)

    def find(self, kind: str, item_id: str) -> Item:
        for unit in self.units:
            if kind == "component" and unit.id == item_id:
                return unit
            for lesson in unit.children:
                if kind == "resource" and lesson.id == item_id:
                    return lesson
        raise OperationError(f"no {kind} {item_id} in this lesson plan")

    def siblings(self, item: Item) -> list[Item]:
        return (
            self.units
            if item.kind == "component"
            else self.find("component", item.parent or "").children
        )

    def apply(self, operation: JsonObject) -> None:
        kind, payload = operation["type"], operation["payload"]
        if kind == "add-custom-resource":
            parent = self.find("component", payload["parent_component_id"])
            resource = payload["resource_id"]
            entity = {"sourcedId": resource, "title": resource, "metadata": {"custom": True}}
            parent.children.append(
                Item(
                    "resource", resource, resource, entity, parent.id, bool(payload.get("skipped"))
                )
            )
            return
        target = self.find(payload["target"]["type"], payload["target"]["id"])
        if kind == "set-skipped":
            target.skipped = bool(payload["value"])
        elif kind in ("move-item-before", "move-item-after"):
            siblings = self.siblings(target)
            reference = next((s for s in siblings if s.id == payload["reference_id"]), None)
            if reference is None or reference is target:
                raise OperationError(f"{payload['reference_id']} is not a sibling of the target")
            siblings.remove(target)
            at = siblings.index(reference) + (kind == "move-item-after")
            siblings.insert(at, target)
        elif kind in ("move-item-to-start", "move-item-to-end"):
            siblings = self.siblings(target)
            siblings.remove(target)
            siblings.insert(0 if kind == "move-item-to-start" else len(siblings), target)
        elif kind == "change-item-parent":
            if target.kind != "resource":
                raise OperationError("only a resource changes parent")
            parent = self.find("component", payload["new_parent_id"])
            self.siblings(target).remove(target)
            target.parent = parent.id
            at = 0 if payload.get("position") == "start" else len(parent.children)
            parent.children.insert(at, target)

    # -- shapes -------------------------------------------------------------------------------

    def components(self) -> list[JsonObject]:
        return [self._component(unit, order) for order, unit in enumerate(self.units)]

    def _component(self, unit: Item, order: int) -> JsonObject:
        entity = unit.entity
        found: JsonObject = {
            "id": unit.id,
            "sourcedId": unit.id,
            "status": entity.get("status", "active"),
            "title": unit.title,
            "sortOrder": str(order),
            "metadata": {**(entity.get("metadata") or {}), "skipped": unit.skipped},
            "prerequisites": [str(p) for p in entity.get("prerequisites") or []],
            "componentResources": [
                self._resource(lesson, i, unit.id) for i, lesson in enumerate(unit.children)
            ],
            "subComponents": [],
        }
        if isinstance(entity.get("unlockDate"), str):
            found["unlockDate"] = entity["unlockDate"]
        if isinstance(entity.get("prerequisiteCriteria"), str):
            found["prerequisiteCriteria"] = entity["prerequisiteCriteria"]
        return found

    def _resource(self, lesson: Item, order: int, unit_id: str) -> JsonObject:
        kind = lesson_type(lesson.entity)
        resource = str((lesson.entity.get("resource") or {}).get("sourcedId", lesson.id))
        return {
            "tenantId": None,
            "clientAppId": None,
            "id": lesson.id,
            "title": lesson.title,
            "lessonType": kind,
            "sortOrder": str(order),
            "metadata": {**(lesson.entity.get("metadata") or {}), "skipped": lesson.skipped},
            "courseComponentSourcedId": unit_id,
            "resource": {
                "sourcedId": resource,
                "status": "active",
                "title": lesson.title,
                "vendorResourceId": resource,
                "metadata": {"lessonType": kind},
                "metadataDetails": {"type": kind or "custom"},
            },
        }

    def structure(self) -> list[JsonObject]:
        return [
            {
                "type": "component",
                "componentId": unit.id,
                "itemId": unit.id,
                "title": unit.title,
                "order": str(order),
                "skipped": unit.skipped,
                "componentResources": [
                    {
                        "type": "resource",
                        "componentResourceId": lesson.id,
                        "componentId": unit.id,
                        "itemId": lesson.id,
                        "title": lesson.title,
                        "order": str(i),
                        "skipped": lesson.skipped,
                    }
                    for i, lesson in enumerate(unit.children)
                ],
                "subComponents": [],
            }
            for order, unit in enumerate(self.units)
        ]


def check_operation(operation: Any) -> JsonObject:
    """The operation's shape (the spec's seven commands, closed objects); raises ValueError."""
    if not isinstance(operation, dict) or set(operation) - {"type", "payload"}:
        raise ValueError("operation must be {type, payload}")
    kind, payload = operation.get("type"), operation.get("payload")
    if kind not in OPERATION_TYPES:
        raise ValueError(f"unknown operation type {kind!r}")
    if not isinstance(payload, dict):
        raise ValueError("payload must be an object")
    if kind == "add-custom-resource":
        _strings(payload, "resource_id", "parent_component_id")
        if "skipped" in payload and not isinstance(payload["skipped"], bool):
            raise ValueError("skipped must be a boolean")
        return operation
    target = payload.get("target")
    if not isinstance(target, dict) or target.get("type") not in TARGETS:
        raise ValueError("target must be {type: component|resource, id}")
    _strings(target, "id")
    if kind == "set-skipped" and not isinstance(payload.get("value"), bool):
        raise ValueError("value must be a boolean")
    if kind in ("move-item-before", "move-item-after"):
        _strings(payload, "reference_id")
    if kind == "change-item-parent":
        _strings(payload, "new_parent_id")
        if payload.get("position") not in (None, "start", "end"):
            raise ValueError("position must be start or end")
    return operation


def _strings(data: JsonObject, *names: str) -> None:
    for name in names:
        if not isinstance(data.get(name), str) or not data[name]:
            raise ValueError(f"{name} must be a non-empty string")
