"""The gradebook's bulk creates: several line items or results in one request, under a parent.

* ``POST /classes/{id}/lineItems`` ``{"lineItems": [...]}``: the path sets each line item's
  ``class``; its ``school`` defaults to the class's (the LineItem schema requires one);
* ``POST /schools/{id}/lineItems`` ``{"lineItems": [...]}``: the path sets each ``school``;
* ``POST /lineItems/{id}/results`` ``{"results": [...]}``: the path sets each ``lineItem``;
* ``POST /classes/{id}/academicSessions/{aid}/results`` ``{"results": [...]}``: the path sets
  each result's ``class``. The session only has to exist: a Result has no field to keep it in.

The parent is looked up first (404 ``Class not found``, ``Academic session not found``, ...), then
every entity is checked as the single create checks it (:meth:`.Gradebook.new_entity`, details
under ``lineItems[i].``); one bad entity fails the batch and nothing is stored. A reference in the
body that names another parent than the path is a 400. 201 with one ``sourcedIdPairs`` object
(:func:`created`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from simulators.timeback.gradebook_lists import GRADEBOOK
from simulators.timeback.nested import ids_at
from simulators.timeback.state import JsonObject
from simulators.timeback.wire import imsx_response
from simulators.timeback.writes import WriteError, json_body

if TYPE_CHECKING:
    from simulators.timeback.gradebook import Gradebook


class BulkCreates:
    def __init__(self, gradebook: Gradebook) -> None:
        self.gradebook = gradebook
        self.sim = gradebook.sim

    def routes(self) -> list[BaseRoute]:
        klass = f"{GRADEBOOK}/classes/{{sourced_id}}"
        return [
            Route(f"{klass}/lineItems", self.class_line_items, methods=["POST"]),
            Route(
                f"{klass}/academicSessions/{{session_id}}/results",
                self.session_results,
                methods=["POST"],
            ),
            Route(
                f"{GRADEBOOK}/schools/{{sourced_id}}/lineItems",
                self.school_line_items,
                methods=["POST"],
            ),
            Route(
                f"{GRADEBOOK}/lineItems/{{sourced_id}}/results",
                self.line_item_results,
                methods=["POST"],
            ),
        ]

    async def class_line_items(self, request: Request) -> Response:
        if denied := self.sim._denied(request):
            return denied
        klass = self.sim.state.classes.get(request.path_params["sourced_id"])
        if klass is None:
            return imsx_response(404, "Class not found")
        defaults = {"school": klass["school"]} if klass.get("school") else {}
        return await self._create(request, "lineItems", {"class": klass["sourcedId"]}, defaults)

    async def school_line_items(self, request: Request) -> Response:
        if denied := self.sim._denied(request):
            return denied
        school = self.sim.state.collections()["schools"].get(request.path_params["sourced_id"])
        if school is None:
            return imsx_response(404, "School not found")
        return await self._create(request, "lineItems", {"school": school["sourcedId"]})

    async def line_item_results(self, request: Request) -> Response:
        if denied := self.sim._denied(request):
            return denied
        line_item = self.gradebook.collection("lineItems").get(request.path_params["sourced_id"])
        if line_item is None:
            return imsx_response(404, "Line item not found")
        return await self._create(request, "results", {"lineItem": line_item["sourcedId"]})

    async def session_results(self, request: Request) -> Response:
        if denied := self.sim._denied(request):
            return denied
        klass = self.sim.state.classes.get(request.path_params["sourced_id"])
        if klass is None:
            return imsx_response(404, "Class not found")
        if self.sim.state.academic_sessions.get(request.path_params["session_id"]) is None:
            return imsx_response(404, "Academic session not found")
        return await self._create(request, "results", {"class": klass["sourcedId"]})

    async def _create(
        self, request: Request, path: str, fixed: dict[str, str], defaults: JsonObject | None = None
    ) -> Response:
        """``fixed``: reference fields the path sets (field -> sourcedId); ``defaults``: fields an
        entity gets when its body has none."""
        kind = self.gradebook.kind(path)
        try:
            items = await _items(request, kind.plural)
            entities: list[JsonObject] = []
            taken: set[str] = set()
            for index, item in enumerate(items):
                at = f"{kind.plural}[{index}]"
                body = {**(defaults or {}), **item}
                for field, parent_id in fixed.items():
                    body[field] = _pinned(body.get(field), parent_id, f"{at}.{field}")
                try:
                    entity = self.gradebook.new_entity(kind, body, taken)
                except WriteError as exc:
                    raise _located(exc, at) from None
                taken.add(entity["sourcedId"])
                entities.append(entity)
        except WriteError as exc:
            return exc.response()
        for entity in entities:
            self.gradebook.collection(path).put(entity)
        return created(entities)


def created(entities: list[JsonObject]) -> Response:
    """201 ``{"sourcedIdPairs": {...}}``. The spec documents one pair object, for the bulk
    creates too (reference §4.4), and both clients parse one, so a batch answers with its first
    entity's pair."""
    first = entities[0]["sourcedId"]
    pairs = {"suppliedSourcedId": first, "allocatedSourcedId": first}
    return JSONResponse({"sourcedIdPairs": pairs}, status_code=201)


async def _items(request: Request, key: str) -> list[JsonObject]:
    """The entities inside ``{"<key>": [...]}``: a non-empty list of objects."""
    body = await json_body(request)
    items = body.get(key)
    if not isinstance(items, list):
        raise WriteError(
            400, f"The body must be {{'{key}': [...]}}", [{"path": key, "message": "Required"}]
        )
    if not items:
        # nothing to create, and no pair to answer with
        raise WriteError(
            422, f"{key} must not be empty", [{"path": key, "message": "At least one required"}]
        )
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            raise WriteError(
                400,
                f"{key}[{index}] must be an object",
                [{"path": f"{key}[{index}]", "message": "Expected an object"}],
            )
    return items


def _pinned(given: object, parent_id: str, at: str) -> JsonObject:
    """The reference the path sets; one the body gives must name the same parent."""
    named = ids_at({"ref": given}, "ref")
    if named and named != [parent_id]:
        raise WriteError(
            400,
            f"{at}.sourcedId differs from the path",
            [{"path": f"{at}.sourcedId", "message": "Must match the path"}],
        )
    return (
        {**given, "sourcedId": parent_id} if isinstance(given, dict) else {"sourcedId": parent_id}
    )


def _located(exc: WriteError, at: str) -> WriteError:
    """``exc`` about one entity of the batch, its details' paths under ``at``."""
    details = [{**d, "path": f"{at}.{d.get('path')}"} for d in exc.details or []]
    return WriteError(exc.status, f"{at}: {exc.description}", details or None)
