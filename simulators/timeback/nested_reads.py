"""Nested rostering reads that are not one parent's child list (those are :data:`~.nested.NESTED`).

* ``GET /schools/{id}/classes/{classId}/students|teachers|enrollments``: the class's list, when
  the class is at that school; 404 ``School or class not found.`` otherwise (TimeBack's wording);
* ``GET /users/{id}/demographics``: the user with their demographics inside, as
  ``{"user": {..., "demographics": {...} | null}}`` (the spec's shape: one user, not a list).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from simulators.timeback.nested import IN_SCHOOL, Nested, ids_at
from simulators.timeback.query import QueryError, parse_fields, project
from simulators.timeback.seed import ROSTERING
from simulators.timeback.state import JsonObject
from simulators.timeback.wire import imsx_response

if TYPE_CHECKING:
    from simulators.timeback.app import TimebackSimulator

Page = Callable[[Request, str, list[JsonObject], set[str]], Response]


class NestedReads:
    def __init__(self, sim: TimebackSimulator) -> None:
        self.sim = sim

    def routes(self, page: Page) -> list[BaseRoute]:
        routes: list[BaseRoute] = [self._in_school(nested, page) for nested in IN_SCHOOL]
        routes.append(
            Route(
                f"{ROSTERING}/users/{{sourced_id}}/demographics",
                self.demographics,
                methods=["GET"],
            )
        )
        return routes

    def _in_school(self, nested: Nested, page: Page) -> BaseRoute:
        async def list_children(request: Request) -> Response:
            if denied := self.sim._denied(request):
                return denied
            state = self.sim.state
            school = state.collections()["schools"].get(request.path_params["school_id"])
            klass = state.classes.get(request.path_params["class_id"])
            if (
                school is None
                or klass is None
                or school["sourcedId"] not in ids_at(klass, "school")
            ):
                return imsx_response(404, "School or class not found.")
            children = nested.children(state, klass)
            return page(request, nested.key, children, state.fields_for(nested.key))

        path = f"{ROSTERING}/schools/{{school_id}}/classes/{{class_id}}/{nested.child}"
        return Route(path, list_children, methods=["GET"])

    async def demographics(self, request: Request) -> Response:
        if denied := self.sim._denied(request):
            return denied
        state = self.sim.state
        user = state.users.get(request.path_params["sourced_id"])
        if user is None:
            return imsx_response(404, "User not found.")
        try:
            known = frozenset({*state.users.fields, "demographics"})
            fields = parse_fields(request.query_params, known)
        except QueryError as exc:
            return exc.response()
        found = {**user, "demographics": state.demographics.get(user["sourcedId"])}
        return JSONResponse({"user": project([found], fields)[0]})
