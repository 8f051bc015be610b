"""Gradebook objects on TimeBack (``/ims/oneroster/gradebook/v1p2``), over :class:`OneRosterClient`.

Objects pass through as TimeBack sends them. Errors are decided here once for a pass-through: a
404 on a single object is "absent"; TimeBack refusing what the caller sent (400/422: a write's
body, a list's filter, sort, fields or search) is the caller's ``UpstreamRefusedInput`` (a 422 at
the edge, with TimeBack's words), not an upstream fault, while its refusal of a request the BFF
composed alone (a read by id) is the BFF's bug, a 502 (D43); the rest follows
:func:`adapters.timeback.errors.to_domain_error` (auth refusals of our own credentials, outages,
rate limits).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace

from adapters.http.paths import seg
from adapters.timeback.errors import (
    TimebackError,
    TimebackNotFound,
    TimebackRejected,
    as_timeback_error,
    to_domain_error,
)
from adapters.timeback.oneroster import OneRosterClient
from domain.errors import InvalidInput, NotFound, UpstreamRefusedInput
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
from domain.roster.filters import FilterError, quote

#: the envelope key of one object of each kind
SINGULAR: dict[GradebookKind, str] = {
    GradebookKind.LINE_ITEMS: "lineItem",
    GradebookKind.RESULTS: "result",
    GradebookKind.CATEGORIES: "category",
    GradebookKind.SCORE_SCALES: "scoreScale",
    GradebookKind.ASSESSMENT_LINE_ITEMS: "assessmentLineItem",
    GradebookKind.ASSESSMENT_RESULTS: "assessmentResult",
    GradebookKind.RESOURCES: "resource",
}


@asynccontextmanager
async def upstream_errors(what: str, *, callers: bool = True) -> AsyncIterator[None]:
    """TimeBack's answer as a domain error (see the module docstring); ``callers``: whether the
    request carried something of the caller's that TimeBack could refuse."""
    try:
        yield
    except FilterError:
        raise
    except TimebackNotFound as exc:
        raise NotFound(f"TimeBack has no {what}: {exc.message}") from exc
    except TimebackRejected as exc:
        if not callers:
            raise to_domain_error(exc) from exc
        raise UpstreamRefusedInput(exc.message, upstream="TimeBack") from exc
    except TimebackError as exc:
        raise to_domain_error(exc) from exc
    except ValueError as exc:  # the client's own checks (page size, empty id)
        raise InvalidInput(str(exc)) from exc
    except Exception as exc:
        raise to_domain_error(as_timeback_error(exc)) from exc


def _callers_part(query: PageQuery) -> bool:
    """Whether a list sent TimeBack anything the caller wrote that it could refuse (the paging is
    the BFF's own, checked against TimeBack's limits)."""
    return any(p is not None for p in (query.filter, query.sort, query.fields, query.search))


class TimebackObjects(OneRosterObjects):
    """Objects of one OneRoster service; subclasses say where each list lives."""

    def __init__(self, client: OneRosterClient) -> None:
        self._client = client

    def list_path(self, listing: Listing) -> str:
        raise NotImplementedError

    async def list(
        self, listing: Listing, query: PageQuery, *, callers: bool | None = None
    ) -> WirePage:
        path = self.list_path(listing)
        if callers is None:
            callers = _callers_part(query)
        async with upstream_errors(path, callers=callers):
            page = await self._client.list_page(
                path,
                limit=query.limit,
                offset=query.offset,
                filter=query.filter,
                sort=query.sort,
                order_by="desc" if query.order_by == "desc" else None,
                fields=list(query.fields) if query.fields else None,
                search=query.search,
                key=listing.kind.value,
            )
        total = page.total if page.total is not None else query.offset + len(page.items)
        return WirePage(items=page.items, total=total)

    async def get(self, kind: GradebookKind, sourced_id: str) -> WireObject | None:
        try:
            async with upstream_errors(kind.value, callers=False):
                return await self._client.get(kind.value, sourced_id, key=SINGULAR[kind])
        except NotFound:
            return None

    async def create(self, kind: GradebookKind, entity: WireObject) -> str:
        async with upstream_errors(kind.value):
            return await self._client.create(kind.value, entity, key=SINGULAR[kind])

    async def put(self, kind: GradebookKind, sourced_id: str, entity: WireObject) -> WireObject:
        async with upstream_errors(kind.value):
            stored = await self._client.put(kind.value, sourced_id, entity, key=SINGULAR[kind])
            if stored is None:  # an empty answer (resources): read back what is stored
                stored = await self._client.get(kind.value, sourced_id, key=SINGULAR[kind])
        return stored

    async def delete(self, kind: GradebookKind, sourced_id: str) -> None:
        async with upstream_errors(kind.value):
            await self._client.delete(kind.value, sourced_id)


#: lists TimeBack has no path for, served by filtering the collection on this reference field
FILTERED: dict[tuple[GradebookKind, Parent | None], str] = {
    (GradebookKind.ASSESSMENT_LINE_ITEMS, Parent.CLASS): "class",
    (GradebookKind.ASSESSMENT_RESULTS, Parent.USER): "student",
}


class TimebackGradebook(TimebackObjects):
    """``client`` is a :class:`OneRosterClient` for the gradebook service."""

    def list_path(self, listing: Listing) -> str:
        kind, ids = listing.kind.value, [seg(i) for i in listing.parent_ids]
        match listing.parent:
            case None:
                return kind
            case Parent.CLASS:
                return f"classes/{ids[0]}/{kind}"
            case Parent.CLASS_STUDENT:
                return f"classes/{ids[0]}/students/{ids[1]}/results"
            case Parent.CLASS_LINE_ITEM:
                return f"classes/{ids[0]}/lineItems/{ids[1]}/results"
            case _:
                raise NotImplementedError(f"the gradebook has no path for {listing}")

    async def list(
        self, listing: Listing, query: PageQuery, *, callers: bool | None = None
    ) -> WirePage:
        by = FILTERED.get((listing.kind, listing.parent))
        if by is None:
            return await super().list(listing, query)
        # TimeBack has no path for these lists: filter the whole collection by the reference.
        own = f"{by}.sourcedId={quote(listing.parent_ids[0])}"
        combined = f"{own} AND ({query.filter})" if query.filter else own
        # the reference filter is the BFF's own: whose a refusal is depends on the caller's part
        return await super().list(
            Listing(listing.kind), replace(query, filter=combined), callers=_callers_part(query)
        )


class TimebackRosterLookup(RosterLookup):
    """``client`` is a :class:`OneRosterClient` for the rostering service."""

    def __init__(self, client: OneRosterClient) -> None:
        self._client = client

    async def _ref(self, collection: str, sourced_id: str, key: str, field: str) -> str | None:
        try:
            async with upstream_errors(collection, callers=False):
                entity = await self._client.get(collection, sourced_id, key=key)
        except NotFound:
            return None
        value = entity.get(field)
        found = value.get("sourcedId") if isinstance(value, dict) else None
        return found if isinstance(found, str) else None

    async def school_of_class(self, class_id: str) -> str | None:
        return await self._ref("classes", class_id, "class", "school")

    async def org_of_course(self, course_id: str) -> str | None:
        return await self._ref("courses", course_id, "course", "org")
