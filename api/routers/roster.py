"""The roster, served from the local cache: OneRoster collections, single records and nested
lists, each narrowed to what the caller may see (``x-access: scoped``). ``consistency=live`` on a
list or a get reads TimeBack instead (see ``RosterReadService.list_live`` / ``get_live``); the
writes live in :mod:`api.routers.roster_writes`, added after these reads.

Query parameters follow OneRoster: ``filter``, ``sort``, ``orderBy``, ``fields``, ``search``,
``limit`` and ``offset``. Responses use OneRoster's envelopes (``{"users": [...]}``,
``{"user": {...}}``), with ``X-Total-Count`` and a ``Link`` header (first, prev, next, last).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.responses import JSONResponse, Response

from api.access import Access, access
from api.deps import ActorDep, RosterReadsDep
from api.errors import COMMON_RESPONSES, problem_responses
from api.lean_routes import LeanRoute
from api.paging import PAGE_HEADERS, link_header
from api.routers.oneroster_query import (
    Limit,
    Offset,
    OrderBy,
    Search,
    declare,
    kind_parameters,
    query_errors,
    split_fields,
)
from api.schemas.common import SourcedId
from api.schemas.roster import RosterCollection, collection
from domain.models.identity import Actor
from domain.roster.entities import EntityKind
from domain.roster.fields import FILTERABLE, PROPERTIES
from domain.roster.query import Related, Relation, SortOrder
from domain.services.roster_reads import ListParams, RosterReadService, RosterView

router = APIRouter(
    prefix="/v1/roster", tags=["roster"], responses=COMMON_RESPONSES, route_class=LeanRoute
)

# What JSONResponse writes (compact, UTF-8), and what the store writes payloads with.
_JSON = json.JSONEncoder(ensure_ascii=False, allow_nan=False, separators=(",", ":"))

USERS = collection("users", "user", "users", "user")
CLASSES = collection("classes", "class", "classes", "class")
ORGS = collection("orgs", "org", "orgs", "org")
COURSES = collection("courses", "course", "courses", "course")
ENROLLMENTS = collection("enrollments", "enrollment", "enrollments", "enrollment")
SESSIONS = collection(
    "academic-sessions", "academic_session", "academicSessions", "academicSession"
)

#: Every collection and the stored kind (and types) it reads.
COLLECTIONS: list[tuple[RosterCollection, RosterView]] = [
    (ORGS, RosterView(EntityKind.ORGS)),
    (
        collection("schools", "school", "orgs", "org"),
        RosterView(EntityKind.ORGS, frozenset({"school"}), "schools"),
    ),
    (USERS, RosterView(EntityKind.USERS)),
    (
        collection("students", "student", "users", "user"),
        RosterView(EntityKind.USERS, frozenset({"student"}), "students"),
    ),
    (
        collection("teachers", "teacher", "users", "user"),
        RosterView(EntityKind.USERS, frozenset({"teacher"}), "teachers"),
    ),
    (CLASSES, RosterView(EntityKind.CLASSES)),
    (COURSES, RosterView(EntityKind.COURSES)),
    (ENROLLMENTS, RosterView(EntityKind.ENROLLMENTS)),
    (SESSIONS, RosterView(EntityKind.ACADEMIC_SESSIONS)),
    (
        collection("terms", "term", "academicSessions", "academicSession"),
        RosterView(EntityKind.ACADEMIC_SESSIONS, frozenset({"term"}), "terms"),
    ),
    (
        collection("demographics", "demographics", "demographics", "demographics"),
        RosterView(EntityKind.DEMOGRAPHICS),
    ),
]

#: Nested routes: parent path, child segment, operation id, relation, what they list.
NESTED: list[tuple[str, str, str, Relation, RosterCollection, RosterView]] = [
    (
        "classes",
        "students",
        "list_roster_class_students",
        Relation.CLASS_STUDENTS,
        USERS,
        RosterView(EntityKind.USERS),
    ),
    (
        "classes",
        "teachers",
        "list_roster_class_teachers",
        Relation.CLASS_TEACHERS,
        USERS,
        RosterView(EntityKind.USERS),
    ),
    (
        "users",
        "classes",
        "list_roster_user_classes",
        Relation.USER_CLASSES,
        CLASSES,
        RosterView(EntityKind.CLASSES),
    ),
    (
        "schools",
        "classes",
        "list_roster_school_classes",
        Relation.SCHOOL_CLASSES,
        CLASSES,
        RosterView(EntityKind.CLASSES),
    ),
    (
        "classes",
        "enrollments",
        "list_roster_class_enrollments",
        Relation.CLASS_ENROLLMENTS,
        ENROLLMENTS,
        RosterView(EntityKind.ENROLLMENTS),
    ),
    (
        "users",
        "agents",
        "list_roster_user_agents",
        Relation.USER_AGENTS,
        USERS,
        RosterView(EntityKind.USERS),
    ),
    (
        "users",
        "agent-for",
        "list_roster_user_agent_for",
        Relation.AGENT_FOR,
        USERS,
        RosterView(EntityKind.USERS),
    ),
    (
        "schools",
        "users",
        "list_roster_school_users",
        Relation.SCHOOL_USERS,
        USERS,
        RosterView(EntityKind.USERS),
    ),
    (
        "schools",
        "students",
        "list_roster_school_students",
        Relation.SCHOOL_USERS,
        USERS,
        RosterView(EntityKind.USERS, frozenset({"student"})),
    ),
    (
        "schools",
        "teachers",
        "list_roster_school_teachers",
        Relation.SCHOOL_USERS,
        USERS,
        RosterView(EntityKind.USERS, frozenset({"teacher"})),
    ),
    (
        "schools",
        "enrollments",
        "list_roster_school_enrollments",
        Relation.SCHOOL_ENROLLMENTS,
        ENROLLMENTS,
        RosterView(EntityKind.ENROLLMENTS),
    ),
    (
        "schools",
        "courses",
        "list_roster_school_courses",
        Relation.SCHOOL_COURSES,
        COURSES,
        RosterView(EntityKind.COURSES),
    ),
    (
        "schools",
        "terms",
        "list_roster_school_terms",
        Relation.SCHOOL_SESSIONS,
        SESSIONS,
        RosterView(EntityKind.ACADEMIC_SESSIONS, frozenset({"term"})),
    ),
    (
        "courses",
        "classes",
        "list_roster_course_classes",
        Relation.COURSE_CLASSES,
        CLASSES,
        RosterView(EntityKind.CLASSES),
    ),
    (
        "terms",
        "classes",
        "list_roster_term_classes",
        Relation.TERM_CLASSES,
        CLASSES,
        RosterView(EntityKind.CLASSES),
    ),
    (
        "terms",
        "grading-periods",
        "list_roster_term_grading_periods",
        Relation.SESSION_CHILDREN,
        SESSIONS,
        RosterView(EntityKind.ACADEMIC_SESSIONS, frozenset({"gradingPeriod"})),
    ),
    (
        "orgs",
        "children",
        "list_roster_org_children",
        Relation.ORG_CHILDREN,
        ORGS,
        RosterView(EntityKind.ORGS),
    ),
]


class Consistency(StrEnum):
    CACHED = "cached"
    LIVE = "live"


ConsistencyParam = Annotated[
    Consistency,
    Query(
        description="`cached` (default) reads the local copy; `live` reads TimeBack itself "
        "(a single record is then refreshed in the cache). Live lists are for callers who may "
        "see the whole roster: a narrower scope cannot be expressed upstream."
    ),
]

IfNoneMatch = Annotated[
    str | None,
    Header(
        max_length=4000,
        description="The `ETag` of your copy: while it is current the answer is 304 with no body.",
    ),
]
CACHE_HEADERS = {
    "ETag": {
        "description": "A strong tag of this answer: it changes when the cache changes in any way "
        "or your scope does. Send it back in `If-None-Match` to revalidate.",
        "schema": {"type": "string"},
    },
    "Cache-Control": {
        "description": "`private, no-cache`: yours only, and revalidated before each reuse.",
        "schema": {"type": "string"},
    },
}
CACHED_PAGE_HEADERS = PAGE_HEADERS | CACHE_HEADERS
NOT_MODIFIED: dict[str, Any] = {
    "description": "Not modified: the copy whose tag you sent in `If-None-Match` is current.",
    "headers": CACHE_HEADERS,
}


@dataclass(frozen=True, slots=True)
class ListQuery:
    """What a list route was asked: the OneRoster list parameters, and whether to read the cache or
    TimeBack (nested lists always read the cache)."""

    params: ListParams
    consistency: Consistency = Consistency.CACHED


def _documented(
    endpoint: Callable[..., Any], kind: EntityKind, **declared: Any
) -> Callable[..., Any]:
    """Type ``filter``, ``sort`` and ``fields`` with this kind's fields (see :func:`declare`)."""
    return declare(
        endpoint,
        **kind_parameters(
            filter_example="familyName~'smi' AND status='active'",
            filterable=FILTERABLE[kind],
            sortable=FILTERABLE[kind],
            properties=PROPERTIES[kind],
        ),
        **declared,
    )


def list_query(kind: EntityKind, *, live: bool) -> Any:
    """The list routes' one query dependency for a kind: ``filter``, ``sort``, ``orderBy``,
    ``fields``, ``search``, ``limit``, ``offset`` and, where the list may be read ``live``,
    ``consistency``, documented with the kind's fields."""

    async def read_list_query(
        filter: str | None = None,
        sort: str | None = None,
        order: OrderBy = SortOrder.ASC,
        fields: str | None = None,
        search: Search = None,
        limit: Limit = 100,
        offset: Offset = 0,
        consistency: ConsistencyParam = Consistency.CACHED,
    ) -> ListQuery:
        params = ListParams(
            filter=filter,
            sort=sort,
            order=order,
            fields=split_fields(fields),
            search=search,
            limit=limit,
            offset=offset,
        )
        return ListQuery(params, consistency)

    omit = () if live else ("consistency",)
    return Annotated[ListQuery, Depends(_documented(read_list_query, kind, omit=omit))]


async def _list_page(
    request: Request,
    roster: RosterReadService,
    actor: Actor,
    c: RosterCollection,
    view: RosterView,
    query: ListQuery,
    related: Related | None = None,
    if_none_match: str | None = None,
) -> Response:
    """What every list route does once FastAPI has read its parameters: one page in the
    collection's envelope, with ``X-Total-Count`` and ``Link``.

    The records arrive as JSON text (a cached page is the stored payload text spliced in), so
    ~100 KB of JSON is not parsed and encoded again per request."""
    params = query.params
    headers: dict[str, str] = {}
    with query_errors():
        if query.consistency is Consistency.LIVE:
            payloads, total = await roster.list_live(actor=actor, view=view, params=params)
            items: Sequence[str] = [_JSON.encode(p) for p in payloads]
        else:
            tagged = await roster.list_json(
                actor=actor,
                view=view,
                params=params,
                related=related,
                if_none_match=if_none_match,
            )
            headers = _cache_headers(tagged.tag)
            if tagged.value is None:
                return Response(status_code=304, headers=headers)
            items, total = tagged.value.items, tagged.value.total
    body = f"{{{_JSON.encode(c.plural_key)}:[{','.join(items)}]}}"
    headers["X-Total-Count"] = str(total)
    headers["Link"] = link_header(
        request.url, limit=params.limit, offset=params.offset, total=total
    )
    return Response(body.encode(), media_type="application/json", headers=headers)


def _cache_headers(tag: str) -> dict[str, str]:
    """A cached read's validator. ``private``: the answer depends on who asks; ``no-cache``: a
    client revalidates before each reuse, which costs it a 304 and no body while nothing changed."""
    return {"ETag": tag, "Cache-Control": "private, no-cache"}


def _add_list(c: RosterCollection, view: RosterView) -> None:
    async def list_records(
        request: Request,
        actor: ActorDep,
        roster: RosterReadsDep,
        query: ListQuery,
        if_none_match: IfNoneMatch = None,
    ) -> Response:
        return await _list_page(request, roster, actor, c, view, query, if_none_match=if_none_match)

    list_records.__doc__ = f"The {c.path} the caller may see, one page at a time."
    router.add_api_route(
        f"/{c.path}",
        declare(list_records, query=list_query(view.kind, live=True)),
        methods=["GET"],
        operation_id=f"list_roster_{c.path.replace('-', '_')}",
        summary=f"List {c.path.replace('-', ' ')}",
        response_model=None,
        responses={
            200: {"model": c.list_model, "description": "A page", "headers": CACHED_PAGE_HEADERS},
            304: NOT_MODIFIED,
            **problem_responses(401, 403, 422, 502, 503),
        },
        openapi_extra=access(Access.SCOPED),
    )


def _add_get(c: RosterCollection, view: RosterView) -> None:
    async def get_record(
        sourced_id: SourcedId,
        actor: ActorDep,
        roster: RosterReadsDep,
        fields: str | None = None,
        consistency: ConsistencyParam = Consistency.CACHED,
        if_none_match: IfNoneMatch = None,
    ) -> Any:
        chosen = split_fields(fields)
        with query_errors():
            if consistency is Consistency.LIVE:
                record = await roster.get_live(
                    actor=actor, view=view, sourced_id=sourced_id, fields=chosen
                )
                return JSONResponse({c.singular_key: record.payload})
            tagged = await roster.get(
                actor=actor,
                view=view,
                sourced_id=sourced_id,
                fields=chosen,
                if_none_match=if_none_match,
            )
        headers = _cache_headers(tagged.tag)
        if tagged.value is None:
            return Response(status_code=304, headers=headers)
        return JSONResponse({c.singular_key: tagged.value.payload}, headers=headers)

    get_record.__doc__ = f"One of the {c.path}; 404 when it is not there or not visible to you."
    router.add_api_route(
        f"/{c.path}/{{sourced_id}}",
        _documented(get_record, view.kind),
        methods=["GET"],
        operation_id=f"get_roster_{c.one}",
        summary=f"Get one of the {c.path.replace('-', ' ')}",
        response_model=None,
        responses={
            200: {"model": c.item_model, "description": "The record", "headers": CACHE_HEADERS},
            304: NOT_MODIFIED,
            **problem_responses(401, 404, 422, 502, 503),
        },
        openapi_extra=access(Access.SCOPED),
    )


def _add_nested(
    parent: str,
    child: str,
    operation_id: str,
    relation: Relation,
    c: RosterCollection,
    view: RosterView,
) -> None:
    async def list_related(
        sourced_id: SourcedId,
        request: Request,
        actor: ActorDep,
        roster: RosterReadsDep,
        query: ListQuery,
        if_none_match: IfNoneMatch = None,
    ) -> Response:
        related = Related(relation, sourced_id)
        return await _list_page(
            request, roster, actor, c, view, query, related, if_none_match=if_none_match
        )

    list_related.__doc__ = (
        f"The {child} of one of the {parent} that the caller may see; 404 when that record is "
        "not there or not visible to you."
    )
    router.add_api_route(
        f"/{parent}/{{sourced_id}}/{child}",
        declare(list_related, query=list_query(view.kind, live=False)),
        methods=["GET"],
        operation_id=operation_id,
        summary=f"List the {child} of one of the {parent}",
        response_model=None,
        responses={
            200: {"model": c.list_model, "description": "A page", "headers": CACHED_PAGE_HEADERS},
            304: NOT_MODIFIED,
            **problem_responses(401, 404, 422),
        },
        openapi_extra=access(Access.SCOPED),
    )


# Nested routes first, so that "/classes/{id}/students" is never read as a get of "{id}/students"
# (it could not be anyway: a path parameter does not match "/", but the order keeps it obvious).
for _nested in NESTED:
    _add_nested(*_nested)
for _collection, _view in COLLECTIONS:
    _add_list(_collection, _view)
    _add_get(_collection, _view)
