"""The TimeBack simulator: a Cognito-style token endpoint and the OneRoster rostering API.

Token endpoint: ``client_credentials`` only, credentials by HTTP Basic (timeback-oneroster) or in
the form (timeback), ``{"error": ...}`` bodies. API routes want a live bearer token and answer
everything else with imsx_StatusInfo bodies. Rostering reads are generated from the state's
collections (``/{path}``, ``/{path}/{id}``) and from :data:`~.nested.NESTED`
(``/{parent}/{id}/{child}``); all lists take ``filter``/``search``/``sort``/``orderBy``/``fields``
(:mod:`.query`) and page alike, and collection paths answer with or without the spec's trailing
``/``. Writes (create, update, soft delete, enroll, agent links, grading periods under a term) live
in :mod:`.writes`; the per-school class lists and ``/users/{id}/demographics`` in
:mod:`.nested_reads`; third-party credentials in :mod:`.credentials`.
"""

from __future__ import annotations

import base64
import json
import secrets
import uuid
from collections import Counter

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from simulators.kit.credentials import authenticate_client
from simulators.kit.simulator import SeedSpec, Simulator
from simulators.kit.tokens import TokenStatus
from simulators.timeback.credentials import Credentials
from simulators.timeback.gradebook import Gradebook
from simulators.timeback.gradebook_lists import ClassGradebook
from simulators.timeback.nested import NESTED, Nested
from simulators.timeback.nested_reads import NestedReads
from simulators.timeback.query import (
    QueryError,
    parse_fields,
    parse_query,
    project,
    run_query,
)
from simulators.timeback.resources import Resources
from simulators.timeback.seed import ROSTERING, build_roster
from simulators.timeback.state import JsonObject, Readable, RosterState
from simulators.timeback.wire import (
    InvalidPage,
    imsx_response,
    oauth_error,
    page_response,
    parse_page,
)
from simulators.timeback.writes import PATCHABLE, WRITABLE, NestedWrites, Writes

TOKEN_PATH = "/oauth2/token"  # noqa: S105 (a path, not a secret)
FORM = "application/x-www-form-urlencoded"


class TimebackSimulator(Simulator[RosterState]):
    system = "timeback"
    hosts = ("timeback.sim",)
    default_token_ttl = 3600
    #: an id ending in an escaped slash is an unknown record there, not a redirect
    redirect_slashes = False

    def build_state(self, spec: SeedSpec) -> RosterState:
        return build_roster(spec, public_url=self.public_url, demo_data=self.demo_data)

    def summarize(self) -> dict[str, object]:
        roles = Counter(u["roles"][0]["role"] for u in self.state.users.all())
        counts = {name: len(collection) for name, collection in self.state.stored().items()}
        return {**counts, "roles": dict(roles)}

    def error_response(self, status: int, detail: str | None = None) -> Response:
        return imsx_response(status, detail)

    def routes(self) -> list[BaseRoute]:
        routes: list[BaseRoute] = [Route(TOKEN_PATH, self._token, methods=["POST"])]
        # Starlette tries routes in order: ``/courses/components`` before ``/courses/{id}``
        for name in sorted(self.state.collections(), key=lambda n: "/" not in n):
            routes += self._collection_routes(name)
        routes += self._nested_write_routes()
        routes += Credentials(self).routes()
        routes += NestedReads(self).routes(_page)
        routes += Gradebook(self).routes(_page)
        routes += ClassGradebook(self).routes(_page)
        routes += Resources(self).routes(_page)
        routes += [self._nested_route(nested) for nested in NESTED]
        return routes

    async def _token(self, request: Request) -> Response:
        if not request.headers.get("content-type", "").startswith(FORM):
            return oauth_error("invalid_request", 400)
        form = await request.form()
        grant_type = form.get("grant_type")
        if not isinstance(grant_type, str) or not grant_type:
            return oauth_error("invalid_request", 400)
        authorization = request.headers.get("authorization", "")
        client_id = authenticate_client(authorization, form, self.state.clients.get)
        if client_id is None:
            return oauth_error("invalid_client", 401)
        if grant_type != "client_credentials":
            return oauth_error("unsupported_grant_type", 400)
        token = self.tokens.issue(client_id, value=self._access_token(client_id))
        return JSONResponse(
            {"access_token": token.value, "expires_in": self.tokens.ttl, "token_type": "Bearer"},
            headers={"Cache-Control": "no-store", "Pragma": "no-cache"},
        )

    def _access_token(self, client_id: str) -> str:
        """Shaped like a Cognito JWT; nothing checks the signature, clients treat it as opaque."""
        now = int(self.clock.now())
        header = {"kid": "sim", "alg": "RS256"}
        claims = {
            "sub": client_id,
            "token_use": "access",
            "scope": "",
            "auth_time": now,
            "iss": self.public_url,
            "exp": now + self.tokens.ttl,
            "iat": now,
            "jti": str(uuid.uuid4()),
            "client_id": client_id,
        }
        parts = [_b64(json.dumps(header)), _b64(json.dumps(claims)), secrets.token_urlsafe(32)]
        return ".".join(parts)

    def _denied(self, request: Request) -> Response | None:
        scheme, _, value = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not value.strip():
            return imsx_response(401, "Unauthorized: missing bearer token")
        status, _ = self.tokens.check(value.strip())
        if status is TokenStatus.EXPIRED:
            return imsx_response(401, "Unauthorized: token expired")
        if status is TokenStatus.UNKNOWN:
            return imsx_response(401, "Unauthorized: invalid token")
        return None

    def _collection_routes(self, name: str) -> list[BaseRoute]:
        async def list_entities(request: Request) -> Response:
            if denied := self._denied(request):
                return denied
            collection = self.state.collections()[name]
            return _page(request, collection.plural, collection, collection.fields)

        async def get_entity(request: Request) -> Response:
            if denied := self._denied(request):
                return denied
            collection = self.state.collections()[name]
            entity = collection.get(request.path_params["sourced_id"])
            if entity is None:
                return imsx_response(404, f"{collection.label} not found")
            try:
                fields = parse_fields(request.query_params, frozenset(collection.fields))
            except QueryError as exc:
                return exc.response()
            return JSONResponse({collection.singular: project([entity], fields)[0]})

        path = f"{ROSTERING}/{name}"
        routes: list[BaseRoute] = [
            Route(path, list_entities, methods=["GET"]),
            Route(f"{path}/", list_entities, methods=["GET"]),  # the spec's spelling
            Route(f"{path}/{{sourced_id}}", get_entity, methods=["GET"]),
        ]
        if name in WRITABLE:
            writes = Writes(self, name)
            routes += [
                Route(path, writes.create, methods=["POST"]),
                Route(f"{path}/", writes.create, methods=["POST"]),
                Route(f"{path}/{{sourced_id}}", writes.update, methods=["PUT"]),
                Route(f"{path}/{{sourced_id}}", writes.delete, methods=["DELETE"]),
            ]
            if name in PATCHABLE:
                routes.append(Route(f"{path}/{{sourced_id}}", writes.patch, methods=["PATCH"]))
        return routes

    def _nested_route(self, nested: Nested) -> BaseRoute:
        async def list_children(request: Request) -> Response:
            if denied := self._denied(request):
                return denied
            parents = self.state.collections()[nested.parent]
            parent = parents.get(request.path_params["sourced_id"])
            if parent is None:
                return imsx_response(404, f"{parents.label} not found")
            known = self.state.fields_for(nested.key)
            return _page(request, nested.key, nested.children(self.state, parent), known)

        path = f"{ROSTERING}/{nested.parent}/{{sourced_id}}/{nested.child}"
        return Route(path, list_children, methods=["GET"])

    def _nested_write_routes(self) -> list[BaseRoute]:
        writes = NestedWrites(self)
        return [
            Route(f"{ROSTERING}/classes/{{sourced_id}}/students", writes.enroll, methods=["POST"]),
            Route(f"{ROSTERING}/classes/{{sourced_id}}/teachers", writes.enroll, methods=["POST"]),
            Route(f"{ROSTERING}/users/{{sourced_id}}/agents", writes.add_agent, methods=["POST"]),
            Route(
                f"{ROSTERING}/terms/{{sourced_id}}/gradingPeriods",
                Writes(self, "gradingPeriods").create_for_term,
                methods=["POST"],
            ),
            Route(
                f"{ROSTERING}/users/{{sourced_id}}/agents/{{agent_id}}",
                writes.remove_agent,
                methods=["DELETE"],
            ),
        ]


def _page(
    request: Request, key: str, items: Readable | list[JsonObject], known: set[str]
) -> Response:
    try:
        page = parse_page(request.query_params)
        query = parse_query(request.query_params, frozenset(known), key)
    except InvalidPage as exc:
        return imsx_response(400, str(exc))
    except QueryError as exc:
        return exc.response()
    found = run_query(items, query, key)
    return page_response(request.url, key, found, page, lambda w: project(w, query.fields))


def _b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).rstrip(b"=").decode()
