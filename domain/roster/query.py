"""A read of the roster cache: kind, filter, search, sort, sparse fields, page, and who is asking."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from domain.errors import InvalidInput
from domain.roster.entities import EntityKind
from domain.roster.fields import field_spec, validate_filter, validate_selection
from domain.roster.filters import Expr
from domain.scope import Scope

MAX_LIMIT = 3000  # TimeBack's own page limit


class SortOrder(StrEnum):
    ASC = "asc"
    DESC = "desc"


class Relation(StrEnum):
    """Nested routes: the entities related to one ``Related.sourced_id``."""

    CLASS_STUDENTS = "class_students"  # users enrolled as students in the class
    CLASS_TEACHERS = "class_teachers"  # users enrolled as teachers in the class
    CLASS_ENROLLMENTS = "class_enrollments"
    USER_CLASSES = "user_classes"  # classes the user is enrolled in (any role)
    USER_AGENTS = "user_agents"  # the user's agents (guardians, parents...)
    AGENT_FOR = "agent_for"  # the users the user is an agent for
    SCHOOL_CLASSES = "school_classes"
    SCHOOL_USERS = "school_users"  # users with a role at the org (narrow with ``types``)
    SCHOOL_ENROLLMENTS = "school_enrollments"
    SCHOOL_COURSES = "school_courses"
    SCHOOL_SESSIONS = "school_sessions"  # academic sessions of the org (terms with ``types``)
    COURSE_CLASSES = "course_classes"
    TERM_CLASSES = "term_classes"
    SESSION_CHILDREN = "session_children"  # a term's grading periods
    ORG_CHILDREN = "org_children"


RELATION_KIND: dict[Relation, EntityKind] = {
    Relation.CLASS_STUDENTS: EntityKind.USERS,
    Relation.CLASS_TEACHERS: EntityKind.USERS,
    Relation.CLASS_ENROLLMENTS: EntityKind.ENROLLMENTS,
    Relation.USER_CLASSES: EntityKind.CLASSES,
    Relation.USER_AGENTS: EntityKind.USERS,
    Relation.AGENT_FOR: EntityKind.USERS,
    Relation.SCHOOL_CLASSES: EntityKind.CLASSES,
    Relation.SCHOOL_USERS: EntityKind.USERS,
    Relation.SCHOOL_ENROLLMENTS: EntityKind.ENROLLMENTS,
    Relation.SCHOOL_COURSES: EntityKind.COURSES,
    Relation.SCHOOL_SESSIONS: EntityKind.ACADEMIC_SESSIONS,
    Relation.COURSE_CLASSES: EntityKind.CLASSES,
    Relation.TERM_CLASSES: EntityKind.CLASSES,
    Relation.SESSION_CHILDREN: EntityKind.ACADEMIC_SESSIONS,
    Relation.ORG_CHILDREN: EntityKind.ORGS,
}


@dataclass(frozen=True, slots=True)
class Related:
    relation: Relation
    sourced_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class RosterQuery:
    """One page of one kind, narrowed by ``scope`` (from :meth:`Policy.scope`).

    ``types`` narrows the views: org ``type`` (schools), academic session ``type`` (terms, grading
    periods), user primary ``role`` (students, teachers) or enrollment ``role``. ``fields`` is the
    sparse field set (None: whole objects). Building a query validates every field name, so the
    store can trust it; mistakes raise :class:`InvalidInput` naming the parameter.
    """

    kind: EntityKind
    scope: Scope
    filter: Expr | None = None
    search: str | None = None
    sort: str | None = None
    order: SortOrder = SortOrder.ASC
    fields: tuple[str, ...] | None = None
    limit: int = 100
    offset: int = 0
    types: frozenset[str] = field(default_factory=frozenset)
    related: Related | None = None

    def __post_init__(self) -> None:
        if not 1 <= self.limit <= MAX_LIMIT:
            raise InvalidInput(f"limit must be between 1 and {MAX_LIMIT}.", field="limit")
        if self.offset < 0:
            raise InvalidInput("offset must not be negative.", field="offset")
        if self.filter is not None:
            validate_filter(self.kind, self.filter)
        if self.sort is not None:
            field_spec(self.kind, self.sort, parameter="sort")
        if self.fields is not None:
            object.__setattr__(self, "fields", validate_selection(self.kind, self.fields))
        if self.related is not None and RELATION_KIND[self.related.relation] is not self.kind:
            raise InvalidInput(
                f"{self.related.relation} lists {RELATION_KIND[self.related.relation]}, "
                f"not {self.kind}.",
                field="related",
            )
        if self.search is not None and not self.search.strip():
            object.__setattr__(self, "search", None)
