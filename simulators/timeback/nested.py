"""The nested rostering reads (``/schools/{id}/classes``, ``/users/{id}/agentFor``, ...) as data.

Each :class:`Nested` names the parent path (its ``get`` decides the 404), the child segment, the
list envelope key, and how the children are found. Three ways cover every route: entities that
refer to the parent (``classes`` whose ``school`` is it), entities enrollments link to the parent
(a class's students), and entities the parent itself refers to (a user's agents).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from simulators.timeback.state import JsonObject, RosterState

Children = Callable[[RosterState, JsonObject], list[JsonObject]]
AGENT_ROLES = frozenset({"guardian", "parent", "relative"})


@dataclass(frozen=True, slots=True)
class Nested:
    parent: str  # a path of RosterState.collections()
    child: str  # the last path segment
    key: str  # the list envelope key
    children: Children


def referring(
    path: str, field: str, *, keep: Callable[[JsonObject], bool] | None = None
) -> Children:
    """Entities at ``path`` (that pass ``keep``) whose ``field`` refers to the parent."""

    def find(state: RosterState, parent: JsonObject) -> list[JsonObject]:
        return [
            e
            for e in state.collections()[path].all()
            if parent["sourcedId"] in ids_at(e, field) and (keep is None or keep(e))
        ]

    return find


def not_an_agent(user: JsonObject) -> bool:
    """Agent links are listed on both sides (a guardian's ``agents`` are their children), so the
    users someone is an agent *for* are the ones listing them who are not agents themselves."""
    return not any(r.get("role") in AGENT_ROLES for r in user.get("roles", []))


def enrolled(path: str, *, parent_is: str, role: str | None = None) -> Children:
    """Entities at ``path`` that enrollments (of ``role``, if given) link to the parent, which is
    the enrollment's ``user`` or its ``class`` (``parent_is``); the child is the other one."""
    child_is = "class" if parent_is == "user" else "user"

    def find(state: RosterState, parent: JsonObject) -> list[JsonObject]:
        readable = state.collections()[path]
        found: dict[str, JsonObject] = {}
        for enrollment in state.enrollments.all():
            if role is not None and enrollment.get("role") != role:
                continue
            if parent["sourcedId"] not in ids_at(enrollment, parent_is):
                continue
            for child_id in ids_at(enrollment, child_is):
                if (child := readable.get(child_id)) is not None:
                    found.setdefault(child_id, child)
        return list(found.values())

    return find


def referenced(path: str, field: str) -> Children:
    """Entities at ``path`` that the parent's own ``field`` refers to."""

    def find(state: RosterState, parent: JsonObject) -> list[JsonObject]:
        readable = state.collections()[path]
        return [c for i in ids_at(parent, field) if (c := readable.get(i)) is not None]

    return find


def ids_at(entity: JsonObject, field: str) -> list[str]:
    """The sourcedIds under a dotted field: a reference, a list of them, or references inside a
    list of objects (``roles.org``)."""
    values: list[object] = [entity]
    for part in field.split("."):
        step: list[object] = []
        for value in values:
            found = value.get(part) if isinstance(value, dict) else None
            step.extend(found if isinstance(found, list) else [found])
        values = step
    return [
        v["sourcedId"]
        for v in values
        if isinstance(v, dict) and isinstance(v.get("sourcedId"), str)
    ]


NESTED: tuple[Nested, ...] = (
    Nested("schools", "classes", "classes", referring("classes", "school")),
    Nested("schools", "students", "users", referring("students", "roles.org")),
    Nested("schools", "teachers", "users", referring("teachers", "roles.org")),
    Nested("schools", "enrollments", "enrollments", referring("enrollments", "school")),
    # the sessions and courses the school owns (the demo data's belong to the district)
    Nested("schools", "terms", "terms", referring("terms", "org")),
    Nested("schools", "courses", "courses", referring("courses", "org")),
    # the spec names these two lists `students` / `teachers`; both clients parse `users`
    Nested("classes", "students", "users", enrolled("students", parent_is="class", role="student")),
    Nested("classes", "teachers", "users", enrolled("teachers", parent_is="class", role="teacher")),
    Nested("classes", "enrollments", "enrollments", referring("enrollments", "class")),
    Nested("students", "classes", "classes", enrolled("classes", parent_is="user", role="student")),
    Nested("teachers", "classes", "classes", enrolled("classes", parent_is="user", role="teacher")),
    Nested("users", "classes", "classes", enrolled("classes", parent_is="user")),
    Nested("users", "agents", "agents", referenced("users", "agents")),
    Nested("users", "agentFor", "users", referring("users", "agents", keep=not_an_agent)),
    Nested("courses", "classes", "classes", referring("classes", "course")),
    Nested("terms", "classes", "classes", referring("classes", "terms")),
    Nested("terms", "gradingPeriods", "gradingPeriods", referring("gradingPeriods", "parent")),
)
#: the class lists TimeBack also serves scoped to the class's school
#: (``/schools/{id}/classes/{classId}/...``; see :mod:`.nested_reads`)
IN_SCHOOL = tuple(n for n in NESTED if n.parent == "classes")
