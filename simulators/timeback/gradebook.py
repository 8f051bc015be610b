"""The OneRoster gradebook, as TimeBack serves it under ``/ims/oneroster/gradebook/v1p2``.

Line items, results, categories, score scales and TimeBack's assessment line items and results:
list (with the same queries as rostering), get, ``POST`` create (201 ``sourcedIdPairs``), ``PUT``
upsert (201 ``{"<singular>": {...}}``, creating when absent), ``PATCH`` on the assessment kinds
(200, the fields given replace those stored, ``metadata`` merged) and soft ``DELETE`` (204). A class's
line items, results and score scales are listed under ``/classes/{id}/...`` (more per-class and
the per-school lists: :mod:`.gradebook_lists`; the bulk creates under a class, school, line item
or academic session: :mod:`.gradebook_bulk`). The demo data has no gradebook entries; tests and
harnesses write them.
"""

from __future__ import annotations

from collections.abc import Callable, Set
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from simulators.timeback.gradebook_bulk import BulkCreates, created
from simulators.timeback.gradebook_lists import SchoolGradebook
from simulators.timeback.seed import iso
from simulators.timeback.state import Collection, JsonObject
from simulators.timeback.wire import imsx_response
from simulators.timeback.writes import (
    STATUSES,
    WriteError,
    check_required,
    merged_metadata,
    new_sourced_id,
    wrapped,
)

if TYPE_CHECKING:
    from simulators.timeback.app import TimebackSimulator

GRADEBOOK = "/ims/oneroster/gradebook/v1p2"
ROSTERING = "/ims/oneroster/rostering/v1p2"


@dataclass(frozen=True, slots=True)
class Kind:
    path: str
    plural: str
    singular: str
    label: str
    required: tuple[str, ...]
    #: TimeBack documents ``PATCH`` (a partial update, metadata merged) for this kind
    patchable: bool = False


KINDS = (
    Kind(
        "lineItems",
        "lineItems",
        "lineItem",
        "Line item",
        ("title", "assignDate", "dueDate", "class", "school", "category"),
    ),
    Kind(
        "results",
        "results",
        "result",
        "Result",
        ("lineItem", "student", "scoreStatus", "scoreDate"),
    ),
    Kind("categories", "categories", "category", "Category", ("title",)),
    Kind(
        "scoreScales",
        "scoreScales",
        "scoreScale",
        "Score scale",
        ("title", "type", "class", "scoreScaleValue"),
    ),
    Kind(
        "assessmentLineItems",
        "assessmentLineItems",
        "assessmentLineItem",
        "Line item",
        ("title",),
        patchable=True,
    ),
    Kind(
        "assessmentResults",
        "assessmentResults",
        "assessmentResult",
        "Result",
        ("assessmentLineItem", "student", "scoreStatus", "scoreDate"),
        patchable=True,
    ),
)
#: reference fields -> (the type they name, the path it lives at)
REFS: dict[str, tuple[str, str]] = {
    "class": ("class", f"{ROSTERING}/classes"),
    "school": ("org", f"{ROSTERING}/orgs"),
    "student": ("user", f"{ROSTERING}/users"),
    "gradingPeriod": ("academicSession", f"{ROSTERING}/academicSessions"),
    "academicSession": ("academicSession", f"{ROSTERING}/academicSessions"),
    "category": ("category", f"{GRADEBOOK}/categories"),
    "lineItem": ("lineItem", f"{GRADEBOOK}/lineItems"),
    "scoreScale": ("scoreScale", f"{GRADEBOOK}/scoreScales"),
    "assessmentLineItem": ("assessmentLineItem", f"{GRADEBOOK}/assessmentLineItems"),
}


class Gradebook:
    def __init__(self, sim: TimebackSimulator) -> None:
        self.sim = sim

    def collection(self, path: str) -> Collection:
        return self.sim.state.gradebook[path]

    def kind(self, path: str) -> Kind:
        return next(k for k in KINDS if k.path == path)

    def routes(
        self, page: Callable[[Request, str, list[JsonObject], set[str]], Response]
    ) -> list[BaseRoute]:
        routes: list[BaseRoute] = []
        for kind in KINDS:
            routes += self._kind_routes(kind, page)
        for child, key in (("lineItems", "class"), ("scoreScales", "class")):
            routes.append(self._per_class(child, key, page))
        routes += SchoolGradebook(self.sim).routes(page)
        routes += BulkCreates(self).routes()
        return routes

    def _kind_routes(
        self, kind: Kind, page: Callable[[Request, str, list[JsonObject], set[str]], Response]
    ) -> list[BaseRoute]:
        async def list_all(request: Request) -> Response:
            if denied := self.sim._denied(request):
                return denied
            items = self.collection(kind.path)
            return page(request, kind.plural, items.all(), items.fields)

        async def get_one(request: Request) -> Response:
            if denied := self.sim._denied(request):
                return denied
            entity = self.collection(kind.path).get(request.path_params["sourced_id"])
            if entity is None:
                return imsx_response(404, f"{kind.label} not found")
            return JSONResponse({kind.singular: entity})

        async def create(request: Request) -> Response:
            if denied := self.sim._denied(request):
                return denied
            try:
                entity = self.new_entity(kind, await wrapped(request, kind.singular))
            except WriteError as exc:
                return exc.response()
            self.collection(kind.path).put(entity)
            return created([entity])

        async def upsert(request: Request) -> Response:
            if denied := self.sim._denied(request):
                return denied
            sourced_id = request.path_params["sourced_id"]
            try:
                body = await wrapped(request, kind.singular)
                if body.get("sourcedId", sourced_id) != sourced_id:
                    raise WriteError(400, "sourcedId in the body differs from the path")
                existing = self.collection(kind.path).get(sourced_id)
                entity = self._shape({**body, "sourcedId": sourced_id}, existing)
            except WriteError as exc:
                return exc.response()
            self.collection(kind.path).put(entity)
            return JSONResponse({kind.singular: entity}, status_code=201)

        async def patch(request: Request) -> Response:
            if denied := self.sim._denied(request):
                return denied
            sourced_id = request.path_params["sourced_id"]
            existing = self.collection(kind.path).get(sourced_id)
            if existing is None:
                return imsx_response(404, f"{kind.label} not found")
            try:
                body = await wrapped(request, kind.singular)
                if body.get("sourcedId", sourced_id) != sourced_id:
                    raise WriteError(400, "sourcedId in the body differs from the path")
                entity = self._shape({**body, "sourcedId": sourced_id}, existing)
            except WriteError as exc:
                return exc.response()
            entity["metadata"] = merged_metadata(existing, body)
            self.collection(kind.path).put(entity)
            return JSONResponse({kind.singular: entity})

        async def delete(request: Request) -> Response:
            if denied := self.sim._denied(request):
                return denied
            existing = self.collection(kind.path).get(request.path_params["sourced_id"])
            if existing is None:
                return imsx_response(404, f"{kind.label} not found")
            self.collection(kind.path).put(
                {**existing, "status": "tobedeleted", "dateLastModified": self._now()}
            )
            return Response(status_code=204)

        path = f"{GRADEBOOK}/{kind.path}"
        one = f"{path}/{{sourced_id}}"
        routes: list[BaseRoute] = [
            Route(path, list_all, methods=["GET"]),
            Route(f"{path}/", list_all, methods=["GET"]),
            Route(path, create, methods=["POST"]),
            Route(f"{path}/", create, methods=["POST"]),
            Route(one, get_one, methods=["GET"]),
            Route(one, upsert, methods=["PUT"]),
            Route(one, delete, methods=["DELETE"]),
        ]
        if kind.patchable:
            routes.append(Route(one, patch, methods=["PATCH"]))
        return routes

    def _per_class(
        self,
        child: str,
        field: str,
        page: Callable[[Request, str, list[JsonObject], set[str]], Response],
    ) -> BaseRoute:
        async def list_children(request: Request) -> Response:
            if denied := self.sim._denied(request):
                return denied
            class_id = request.path_params["sourced_id"]
            if self.sim.state.classes.get(class_id) is None:
                return imsx_response(404, "Class not found")
            items = self.collection(child)
            found = [e for e in items.all() if (e.get(field) or {}).get("sourcedId") == class_id]
            return page(request, items.plural, found, items.fields)

        return Route(f"{GRADEBOOK}/classes/{{sourced_id}}/{child}", list_children, methods=["GET"])

    def new_entity(self, kind: Kind, body: JsonObject, taken: Set[str] = frozenset()) -> JsonObject:
        """The entity a create body makes, not yet stored: required fields checked, a sourcedId
        allocated when none is supplied (one already stored or in ``taken`` is a 422).
        Raises :class:`WriteError`."""
        check_required(body, kind.required)
        supplied = new_sourced_id(body, kind.label, self.collection(kind.path).items, taken)
        return self._shape({**body, "sourcedId": supplied}, None)

    def _now(self) -> str:
        return iso(self.sim.clock.utcnow())

    def _shape(self, body: JsonObject, existing: JsonObject | None) -> JsonObject:
        status = body.get("status", "active" if existing is None else None)
        if status is not None and status not in STATUSES:
            raise WriteError(422, "status must be active or tobedeleted")
        entity: JsonObject = {"metadata": {}, **(existing or {}), **body}
        if status is not None:
            entity["status"] = status
        for name, (kind, path) in REFS.items():
            if name in entity:
                entity[name] = self._ref(entity[name], kind, path)
        entity["dateLastModified"] = self._now()
        return entity

    def _ref(self, value: Any, kind: str, path: str) -> Any:
        if isinstance(value, dict) and isinstance(value.get("sourcedId"), str):
            sourced_id = value["sourcedId"]
            full = {"href": f"{self.sim.public_url}{path}/{sourced_id}", "type": kind}
            return {**full, **{k: v for k, v in value.items() if v}, "sourcedId": sourced_id}
        return value
