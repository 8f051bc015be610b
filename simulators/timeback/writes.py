"""Rostering writes as TimeBack answers them (§4.4 of the reference).

* ``POST /{path}`` with ``{"<singular>": {...}}`` -> 201 ``{"sourcedIdPairs": {...}}``; a missing
  ``sourcedId`` is allocated (a UUID).
* ``PUT /{path}/{id}`` -> the fields given replace those stored; 200 ``{"<singular>": {...}}``
  (201 for orgs, enrollments and grading periods; the bare entity for schools, classes, academic
  sessions and demographics; all as TimeBack's spec documents).
* Grading periods are academic sessions of type ``gradingPeriod``, read as ``gradingPeriod(s)``
  but written wrapped as ``academicSession`` (:data:`WRITE_KEYS`); ``POST /terms/{id}/
  gradingPeriods`` creates one under a term (:meth:`Writes.create_for_term`).
* ``PATCH /enrollments/{id}`` -> the fields given replace those stored, ``metadata`` merged; 200.
* ``DELETE /{path}/{id}`` -> 204, a soft delete: ``status`` becomes ``tobedeleted`` and the entity
  stays listed.
* ``POST /classes/{id}/students|teachers`` enrolls (``{"enrollment": {"user": {"sourcedId"}}}``, or
  tb's ``{"student": {"sourcedId"}}``); ``POST /users/{id}/agents`` ``{"agentSourcedId"}`` and
  ``DELETE /users/{id}/agents/{agentId}`` link and unlink both sides, 200.

Every write stamps ``dateLastModified`` with the simulator clock, so an incremental sync filtering
``dateLastModified>'...'`` sees it. Entities are replaced, never mutated in place (the seed shares
reference objects between entities).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Container, Iterable
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from simulators.timeback.checks import CHECKS, DEMOGRAPHIC_FIELDS
from simulators.timeback.seed import iso, ref
from simulators.timeback.state import Collection, JsonObject
from simulators.timeback.wire import imsx_response

if TYPE_CHECKING:
    from simulators.timeback.app import TimebackSimulator

#: path -> (stored collection attribute, fields required on create)
WRITABLE: dict[str, tuple[str, tuple[str, ...]]] = {
    "users": ("users", ("enabledUser", "givenName", "familyName", "roles", "email")),
    "classes": ("classes", ("title", "course", "org", "terms")),
    "enrollments": ("enrollments", ("role", "user", "class")),
    "courses": ("courses", ("status", "title", "org")),
    "orgs": ("orgs", ("name",)),
    "schools": ("orgs", ("name",)),
    "academicSessions": ("academic_sessions", ("title", "type")),
    # what the read schema requires besides type (a grading period's only type, set when absent)
    "gradingPeriods": (
        "academic_sessions",
        ("title", "startDate", "endDate", "schoolYear", "org"),
    ),
    "demographics": ("demographics", ("sourcedId",)),  # the user's sourcedId
    "courses/components": ("course_components", ("status", "course", "title")),
    "courses/component-resources": (
        "component_resources",
        ("status", "courseComponent", "resource", "title"),
    ),
}
#: the body's wrapper key where it is not the path's read key
WRITE_KEYS = {"gradingPeriods": "academicSession"}
#: what a created entity gets for the fields TimeBack always returns, when the body has none
DEFAULTS: dict[str, JsonObject] = {
    "users": {"agents": [], "userProfiles": [], "roles": [], "userIds": [], "grades": []},
    "classes": {
        "classCode": None,
        "classType": "scheduled",
        "location": None,
        "grades": [],
        "subjects": [],
        "subjectCodes": [],
        "periods": [],
        "resources": [],
    },
    "enrollments": {"primary": "false", "beginDate": None, "endDate": None},
    "orgs": {"identifier": "", "children": [], "parent": None},
    "schools": {"identifier": "", "children": [], "parent": None},
    "courses": {"grades": [], "subjects": [], "subjectCodes": [], "resources": []},
    "academicSessions": {"children": [], "parent": None},
    "gradingPeriods": {"children": [], "parent": None, "type": "gradingPeriod"},
    "demographics": dict.fromkeys(DEMOGRAPHIC_FIELDS),
    "courses/components": {
        "courseComponent": None,
        "parent": None,
        "sortOrder": 0,
        "prerequisites": [],
        "prerequisiteCriteria": None,
    },
    "courses/component-resources": {"sortOrder": 0, "lessonType": None},
}
#: fields holding references (or lists of them), and the type they refer to; ``None``: the
#: entity's own type (an org's parent is an org, a session's parent a session)
REF_FIELDS: dict[str, str | None] = {
    "org": "org",
    "school": "org",
    "primaryOrg": "org",
    "course": "course",
    "class": "class",
    "user": "user",
    "agents": "user",
    "terms": "academicSession",
    "courseComponent": "courseComponent",
    "parent": None,
    "children": None,
}
OWN_KIND = {
    "orgs": "org",
    "schools": "org",
    "academicSessions": "academicSession",
    "gradingPeriods": "academicSession",
    "courses/components": "courseComponent",
}
#: the rostering paths TimeBack documents ``PATCH`` for (a partial update, metadata merged)
PATCHABLE = frozenset({"enrollments"})
#: PUT answers 201 on these (TimeBack's documentation), 200 elsewhere
PUT_CREATED = frozenset({"orgs", "enrollments", "gradingPeriods"})
#: PUT answers with the bare entity on these, as TimeBack's spec documents (``{"<singular>": ...}``
#: elsewhere, which is what the spec says for users and allows for the rest)
PUT_BARE = frozenset({"schools", "classes", "academicSessions", "demographics"})
#: PUT bodies that must name the entity (TimeBack checks it against the path)
PUT_NAMES_ID = frozenset({"demographics"})
#: written as session years are: a string in the write schema, a number on reads
SESSION_PATHS = frozenset({"academicSessions", "gradingPeriods"})
STATUSES = ("active", "tobedeleted")


class WriteError(Exception):
    def __init__(self, status: int, description: str, details: list[JsonObject] | None = None):
        super().__init__(description)
        self.status = status
        self.description = description
        self.details = details

    def response(self) -> Response:
        return imsx_response(self.status, self.description, details=self.details)


def check_required(
    body: JsonObject, required: Iterable[str], *, blank: Callable[[object], bool] | None = None
) -> None:
    """A create's 422 naming every required field the body leaves blank."""
    is_blank = blank or _blank
    missing = [f for f in required if is_blank(body.get(f))]
    if missing:
        details = [{"path": f, "message": "Required"} for f in missing]
        raise WriteError(422, f"Missing required fields: {', '.join(missing)}", details)


def new_sourced_id(body: JsonObject, label: str, *taken: Container[str]) -> str:
    """The sourcedId a create body supplies, or a new UUID; a 422 when one is already taken."""
    supplied = body.get("sourcedId")
    if not isinstance(supplied, str) or not supplied:
        return str(uuid.uuid4())
    if any(supplied in ids for ids in taken):
        raise WriteError(
            422,
            f"{label} {supplied} already exists",
            [{"path": "sourcedId", "message": "Already exists"}],
        )
    return supplied


class Writes:
    """Create, update and soft-delete on one rostering path."""

    def __init__(self, sim: TimebackSimulator, path: str) -> None:
        self.sim = sim
        self.path = path
        self.attribute, self.required = WRITABLE[path]

    @property
    def collection(self) -> Collection:
        found = getattr(self.sim.state, self.attribute)
        assert isinstance(found, Collection)  # noqa: S101 (WRITABLE names stored collections)
        return found

    @property
    def singular(self) -> str:
        """The body's wrapper key (also the PUT answer's)."""
        return WRITE_KEYS.get(self.path) or self.sim.state.collections()[self.path].singular

    async def create(self, request: Request) -> Response:
        if denied := self.sim._denied(request):
            return denied
        try:
            entity = self._new(await wrapped(request, self.singular))
        except WriteError as exc:
            return exc.response()
        self.collection.put(entity)
        supplied = entity["sourcedId"]
        pairs = {"suppliedSourcedId": supplied, "allocatedSourcedId": supplied}
        return JSONResponse({"sourcedIdPairs": pairs}, status_code=201)

    async def create_for_term(self, request: Request) -> Response:
        """``POST /terms/{id}/gradingPeriods``: a grading period whose parent is the term; its
        org and school year default to the term's. Answers 201 with the created session, as
        TimeBack's spec documents (unlike the other creates' ``sourcedIdPairs``)."""
        if denied := self.sim._denied(request):
            return denied
        term = self.sim.state.collections()["terms"].get(request.path_params["sourced_id"])
        if term is None:
            return imsx_response(404, "Term not found")
        try:
            body = await wrapped(request, self.singular)
            # multi-tenant bookkeeping of TimeBack's own, not part of the session it serves
            body = {k: v for k, v in body.items() if k not in ("tenantId", "clientAppId")}
            inherited = {"org": term.get("org"), "schoolYear": term.get("schoolYear")}
            defaults = {k: v for k, v in inherited.items() if _blank(body.get(k))}
            parent = {"sourcedId": term["sourcedId"]}
            entity = self._new({**body, **defaults, "parent": parent})
        except WriteError as exc:
            return exc.response()
        self.collection.put(entity)
        # TimeBack's spec documents the created session; both official clients parse the
        # ``sourcedIdPairs`` every other create answers with: send both
        pairs = {
            "suppliedSourcedId": entity["sourcedId"],
            "allocatedSourcedId": entity["sourcedId"],
        }
        return JSONResponse({self.singular: entity, "sourcedIdPairs": pairs}, status_code=201)

    def _new(self, body: JsonObject) -> JsonObject:
        """The entity a create body makes, ``sourcedId`` allocated when absent."""
        required = self.required
        if self.path == "classes" and not _blank(body.get("school")):
            required = tuple(f for f in required if f != "org")  # the school stands for it
        check_required(body, required)
        entity = self._shape(body)
        return {**entity, "sourcedId": new_sourced_id(body, self.singular, self.collection.items)}

    async def update(self, request: Request) -> Response:
        if denied := self.sim._denied(request):
            return denied
        sourced_id = request.path_params["sourced_id"]
        readable = self.sim.state.collections()[self.path]
        existing = readable.get(sourced_id)
        if existing is None:
            return imsx_response(404, f"{readable.label} not found")
        try:
            body = await wrapped(request, self.singular)
            if self.path in PUT_NAMES_ID and _blank(body.get("sourcedId")):
                raise WriteError(422, "sourcedId is required", [_required("sourcedId")])
            if body.get("sourcedId", sourced_id) != sourced_id:
                raise WriteError(
                    400,
                    "sourcedId in the body differs from the path",
                    [{"path": "sourcedId", "message": "Must match the path"}],
                )
            changes = self._shape(body, creating=False)
        except WriteError as exc:
            return exc.response()
        entity = {**existing, **changes, "sourcedId": sourced_id}
        self.collection.put(entity)
        status = 201 if self.path in PUT_CREATED else 200
        body = entity if self.path in PUT_BARE else {self.singular: entity}
        return JSONResponse(body, status_code=status)

    async def patch(self, request: Request) -> Response:
        """``PATCH /{path}/{id}``: the fields given replace those stored, ``metadata`` merged
        into the stored one; 200 ``{"<singular>": {...}}``."""
        if denied := self.sim._denied(request):
            return denied
        sourced_id = request.path_params["sourced_id"]
        readable = self.sim.state.collections()[self.path]
        existing = readable.get(sourced_id)
        if existing is None:
            return imsx_response(404, f"{readable.label} not found")
        try:
            body = await wrapped(request, self.singular)
            if body.get("sourcedId", sourced_id) != sourced_id:
                raise WriteError(400, "sourcedId in the body differs from the path")
            changes = self._shape(body, creating=False)
        except WriteError as exc:
            return exc.response()
        entity = {**existing, **changes, "sourcedId": sourced_id}
        entity["metadata"] = merged_metadata(existing, body)
        self.collection.put(entity)
        return JSONResponse({self.singular: entity})

    async def delete(self, request: Request) -> Response:
        if denied := self.sim._denied(request):
            return denied
        readable = self.sim.state.collections()[self.path]
        existing = readable.get(request.path_params["sourced_id"])
        if existing is None:
            return imsx_response(404, f"{readable.label} not found")
        self.collection.put({**existing, "status": "tobedeleted", **self._stamp()})
        return Response(status_code=204)

    def _stamp(self) -> JsonObject:
        return {"dateLastModified": iso(self.sim.clock.utcnow())}

    def _shape(self, body: JsonObject, *, creating: bool = True) -> JsonObject:
        status = body.get("status", "active" if creating else None)
        if status is not None and status not in STATUSES:
            raise WriteError(
                422,
                "status must be active or tobedeleted",
                [{"path": "status", "message": "Invalid"}],
            )
        entity = {**DEFAULTS.get(self.path, {}), **body} if creating else dict(body)
        self._complete_refs(entity)
        if self.path in SESSION_PATHS and "schoolYear" in entity:
            # the write schema has a string, reads a number (TimeBack sends 2025)
            try:
                entity["schoolYear"] = int(str(entity["schoolYear"]))
            except ValueError:
                raise WriteError(
                    422, "schoolYear must be a year", [{"path": "schoolYear", "message": "Invalid"}]
                ) from None
        check = CHECKS.get(self.path)
        if check is not None and (problems := check(entity)):
            fields = ", ".join(p["path"] for p in problems)
            raise WriteError(422, f"Invalid fields: {fields}", problems)
        stamp = self._stamp()  # one clock read: a default unlock date equals the write's time
        if creating:
            entity.setdefault("metadata", {})
            if self.path == "courses/components":  # unlocked from the start unless told
                entity.setdefault("unlockDate", stamp["dateLastModified"])
            if self.path == "schools":
                entity.setdefault("type", "school")
            if self.path == "classes" and "school" not in entity:
                entity["school"] = entity.get("org")
            elif self.path == "classes" and "org" not in entity:
                entity["org"] = entity["school"]  # what timeback 0.3.0 reads
        if status is not None:
            entity["status"] = status
        return {**entity, **stamp}

    def _complete_refs(self, entity: JsonObject) -> None:
        """``{"sourcedId"}`` references become full ones (``href``, ``type``), as TimeBack
        returns them; role orgs too."""
        url = self.sim.public_url
        for name, kind in REF_FIELDS.items():
            kind = kind or OWN_KIND.get(self.path)
            if kind is None or name not in entity:
                continue
            entity[name] = _complete(url, kind, entity[name])
        roles = entity.get("roles")
        if isinstance(roles, list):
            entity["roles"] = [
                {**r, "org": _complete(url, "org", r["org"])}
                if isinstance(r, dict) and "org" in r
                else r
                for r in roles
            ]


def merged_metadata(existing: JsonObject, body: JsonObject) -> JsonObject:
    """A PATCH's ``metadata``: the stored keys, those the body gives replacing them."""
    stored = existing.get("metadata") if isinstance(existing.get("metadata"), dict) else {}
    given = body.get("metadata") if isinstance(body.get("metadata"), dict) else {}
    return {**(stored or {}), **(given or {})}


def _complete(url: str, kind: str, value: Any) -> Any:
    if isinstance(value, list):
        return [_complete(url, kind, v) for v in value]
    if isinstance(value, dict) and isinstance(value.get("sourcedId"), str):
        sourced_id = value["sourcedId"]
        given = {k: v for k, v in value.items() if v}
        return {**ref(url, kind, sourced_id), **given, "sourcedId": sourced_id}
    return value


class NestedWrites:
    """Enrolling into a class and linking agents."""

    def __init__(self, sim: TimebackSimulator) -> None:
        self.sim = sim

    async def enroll(self, request: Request) -> Response:
        if denied := self.sim._denied(request):
            return denied
        state = self.sim.state
        klass = state.classes.get(request.path_params["sourced_id"])
        if klass is None:
            return imsx_response(404, "Class not found")
        role = "student" if request.url.path.endswith("/students") else "teacher"
        try:
            raw = await json_body(request)
            inner = raw.get("enrollment") or raw.get(role)
            if not isinstance(inner, dict):
                raise WriteError(
                    400, f"Body must be {{'enrollment': {{...}}}} or {{'{role}': ...}}"
                )
            user_ref = inner.get("user") if "user" in inner else inner
            user_id = user_ref.get("sourcedId") if isinstance(user_ref, dict) else None
            if not isinstance(user_id, str) or not user_id:
                raise WriteError(422, "user.sourcedId is required", [_required("user.sourcedId")])
        except WriteError as exc:
            return exc.response()
        if state.users.get(user_id) is None:
            return imsx_response(404, "User not found")
        url = self.sim.public_url
        sourced_id = str(uuid.uuid4())
        school = klass.get("school") or {}
        entity: JsonObject = {
            "sourcedId": sourced_id,
            "status": "active",
            "dateLastModified": iso(self.sim.clock.utcnow()),
            "metadata": inner.get("metadata") or {},
            "role": role,
            "primary": _wire_bool(inner.get("primary", role == "teacher")),
            "beginDate": inner.get("beginDate"),
            "endDate": inner.get("endDate"),
            "user": ref(url, "user", user_id),
            "class": ref(url, "class", klass["sourcedId"]),
            "school": ref(url, "org", school["sourcedId"]) if "sourcedId" in school else None,
        }
        state.enrollments.put(entity)
        pairs = {"suppliedSourcedId": sourced_id, "allocatedSourcedId": sourced_id}
        return JSONResponse({"sourcedIdPairs": pairs}, status_code=201)

    async def add_agent(self, request: Request) -> Response:
        if denied := self.sim._denied(request):
            return denied
        try:
            raw = await json_body(request)
        except WriteError as exc:
            return exc.response()
        agent_id = raw.get("agentSourcedId")
        if not isinstance(agent_id, str) or not agent_id:
            return imsx_response(
                422, "agentSourcedId is required", details=[_required("agentSourcedId")]
            )
        return self._link(request.path_params["sourced_id"], agent_id, add=True)

    async def remove_agent(self, request: Request) -> Response:
        if denied := self.sim._denied(request):
            return denied
        return self._link(
            request.path_params["sourced_id"], request.path_params["agent_id"], add=False
        )

    def _link(self, user_id: str, agent_id: str, *, add: bool) -> Response:
        users = self.sim.state.users
        user, agent = users.get(user_id), users.get(agent_id)
        if user is None or agent is None:
            return imsx_response(404, "User not found")
        if not add and agent_id not in _agent_ids(user):
            return imsx_response(404, "Agent not found")
        stamp = iso(self.sim.clock.utcnow())
        for one, other in ((user, agent_id), (agent, user_id)):
            kept = [a for a in one.get("agents", []) if a.get("sourcedId") != other]
            if add:
                kept.append(ref(self.sim.public_url, "user", other))
            users.put({**one, "agents": kept, "dateLastModified": stamp})
        message = "Agent added" if add else "Agent removed"
        return JSONResponse({"message": message, "user": users.get(user_id)})


async def json_body(request: Request) -> JsonObject:
    raw = await request.body()
    try:
        body: Any = json.loads(raw or b"null")
    except ValueError:
        raise WriteError(400, "The body is not valid JSON") from None
    if not isinstance(body, dict):
        raise WriteError(400, "The body must be a JSON object")
    return body


async def wrapped(request: Request, singular: str) -> JsonObject:
    """The entity inside ``{"<singular>": {...}}``."""
    body = await json_body(request)
    inner = body.get(singular)
    if not isinstance(inner, dict):
        raise WriteError(400, f"The body must be {{'{singular}': {{...}}}}", [_required(singular)])
    return inner


def _required(path: str) -> JsonObject:
    return {"path": path, "message": "Required"}


def _blank(value: object) -> bool:
    return value is None or value == "" or value == []


def _wire_bool(value: object) -> str:
    return "true" if value in (True, "true") else "false"


def _agent_ids(user: JsonObject) -> set[str]:
    return {str(a.get("sourcedId")) for a in user.get("agents", []) if isinstance(a, dict)}
