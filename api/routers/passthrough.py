"""Route factories for the typed pass-through routes to TimeBack's OneRoster services (gradebook,
resources), so a router declares each collection once, as a table row.

:func:`add_collection` registers a collection's list, get, put and delete routes; :func:`add_list`
and :func:`add_create` register a list or a create under a parent (a class, a course, a person).
Objects are answered as TimeBack sent them, in OneRoster's envelopes: the routes name their models
for OpenAPI only (``response_model=None``) and never validate an upstream object again.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Annotated, Any, Protocol, TypeVar

from fastapi import APIRouter, Body, Depends, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel

from api.access import Access, access
from api.deps import ActorDep
from api.errors import problem_responses
from api.routers.oneroster_pages import page_query_for, page_response, page_responses
from api.routers.oneroster_query import declare, query_errors
from api.schemas.common import SourcedId
from api.schemas.gradebook import envelope
from domain.models.identity import Actor
from domain.ports.gradebook import GradebookKind, PageQuery, WireObject, WirePage

S = TypeVar("S")
#: the path ids of a route under a parent, by name: ``{"class_id": ...}``
Ids = Mapping[str, str]
#: a FastAPI dependency that yields the service a route calls
Provider = Callable[..., Awaitable[S]]
#: what a list route calls: the service, the caller, the list parameters, the path ids
Fetch = Callable[[S, Actor, PageQuery, Ids], Awaitable[WirePage]]
#: what a create route calls with the object sent; answers the object as stored (re-read)
Create = Callable[[S, Actor, WireObject, Ids], Awaitable[WireObject]]

GET_PROBLEMS = (401, 404)
WRITE_PROBLEMS = (401, 403, 404, 422, 502, 503)
DELETE_PROBLEMS = (401, 403, 404, 502, 503)


class Catalogue(Protocol):
    """What a collection's own routes call: one kind of object, by sourcedId or all of them."""

    async def list_all(self, *, actor: Actor, query: PageQuery) -> WirePage: ...

    async def get(self, *, actor: Actor, sourced_id: str) -> WireObject: ...

    async def put(self, *, actor: Actor, sourced_id: str, entity: WireObject) -> WireObject: ...

    async def delete(self, *, actor: Actor, sourced_id: str) -> None: ...


@dataclass(frozen=True)
class Route:
    """What OpenAPI says of one route, and who may call it."""

    operation_id: str
    summary: str
    access: Access
    description: str | None = None
    #: the description of the object a get or put answers with
    answer: str = "The object"
    #: the problems it may answer with; None: those usual for what it does
    problems: tuple[int, ...] | None = None


@dataclass(frozen=True)
class Shapes:
    """One kind's OneRoster envelopes (``{"lineItems": [...]}``, ``{"lineItem": {...}}``), their
    documented models and the list parameters of its routes."""

    kind: GradebookKind
    singular: str
    page: type[BaseModel]
    item: type[BaseModel]
    query: Callable[..., Awaitable[PageQuery]]

    @property
    def plural(self) -> str:
        return self.kind.value

    @classmethod
    def of(cls, name: str, kind: GradebookKind, singular: str, out: type[BaseModel]) -> Shapes:
        """``name`` prefixes the envelope models' names: ``{name}Page``, ``{name}Item``."""
        page = envelope(f"{name}Page", kind.value, out, many=True)
        item = envelope(f"{name}Item", singular, out, many=False)
        return cls(kind, singular, page, item, page_query_for(kind))


@dataclass(frozen=True)
class Collection:
    """A collection's own routes: ``{path}`` lists it, ``{path}/{sourced_id}`` gets, puts and
    deletes one object. ``write`` is the PUT body, the singular envelope of what may be sent."""

    path: str
    shapes: Shapes
    write: type[BaseModel]
    service: Provider[Catalogue]
    list_all: Route
    get: Route
    put: Route
    delete: Route


def wire(body: BaseModel) -> dict[str, Any]:
    """What was sent, in OneRoster's spelling, without the fields left out."""
    dumped: dict[str, Any] = body.model_dump(mode="json", by_alias=True, exclude_unset=True)
    return dumped


def _path_ids(path: str) -> list[str]:
    return re.findall(r"{(\w+)}", path)


def _problems(route: Route, usual: tuple[int, ...]) -> dict[int | str, dict[str, Any]]:
    return problem_responses(*(route.problems or usual))


def _add(
    router: APIRouter,
    path: str,
    method: str,
    endpoint: Callable[..., Any],
    route: Route,
    responses: dict[int | str, dict[str, Any]],
    *,
    status_code: int | None = None,
    response_model: type[BaseModel] | None = None,
) -> None:
    router.add_api_route(
        path,
        endpoint,
        methods=[method],
        status_code=status_code,
        operation_id=route.operation_id,
        summary=route.summary,
        description=route.description,
        response_model=response_model,
        responses=responses,
        openapi_extra=access(route.access),
    )


def add_list(
    router: APIRouter,
    path: str,
    shapes: Shapes,
    route: Route,
    provide: Provider[S],
    fetch: Fetch[S],
) -> None:
    """``GET {path}``: a page of the kind, fetched with the path's ids."""

    async def list_page(
        *, request: Request, actor: ActorDep, service: S, query: PageQuery, **ids: str
    ) -> JSONResponse:
        with query_errors():
            page = await fetch(service, actor, query, ids)
        return page_response(request, shapes.plural, page, query)

    declare(
        list_page,
        _path_ids(path),
        service=Annotated[Any, Depends(provide)],
        query=Annotated[PageQuery, Depends(shapes.query)],
    )
    _add(router, path, "GET", list_page, route, page_responses(shapes.page))


def add_create(
    router: APIRouter,
    path: str,
    shapes: Shapes,
    body_model: type[BaseModel],
    route: Route,
    provide: Provider[S],
    create: Create[S],
) -> None:
    """``POST {path}``: create one object from a ``body_model`` (its singular envelope),
    answered 201 with the object as stored, in the same envelope (docs/api.md: a create answers
    the created resource, not only its id)."""

    async def create_one(
        *, actor: ActorDep, service: S, body: BaseModel, **ids: str
    ) -> JSONResponse:
        stored = await create(service, actor, wire(getattr(body, shapes.singular)), ids)
        return JSONResponse({shapes.singular: stored}, status_code=201)

    declare(
        create_one,
        _path_ids(path),
        service=Annotated[Any, Depends(provide)],
        body=Annotated[body_model, Body()],
    )
    created = {
        201: {"model": shapes.item, "description": "Created: the object as stored"},
        **_problems(route, WRITE_PROBLEMS),
    }
    _add(router, path, "POST", create_one, route, created, status_code=201)


async def _list_all(service: Catalogue, actor: Actor, query: PageQuery, _: Ids) -> WirePage:
    return await service.list_all(actor=actor, query=query)


def add_collection(router: APIRouter, c: Collection) -> None:
    """The collection's list, get, put and delete routes, in that order."""
    key = c.shapes.singular
    one = f"{c.path}/{{sourced_id}}"
    provided = Annotated[Any, Depends(c.service)]

    def answers(route: Route, usual: tuple[int, ...]) -> dict[int | str, dict[str, Any]]:
        return {
            200: {"model": c.shapes.item, "description": route.answer},
            **_problems(route, usual),
        }

    async def get_one(
        *, sourced_id: SourcedId, actor: ActorDep, service: Catalogue
    ) -> JSONResponse:
        return JSONResponse({key: await service.get(actor=actor, sourced_id=sourced_id)})

    async def put_one(
        *, sourced_id: SourcedId, actor: ActorDep, service: Catalogue, body: BaseModel
    ) -> JSONResponse:
        entity = wire(getattr(body, key))
        stored = await service.put(actor=actor, sourced_id=sourced_id, entity=entity)
        return JSONResponse({key: stored})

    async def delete_one(*, sourced_id: SourcedId, actor: ActorDep, service: Catalogue) -> Response:
        await service.delete(actor=actor, sourced_id=sourced_id)
        return Response(status_code=204)

    declare(get_one, service=provided)
    declare(put_one, service=provided, body=Annotated[c.write, Body()])
    declare(delete_one, service=provided)
    add_list(router, c.path, c.shapes, c.list_all, c.service, _list_all)
    _add(router, one, "GET", get_one, c.get, answers(c.get, GET_PROBLEMS))
    _add(router, one, "PUT", put_one, c.put, answers(c.put, WRITE_PROBLEMS))
    deleted = _problems(c.delete, DELETE_PROBLEMS)
    _add(router, one, "DELETE", delete_one, c.delete, deleted, status_code=204)
