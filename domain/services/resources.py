"""OneRoster resources (learning materials), passed through to TimeBack and guarded by the policy.

A resource names no class, course or org of its own: classes and courses point at resources. So
the catalogue itself (every resource; creating, replacing, deleting one) is for admins, and
everyone else reads resources through something the policy can judge:

* a class's resources: whoever may see the class;
* a user's resources: whoever may see the user;
* a course's resources: staff whose orgs own the course, and anyone with a class of that course
  they may see (its teachers, students and their guardians).
"""

from __future__ import annotations

from domain.errors import NotFound, PermissionDenied
from domain.models.identity import Actor, Role
from domain.policy import Action, ClassRef, OrgRef, PersonRef, Policy
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
from domain.services.gradebook import checked, refuse_taken_id

RESOURCES = GradebookKind.RESOURCES


class ResourceService:
    def __init__(self, *, objects: OneRosterObjects, roster: RosterLookup, policy: Policy) -> None:
        self._objects = objects
        self._roster = roster
        self._policy = policy

    async def list_all(self, *, actor: Actor, query: PageQuery) -> WirePage:
        _require_admin(actor)
        return await self._objects.list(Listing(RESOURCES), checked(query))

    async def list_for_class(self, *, actor: Actor, class_id: str, query: PageQuery) -> WirePage:
        await self._policy.require(actor, Action.READ, ClassRef(class_id))
        return await self._objects.list(
            Listing(RESOURCES, Parent.CLASS, (class_id,)), checked(query)
        )

    async def list_for_user(self, *, actor: Actor, user_id: str, query: PageQuery) -> WirePage:
        await self._policy.require(actor, Action.READ, PersonRef(user_id))
        return await self._objects.list(Listing(RESOURCES, Parent.USER, (user_id,)), checked(query))

    async def list_for_course(self, *, actor: Actor, course_id: str, query: PageQuery) -> WirePage:
        if not await self._may_see_course(actor, course_id):
            raise PermissionDenied("You may not see this course's resources.")
        return await self._objects.list(
            Listing(RESOURCES, Parent.COURSE, (course_id,)), checked(query)
        )

    async def get(self, *, actor: Actor, sourced_id: str) -> WireObject:
        _require_admin(actor)
        entity = await self._objects.get(RESOURCES, sourced_id)
        if entity is None:
            raise NotFound(f"No resource with sourcedId {sourced_id!r}.")
        return entity

    async def create(self, *, actor: Actor, entity: WireObject) -> str:
        _require_admin(actor, write=True)
        await refuse_taken_id(self._objects, RESOURCES, entity)
        return await self._objects.create(RESOURCES, entity)

    async def put(self, *, actor: Actor, sourced_id: str, entity: WireObject) -> WireObject:
        _require_admin(actor, write=True)
        return await self._objects.put(RESOURCES, sourced_id, entity)

    async def delete(self, *, actor: Actor, sourced_id: str) -> None:
        _require_admin(actor, write=True)
        await self._objects.delete(RESOURCES, sourced_id)

    async def _may_see_course(self, actor: Actor, course_id: str) -> bool:
        if actor.is_admin:
            return True
        if actor.role is Role.STAFF:
            org = await self._roster.org_of_course(course_id)
            return org is not None and await self._policy.allows(actor, Action.READ, OrgRef(org))
        return await self._policy.reaches_course(actor, course_id)


def _require_admin(actor: Actor, *, write: bool = False) -> None:
    if not actor.is_admin or (write and not actor.can_write):
        raise PermissionDenied(
            "Only admins use the whole resource catalogue; read resources through a class, "
            "course or user."
        )
