"""``/v1/assessments/{items,tests,stimuli}``: QTI 3 content at TimeBack, answer keys kept for
authors (``domain/services/assessments.py``).

Reads are for anyone logged in, each object in the form the caller may hold: whole for its authors
(admins, staff, the teachers of its course), the delivery form for everyone else. Lists page by
``limit``/``offset`` like every list; ``query``, ``filter``, ``sort`` and ``order`` are QTI's own,
passed through; ``fields`` picks top-level fields of the form the caller gets, never more.
"""

# No ``from __future__ import annotations``: the routes below are made per kind, and FastAPI
# must see each one's path parameter (``Path(alias=...)``) as the closure made it.

import json
from dataclasses import dataclass
from typing import Annotated, Any, Literal

import orjson
from fastapi import APIRouter, Path, Query, Request, Response
from pydantic import BaseModel

from api.access import Access, access
from api.deps import ActorDep, AssessmentsDep
from api.errors import COMMON_RESPONSES, problem_responses
from api.paging import PAGED, PageLimit, PageOffset, paging_headers
from api.schemas.assessments import (
    ContentIn,
    ItemOut,
    ItemPage,
    StimulusOut,
    StimulusPage,
    TestOut,
    TestPage,
)
from api.strict_json import StrictJsonRoute
from domain.ports.assessments import ContentKind, ContentQuery

router = APIRouter(
    prefix="/v1/assessments",
    tags=["assessments"],
    responses=COMMON_RESPONSES,
    route_class=StrictJsonRoute,
)

Fields = Annotated[
    str | None,
    Query(
        max_length=500,
        pattern=r"^[A-Za-z][A-Za-z0-9_-]*(,[A-Za-z][A-Za-z0-9_-]*)*$",
        description="Comma-separated top-level fields to keep (of the form you get).",
    ),
]
Search = Annotated[str | None, Query(max_length=200, description="QTI's text search.")]
Filter = Annotated[
    str | None, Query(max_length=500, description="QTI's filter, e.g. type='choice'.")
]
Sort = Annotated[Literal["title", "identifier", "type", "createdAt", "updatedAt"] | None, Query()]
Order = Annotated[Literal["asc", "desc"] | None, Query()]


def json_answer(body: Any) -> Response:
    """The answer encoded once, by orjson: reads hand back QTI's objects as they are shaped, so
    validating them again through the response model (documentation only) would be work for
    nothing on the hottest routes."""
    try:
        encoded = orjson.dumps(body)
    except TypeError:  # an integer past 64 bits, which JSON allows and orjson refuses
        encoded = json.dumps(body).encode()
    return Response(encoded, media_type="application/json")


def parse_fields(fields: str | None) -> frozenset[str] | None:
    return frozenset(fields.split(",")) if fields else None


@dataclass(frozen=True)
class Kind:
    kind: ContentKind
    path: str
    param: str
    name: str  # "item", for operation ids and texts
    out: type[BaseModel]
    page: type[BaseModel]


KINDS = (
    Kind(ContentKind.ITEMS, "/items", "item_id", "item", ItemOut, ItemPage),
    Kind(ContentKind.TESTS, "/tests", "test_id", "test", TestOut, TestPage),
    Kind(ContentKind.STIMULI, "/stimuli", "stimulus_id", "stimulus", StimulusOut, StimulusPage),
)
_KEY_NOTE = (
    " Authors (admins, staff, teachers of the course the content's metadata names) get it whole;"
    " everyone else the delivery form, without the answer key."
)


def _add(k: Kind) -> None:
    one = f"{k.path}/{{{k.param}}}"
    ident = Annotated[
        str, Path(alias=k.param, max_length=255, description=f"The {k.name}'s identifier.")
    ]
    key_note = "" if k.kind is ContentKind.STIMULI else _KEY_NOTE

    async def list_content(
        request: Request,
        actor: ActorDep,
        assessments: AssessmentsDep,
        limit: PageLimit = 100,
        offset: PageOffset = 0,
        query: Search = None,
        filter: Filter = None,
        sort: Sort = None,
        order: Order = None,
        fields: Fields = None,
    ) -> Response:
        q = ContentQuery(
            limit=limit, offset=offset, query=query, filter=filter, sort=sort, order=order
        )
        page = await assessments.page(
            actor=actor, kind=k.kind, query=q, fields=parse_fields(fields)
        )
        answer = json_answer({"items": page.items, "total": page.total})
        paging_headers(request, answer, limit=limit, offset=offset, total=page.total)
        return answer

    async def get_content(
        identifier: ident, actor: ActorDep, assessments: AssessmentsDep, fields: Fields = None
    ) -> Response:
        found = await assessments.get(
            actor=actor, kind=k.kind, identifier=identifier, fields=parse_fields(fields)
        )
        return json_answer(found)

    async def create_content(
        body: ContentIn, actor: ActorDep, assessments: AssessmentsDep
    ) -> dict[str, Any]:
        return await assessments.create(actor=actor, kind=k.kind, body=body.wire())

    async def update_content(
        identifier: ident, body: ContentIn, actor: ActorDep, assessments: AssessmentsDep
    ) -> dict[str, Any]:
        return await assessments.update(
            actor=actor, kind=k.kind, identifier=identifier, body=body.wire()
        )

    async def delete_content(
        identifier: ident, actor: ActorDep, assessments: AssessmentsDep
    ) -> Response:
        await assessments.delete(actor=actor, kind=k.kind, identifier=identifier)
        return Response(status_code=204)

    plural = k.path.strip("/")
    router.add_api_route(
        k.path,
        list_content,
        methods=["GET"],
        operation_id=f"list_assessment_{plural}",
        summary=f"List assessment {plural}",
        description=f"A page of QTI {plural}.{key_note}",
        response_model=k.page,
        responses=problem_responses(401, 502, 503) | PAGED,
        openapi_extra=access(Access.DELIVERY),
    )
    router.add_api_route(
        k.path,
        create_content,
        methods=["POST"],
        status_code=201,
        operation_id=f"create_assessment_{k.name}",
        summary=f"Create an assessment {k.name}",
        description="From QTI 3 XML or QTI's JSON. A teacher's must name one of their courses "
        "in metadata.courseSourcedIds; everything it references must exist. QTI's validation "
        "messages come back in the 422's errors.",
        response_model=k.out,
        responses=problem_responses(401, 403, 409, 502, 503),
        openapi_extra=access(Access.ASSESSMENT_AUTHOR),
    )
    router.add_api_route(
        one,
        get_content,
        methods=["GET"],
        operation_id=f"get_assessment_{k.name}",
        summary=f"Get an assessment {k.name}",
        description=f"One QTI {k.name}.{key_note}",
        response_model=k.out,
        responses=problem_responses(401, 404, 502, 503),
        openapi_extra=access(Access.DELIVERY),
    )
    router.add_api_route(
        one,
        update_content,
        methods=["PUT"],
        operation_id=f"update_assessment_{k.name}",
        summary=f"Replace an assessment {k.name} (its authors)",
        response_model=k.out,
        responses=problem_responses(401, 403, 404, 502, 503),
        openapi_extra=access(Access.ASSESSMENT_AUTHOR),
    )
    router.add_api_route(
        one,
        delete_content,
        methods=["DELETE"],
        status_code=204,
        operation_id=f"delete_assessment_{k.name}",
        summary=f"Delete an assessment {k.name} (its authors)",
        response_class=Response,
        responses=problem_responses(401, 403, 404, 502, 503),
        openapi_extra=access(Access.ASSESSMENT_AUTHOR),
    )


for _kind in KINDS:
    _add(_kind)
