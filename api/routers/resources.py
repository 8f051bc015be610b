"""OneRoster resources (learning materials), passed through to TimeBack.

The catalogue (list, get, create, update, delete) is for admins: a resource belongs to no class,
course or org the policy could judge. Everyone else reads resources through a class, a course or
a person they may see; see ``domain/services/resources.py``.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response

from api.access import Access, access
from api.deps import ActorDep, ContainerDep
from api.errors import problem_responses
from api.routers.gradebook import (
    PAGE_HEADERS,
    page_query_for,
    page_response,
    query_errors,
    wire,
)
from api.schemas.gradebook import Created, envelope
from api.schemas.resources import NewResourceBody, Resource, ResourceBody
from domain.ports.gradebook import GradebookKind, PageQuery
from domain.services.resources import ResourceService

router = APIRouter(prefix="/v1/resources", tags=["resources"])

ResourcePage = envelope("ResourcePage", "resources", Resource, many=True)
ResourceItem = envelope("ResourceItem", "resource", Resource, many=False)
PAGE = {
    200: {"model": ResourcePage, "description": "A page", "headers": PAGE_HEADERS},
    **problem_responses(401, 403, 404, 422),
}


async def get_resources(container: ContainerDep) -> ResourceService:
    return container.resources()


ResourcesDep = Annotated[ResourceService, Depends(get_resources)]
ResourcesQuery = Annotated[PageQuery, Depends(page_query_for(GradebookKind.RESOURCES))]


@router.get(
    "",
    operation_id="list_resources",
    summary="List every resource (admins)",
    response_model=None,
    responses=PAGE,
    openapi_extra=access(Access.ADMIN),
)
async def list_resources(
    request: Request, actor: ActorDep, resources: ResourcesDep, query: ResourcesQuery
) -> Any:
    with query_errors():
        page = await resources.list_all(actor=actor, query=query)
    return page_response(request, "resources", page, query)


@router.post(
    "",
    status_code=201,
    operation_id="create_resource",
    summary="Create a resource (admins)",
    response_model=Created,
    responses=problem_responses(401, 403, 409, 422, 502, 503),
    openapi_extra=access(Access.ADMIN),
)
async def create_resource(
    body: NewResourceBody,
    actor: ActorDep,
    resources: ResourcesDep,
) -> Any:
    sourced_id = await resources.create(actor=actor, entity=wire(body.resource))
    return JSONResponse({"sourcedId": sourced_id}, status_code=201)


@router.get(
    "/classes/{class_id}/resources",
    operation_id="list_class_resources",
    summary="List a class's resources",
    response_model=None,
    responses=PAGE,
    openapi_extra=access(Access.SCOPED),
)
async def list_class_resources(
    class_id: str,
    request: Request,
    actor: ActorDep,
    resources: ResourcesDep,
    query: ResourcesQuery,
) -> Any:
    """Those the class and its course point at; for whoever may see the class."""
    with query_errors():
        page = await resources.list_for_class(actor=actor, class_id=class_id, query=query)
    return page_response(request, "resources", page, query)


@router.get(
    "/courses/{course_id}/resources",
    operation_id="list_course_resources",
    summary="List a course's resources",
    response_model=None,
    responses=PAGE,
    openapi_extra=access(Access.SCOPED),
)
async def list_course_resources(
    course_id: str,
    request: Request,
    actor: ActorDep,
    resources: ResourcesDep,
    query: ResourcesQuery,
) -> Any:
    """For staff whose orgs own the course and anyone with a class of the course they may see."""
    with query_errors():
        page = await resources.list_for_course(actor=actor, course_id=course_id, query=query)
    return page_response(request, "resources", page, query)


@router.get(
    "/users/{person_id}/resources",
    operation_id="list_user_resources",
    summary="List a person's resources",
    response_model=None,
    responses=PAGE,
    openapi_extra=access(Access.PERSON),
)
async def list_user_resources(
    person_id: str,
    request: Request,
    actor: ActorDep,
    resources: ResourcesDep,
    query: ResourcesQuery,
) -> Any:
    """The resources of every class the person is enrolled in; for whoever may see them."""
    with query_errors():
        page = await resources.list_for_user(actor=actor, user_id=person_id, query=query)
    return page_response(request, "resources", page, query)


@router.get(
    "/{sourced_id}",
    operation_id="get_resource",
    summary="Get a resource (admins)",
    response_model=None,
    responses={
        200: {"model": ResourceItem, "description": "The resource"},
        **problem_responses(401, 403, 404),
    },
    openapi_extra=access(Access.ADMIN),
)
async def get_resource(sourced_id: str, actor: ActorDep, resources: ResourcesDep) -> Any:
    return JSONResponse({"resource": await resources.get(actor=actor, sourced_id=sourced_id)})


@router.put(
    "/{sourced_id}",
    operation_id="update_resource",
    summary="Update a resource (admins); the fields given replace those stored",
    response_model=None,
    responses={
        200: {"model": ResourceItem, "description": "The resource as stored"},
        **problem_responses(401, 403, 404, 422, 502, 503),
    },
    openapi_extra=access(Access.ADMIN),
)
async def update_resource(
    sourced_id: str,
    body: ResourceBody,
    actor: ActorDep,
    resources: ResourcesDep,
) -> Any:
    stored = await resources.put(
        actor=actor,
        sourced_id=sourced_id,
        entity=wire(body.resource),
    )
    return JSONResponse({"resource": stored})


@router.delete(
    "/{sourced_id}",
    status_code=204,
    operation_id="delete_resource",
    summary="Delete a resource (admins; TimeBack marks it tobedeleted)",
    response_model=None,
    responses=problem_responses(401, 403, 404, 502, 503),
    openapi_extra=access(Access.ADMIN),
)
async def delete_resource(sourced_id: str, actor: ActorDep, resources: ResourcesDep) -> Response:
    await resources.delete(actor=actor, sourced_id=sourced_id)
    return Response(status_code=204)
