"""What a gradebook write must carry and may refer to (decision D38).

A create (a POST, or a PUT of an id TimeBack does not have) needs every field TimeBack requires of
that kind; missing ones are one 422 naming them all, before anything goes upstream.

A write names other records: a result its line item, student, class and score scale; a line item
its class, school, category, score scale and sessions; a score scale its class and course; an
assessment line item its class, score scale and parent; an assessment result its assessment line
item, student and score scale. Each reference is judged in three steps:

1. reach: the caller may use what it names: write the class the object hangs from (a result's is
   its line item's), see the student, the school, the course, the class a referenced score scale
   or assessment line item belongs to. If not: ``PermissionDenied`` (403). A reference to nothing
   is judged the same way by a caller who does not see every record of its kind (a teacher naming
   student ``nope`` is refused as for a student of another school), so a 403 never tells whether
   someone else's record exists.
2. existence: a reference to nothing, from a caller who reaches every record of its kind (admins;
   anyone for categories and academic sessions): ``InvalidInput`` (422) naming the field.
3. belonging: the references fit together: a result's class is its line item's, and its student
   is enrolled in that class as a student; a line item's school is its class's; a class-bound score
   scale or parent assessment line item is of the object's class; a score scale's course is its
   class's course. If not: ``InvalidInput`` (422) naming the field.

Roster references (classes, people, orgs, courses, sessions, enrollments) are looked up in the
local roster cache, which the policy reads too (D24): one source for "may" and "exists".
Gradebook references (line items, score scales, categories, assessment line items) exist only on
TimeBack, so they are fetched from it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from domain.errors import InvalidInput, PermissionDenied
from domain.models.identity import Actor
from domain.policy import Action, ClassRef, OrgRef, PersonRef, Policy
from domain.ports import UnitOfWorkFactory
from domain.ports.gradebook import GradebookKind, OneRosterObjects, WireObject
from domain.roster.entities import EntityKind
from domain.roster.filters import Comparison, Op
from domain.roster.query import Related, Relation, RosterQuery
from domain.scope import EVERYTHING

K = GradebookKind
#: the envelope key of each kind, which a field's location starts with
SINGULAR = {
    K.LINE_ITEMS: "lineItem",
    K.RESULTS: "result",
    K.CATEGORIES: "category",
    K.SCORE_SCALES: "scoreScale",
    K.ASSESSMENT_LINE_ITEMS: "assessmentLineItem",
    K.ASSESSMENT_RESULTS: "assessmentResult",
    K.RESOURCES: "resource",
}
#: what TimeBack requires of a new object of each kind (its OpenAPI's required fields, less the
#: ``sourcedId`` and ``status`` the BFF supplies)
REQUIRED: dict[GradebookKind, tuple[str, ...]] = {
    K.LINE_ITEMS: ("title", "assignDate", "dueDate", "class", "school", "category"),
    K.RESULTS: ("lineItem", "student", "scoreStatus", "scoreDate"),
    K.CATEGORIES: ("title",),
    K.SCORE_SCALES: ("title", "type", "class", "scoreScaleValue"),
    K.ASSESSMENT_LINE_ITEMS: ("title",),
    K.ASSESSMENT_RESULTS: ("assessmentLineItem", "student", "scoreStatus", "scoreDate"),
    K.RESOURCES: ("title", "vendorResourceId"),
}
#: the reference fields of each kind: an update touching none of them needs no reference check
REFERENCES: dict[GradebookKind, frozenset[str]] = {
    K.LINE_ITEMS: frozenset(
        {"class", "school", "category", "scoreScale", "gradingPeriod", "academicSession"}
    ),
    K.RESULTS: frozenset({"lineItem", "student", "class", "scoreScale"}),
    K.SCORE_SCALES: frozenset({"class", "course"}),
    K.ASSESSMENT_LINE_ITEMS: frozenset({"class", "scoreScale", "parentAssessmentLineItem"}),
    K.ASSESSMENT_RESULTS: frozenset({"assessmentLineItem", "student", "scoreScale"}),
}


def ref_id(entity: Mapping[str, Any] | None, name: str) -> str | None:
    """The sourcedId of a OneRoster reference field (``{"sourcedId": ...}``), if set."""
    value = entity.get(name) if entity is not None else None
    if isinstance(value, dict) and isinstance(value.get("sourcedId"), str) and value["sourcedId"]:
        return str(value["sourcedId"])
    return None


def require_fields(kind: GradebookKind, entity: WireObject, *, defaulted: frozenset[str]) -> None:
    """A create's 422 naming every required field the body leaves blank (those in ``defaulted``
    the BFF fills itself)."""
    missing = [
        name
        for name in REQUIRED.get(kind, ())
        if name not in defaulted and entity.get(name) in (None, "", [], {})
    ]
    if missing:
        where = SINGULAR[kind]
        raise InvalidInput(
            f"A new {where} needs {', '.join(missing)}.",
            fields=tuple(f"{where}.{name}" for name in missing),
        )


def touches_references(kind: GradebookKind, body: WireObject) -> bool:
    return any(name in body for name in REFERENCES.get(kind, ()))


class ReferenceCheck:
    """The three steps of the module docstring, per kind. Given the object as it will be (a PUT's
    body over the stored fields), it raises on the first reference that fails."""

    def __init__(self, *, objects: OneRosterObjects, uow: UnitOfWorkFactory, policy: Policy):
        self._objects = objects
        self._uow = uow
        self._policy = policy

    async def check(self, actor: Actor, kind: GradebookKind, entity: WireObject) -> None:
        at = _Fields(SINGULAR[kind])
        match kind:
            case K.RESULTS:
                await self._result(actor, entity, at)
            case K.LINE_ITEMS:
                await self._line_item(actor, entity, at)
            case K.SCORE_SCALES:
                await self._score_scale(actor, entity, at)
            case K.ASSESSMENT_LINE_ITEMS:
                await self._assessment_line_item(actor, entity, at)
            case K.ASSESSMENT_RESULTS:
                await self._assessment_result(actor, entity, at)

    # -- per kind ---------------------------------------------------------------------------------

    async def _result(self, actor: Actor, entity: WireObject, at: _Fields) -> None:
        class_id = ref_id(entity, "class")
        line_item_id = ref_id(entity, "lineItem")
        if line_item_id is not None:
            line_item = await self._gradebook(actor, K.LINE_ITEMS, line_item_id, at("lineItem"))
            own_class = ref_id(line_item, "class")
            if own_class is None:
                raise InvalidInput(
                    f"Line item {line_item_id!r} belongs to no class.", field=at("lineItem")
                )
            await self._writable_class(actor, own_class, at("lineItem"))
            if class_id is not None and class_id != own_class:
                await self._writable_class(actor, class_id, at("class"))
                raise InvalidInput(
                    f"Class {class_id!r} is not the class of line item {line_item_id!r} "
                    f"({own_class!r}).",
                    field=at("class"),
                )
            class_id = own_class
        elif class_id is not None:
            await self._writable_class(actor, class_id, at("class"))
        student = ref_id(entity, "student")
        if student is not None:
            await self._person(actor, student, at("student"))
            if class_id is not None and not await self._enrolled(student, class_id):
                raise InvalidInput(
                    f"Student {student!r} is not enrolled in class {class_id!r}.",
                    field=at("student"),
                )
        await self._score_scale_ref(actor, entity, class_id, at)

    async def _line_item(self, actor: Actor, entity: WireObject, at: _Fields) -> None:
        class_id = ref_id(entity, "class")
        school = ref_id(entity, "school")
        if class_id is not None:
            klass = await self._writable_class(actor, class_id, at("class"))
            class_school = ref_id(klass, "school") or ref_id(klass, "org")
            if school is not None and class_school is not None and school != class_school:
                if not await self._policy.allows(actor, Action.READ, OrgRef(school)):
                    raise PermissionDenied(f"You may not use school {school!r}.")
                raise InvalidInput(
                    f"School {school!r} is not the school of class {class_id!r} "
                    f"({class_school!r}).",
                    field=at("school"),
                )
        category = ref_id(entity, "category")
        if category is not None and await self._objects.get(K.CATEGORIES, category) is None:
            raise InvalidInput(f"There is no category {category!r}.", field=at("category"))
        for name in ("gradingPeriod", "academicSession"):
            session = ref_id(entity, name)
            if session is not None and not await self._cached(
                EntityKind.ACADEMIC_SESSIONS, session
            ):
                raise InvalidInput(f"There is no academic session {session!r}.", field=at(name))
        await self._score_scale_ref(actor, entity, class_id, at)

    async def _score_scale(self, actor: Actor, entity: WireObject, at: _Fields) -> None:
        class_id = ref_id(entity, "class")
        klass = (
            await self._writable_class(actor, class_id, at("class"))
            if class_id is not None
            else None
        )
        course = ref_id(entity, "course")
        if course is None:
            return
        if not (actor.is_admin or await self._policy.reaches_course(actor, course)):
            raise PermissionDenied(f"You may not use course {course!r}.")
        if actor.is_admin and not await self._cached(EntityKind.COURSES, course):
            raise InvalidInput(f"There is no course {course!r}.", field=at("course"))
        class_course = ref_id(klass, "course")
        if class_course is not None and course != class_course:
            raise InvalidInput(
                f"Course {course!r} is not the course of class {class_id!r} ({class_course!r}).",
                field=at("course"),
            )

    async def _assessment_line_item(self, actor: Actor, entity: WireObject, at: _Fields) -> None:
        class_id = ref_id(entity, "class")
        if class_id is not None:
            await self._writable_class(actor, class_id, at("class"))
        parent_id = ref_id(entity, "parentAssessmentLineItem")
        if parent_id is not None:
            where = at("parentAssessmentLineItem")
            parent = await self._gradebook(actor, K.ASSESSMENT_LINE_ITEMS, parent_id, where)
            await self._bound_to(
                actor, parent, class_id, f"Assessment line item {parent_id!r}", where
            )
        await self._score_scale_ref(actor, entity, class_id, at)

    async def _assessment_result(self, actor: Actor, entity: WireObject, at: _Fields) -> None:
        item_id = ref_id(entity, "assessmentLineItem")
        class_id = None
        if item_id is not None:
            where = at("assessmentLineItem")
            item = await self._gradebook(actor, K.ASSESSMENT_LINE_ITEMS, item_id, where)
            class_id = ref_id(item, "class")
            await self._bound_to(actor, item, None, f"Assessment line item {item_id!r}", where)
        student = ref_id(entity, "student")
        if student is not None:
            # Bound to a student, not a class (PowerPath's): no enrollment is asked for.
            await self._person(actor, student, at("student"))
        await self._score_scale_ref(actor, entity, class_id, at)

    # -- one reference ----------------------------------------------------------------------------

    async def _score_scale_ref(
        self, actor: Actor, entity: WireObject, class_id: str | None, at: _Fields
    ) -> None:
        scale_id = ref_id(entity, "scoreScale")
        if scale_id is None:
            return
        scale = await self._gradebook(actor, K.SCORE_SCALES, scale_id, at("scoreScale"))
        await self._bound_to(actor, scale, class_id, f"Score scale {scale_id!r}", at("scoreScale"))

    async def _bound_to(
        self, actor: Actor, entity: WireObject, class_id: str | None, what: str, field: str
    ) -> None:
        """A class-bound gradebook object: the caller must see its class, which must be
        ``class_id`` when that is given. Unbound ones are shared definitions anyone may use."""
        own_class = ref_id(entity, "class")
        if own_class is None:
            return
        if not await self._policy.allows(actor, Action.READ, ClassRef(own_class)):
            raise PermissionDenied(f"You may not use {what[0].lower()}{what[1:]}.")
        if class_id is not None and own_class != class_id:
            raise InvalidInput(
                f"{what} belongs to class {own_class!r}, not {class_id!r}.", field=field
            )

    async def _gradebook(
        self, actor: Actor, kind: GradebookKind, sourced_id: str, field: str
    ) -> WireObject:
        """A referenced gradebook object, from TimeBack (its only source)."""
        found = await self._objects.get(kind, sourced_id)
        if found is None:
            what = SINGULAR[kind]
            if not actor.is_admin:
                raise PermissionDenied(f"There is no {what} {sourced_id!r} that you may use.")
            raise InvalidInput(f"There is no {what} {sourced_id!r}.", field=field)
        return found

    async def _writable_class(self, actor: Actor, class_id: str, field: str) -> Mapping[str, Any]:
        """The cached class, which the caller must be allowed to change."""
        if not await self._policy.allows(actor, Action.WRITE, ClassRef(class_id)):
            raise PermissionDenied(f"You may not change the gradebook of class {class_id!r}.")
        async with self._uow() as uow:
            record = await uow.roster.get(EntityKind.CLASSES, class_id)
        if record is None:  # only admins reach a class the cache does not have
            raise InvalidInput(f"There is no class {class_id!r}.", field=field)
        return record.payload

    async def _person(self, actor: Actor, person_id: str, field: str) -> None:
        if not await self._policy.allows(actor, Action.READ, PersonRef(person_id)):
            raise PermissionDenied(f"You may not grade person {person_id!r}.")
        if actor.is_admin and not await self._cached(EntityKind.USERS, person_id):
            raise InvalidInput(f"There is no user {person_id!r}.", field=field)

    async def _cached(self, kind: EntityKind, sourced_id: str) -> bool:
        async with self._uow() as uow:
            return await uow.roster.get(kind, sourced_id) is not None

    async def _enrolled(self, student: str, class_id: str) -> bool:
        query = RosterQuery(
            kind=EntityKind.USERS,
            scope=EVERYTHING,
            related=Related(Relation.CLASS_STUDENTS, class_id),
            filter=Comparison("sourcedId", Op.EQ, student),
            fields=("sourcedId",),
            limit=1,
        )
        async with self._uow() as uow:
            found, _ = await uow.roster.query(query)
        return bool(found)


class _Fields:
    """``at("lineItem")`` -> ``result.lineItem``: where a field sits in the request body."""

    def __init__(self, envelope: str) -> None:
        self._envelope = envelope

    def __call__(self, name: str) -> str:
        return f"{self._envelope}.{name}"
