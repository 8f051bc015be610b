"""OneRoster resources (learning materials), passed through to TimeBack.

The catalogue (list, get, create, update, delete) is for admins: a resource belongs to no class,
course or org the policy could judge. Everyone else reads resources through a class, a course or
a person they may see; see ``domain/services/resources.py``.
"""

from __future__ import annotations

from fastapi import APIRouter

from api.access import Access
from api.deps import get_resources
from api.errors import COMMON_RESPONSES
from api.routers.passthrough import (
    Collection,
    Fetch,
    Ids,
    Route,
    Shapes,
    add_collection,
    add_create,
    add_list,
)
from api.schemas.resources import NewResourceBody, Resource, ResourceBody
from api.strict_json import StrictJsonRoute
from domain.models.identity import Actor
from domain.ports.gradebook import GradebookKind, WireObject
from domain.services.resources import ResourceService

router = APIRouter(
    prefix="/v1/resources",
    tags=["resources"],
    responses=COMMON_RESPONSES,
    route_class=StrictJsonRoute,
)

RESOURCES = Shapes.of("Resource", GradebookKind.RESOURCES, "resource", Resource)


async def _create(service: ResourceService, actor: Actor, entity: WireObject, _: Ids) -> WireObject:
    made = await service.create(actor=actor, entity=entity)
    return await service.get(actor=actor, sourced_id=made)


#: a resource names no parent, so these read it through one that names it
NESTED_LISTS: list[tuple[str, Route, Fetch[ResourceService]]] = [
    (
        "/classes/{class_id}/resources",
        Route(
            "list_class_resources",
            "List a class's resources",
            Access.SCOPED,
            "Those the class and its course point at; for whoever may see the class.",
        ),
        lambda r, actor, query, ids: r.list_for_class(
            actor=actor, class_id=ids["class_id"], query=query
        ),
    ),
    (
        "/courses/{course_id}/resources",
        Route(
            "list_course_resources",
            "List a course's resources",
            Access.SCOPED,
            "For staff whose orgs own the course and anyone with a class of the course they may "
            "see.",
        ),
        lambda r, actor, query, ids: r.list_for_course(
            actor=actor, course_id=ids["course_id"], query=query
        ),
    ),
    (
        "/users/{person_id}/resources",
        Route(
            "list_user_resources",
            "List a person's resources",
            Access.PERSON,
            "The resources of every class the person is enrolled in; for whoever may see them.",
        ),
        lambda r, actor, query, ids: r.list_for_user(
            actor=actor, user_id=ids["person_id"], query=query
        ),
    ),
]

# The catalogue is for admins (see the module's docstring).
add_collection(
    router,
    Collection(
        "",
        RESOURCES,
        ResourceBody,
        get_resources,
        list_all=Route("list_resources", "List every resource (admins)", Access.ADMIN),
        get=Route(
            "get_resource",
            "Get a resource (admins)",
            Access.ADMIN,
            answer="The resource",
            problems=(401, 403, 404),
        ),
        put=Route(
            "update_resource",
            "Update a resource (admins); the fields given replace those stored",
            Access.ADMIN,
            answer="The resource as stored",
        ),
        delete=Route(
            "delete_resource",
            "Delete a resource (admins; TimeBack marks it tobedeleted)",
            Access.ADMIN,
        ),
    ),
)
add_create(
    router,
    "",
    RESOURCES,
    NewResourceBody,
    Route(
        "create_resource",
        "Create a resource (admins)",
        Access.ADMIN,
        problems=(401, 403, 409, 422, 502, 503),
    ),
    get_resources,
    _create,
)
for _path, _route, _fetch in NESTED_LISTS:
    add_list(router, _path, RESOURCES, _route, get_resources, _fetch)
