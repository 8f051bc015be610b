"""TimeBack's data as the simulator holds it: OneRoster entities in wire shape, keyed by sourcedId.

Entities stay JSON-shaped on purpose: filters, sort and sparse field sets (:mod:`.query`) work
on any collection alike. A new entity type is one more :class:`Collection` in :class:`RosterState`;
a new filtered endpoint over one (``/schools`` over orgs, ``/students`` over users) one more
:class:`View`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Protocol

JsonObject = dict[str, Any]
BASE_FIELDS = ("sourcedId", "status", "dateLastModified", "metadata")


class Readable(Protocol):
    """What a rostering path serves: a list, one entity by id, and the keys they are wrapped in."""

    @property
    def plural(self) -> str: ...  # the list envelope key

    @property
    def singular(self) -> str: ...  # the single-object envelope key

    @property
    def label(self) -> str: ...  # how a 404 names it

    def get(self, sourced_id: str) -> JsonObject | None: ...

    def all(self) -> list[JsonObject]: ...

    @property
    def fields(self) -> set[str]: ...  # the fields its entities have


@dataclass(slots=True)
class Collection:
    plural: str
    singular: str
    label: str
    items: dict[str, JsonObject] = field(default_factory=dict)
    #: every top-level field an entity here has had (what filter, sort and fields may name)
    fields: set[str] = field(default_factory=lambda: set(BASE_FIELDS))

    def put(self, entity: JsonObject) -> None:
        self.items[entity["sourcedId"]] = entity
        if not entity.keys() <= self.fields:
            self.fields.update(entity)

    def get(self, sourced_id: str) -> JsonObject | None:
        return self.items.get(sourced_id)

    def all(self) -> list[JsonObject]:
        return list(self.items.values())

    def __len__(self) -> int:
        return len(self.items)


@dataclass(frozen=True, slots=True)
class View:
    """The entities of a collection that pass ``keep``, under their own envelope keys."""

    base: Collection
    plural: str
    singular: str
    label: str
    keep: Callable[[JsonObject], bool]

    @property
    def fields(self) -> set[str]:
        return self.base.fields

    def get(self, sourced_id: str) -> JsonObject | None:
        entity = self.base.get(sourced_id)
        return entity if entity is not None and self.keep(entity) else None

    def all(self) -> list[JsonObject]:
        return [e for e in self.base.all() if self.keep(e)]


def has_role(role: str) -> Callable[[JsonObject], bool]:
    return lambda user: any(r.get("role") == role for r in user.get("roles", []))


def of_type(kind: str) -> Callable[[JsonObject], bool]:
    return lambda entity: entity.get("type") == kind


@dataclass(slots=True)
class RosterState:
    clients: dict[str, str]  # client id -> secret
    orgs: Collection = field(default_factory=partial(Collection, "orgs", "org", "Org"))
    users: Collection = field(default_factory=partial(Collection, "users", "user", "User"))
    academic_sessions: Collection = field(
        default_factory=partial(
            Collection, "academicSessions", "academicSession", "Academic session"
        )
    )
    courses: Collection = field(default_factory=partial(Collection, "courses", "course", "Course"))
    classes: Collection = field(default_factory=partial(Collection, "classes", "class", "Class"))
    enrollments: Collection = field(
        default_factory=partial(Collection, "enrollments", "enrollment", "Enrollment")
    )
    #: TimeBack keys demographics by the user's sourcedId and uses one envelope key for both
    demographics: Collection = field(
        default_factory=partial(Collection, "demographics", "demographics", "Demographics")
    )
    #: the gradebook's collections by path segment (``lineItems``, ``results``, ...); see
    #: :mod:`.gradebook`. Not part of :meth:`stored`, which is the roster.
    gradebook: dict[str, Collection] = field(default_factory=dict)

    def stored(self) -> dict[str, Collection]:
        """The collections that hold entities, by path segment."""
        return {
            "orgs": self.orgs,
            "users": self.users,
            "academicSessions": self.academic_sessions,
            "courses": self.courses,
            "classes": self.classes,
            "enrollments": self.enrollments,
            "demographics": self.demographics,
        }

    def fields_for(self, key: str) -> set[str]:
        """The fields of the entities a list envelope key holds."""
        by_key = {c.plural: c for c in self.stored().values()}
        found = by_key.get(key) or (self.users if key == "agents" else None)
        return found.fields if found is not None else set(BASE_FIELDS)

    def collections(self) -> dict[str, Readable]:
        """Every rostering path that lists and gets entities, by path segment: the stored
        collections and the filtered views over them."""
        views = {
            "schools": View(self.orgs, "orgs", "org", "School", of_type("school")),
            "students": View(self.users, "users", "user", "Student", has_role("student")),
            "teachers": View(self.users, "users", "user", "Teacher", has_role("teacher")),
            "terms": View(self.academic_sessions, "terms", "term", "Term", of_type("term")),
        }
        return {**self.stored(), **views}
