"""The gradebook, passed through to TimeBack and guarded by the policy.

Who may do what (admins: everything; read-only tokens never write):

* line items, score scales, class-bound assessment line items: read by whoever may see the class
  (its teachers, students, their guardians, staff of its school), written by whoever may change
  it (its teachers, staff of its school);
* results: read by the class's teachers and staff, and by the student and their guardians;
  written by the class's teachers and staff;
* assessment results (what PowerPath writes, bound to a student, not a class): read by whoever
  may see the student, written by their teachers and staff;
* categories and assessment line items without a class: read by anyone logged in (shared
  definitions, nothing personal), written by admins only (they belong to no org or class).

TimeBack cannot narrow a list to what a caller may see, so whole-collection lists are for admins
(categories excepted); everyone else lists through a parent the policy can judge: a class, a
student in a class, a line item in a class, a student. A single object is fetched first and judged
by the class or student it refers to; one the caller may not see is "not found", so the answer
never confirms that it exists.

A write is also judged on everything its body names (line item, student, class, school, category,
score scale, course...): within reach, existing, fitting together; and a create needs TimeBack's
required fields (D38, :mod:`domain.services.gradebook_references`).
"""

from __future__ import annotations

from dataclasses import dataclass

from domain.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from domain.models.identity import Actor, Role
from domain.policy import Action, ClassRef, PersonRef, Policy
from domain.ports import UnitOfWorkFactory
from domain.ports.gradebook import (
    GradebookKind,
    Listing,
    OneRosterObjects,
    PageQuery,
    Parent,
    RosterLookup,
    WireObject,
    WirePage,
)
from domain.roster.filters import parse_filter
from domain.services.gradebook_references import (
    ReferenceCheck,
    ref_id,
    require_fields,
    touches_references,
)

K = GradebookKind
#: kinds judged by the class they name
CLASS_BOUND = frozenset({K.LINE_ITEMS, K.SCORE_SCALES, K.ASSESSMENT_LINE_ITEMS})
#: kinds a class lists for anyone who may see the class
CLASS_LISTS = frozenset({K.LINE_ITEMS, K.SCORE_SCALES, K.CATEGORIES, K.ASSESSMENT_LINE_ITEMS})
#: kinds created under a class (the class comes from the path, not the body)
CLASS_CREATES = frozenset({K.LINE_ITEMS, K.SCORE_SCALES})
#: kinds anyone logged in may list whole
OPEN_LISTS = frozenset({K.CATEGORIES})
LABEL = {
    K.LINE_ITEMS: "line item",
    K.RESULTS: "result",
    K.CATEGORIES: "category",
    K.SCORE_SCALES: "score scale",
    K.ASSESSMENT_LINE_ITEMS: "assessment line item",
    K.ASSESSMENT_RESULTS: "assessment result",
    K.RESOURCES: "resource",
}


def checked(query: PageQuery) -> PageQuery:
    """Refuse a malformed filter here (422 naming ``filter``), before anything goes upstream."""
    if query.filter is not None:
        parse_filter(query.filter)
    return query


async def refuse_taken_id(
    objects: OneRosterObjects, kind: GradebookKind, entity: WireObject
) -> None:
    """A create naming a sourcedId that exists is a conflict, whatever words TimeBack would use."""
    wanted = entity.get("sourcedId")
    if isinstance(wanted, str) and await objects.get(kind, wanted) is not None:
        raise Conflict(f"A {LABEL[kind]} with sourcedId {wanted!r} already exists.")


@dataclass(frozen=True, slots=True)
class Anchor:
    """What an object's access is judged by."""

    class_id: str | None = None
    student_id: str | None = None


class GradebookService:
    def __init__(
        self,
        *,
        objects: OneRosterObjects,
        roster: RosterLookup,
        policy: Policy,
        uow: UnitOfWorkFactory,
    ) -> None:
        self._objects = objects
        self._roster = roster
        self._policy = policy
        self._references = ReferenceCheck(objects=objects, uow=uow, policy=policy)

    # -- lists ------------------------------------------------------------------------------------

    async def list_all(self, *, actor: Actor, kind: GradebookKind, query: PageQuery) -> WirePage:
        if kind not in OPEN_LISTS and not actor.is_admin:
            raise PermissionDenied(
                f"Only admins list every {LABEL[kind]}; list them through a class instead."
            )
        return await self._objects.list(Listing(kind), checked(query))

    async def list_for_class(
        self, *, actor: Actor, class_id: str, kind: GradebookKind, query: PageQuery
    ) -> WirePage:
        if kind is K.RESULTS:
            await self._require_class_gradebook(actor, class_id)
        elif kind in CLASS_LISTS:
            await self._policy.require(actor, Action.READ, ClassRef(class_id))
        else:
            raise InvalidInput(f"A class has no list of {kind}.", field="kind")
        return await self._objects.list(Listing(kind, Parent.CLASS, (class_id,)), checked(query))

    async def list_student_results(
        self, *, actor: Actor, class_id: str, student_id: str, query: PageQuery
    ) -> WirePage:
        anchor = Anchor(class_id=class_id, student_id=student_id)
        if not await self._may_read(actor, K.RESULTS, anchor):
            raise PermissionDenied("You may not read this student's results in this class.")
        listing = Listing(K.RESULTS, Parent.CLASS_STUDENT, (class_id, student_id))
        return await self._objects.list(listing, checked(query))

    async def list_line_item_results(
        self, *, actor: Actor, class_id: str, line_item_id: str, query: PageQuery
    ) -> WirePage:
        await self._require_class_gradebook(actor, class_id)
        listing = Listing(K.RESULTS, Parent.CLASS_LINE_ITEM, (class_id, line_item_id))
        return await self._objects.list(listing, checked(query))

    async def list_assessment_results(
        self, *, actor: Actor, student_id: str, query: PageQuery
    ) -> WirePage:
        await self._policy.require(actor, Action.READ, PersonRef(student_id))
        listing = Listing(K.ASSESSMENT_RESULTS, Parent.USER, (student_id,))
        return await self._objects.list(listing, checked(query))

    # -- single objects ---------------------------------------------------------------------------

    async def get(self, *, actor: Actor, kind: GradebookKind, sourced_id: str) -> WireObject:
        entity = await self._objects.get(kind, sourced_id)
        if entity is None or not await self._may_read(
            actor, kind, await self._anchor(kind, entity)
        ):
            raise NotFound(f"No {LABEL[kind]} with sourcedId {sourced_id!r}.")
        return entity

    async def put(
        self, *, actor: Actor, kind: GradebookKind, sourced_id: str, entity: WireObject
    ) -> WireObject:
        """Upsert, as TimeBack's gradebook does: fields given replace those stored; an absent
        object is created, and then needs every required field, as a POST does. The caller must
        be allowed to write both the object as it is and as it will be (so nothing moves out of
        reach), and what it will refer to must be within reach and fit together (D38)."""
        self._require_grader(actor)
        existing = await self._objects.get(kind, sourced_id)
        if existing is not None:
            before = await self._anchor(kind, existing)
            if not await self._may_read(actor, kind, before):
                raise NotFound(f"No {LABEL[kind]} with sourcedId {sourced_id!r}.")
            await self._require_write(actor, kind, before)
        else:
            # A line item's school defaults to its class's, as in a create under the class.
            defaulted = frozenset({"school"}) if kind is K.LINE_ITEMS else frozenset()
            require_fields(kind, entity, defaulted=defaulted)
        merged = {**(existing or {}), **entity}
        if existing is None or touches_references(kind, entity):
            await self._references.check(actor, kind, merged)
        after = await self._anchor(kind, merged)
        await self._require_write(actor, kind, after)
        if existing is None and kind is K.LINE_ITEMS and ref_id(entity, "school") is None:
            entity = {**entity, "school": await self._school_of(ref_id(entity, "class") or "")}
        return await self._objects.put(kind, sourced_id, entity)

    async def delete(self, *, actor: Actor, kind: GradebookKind, sourced_id: str) -> None:
        entity = await self._objects.get(kind, sourced_id)
        anchor = await self._anchor(kind, entity) if entity is not None else None
        if anchor is None or not await self._may_read(actor, kind, anchor):
            raise NotFound(f"No {LABEL[kind]} with sourcedId {sourced_id!r}.")
        await self._require_write(actor, kind, anchor)
        await self._objects.delete(kind, sourced_id)

    async def create_in_class(
        self, *, actor: Actor, class_id: str, kind: GradebookKind, entity: WireObject
    ) -> str:
        """A line item or score scale of this class (the class comes from the path). A line item
        without ``school`` gets the class's school, which TimeBack requires."""
        if kind not in CLASS_CREATES:
            raise InvalidInput(f"{LABEL[kind]}s are not created under a class.", field="kind")
        self._require_grader(actor)
        await self._policy.require(actor, Action.WRITE, ClassRef(class_id))
        body = {**entity, "class": {"sourcedId": class_id}}
        await self._references.check(actor, kind, body)
        if kind is K.LINE_ITEMS and ref_id(body, "school") is None:
            body["school"] = await self._school_of(class_id)
        return await self._objects.create(kind, body)

    async def create(self, *, actor: Actor, kind: GradebookKind, entity: WireObject) -> str:
        """Objects bound to no class or student (categories, unbound assessment line items)."""
        self._require_grader(actor)
        anchor = await self._anchor(kind, entity)
        await self._require_write(actor, kind, anchor)
        require_fields(kind, entity, defaulted=frozenset())
        await self._references.check(actor, kind, entity)
        await refuse_taken_id(self._objects, kind, entity)
        return await self._objects.create(kind, entity)

    async def _school_of(self, class_id: str) -> dict[str, str]:
        """The reference to a class's school, which TimeBack requires of a line item."""
        school = await self._roster.school_of_class(class_id)
        if school is None:
            raise NotFound(f"No class with sourcedId {class_id!r}.")
        return {"sourcedId": school}

    # -- rules ------------------------------------------------------------------------------------

    async def _anchor(self, kind: GradebookKind, entity: WireObject) -> Anchor:
        if kind in CLASS_BOUND:
            return Anchor(class_id=ref_id(entity, "class"))
        if kind is K.RESULTS:
            class_id = ref_id(entity, "class")
            line_item_id = ref_id(entity, "lineItem")
            if class_id is None and line_item_id is not None:
                line_item = await self._objects.get(K.LINE_ITEMS, line_item_id)
                class_id = ref_id(line_item, "class") if line_item is not None else None
            return Anchor(class_id=class_id, student_id=ref_id(entity, "student"))
        if kind is K.ASSESSMENT_RESULTS:
            return Anchor(student_id=ref_id(entity, "student"))
        return Anchor()

    async def _may_read(self, actor: Actor, kind: GradebookKind, anchor: Anchor) -> bool:
        if actor.is_admin:
            return True
        if kind is K.RESULTS:
            if anchor.class_id is not None and await self._reads_class_gradebook(
                actor, anchor.class_id
            ):
                return True
            return (
                actor.role in {Role.STUDENT, Role.GUARDIAN}
                and anchor.student_id is not None
                and await self._policy.allows(actor, Action.READ, PersonRef(anchor.student_id))
                and (
                    anchor.class_id is None
                    or await self._policy.allows(actor, Action.READ, ClassRef(anchor.class_id))
                )
            )
        if kind is K.ASSESSMENT_RESULTS:
            return anchor.student_id is not None and await self._policy.allows(
                actor, Action.READ, PersonRef(anchor.student_id)
            )
        if anchor.class_id is not None:
            return await self._policy.allows(actor, Action.READ, ClassRef(anchor.class_id))
        return kind in {K.CATEGORIES, K.ASSESSMENT_LINE_ITEMS}

    async def _may_write(self, actor: Actor, kind: GradebookKind, anchor: Anchor) -> bool:
        if not actor.can_write:
            return False
        if actor.is_admin:
            return True
        if kind is K.ASSESSMENT_RESULTS:
            return (
                actor.role in {Role.STAFF, Role.TEACHER}
                and anchor.student_id is not None
                and await self._policy.allows(actor, Action.READ, PersonRef(anchor.student_id))
            )
        if anchor.class_id is not None:
            return await self._policy.allows(actor, Action.WRITE, ClassRef(anchor.class_id))
        return False

    @staticmethod
    def _require_grader(actor: Actor) -> None:
        """Who may write no gradebook object at all is refused before the body is judged: a 422
        on a body they could never send would answer a question they have no right to ask."""
        if not actor.can_write or not (actor.is_admin or actor.role in {Role.STAFF, Role.TEACHER}):
            raise PermissionDenied("Only teachers, staff and admins change the gradebook.")

    async def _require_write(self, actor: Actor, kind: GradebookKind, anchor: Anchor) -> None:
        if not await self._may_write(actor, kind, anchor):
            raise PermissionDenied(f"You may not change this {LABEL[kind]}.")

    async def _reads_class_gradebook(self, actor: Actor, class_id: str) -> bool:
        """A whole class's results: its teachers and the staff of its school (and admins)."""
        return actor.is_admin or (
            actor.role in {Role.STAFF, Role.TEACHER}
            and await self._policy.allows(actor, Action.READ, ClassRef(class_id))
        )

    async def _require_class_gradebook(self, actor: Actor, class_id: str) -> None:
        if not await self._reads_class_gradebook(actor, class_id):
            raise PermissionDenied("Only the class's teachers and staff read its results.")
