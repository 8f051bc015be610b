"""Roster writes: create, update (merge) and delete users, classes, courses, orgs, academic sessions
and enrollments; enroll a student or teacher in a class; add or remove an agent
(``x-access: roster-write``: admins, and staff at the orgs they reach).

Each write goes to TimeBack first and, once TimeBack has taken it, into the cache and its change
feed in the same request. TimeBack's refusals come back as problems: its 400/422 as 422, 404 as
404, 409 as 409; an outage as 502/503.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Body, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from api.access import Access, access
from api.deps import ActorDep, RosterWritesDep
from api.errors import COMMON_RESPONSES, problem_responses
from api.schemas.common import SourcedId
from api.schemas.roster import RosterCollection, collection
from api.schemas.roster_writes import (
    AcademicSessionIn,
    AgentIn,
    ClassIn,
    CourseIn,
    EnrollBody,
    EnrollmentIn,
    OrgIn,
    UserIn,
    envelope,
    partial,
    wire,
)
from api.strict_json import StrictJsonRoute
from domain.roster.entities import EntityKind

PREFIX = "/v1/roster"
router = APIRouter(
    prefix=PREFIX, tags=["roster"], responses=COMMON_RESPONSES, route_class=StrictJsonRoute
)


WRITE_PROBLEMS = problem_responses(401, 403, 404, 409, 422, 502, 503)
USERS = collection("users", "user", "users", "user")
ENROLLMENTS = collection("enrollments", "enrollment", "enrollments", "enrollment")

#: Writable collections: the route's collection, the stored kind, and the body's shape.
WRITABLE: list[tuple[RosterCollection, EntityKind, type[BaseModel]]] = [
    (USERS, EntityKind.USERS, UserIn),
    (collection("classes", "class", "classes", "class"), EntityKind.CLASSES, ClassIn),
    (collection("courses", "course", "courses", "course"), EntityKind.COURSES, CourseIn),
    (collection("orgs", "org", "orgs", "org"), EntityKind.ORGS, OrgIn),
    (
        collection("academic-sessions", "academic_session", "academicSessions", "academicSession"),
        EntityKind.ACADEMIC_SESSIONS,
        AcademicSessionIn,
    ),
    (ENROLLMENTS, EntityKind.ENROLLMENTS, EnrollmentIn),
]


def _title(c: RosterCollection) -> str:
    return "".join(part.title() for part in c.one.split("_"))


def _entity(body: BaseModel, key: str) -> dict[str, Any]:
    inner = getattr(body, key)
    assert isinstance(inner, BaseModel)  # noqa: S101 - the envelope's one field is a model
    return wire(inner)


def _add_create(c: RosterCollection, kind: EntityKind, shape: type[BaseModel]) -> None:
    body_model = envelope(f"Create{_title(c)}", c.singular_key, shape)

    async def create(actor: ActorDep, writes: RosterWritesDep, body: Any) -> Any:
        record = await writes.create(actor=actor, kind=kind, entity=_entity(body, c.singular_key))
        return JSONResponse(
            {c.singular_key: record.payload},
            status_code=201,
            headers={"Location": f"{PREFIX}/{c.path}/{quote(record.sourced_id, safe='')}"},
        )

    create.__annotations__["body"] = Annotated[body_model, Body()]
    create.__doc__ = (
        f"Create one of the {c.path} in TimeBack (which allocates the sourcedId when none is "
        "given) and in the cache."
    )
    router.add_api_route(
        f"/{c.path}",
        create,
        methods=["POST"],
        status_code=201,
        operation_id=f"create_roster_{c.one}",
        summary=f"Create one of the {c.path.replace('-', ' ')}",
        response_model=None,
        responses={201: {"model": c.item_model, "description": "Created"}, **WRITE_PROBLEMS},
        openapi_extra=access(Access.ROSTER_WRITE),
    )


def _add_update(c: RosterCollection, kind: EntityKind, shape: type[BaseModel]) -> None:
    body_model = envelope(f"Update{_title(c)}", c.singular_key, partial(shape))

    async def update(
        sourced_id: SourcedId, actor: ActorDep, writes: RosterWritesDep, body: Any
    ) -> Any:
        record = await writes.update(
            actor=actor, kind=kind, sourced_id=sourced_id, changes=_entity(body, c.singular_key)
        )
        return JSONResponse({c.singular_key: record.payload})

    update.__annotations__["body"] = Annotated[body_model, Body()]
    update.__doc__ = (
        f"Change one of the {c.path}: the fields given replace the stored ones (the rest are "
        "kept), in TimeBack and in the cache. `status: tobedeleted` deletes."
    )
    router.add_api_route(
        f"/{c.path}/{{sourced_id}}",
        update,
        methods=["PATCH"],
        operation_id=f"update_roster_{c.one}",
        summary=f"Update one of the {c.path.replace('-', ' ')}",
        response_model=None,
        responses={200: {"model": c.item_model, "description": "Updated"}, **WRITE_PROBLEMS},
        openapi_extra=access(Access.ROSTER_WRITE),
    )


def _add_delete(c: RosterCollection, kind: EntityKind) -> None:
    async def delete(sourced_id: SourcedId, actor: ActorDep, writes: RosterWritesDep) -> Response:
        await writes.delete(actor=actor, kind=kind, sourced_id=sourced_id)
        return Response(status_code=204)

    delete.__doc__ = (
        f"Delete one of the {c.path}: TimeBack marks it `tobedeleted`; the cache drops it and the "
        "change feed says so."
    )
    router.add_api_route(
        f"/{c.path}/{{sourced_id}}",
        delete,
        methods=["DELETE"],
        status_code=204,
        operation_id=f"delete_roster_{c.one}",
        summary=f"Delete one of the {c.path.replace('-', ' ')}",
        response_class=Response,
        responses={204: {"description": "Deleted"}, **WRITE_PROBLEMS},
        openapi_extra=access(Access.ROSTER_WRITE),
    )


def _add_enroll(role: str) -> None:
    async def enroll(
        sourced_id: SourcedId, actor: ActorDep, writes: RosterWritesDep, body: EnrollBody
    ) -> Any:
        details = wire(body.enrollment)
        user = details.pop("user")
        record = await writes.enroll(
            actor=actor,
            class_id=sourced_id,
            user_id=str(user["sourcedId"]),
            role=role,
            details=details,
        )
        return JSONResponse(
            {"enrollment": record.payload},
            status_code=201,
            headers={"Location": f"{PREFIX}/enrollments/{quote(record.sourced_id, safe='')}"},
        )

    enroll.__doc__ = f"Enroll a user in the class as a {role}; answers with the new enrollment."
    router.add_api_route(
        f"/classes/{{sourced_id}}/{role}s",
        enroll,
        methods=["POST"],
        status_code=201,
        operation_id=f"enroll_roster_class_{role}",
        summary=f"Enroll a {role} in a class",
        response_model=None,
        responses={
            201: {"model": ENROLLMENTS.item_model, "description": "Enrolled"},
            **WRITE_PROBLEMS,
        },
        openapi_extra=access(Access.ROSTER_WRITE),
    )


@router.post(
    "/users/{sourced_id}/agents",
    operation_id="add_roster_user_agent",
    summary="Add an agent (guardian, parent...) to a user",
    response_model=None,
    responses={200: {"model": USERS.item_model, "description": "The user"}, **WRITE_PROBLEMS},
    openapi_extra=access(Access.ROSTER_WRITE),
)
async def add_agent(
    sourced_id: SourcedId, actor: ActorDep, writes: RosterWritesDep, body: AgentIn
) -> Any:
    """Link an agent to the user (TimeBack records it on both); answers with the user."""
    record = await writes.add_agent(actor=actor, user_id=sourced_id, agent_id=body.agentSourcedId)
    return JSONResponse({"user": record.payload})


@router.delete(
    "/users/{sourced_id}/agents/{agent_id}",
    operation_id="remove_roster_user_agent",
    summary="Remove an agent from a user",
    response_model=None,
    responses={200: {"model": USERS.item_model, "description": "The user"}, **WRITE_PROBLEMS},
    openapi_extra=access(Access.ROSTER_WRITE),
)
async def remove_agent(
    sourced_id: SourcedId, agent_id: SourcedId, actor: ActorDep, writes: RosterWritesDep
) -> Any:
    """Unlink an agent from the user (both sides); answers with the user."""
    record = await writes.remove_agent(actor=actor, user_id=sourced_id, agent_id=agent_id)
    return JSONResponse({"user": record.payload})


for _c, _kind, _shape in WRITABLE:
    _add_create(_c, _kind, _shape)
    _add_update(_c, _kind, _shape)
    _add_delete(_c, _kind)
for _role in ("student", "teacher"):
    _add_enroll(_role)
