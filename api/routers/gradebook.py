"""The gradebook, passed through to TimeBack: line items, results, categories, score scales and
TimeBack's assessment line items and results.

Objects keep OneRoster's shapes and envelopes (``{"lineItem": {...}}``, ``{"lineItems": [...]}``);
lists take ``filter``, ``sort``, ``orderBy``, ``fields``, ``search``, ``limit`` and ``offset`` and
answer with ``X-Total-Count`` and ``Link``. A malformed filter is a 422 before anything goes to
TimeBack. TimeBack cannot narrow a list to what the caller may see, so whole collections are for
admins (categories excepted) and everyone else lists through a class, a student in a class, a line
item in a class, or a student; see ``domain/services/gradebook.py`` for who may do what.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Awaitable, Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Body, Depends, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel

from api.access import Access, access
from api.deps import ActorDep, ContainerDep
from api.errors import problem_responses
from api.schemas import gradebook as s
from api.schemas.common import MAX_OFFSET
from domain.errors import InvalidInput
from domain.ports.gradebook import FIELDS, GradebookKind, PageQuery, WirePage
from domain.roster.filters import MAX_PREDICATES
from domain.roster.query import MAX_LIMIT, SortOrder
from domain.services.gradebook import GradebookService

router = APIRouter(prefix="/v1/gradebook", tags=["gradebook"])

QUERY_PARAMETERS = frozenset({"filter", "sort", "orderBy", "fields", "search", "limit", "offset"})
_NAME = r"^[A-Za-z_][A-Za-z0-9_.]{0,99}$"
PAGE_HEADERS = {
    "X-Total-Count": {"description": "How many objects match.", "schema": {"type": "integer"}},
    "Link": {"description": "RFC 8288 first, prev, next, last.", "schema": {"type": "string"}},
}


def finish(endpoint: Callable[..., Any], **annotations: Any) -> None:
    """Give parameters their kind's types (the body model, the documented list parameters): the
    routes are built per kind, so the signature is finished here rather than in the source."""
    signature = inspect.signature(endpoint)
    endpoint.__signature__ = signature.replace(  # type: ignore[attr-defined]
        parameters=[
            p.replace(annotation=annotations[p.name]) if p.name in annotations else p
            for p in signature.parameters.values()
        ]
    )


def with_body(endpoint: Callable[..., Any], model: type[BaseModel]) -> None:
    finish(endpoint, body=Annotated[model, Body()])


def _alternatives(names: Iterable[str]) -> str:
    return "(" + "|".join(re.escape(n) for n in sorted(names)) + ")"


# Explicit ranges, not \d or \s: Python and the JavaScript of OpenAPI tools disagree on those.
_COMPARISON = "{field} ?(=|!=|>|>=|<|<=|~|@) ?('[^'\\x00-\\x1f]{{0,40}}'|[0-9]{{1,9}}|true|false)"


def filter_pattern(kind: GradebookKind) -> str:
    """The documented shape of a filter on this kind: comparisons of its fields joined by AND /
    OR. The server also accepts parentheses and more values; everything this matches, it takes."""
    comparison = _COMPARISON.format(field=_alternatives(FIELDS[kind]))
    return f"^{comparison}( (AND|OR) {comparison}){{0,{MAX_PREDICATES - 1}}}$"


def page_query_for(kind: GradebookKind) -> Callable[..., Awaitable[PageQuery]]:
    """The OneRoster list parameters of one kind's routes, documented with that kind's fields."""
    names = _alternatives(FIELDS[kind])

    async def page_query(
        filter: str | None = None,
        sort: str | None = None,
        order: SortOrder = SortOrder.ASC,
        fields: str | None = None,
        search: str | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> PageQuery:
        if sort is not None and sort not in FIELDS[kind]:
            message = f"Cannot sort by {sort!r}; use one of {', '.join(sorted(FIELDS[kind]))}."
            raise RequestValidationError(
                [{"loc": ("query", "sort"), "msg": message, "type": "value_error"}]
            )
        return PageQuery(
            filter=filter,
            sort=sort,
            order_by=order.value,
            fields=tuple(f.strip() for f in fields.split(",") if f.strip()) if fields else None,
            search=search or None,
            limit=limit,
            offset=offset,
        )

    # The annotations are objects made for this kind, so they are set here, not in the source.
    finish(
        page_query,
        filter=Annotated[
            str | None,
            Query(
                max_length=4000,
                description="A OneRoster filter, e.g. `scoreStatus='fully graded' AND score>=50`; "
                "comparisons joined by AND / OR, optionally grouped in parentheses.",
                json_schema_extra={"pattern": filter_pattern(kind)},
            ),
        ],
        sort=Annotated[
            str | None,
            Query(
                description="The field to sort by.",
                json_schema_extra={"enum": sorted(FIELDS[kind])},
            ),
        ],
        order=Annotated[SortOrder, Query(alias="orderBy", description="Sort direction.")],
        fields=Annotated[
            str | None,
            Query(
                max_length=2000,
                pattern=f"^ *{names}( *, *{names})* *$",
                description="Comma-separated properties to return (sparse fields).",
            ),
        ],
        search=Annotated[str | None, Query(max_length=200, description="Free text.")],
        limit=Annotated[int, Query(ge=1, le=MAX_LIMIT)],
        offset=Annotated[int, Query(ge=0, le=MAX_OFFSET)],
    )
    return page_query


def page_query_dep(kind: GradebookKind) -> Any:
    return Annotated[PageQuery, Depends(page_query_for(kind))]


ResultsQuery = Annotated[PageQuery, Depends(page_query_for(GradebookKind.RESULTS))]
AssessmentResultsQuery = Annotated[
    PageQuery, Depends(page_query_for(GradebookKind.ASSESSMENT_RESULTS))
]


async def get_gradebook(container: ContainerDep) -> GradebookService:
    return container.gradebook()


GradebookDep = Annotated[GradebookService, Depends(get_gradebook)]


@contextmanager
def query_errors() -> Iterator[None]:
    """A refused query parameter is reported where it is: in the query string."""
    try:
        yield
    except InvalidInput as exc:
        if exc.field not in QUERY_PARAMETERS:
            raise
        raise RequestValidationError(
            [{"loc": ("query", exc.field), "msg": exc.detail, "type": "value_error"}]
        ) from exc


def page_response(request: Request, key: str, page: WirePage, query: PageQuery) -> JSONResponse:
    # The path is quoted again: a header must be ASCII, and ids may not be.
    here = request.url.replace(path=quote(request.url.path, safe="/"))

    def url(at: int) -> str:
        return str(here.include_query_params(limit=query.limit, offset=at))

    limit, offset, total = query.limit, query.offset, page.total
    last = max(0, (total - 1) // limit * limit)
    links = [(url(0), "first")]
    if offset > 0:
        links.append((url(max(0, min(offset - limit, last))), "prev"))
    if offset + limit < total:
        links.append((url(offset + limit), "next"))
    links.append((url(last), "last"))
    return JSONResponse(
        {key: page.items},
        headers={
            "X-Total-Count": str(total),
            "Link": ", ".join(f'<{u}>; rel="{rel}"' for u, rel in links),
        },
    )


def wire(body: BaseModel) -> dict[str, Any]:
    """What was sent, in OneRoster's spelling, without the fields left out."""
    dumped: dict[str, Any] = body.model_dump(mode="json", by_alias=True, exclude_unset=True)
    return dumped


@dataclass(frozen=True)
class GradebookRoutes:
    path: str  # URL segment: "line-items"
    kind: GradebookKind
    singular: str  # envelope of one: "lineItem"
    out: type[BaseModel]
    upsert: type[BaseModel]

    @property
    def plural(self) -> str:
        return self.kind.value

    @property
    def one(self) -> str:
        return self.path.replace("-", "_").removesuffix("s").removesuffix("ie") + (
            "y" if self.path.endswith("ies") else ""
        )

    @property
    def list_model(self) -> type[BaseModel]:
        name = "".join(p.title() for p in self.path.split("-"))
        return s.envelope(f"Gradebook{name}Page", self.plural, self.out, many=True)

    @property
    def item_model(self) -> type[BaseModel]:
        name = "".join(p.title() for p in self.path.split("-"))
        return s.envelope(f"Gradebook{name}Item", self.singular, self.out, many=False)


K = GradebookKind
KINDS = [
    GradebookRoutes("line-items", K.LINE_ITEMS, "lineItem", s.LineItem, s.LineItemUpsert),
    GradebookRoutes("results", K.RESULTS, "result", s.Result, s.ResultIn),
    GradebookRoutes("categories", K.CATEGORIES, "category", s.Category, s.CategoryIn),
    GradebookRoutes("score-scales", K.SCORE_SCALES, "scoreScale", s.ScoreScale, s.ScoreScaleUpsert),
    GradebookRoutes(
        "assessment-line-items",
        K.ASSESSMENT_LINE_ITEMS,
        "assessmentLineItem",
        s.AssessmentLineItem,
        s.AssessmentLineItemIn,
    ),
    GradebookRoutes(
        "assessment-results",
        K.ASSESSMENT_RESULTS,
        "assessmentResult",
        s.AssessmentResult,
        s.AssessmentResultIn,
    ),
]
BY_KIND = {k.kind: k for k in KINDS}
#: what a class lists, and who may call (results: its teachers and staff)
CLASS_LISTS = [K.LINE_ITEMS, K.SCORE_SCALES, K.CATEGORIES, K.ASSESSMENT_LINE_ITEMS, K.RESULTS]


def _list_pages(r: GradebookRoutes) -> dict[int | str, dict[str, Any]]:
    return {
        200: {"model": r.list_model, "description": "A page", "headers": PAGE_HEADERS},
        **problem_responses(401, 403, 404, 422),
    }


def _add_kind(r: GradebookRoutes) -> None:
    async def list_all(
        request: Request, actor: ActorDep, gradebook: GradebookDep, query: Any
    ) -> Any:
        with query_errors():
            page = await gradebook.list_all(actor=actor, kind=r.kind, query=query)
        return page_response(request, r.plural, page, query)

    async def get_one(sourced_id: str, actor: ActorDep, gradebook: GradebookDep) -> Any:
        entity = await gradebook.get(actor=actor, kind=r.kind, sourced_id=sourced_id)
        return JSONResponse({r.singular: entity})

    async def put_one(
        sourced_id: str,
        actor: ActorDep,
        gradebook: GradebookDep,
        body: Any,
    ) -> Any:
        entity = wire(getattr(body, r.singular))
        stored = await gradebook.put(actor=actor, kind=r.kind, sourced_id=sourced_id, entity=entity)
        return JSONResponse({r.singular: stored})

    async def delete_one(sourced_id: str, actor: ActorDep, gradebook: GradebookDep) -> Response:
        await gradebook.delete(actor=actor, kind=r.kind, sourced_id=sourced_id)
        return Response(status_code=204)

    with_body(put_one, s.write_envelope(f"{r.item_model.__name__}Write", r.singular, r.upsert))
    finish(list_all, query=page_query_dep(r.kind))
    label = r.path.replace("-", " ")
    open_list = r.kind is K.CATEGORIES
    router.add_api_route(
        f"/{r.path}",
        list_all,
        methods=["GET"],
        operation_id=f"list_gradebook_{r.path.replace('-', '_')}",
        summary=f"List every {label}" + ("" if open_list else " (admins)"),
        response_model=None,
        responses=_list_pages(r),
        openapi_extra=access(Access.AUTHENTICATED if open_list else Access.ADMIN),
    )
    one = f"/{r.path}/{{sourced_id}}"
    item: dict[int | str, dict[str, Any]] = {
        200: {"model": r.item_model, "description": "The object"}
    }
    router.add_api_route(
        one,
        get_one,
        methods=["GET"],
        operation_id=f"get_gradebook_{r.one}",
        summary=f"Get one of the {label}",
        response_model=None,
        responses={**item, **problem_responses(401, 404)},
        openapi_extra=access(Access.SCOPED),
    )
    router.add_api_route(
        one,
        put_one,
        methods=["PUT"],
        operation_id=f"put_gradebook_{r.one}",
        summary=f"Create or update one of the {label} (upsert)",
        response_model=None,
        responses={**item, **problem_responses(401, 403, 404, 422, 502, 503)},
        openapi_extra=access(Access.SCOPED),
    )
    router.add_api_route(
        one,
        delete_one,
        methods=["DELETE"],
        status_code=204,
        operation_id=f"delete_gradebook_{r.one}",
        summary=f"Delete one of the {label} (TimeBack marks it tobedeleted)",
        response_model=None,
        responses=problem_responses(401, 403, 404, 502, 503),
        openapi_extra=access(Access.SCOPED),
    )


def _add_class_list(r: GradebookRoutes) -> None:
    async def list_of_class(
        class_id: str,
        request: Request,
        actor: ActorDep,
        gradebook: GradebookDep,
        query: Any,
    ) -> Any:
        with query_errors():
            page = await gradebook.list_for_class(
                actor=actor, class_id=class_id, kind=r.kind, query=query
            )
        return page_response(request, r.plural, page, query)

    finish(list_of_class, query=page_query_dep(r.kind))
    who = "its teachers and staff" if r.kind is K.RESULTS else "whoever may see the class"
    list_of_class.__doc__ = f"The {r.path.replace('-', ' ')} of a class; for {who}."
    router.add_api_route(
        f"/classes/{{class_id}}/{r.path}",
        list_of_class,
        methods=["GET"],
        operation_id=f"list_gradebook_class_{r.path.replace('-', '_')}",
        summary=f"List a class's {r.path.replace('-', ' ')}",
        response_model=None,
        responses=_list_pages(r),
        openapi_extra=access(Access.SCOPED),
    )


def _add_class_create(r: GradebookRoutes, body_model: type[BaseModel]) -> None:
    envelope = s.write_envelope(f"New{r.item_model.__name__}", r.singular, body_model)

    async def create_in_class(
        class_id: str, actor: ActorDep, gradebook: GradebookDep, body: Any
    ) -> Any:
        sourced_id = await gradebook.create_in_class(
            actor=actor, class_id=class_id, kind=r.kind, entity=wire(getattr(body, r.singular))
        )
        return JSONResponse({"sourcedId": sourced_id}, status_code=201)

    with_body(create_in_class, envelope)
    router.add_api_route(
        f"/classes/{{class_id}}/{r.path}",
        create_in_class,
        methods=["POST"],
        status_code=201,
        operation_id=f"create_gradebook_class_{r.one}",
        summary=f"Create a {r.path.replace('-', ' ').removesuffix('s')} in a class",
        response_model=s.Created,
        responses=problem_responses(401, 403, 404, 422, 502, 503),
        openapi_extra=access(Access.SCOPED),
    )


RESULTS = BY_KIND[K.RESULTS]


@router.get(
    "/classes/{class_id}/students/{student_id}/results",
    operation_id="list_gradebook_class_student_results",
    summary="List one student's results in a class",
    response_model=None,
    responses=_list_pages(RESULTS),
    openapi_extra=access(Access.SCOPED),
)
async def list_student_results(
    class_id: str,
    student_id: str,
    request: Request,
    actor: ActorDep,
    gradebook: GradebookDep,
    query: ResultsQuery,
) -> Any:
    """For the class's teachers and staff, the student, and the student's guardians."""
    with query_errors():
        page = await gradebook.list_student_results(
            actor=actor, class_id=class_id, student_id=student_id, query=query
        )
    return page_response(request, "results", page, query)


@router.get(
    "/classes/{class_id}/line-items/{line_item_id}/results",
    operation_id="list_gradebook_class_line_item_results",
    summary="List the results of one of a class's line items",
    response_model=None,
    responses=_list_pages(RESULTS),
    openapi_extra=access(Access.SCOPED),
)
async def list_line_item_results(
    class_id: str,
    line_item_id: str,
    request: Request,
    actor: ActorDep,
    gradebook: GradebookDep,
    query: ResultsQuery,
) -> Any:
    """For the class's teachers and staff."""
    with query_errors():
        page = await gradebook.list_line_item_results(
            actor=actor, class_id=class_id, line_item_id=line_item_id, query=query
        )
    return page_response(request, "results", page, query)


@router.get(
    "/students/{person_id}/assessment-results",
    operation_id="list_gradebook_student_assessment_results",
    summary="List a student's assessment results",
    response_model=None,
    responses=_list_pages(BY_KIND[K.ASSESSMENT_RESULTS]),
    openapi_extra=access(Access.PERSON),
)
async def list_assessment_results(
    person_id: str,
    request: Request,
    actor: ActorDep,
    gradebook: GradebookDep,
    query: AssessmentResultsQuery,
) -> Any:
    """For whoever may see the student (themselves, their guardians, teachers and staff)."""
    with query_errors():
        page = await gradebook.list_assessment_results(
            actor=actor, student_id=person_id, query=query
        )
    return page_response(request, "assessmentResults", page, query)


@router.post(
    "/categories",
    status_code=201,
    operation_id="create_gradebook_category",
    summary="Create a category (admins)",
    response_model=s.Created,
    responses=problem_responses(401, 403, 409, 422, 502, 503),
    openapi_extra=access(Access.ADMIN),
)
async def create_category(
    body: s.NewCategoryBody,
    actor: ActorDep,
    gradebook: GradebookDep,
) -> Any:
    entity = wire(body.category)
    sourced_id = await gradebook.create(actor=actor, kind=K.CATEGORIES, entity=entity)
    return JSONResponse({"sourcedId": sourced_id}, status_code=201)


# Nested routes first, so no parent id is ever read as ``{sourced_id}/...``.
_add_class_create(BY_KIND[K.LINE_ITEMS], s.NewLineItem)
_add_class_create(BY_KIND[K.SCORE_SCALES], s.NewScoreScale)
for _kind in CLASS_LISTS:
    _add_class_list(BY_KIND[_kind])
for _routes in KINDS:
    _add_kind(_routes)
