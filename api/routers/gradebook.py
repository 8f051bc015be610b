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

from collections.abc import Awaitable
from dataclasses import dataclass
from functools import cached_property

from fastapi import APIRouter
from pydantic import BaseModel

from api.access import Access
from api.deps import GradebookDep, get_gradebook
from api.errors import COMMON_RESPONSES
from api.routers.passthrough import (
    Collection,
    Fetch,
    Ids,
    Provider,
    Route,
    Shapes,
    add_collection,
    add_create,
    add_list,
)
from api.schemas import gradebook as s
from api.strict_json import StrictJsonRoute
from domain.models.identity import Actor
from domain.ports.gradebook import GradebookKind, PageQuery, WireObject, WirePage
from domain.services.gradebook import GradebookService

router = APIRouter(
    prefix="/v1/gradebook",
    tags=["gradebook"],
    responses=COMMON_RESPONSES,
    route_class=StrictJsonRoute,
)
K = GradebookKind


@dataclass(frozen=True)
class OneKind:
    """The gradebook narrowed to one kind: the catalogue its collection's routes call."""

    gradebook: GradebookService
    kind: GradebookKind

    async def list_all(self, *, actor: Actor, query: PageQuery) -> WirePage:
        return await self.gradebook.list_all(actor=actor, kind=self.kind, query=query)

    async def get(self, *, actor: Actor, sourced_id: str) -> WireObject:
        return await self.gradebook.get(actor=actor, kind=self.kind, sourced_id=sourced_id)

    async def put(self, *, actor: Actor, sourced_id: str, entity: WireObject) -> WireObject:
        return await self.gradebook.put(
            actor=actor, kind=self.kind, sourced_id=sourced_id, entity=entity
        )

    async def delete(self, *, actor: Actor, sourced_id: str) -> None:
        await self.gradebook.delete(actor=actor, kind=self.kind, sourced_id=sourced_id)


@dataclass(frozen=True)
class Kind:
    """One gradebook collection: its URL segment, its envelope of one, what it answers and what
    a PUT takes. Its routes' ids and summaries are made from these."""

    path: str  # "line-items"
    kind: GradebookKind
    singular: str  # "lineItem"
    out: type[BaseModel]
    upsert: type[BaseModel]

    @property
    def label(self) -> str:
        return self.path.replace("-", " ")

    @property
    def snake(self) -> str:
        return self.path.replace("-", "_")

    @property
    def one(self) -> str:
        return self.snake.removesuffix("s").removesuffix("ie") + (
            "y" if self.path.endswith("ies") else ""
        )

    @cached_property
    def shapes(self) -> Shapes:
        name = "Gradebook" + self.label.title().replace(" ", "")
        return Shapes.of(name, self.kind, self.singular, self.out)


KINDS = [
    Kind("line-items", K.LINE_ITEMS, "lineItem", s.LineItem, s.LineItemUpsert),
    Kind("results", K.RESULTS, "result", s.Result, s.ResultIn),
    Kind("categories", K.CATEGORIES, "category", s.Category, s.CategoryIn),
    Kind("score-scales", K.SCORE_SCALES, "scoreScale", s.ScoreScale, s.ScoreScaleUpsert),
    Kind(
        "assessment-line-items",
        K.ASSESSMENT_LINE_ITEMS,
        "assessmentLineItem",
        s.AssessmentLineItem,
        s.AssessmentLineItemIn,
    ),
    Kind(
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
#: what is created in the class of the path, from what
CLASS_CREATES: dict[GradebookKind, type[BaseModel]] = {
    K.LINE_ITEMS: s.NewLineItem,
    K.SCORE_SCALES: s.NewScoreScale,
}
RESULTS = BY_KIND[K.RESULTS].shapes


def _one_kind(kind: GradebookKind) -> Provider[OneKind]:
    async def narrowed(gradebook: GradebookDep) -> OneKind:
        return OneKind(gradebook, kind)

    return narrowed


def _collection(k: Kind) -> Collection:
    open_list = k.kind is K.CATEGORIES
    return Collection(
        f"/{k.path}",
        k.shapes,
        s.write_envelope(f"{k.shapes.item.__name__}Write", k.singular, k.upsert),
        _one_kind(k.kind),
        list_all=Route(
            f"list_gradebook_{k.snake}",
            f"List every {k.label}" + ("" if open_list else " (admins)"),
            Access.AUTHENTICATED if open_list else Access.ADMIN,
        ),
        get=Route(f"get_gradebook_{k.one}", f"Get one of the {k.label}", Access.SCOPED),
        put=Route(
            f"put_gradebook_{k.one}",
            f"Create or update one of the {k.label} (upsert)",
            Access.SCOPED,
        ),
        delete=Route(
            f"delete_gradebook_{k.one}",
            f"Delete one of the {k.label} (TimeBack marks it tobedeleted)",
            Access.SCOPED,
        ),
    )


def _add_class_list(k: Kind) -> None:
    who = "its teachers and staff" if k.kind is K.RESULTS else "whoever may see the class"

    def fetch(g: GradebookService, actor: Actor, query: PageQuery, ids: Ids) -> Awaitable[WirePage]:
        return g.list_for_class(actor=actor, class_id=ids["class_id"], kind=k.kind, query=query)

    route = Route(
        f"list_gradebook_class_{k.snake}",
        f"List a class's {k.label}",
        Access.SCOPED,
        f"The {k.label} of a class; for {who}.",
    )
    add_list(router, f"/classes/{{class_id}}/{k.path}", k.shapes, route, get_gradebook, fetch)


def _add_class_create(k: Kind, new: type[BaseModel]) -> None:
    async def create(g: GradebookService, actor: Actor, entity: WireObject, ids: Ids) -> WireObject:
        made = await g.create_in_class(
            actor=actor, class_id=ids["class_id"], kind=k.kind, entity=entity
        )
        # TimeBack answers a create with the id alone; the stored object is read back so the
        # client gets what it would GET (ids, refs, dateLastModified).
        return await g.get(actor=actor, kind=k.kind, sourced_id=made)

    body = s.write_envelope(f"New{k.shapes.item.__name__}", k.singular, new)
    route = Route(
        f"create_gradebook_class_{k.one}",
        f"Create a {k.label.removesuffix('s')} in a class",
        Access.SCOPED,
    )
    add_create(
        router, f"/classes/{{class_id}}/{k.path}", k.shapes, body, route, get_gradebook, create
    )


#: lists under a parent that are not a class's list of one kind
NESTED_LISTS: list[tuple[str, Shapes, Route, Fetch[GradebookService]]] = [
    (
        "/classes/{class_id}/students/{student_id}/results",
        RESULTS,
        Route(
            "list_gradebook_class_student_results",
            "List one student's results in a class",
            Access.SCOPED,
            "For the class's teachers and staff, the student, and the student's guardians.",
        ),
        lambda g, actor, query, ids: g.list_student_results(
            actor=actor, class_id=ids["class_id"], student_id=ids["student_id"], query=query
        ),
    ),
    (
        "/classes/{class_id}/line-items/{line_item_id}/results",
        RESULTS,
        Route(
            "list_gradebook_class_line_item_results",
            "List the results of one of a class's line items",
            Access.SCOPED,
            "For the class's teachers and staff.",
        ),
        lambda g, actor, query, ids: g.list_line_item_results(
            actor=actor, class_id=ids["class_id"], line_item_id=ids["line_item_id"], query=query
        ),
    ),
    (
        "/students/{person_id}/assessment-results",
        BY_KIND[K.ASSESSMENT_RESULTS].shapes,
        Route(
            "list_gradebook_student_assessment_results",
            "List a student's assessment results",
            Access.PERSON,
            "For whoever may see the student (themselves, their guardians, teachers and staff).",
        ),
        lambda g, actor, query, ids: g.list_assessment_results(
            actor=actor, student_id=ids["person_id"], query=query
        ),
    ),
]


async def _create_category(
    g: GradebookService, actor: Actor, entity: WireObject, _: Ids
) -> WireObject:
    made = await g.create(actor=actor, kind=K.CATEGORIES, entity=entity)
    return await g.get(actor=actor, kind=K.CATEGORIES, sourced_id=made)


# Nested routes first, so no parent id is ever read as ``{sourced_id}/...``.
for _path, _shapes, _route, _fetch in NESTED_LISTS:
    add_list(router, _path, _shapes, _route, get_gradebook, _fetch)
add_create(
    router,
    "/categories",
    BY_KIND[K.CATEGORIES].shapes,
    s.NewCategoryBody,
    Route(
        "create_gradebook_category",
        "Create a category (admins)",
        Access.ADMIN,
        problems=(401, 403, 409, 422, 502, 503),
    ),
    get_gradebook,
    _create_category,
)
for _kind, _new in CLASS_CREATES.items():
    _add_class_create(BY_KIND[_kind], _new)
for _kind in CLASS_LISTS:
    _add_class_list(BY_KIND[_kind])
for _k in KINDS:
    add_collection(router, _collection(_k))
