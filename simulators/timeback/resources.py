"""OneRoster resources, as TimeBack serves them under ``/ims/oneroster/resources/v1p2``.

* ``/resources`` list (the usual queries) and ``POST`` create (201 ``sourcedIdPairs``; ``title``
  and ``vendorResourceId`` required);
* ``/resources/{id}`` get, ``PUT`` update (fields given replace those stored; 404 when absent:
  unlike the gradebook this is no upsert; 200 ``{"resource": {...}}``) and soft ``DELETE`` (204);
* ``/resources/classes|courses|users/{id}/resources``: what the class or course points at in its
  own ``resources`` list (a class also gets its course's), and for a user, the resources of every
  class they are enrolled in. The 1EdTech spellings (``/classes/{id}/resources`` ...) answer too,
  since the ``timeback`` client calls those (reference §3.3);
* ``POST /resources/export/{id}``: a Common Cartridge package (a zip with an
  ``imsmanifest.xml`` naming the resource).

The demo data holds the resource behind each lesson (seed_gradebook.py); tests write more.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from typing import TYPE_CHECKING
from xml.sax.saxutils import escape, quoteattr

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from simulators.timeback.nested import ids_at
from simulators.timeback.schema import SCHEMA_FIELDS
from simulators.timeback.seed import iso
from simulators.timeback.state import Collection, JsonObject
from simulators.timeback.wire import imsx_response
from simulators.timeback.writes import (
    STATUSES,
    WriteError,
    check_required,
    new_sourced_id,
    wrapped,
)

if TYPE_CHECKING:
    from simulators.timeback.app import TimebackSimulator

RESOURCES = "/ims/oneroster/resources/v1p2"
REQUIRED = ("title", "vendorResourceId")
DEFAULTS: JsonObject = {
    "metadata": {},
    "roles": [],
    "importance": "primary",
    "vendorId": None,
    "applicationId": None,
}
IMPORTANCE = ("primary", "secondary")
Page = Callable[[Request, str, list[JsonObject], set[str]], Response]


class Resources:
    def __init__(self, sim: TimebackSimulator) -> None:
        self.sim = sim

    @property
    def collection(self) -> Collection:
        # Kept with the gradebook's collections: the state's ``stored()`` is the roster only.
        return self.sim.state.gradebook.setdefault(
            "resources",
            Collection("resources", "resource", "Resource", fields=set(SCHEMA_FIELDS["resources"])),
        )

    def routes(self, page: Page) -> list[BaseRoute]:
        path = f"{RESOURCES}/resources"
        one = f"{path}/{{sourced_id}}"
        routes: list[BaseRoute] = [
            Route(path, self._list(page), methods=["GET"]),
            Route(f"{path}/", self._list(page), methods=["GET"]),
            Route(path, self.create, methods=["POST"]),
            Route(f"{path}/", self.create, methods=["POST"]),
            Route(one, self.get, methods=["GET"]),
            Route(one, self.update, methods=["PUT"]),
            Route(one, self.delete, methods=["DELETE"]),
            Route(f"{path}/export/{{sourced_id}}", self.export, methods=["POST"]),
        ]
        for parent, find in (
            ("classes", self._of_class),
            ("courses", self._of_course),
            ("users", self._of_user),
        ):
            handler = self._nested(parent, find, page)
            routes.append(
                Route(f"{path}/{parent}/{{sourced_id}}/resources", handler, methods=["GET"])
            )
            routes.append(
                Route(f"{RESOURCES}/{parent}/{{sourced_id}}/resources", handler, methods=["GET"])
            )
        return routes

    def _list(self, page: Page) -> Callable[[Request], object]:
        async def list_all(request: Request) -> Response:
            if denied := self.sim._denied(request):
                return denied
            return page(request, "resources", self.collection.all(), self.collection.fields)

        return list_all

    async def get(self, request: Request) -> Response:
        if denied := self.sim._denied(request):
            return denied
        entity = self.collection.get(request.path_params["sourced_id"])
        if entity is None:
            return imsx_response(404, "Resource not found")
        return JSONResponse({"resource": entity})

    async def create(self, request: Request) -> Response:
        if denied := self.sim._denied(request):
            return denied
        try:
            body = await wrapped(request, "resource")
            check_required(body, REQUIRED, blank=lambda v: v in (None, ""))
            supplied = new_sourced_id(body, "Resource", self.collection.items)
            entity = self._shape({**DEFAULTS, "status": "active", **body, "sourcedId": supplied})
        except WriteError as exc:
            return exc.response()
        self.collection.put(entity)
        pairs = {"suppliedSourcedId": supplied, "allocatedSourcedId": supplied}
        return JSONResponse({"sourcedIdPairs": pairs}, status_code=201)

    async def update(self, request: Request) -> Response:
        if denied := self.sim._denied(request):
            return denied
        sourced_id = request.path_params["sourced_id"]
        existing = self.collection.get(sourced_id)
        if existing is None:
            return imsx_response(404, "Resource not found")
        try:
            body = await wrapped(request, "resource")
            if body.get("sourcedId", sourced_id) != sourced_id:
                raise WriteError(400, "sourcedId in the body differs from the path")
            entity = self._shape({**existing, **body, "sourcedId": sourced_id})
        except WriteError as exc:
            return exc.response()
        self.collection.put(entity)
        return JSONResponse({"resource": entity})

    async def delete(self, request: Request) -> Response:
        if denied := self.sim._denied(request):
            return denied
        existing = self.collection.get(request.path_params["sourced_id"])
        if existing is None:
            return imsx_response(404, "Resource not found")
        self.collection.put({**existing, "status": "tobedeleted", "dateLastModified": self._now()})
        return Response(status_code=204)

    async def export(self, request: Request) -> Response:
        if denied := self.sim._denied(request):
            return denied
        entity = self.collection.get(request.path_params["sourced_id"])
        if entity is None:
            return imsx_response(404, "Resource not found")
        return Response(
            _cartridge(entity),
            media_type="application/zip",
            headers={"Content-Disposition": f'attachment; filename="{entity["sourcedId"]}.zip"'},
        )

    def _nested(
        self, parent: str, find: Callable[[JsonObject], set[str]], page: Page
    ) -> Callable[[Request], object]:
        async def list_children(request: Request) -> Response:
            if denied := self.sim._denied(request):
                return denied
            owners = self.sim.state.collections()[parent]
            owner = owners.get(request.path_params["sourced_id"])
            if owner is None:
                return imsx_response(404, f"{owners.label} not found")
            wanted = find(owner)
            found = [r for r in self.collection.all() if r["sourcedId"] in wanted]
            return page(request, "resources", found, self.collection.fields)

        return list_children

    def _of_course(self, course: JsonObject) -> set[str]:
        return set(ids_at(course, "resources"))

    def _of_class(self, klass: JsonObject) -> set[str]:
        wanted = set(ids_at(klass, "resources"))
        for course_id in ids_at(klass, "course"):
            if (course := self.sim.state.courses.get(course_id)) is not None:
                wanted |= self._of_course(course)
        return wanted

    def _of_user(self, user: JsonObject) -> set[str]:
        wanted: set[str] = set()
        for enrollment in self.sim.state.enrollments.all():
            if user["sourcedId"] not in ids_at(enrollment, "user"):
                continue
            for class_id in ids_at(enrollment, "class"):
                if (klass := self.sim.state.classes.get(class_id)) is not None:
                    wanted |= self._of_class(klass)
        return wanted

    def _now(self) -> str:
        return iso(self.sim.clock.utcnow())

    def _shape(self, entity: JsonObject) -> JsonObject:
        if entity.get("status") not in STATUSES:
            raise WriteError(422, "status must be active or tobedeleted")
        if entity.get("importance") not in IMPORTANCE:
            raise WriteError(422, "importance must be primary or secondary")
        roles = entity.get("roles")
        if not isinstance(roles, list) or any(r not in IMPORTANCE for r in roles):
            raise WriteError(422, "roles must be a list of primary / secondary")
        return {**entity, "dateLastModified": self._now()}


def _cartridge(resource: JsonObject) -> bytes:
    """A minimal IMS Common Cartridge 1.3 package with one web-link resource."""
    identifier = quoteattr(f"R_{resource['sourcedId']}")
    title = escape(str(resource.get("title", "")))
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<manifest identifier="M_1" xmlns="http://www.imsglobal.org/xsd/imsccv1p3/imscp_v1p1">\n'
        "  <metadata><schema>IMS Common Cartridge</schema><schemaversion>1.3.0</schemaversion>"
        "</metadata>\n"
        f"  <organizations/>\n  <resources>\n    <resource identifier={identifier} "
        f'type="imswl_xmlv1p3"><metadata><title>{title}</title></metadata></resource>\n'
        "  </resources>\n</manifest>\n"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("imsmanifest.xml", manifest)
    return buffer.getvalue()
