"""The gradebook's per-class and per-school reads that follow references.

* ``/classes/{id}/results``: results whose line item (or own ``class``) is the class's;
* ``/classes/{id}/categories``: the categories the class's line items use;
* ``/classes/{id}/students/{sid}/results``: one student's results in the class (404 for an
  unknown student);
* ``/classes/{id}/lineItems/{lid}/results``: one line item's results (404 when the line item is
  not the class's, as ``Line item not found``).

(``/classes/{id}/lineItems`` and ``/scoreScales`` read a field of their own; see
:mod:`.gradebook`.) A school's (404 ``School not found`` for an unknown one):

* ``/schools/{id}/lineItems``: line items whose ``school`` is the school;
* ``/schools/{id}/scoreScales``: score scales of the school's classes or courses (a ScoreScale
  names its ``class`` and maybe its ``course``, never a school).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from simulators.timeback.nested import ids_at
from simulators.timeback.state import JsonObject
from simulators.timeback.wire import imsx_response

if TYPE_CHECKING:
    from simulators.timeback.app import TimebackSimulator

GRADEBOOK = "/ims/oneroster/gradebook/v1p2"
Page = Callable[[Request, str, list[JsonObject], set[str]], Response]


class ClassGradebook:
    def __init__(self, sim: TimebackSimulator) -> None:
        self.sim = sim

    def routes(self, page: Page) -> list[BaseRoute]:
        base = f"{GRADEBOOK}/classes/{{sourced_id}}"
        return [
            Route(f"{base}/results", self._results(page), methods=["GET"]),
            Route(f"{base}/categories", self._categories(page), methods=["GET"]),
            Route(f"{base}/students/{{student_id}}/results", self._results(page), methods=["GET"]),
            Route(
                f"{base}/lineItems/{{line_item_id}}/results", self._results(page), methods=["GET"]
            ),
        ]

    def _line_items_of(self, class_id: str) -> list[JsonObject]:
        items = self.sim.state.gradebook["lineItems"].all()
        return [li for li in items if class_id in ids_at(li, "class")]

    def _results(self, page: Page) -> Callable[[Request], object]:
        async def list_results(request: Request) -> Response:
            if denied := self.sim._denied(request):
                return denied
            class_id = request.path_params["sourced_id"]
            if self.sim.state.classes.get(class_id) is None:
                return imsx_response(404, "Class not found")
            line_items = {li["sourcedId"] for li in self._line_items_of(class_id)}
            student = request.path_params.get("student_id")
            if student is not None and self.sim.state.users.get(student) is None:
                return imsx_response(404, "Student not found")
            line_item = request.path_params.get("line_item_id")
            if line_item is not None:
                if line_item not in line_items:
                    return imsx_response(404, "Line item not found")
                line_items = {line_item}
            results = self.sim.state.gradebook["results"]
            found = [
                r
                for r in results.all()
                if (
                    set(ids_at(r, "lineItem")) & line_items
                    or (line_item is None and class_id in ids_at(r, "class"))
                )
                and (student is None or student in ids_at(r, "student"))
            ]
            return page(request, "results", found, results.fields)

        return list_results

    def _categories(self, page: Page) -> Callable[[Request], object]:
        async def list_categories(request: Request) -> Response:
            if denied := self.sim._denied(request):
                return denied
            class_id = request.path_params["sourced_id"]
            if self.sim.state.classes.get(class_id) is None:
                return imsx_response(404, "Class not found")
            used = {c for li in self._line_items_of(class_id) for c in ids_at(li, "category")}
            categories = self.sim.state.gradebook["categories"]
            found = [c for c in categories.all() if c["sourcedId"] in used]
            return page(request, "categories", found, categories.fields)

        return list_categories


class SchoolGradebook:
    def __init__(self, sim: TimebackSimulator) -> None:
        self.sim = sim

    def routes(self, page: Page) -> list[BaseRoute]:
        base = f"{GRADEBOOK}/schools/{{sourced_id}}"
        return [
            Route(
                f"{base}/lineItems",
                self._list(page, "lineItems", self._line_items),
                methods=["GET"],
            ),
            Route(
                f"{base}/scoreScales",
                self._list(page, "scoreScales", self._score_scales),
                methods=["GET"],
            ),
        ]

    def _list(
        self, page: Page, path: str, keep: Callable[[str], Callable[[JsonObject], bool]]
    ) -> Callable[[Request], object]:
        """``keep(school_id)`` picks the entities of ``path`` that are the school's."""

        async def list_of_school(request: Request) -> Response:
            if denied := self.sim._denied(request):
                return denied
            school_id = request.path_params["sourced_id"]
            if self.sim.state.collections()["schools"].get(school_id) is None:
                return imsx_response(404, "School not found")
            items = self.sim.state.gradebook[path]
            mine = keep(school_id)
            return page(request, items.plural, [e for e in items.all() if mine(e)], items.fields)

        return list_of_school

    def _line_items(self, school_id: str) -> Callable[[JsonObject], bool]:
        return lambda line_item: school_id in ids_at(line_item, "school")

    def _score_scales(self, school_id: str) -> Callable[[JsonObject], bool]:
        state = self.sim.state
        classes = {c["sourcedId"] for c in state.classes.all() if school_id in ids_at(c, "school")}
        courses = {c["sourcedId"] for c in state.courses.all() if school_id in ids_at(c, "org")}
        return lambda scale: bool(
            classes.intersection(ids_at(scale, "class"))
            or courses.intersection(ids_at(scale, "course"))
        )
