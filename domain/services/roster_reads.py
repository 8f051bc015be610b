"""Reads of the local roster cache, narrowed to what the caller may see.

Every read builds a :class:`RosterQuery` whose ``scope`` comes from :meth:`Policy.scope`, so the
store narrows lists in the query itself (never filtered after the fact). A single read is the same
scoped query with a ``sourcedId`` filter, so it can never see more than the list: a record outside
the caller's scope is simply not found.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from domain.errors import NotFound, PermissionDenied, UpstreamUnavailable
from domain.models.identity import Actor
from domain.policy import Policy
from domain.ports import UnitOfWorkFactory
from domain.ports.roster_pages import JsonPage, RosterPages
from domain.ports.roster_writer import LiveQuery, RosterLiveReader
from domain.roster.answers import AnswerCache
from domain.roster.entities import EntityKind, JsonObject, RosterRecord
from domain.roster.filters import Comparison, Op, parse_filter
from domain.roster.query import Related, Relation, RosterQuery, SortOrder
from domain.roster.versions import page_tag, tag_matches

_T = TypeVar("_T")

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
    #: the upstream collection serving the view live ("students"); empty: the kind's own
    collection: str = ""

    @property
    def upstream(self) -> str:
        return self.collection or self.kind.value


@dataclass(frozen=True, slots=True, kw_only=True)
class ListParams:
    """A list read's OneRoster parameters as the caller wrote them. One left out takes the default
    of :class:`RosterQuery` and :class:`LiveQuery` alike: ascending, 100 a page, from the start."""

    filter: str | None = None
    sort: str | None = None
    order: SortOrder = SortOrder.ASC
    fields: tuple[str, ...] | None = None
    search: str | None = None
    limit: int = 100
    offset: int = 0


@dataclass(frozen=True, slots=True)
class Tagged(Generic[_T]):
    """An answer and its entity tag; ``value`` is None when the caller's copy (the tags it sent
    in ``If-None-Match``) is current, so nothing was read but the cache's version."""

    tag: str
    value: _T | None


class RosterReadService:
    def __init__(
        self,
        *,
        uow: UnitOfWorkFactory,
        pages: RosterPages,
        policy: Policy,
        live: RosterLiveReader | None = None,
        answers: AnswerCache | None = None,
    ) -> None:
        self._uow = uow
        self._pages = pages
        self._answers = answers or AnswerCache(max_bytes=0)
        self._policy = policy
        self._live = live

    async def list_json(
        self,
        *,
        actor: Actor,
        view: RosterView,
        params: ListParams,
        related: Related | None = None,
        if_none_match: str | None = None,
    ) -> Tagged[JsonPage]:
        """One page of a collection the caller may see, each payload as JSON text, with the total
        count matching and the page's tag (see :mod:`domain.roster.versions`).

        With ``related`` (a nested route), the record it hangs from must itself be visible to the
        caller, else NotFound: a nested list never confirms that a hidden record exists, not even
        by answering "not modified".
        """
        query = await self._list_query(actor, view, params, related)
        await self._require_parent(query)
        tag = page_tag(query, await self._pages.version())
        if if_none_match is not None and tag_matches(if_none_match, tag):
            return Tagged(tag, None)
        answer = self._answers.get(tag)
        if answer is None:
            answer = await self._pages.page_json(query)
            # the page's own version: the cache may have moved on since the one read above
            tag = page_tag(query, answer.version)
            self._answers.put(tag, answer)
        return Tagged(tag, answer)

    async def _list_query(
        self, actor: Actor, view: RosterView, params: ListParams, related: Related | None
    ) -> RosterQuery:
        return RosterQuery(
            kind=view.kind,
            scope=self._policy.scope(actor),
            filter=parse_filter(params.filter) if params.filter is not None else None,
            search=params.search,
            sort=params.sort,
            order=params.order,
            fields=params.fields,
            limit=params.limit,
            offset=params.offset,
            types=view.types,
            related=related,
        )

    async def _require_parent(self, query: RosterQuery) -> None:
        related = query.related
        if related is None:
            return
        parent = RosterQuery(
            kind=PARENT_KIND[related.relation],
            scope=query.scope,
            filter=Comparison("sourcedId", Op.EQ, related.sourced_id),
            fields=("sourcedId",),
            limit=1,
        )
        if not (await self._pages.page(parent)).items:
            raise NotFound(f"No {parent.kind} with sourcedId {related.sourced_id!r}.")

    async def list_live(
        self, *, actor: Actor, view: RosterView, params: ListParams
    ) -> tuple[Sequence[JsonObject], int]:
        """One page read from TimeBack itself, for callers whose scope is the whole roster.

        A narrower scope (people, classes, orgs) cannot be sent upstream: OneRoster filters have
        no joins (a teacher's students are "users enrolled in these classes") and the id lists run
        to thousands, past any sane URL. Filtering a page after reading it would break the
        totals and the paging, so those callers get a clear refusal and read the cache instead.
        """
        # Built as for a cached list so the same parameters are refused the same way either way.
        query = await self._list_query(actor, view, params, related=None)
        if not query.scope.everything:
            raise PermissionDenied(
                "Live lists are only for callers who may see the whole roster; read the cached "
                "list (without consistency=live), or single records live."
            )
        # Upstream gets the parameters as the caller wrote them, not as the query normalised them.
        return await self._live_reader().page(
            LiveQuery(
                collection=view.upstream,
                filter=params.filter,
                sort=params.sort,
                order=params.order,
                fields=params.fields,
                search=params.search,
                limit=params.limit,
                offset=params.offset,
            )
        )

    async def get_live(
        self,
        *,
        actor: Actor,
        view: RosterView,
        sourced_id: str,
        fields: Sequence[str] | None = None,
    ) -> RosterRecord:
        """Read through: TimeBack's current record replaces the cached one (or removes it, when
        TimeBack has it no more or marks it deleted), then the scoped read answers, so the caller
        sees exactly what a cached read right after a sync would show them."""
        record = await self._live_reader().fetch(view.kind, sourced_id)
        async with self._uow() as uow:
            if record is None:
                await uow.roster.delete_many(view.kind, [sourced_id])
            else:
                await uow.roster.upsert_many(view.kind, [record])
            await uow.commit()
        found = await self.get(actor=actor, view=view, sourced_id=sourced_id, fields=fields)
        assert found.value is not None  # noqa: S101 - asked without If-None-Match
        return found.value

    def _live_reader(self) -> RosterLiveReader:
        if self._live is None:
            raise UpstreamUnavailable("Live roster reads are not configured.", upstream="timeback")
        return self._live

    async def get(
        self,
        *,
        actor: Actor,
        view: RosterView,
        sourced_id: str,
        fields: Sequence[str] | None = None,
        if_none_match: str | None = None,
    ) -> Tagged[RosterRecord]:
        """One record, through the same scoped query as the list: outside the scope is NotFound
        (also for a conditional read, which never confirms that a hidden record exists)."""
        query = RosterQuery(
            kind=view.kind,
            scope=self._policy.scope(actor),
            filter=Comparison("sourcedId", Op.EQ, sourced_id),
            fields=tuple(fields) if fields is not None else None,
            limit=1,
            types=view.types,
        )
        page = await self._pages.page(query)
        if not page.items:
            raise NotFound(f"No {view.kind} with sourcedId {sourced_id!r}.")
        tag = page_tag(query, page.version)
        if if_none_match is not None and tag_matches(if_none_match, tag):
            return Tagged(tag, None)
        return Tagged(tag, page.items[0])
