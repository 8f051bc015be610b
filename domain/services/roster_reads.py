"""Reads of the local roster cache, narrowed to what the caller may see.

Every read builds a :class:`RosterQuery` whose ``scope`` comes from :meth:`Policy.scope`, so the
store narrows lists in the query itself (never filtered after the fact). A single read is the same
scoped query with a ``sourcedId`` filter, so it can never see more than the list: a record outside
the caller's scope is simply not found.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from domain.errors import NotFound
from domain.models.identity import Actor
from domain.policy import Policy
from domain.ports import UnitOfWorkFactory
from domain.roster.entities import EntityKind, RosterRecord
from domain.roster.filters import Comparison, Op, parse_filter
from domain.roster.query import Related, Relation, RosterQuery, SortOrder

#: The kind of the record a nested route hangs from (``Related.sourced_id``).
PARENT_KIND: dict[Relation, EntityKind] = {
    Relation.CLASS_STUDENTS: EntityKind.CLASSES,
    Relation.CLASS_TEACHERS: EntityKind.CLASSES,
    Relation.CLASS_ENROLLMENTS: EntityKind.CLASSES,
    Relation.USER_CLASSES: EntityKind.USERS,
    Relation.USER_AGENTS: EntityKind.USERS,
    Relation.AGENT_FOR: EntityKind.USERS,
    Relation.SCHOOL_CLASSES: EntityKind.ORGS,
    Relation.SCHOOL_USERS: EntityKind.ORGS,
    Relation.SCHOOL_ENROLLMENTS: EntityKind.ORGS,
    Relation.SCHOOL_COURSES: EntityKind.ORGS,
    Relation.SCHOOL_SESSIONS: EntityKind.ORGS,
    Relation.COURSE_CLASSES: EntityKind.COURSES,
    Relation.TERM_CLASSES: EntityKind.ACADEMIC_SESSIONS,
    Relation.SESSION_CHILDREN: EntityKind.ACADEMIC_SESSIONS,
    Relation.ORG_CHILDREN: EntityKind.ORGS,
}


@dataclass(frozen=True, slots=True)
class RosterView:
    """A OneRoster collection: a stored kind, optionally narrowed to some types (schools, terms,
    students, teachers are views of orgs, academic sessions and users)."""

    kind: EntityKind
    types: frozenset[str] = frozenset()


class RosterReadService:
    def __init__(self, *, uow: UnitOfWorkFactory, policy: Policy) -> None:
        self._uow = uow
        self._policy = policy

    async def list(
        self,
        *,
        actor: Actor,
        view: RosterView,
        filter: str | None = None,
        sort: str | None = None,
        order: SortOrder = SortOrder.ASC,
        fields: Sequence[str] | None = None,
        search: str | None = None,
        limit: int = 100,
        offset: int = 0,
        related: Related | None = None,
    ) -> tuple[Sequence[RosterRecord], int]:
        """One page of a collection the caller may see, and the total count matching.

        With ``related`` (a nested route), the record it hangs from must itself be visible to the
        caller, else NotFound: a nested list never confirms that a hidden record exists.
        """
        scope = await self._policy.scope(actor)
        query = RosterQuery(
            kind=view.kind,
            scope=scope,
            filter=parse_filter(filter) if filter is not None else None,
            search=search,
            sort=sort,
            order=order,
            fields=tuple(fields) if fields is not None else None,
            limit=limit,
            offset=offset,
            types=view.types,
            related=related,
        )
        async with self._uow() as uow:
            if related is not None:
                parent = RosterQuery(
                    kind=PARENT_KIND[related.relation],
                    scope=scope,
                    filter=Comparison("sourcedId", Op.EQ, related.sourced_id),
                    fields=("sourcedId",),
                    limit=1,
                )
                if not (await uow.roster.query(parent))[0]:
                    raise NotFound(f"No {parent.kind} with sourcedId {related.sourced_id!r}.")
            return await uow.roster.query(query)

    async def get(
        self,
        *,
        actor: Actor,
        view: RosterView,
        sourced_id: str,
        fields: Sequence[str] | None = None,
    ) -> RosterRecord:
        """One record, through the same scoped query as the list: outside the scope is NotFound."""
        query = RosterQuery(
            kind=view.kind,
            scope=await self._policy.scope(actor),
            filter=Comparison("sourcedId", Op.EQ, sourced_id),
            fields=tuple(fields) if fields is not None else None,
            limit=1,
            types=view.types,
        )
        async with self._uow() as uow:
            records, _ = await uow.roster.query(query)
        if not records:
            raise NotFound(f"No {view.kind} with sourcedId {sourced_id!r}.")
        return records[0]
