"""TimeBack's data as the simulator holds it: OneRoster entities in wire shape, keyed by sourcedId.

Entities stay JSON-shaped on purpose: filters, sort and sparse field sets (:mod:`.query`) work
on any collection alike. A new entity type is one more :class:`Collection` in :class:`RosterState`;
a new filtered endpoint over one (``/schools`` over orgs, ``/students`` over users) one more
:class:`View`.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Protocol, TypeVar

JsonObject = dict[str, Any]
BASE_FIELDS = ("sourcedId", "status", "dateLastModified", "metadata")
#: derived listings kept per collection (each a list of references: ~8 bytes an entity)
MAX_DERIVED = 16
_T = TypeVar("_T")


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

    def derived(self, key: Hashable, build: Callable[[], _T]) -> _T: ...


class Entities(dict[str, JsonObject]):
    """Entities by sourcedId that count every write, so listings derived from them (a sorted
    order, a filter's result) are known to be stale. Writes made straight into ``items`` (tests
    do) count as well as :meth:`Collection.put`."""

    __slots__ = ("version",)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.version = 0

    def __setitem__(self, key: str, value: JsonObject) -> None:
        super().__setitem__(key, value)
        self.version += 1

    def __delitem__(self, key: str) -> None:
        super().__delitem__(key)
        self.version += 1

    def __ior__(self, other: Any) -> Entities:  # type: ignore[override,misc]
        self.update(other)
        return self

    def update(self, *args: Any, **kwargs: Any) -> None:
        super().update(*args, **kwargs)
        self.version += 1

    def setdefault(self, key: str, default: JsonObject) -> JsonObject:
        self.version += 1
        return super().setdefault(key, default)

    def pop(self, key: str, *default: Any) -> Any:
        self.version += 1
        return super().pop(key, *default)

    def popitem(self) -> tuple[str, JsonObject]:
        self.version += 1
        return super().popitem()

    def clear(self) -> None:
        super().clear()
        self.version += 1


@dataclass(slots=True)
class Collection:
    plural: str
    singular: str
    label: str
    items: Entities = field(default_factory=Entities)
    #: every top-level field an entity here has had (what filter, sort and fields may name)
    fields: set[str] = field(default_factory=lambda: set(BASE_FIELDS))
    #: listings derived from ``items`` by key, each with the version of ``items`` it was built at
    _derived: dict[Hashable, tuple[int, Any]] = field(
        default_factory=dict, repr=False, compare=False
    )

    def derived(self, key: Hashable, build: Callable[[], _T]) -> _T:
        """``build()``, computed again only after the entities changed. Serving a 100k-entity
        collection sorted, page after page, costs one sort instead of one per page."""
        version = self.items.version
        hit = self._derived.get(key)
        if hit is not None and hit[0] == version:
            value: _T = hit[1]
            return value
        value = build()
        self._derived.pop(key, None)
        while len(self._derived) >= MAX_DERIVED:  # oldest first: dicts keep insertion order
            del self._derived[next(iter(self._derived))]
        self._derived[key] = (version, value)
        return value

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
        return list(self.derived("all", lambda: [e for e in self.base.all() if self.keep(e)]))

    def derived(self, key: Hashable, build: Callable[[], _T]) -> _T:
        # views are rebuilt on every request (RosterState.collections), so key by the view's label
        return self.base.derived((self.label, key), build)


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
    #: a course's units (``/courses/components``) and the resources placed in them (lessons)
    course_components: Collection = field(
        default_factory=partial(
            Collection, "courseComponents", "courseComponent", "Course component"
        )
    )
    component_resources: Collection = field(
        default_factory=partial(
            Collection, "componentResources", "componentResource", "Component resource"
        )
    )
    #: registered third-party credentials by credentialId (see :mod:`.credentials`); the
    #: passwords live only here, never in an entity
    credentials: dict[str, JsonObject] = field(default_factory=dict)
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
            "courses/components": self.course_components,
            "courses/component-resources": self.component_resources,
        }

    def fields_for(self, key: str) -> set[str]:
        """The fields of the entities a list envelope key holds (views' keys too: ``terms``)."""
        by_key = {c.plural: c for c in self.collections().values()}
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
            # the same entities as the gradingPeriod-typed academic sessions: a write through
            # either path shows through the other
            "gradingPeriods": View(
                self.academic_sessions,
                "gradingPeriods",
                "gradingPeriod",
                "Grading period",
                of_type("gradingPeriod"),
            ),
        }
        return {**self.stored(), **views}
