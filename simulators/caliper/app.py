"""The TimeBack Caliper simulator (``caliper.timeback.sim``; reference §3.6, §4.8, §9).

* ``POST /caliper/event``: an envelope checked by :mod:`.checks`; 400 ``{status: "error",
  message, errors}`` naming every problem, else 200 ``{status: "success", message, jobId}`` and
  an ingestion job (:mod:`.state`) that stores the events when it completes.
* ``POST /caliper/event/validate``: the same checks, nothing stored; 200 ``{status: "success"}``
  or, for an envelope that fails them, 200 ``{status: "error", message, errors}``, the answer
  timeback-caliper's ``validate`` parses (reference §9; the spec file documents a 400, which
  remains the answer to a body that is not JSON).
* ``GET /caliper/events`` (``limit``, ``offset``, ``sensor``, ``startDate``, ``endDate``,
  ``actorId``, ``actorEmail``) -> ``{events, pagination}``; ``GET /caliper/events/{externalId}``
  -> ``{event}``; ``GET /jobs/{id}/status`` -> ``{job}``. The last two are not in the spec file
  but exist and the official client calls them.

In a sandbox it accepts the TimeBack simulator's tokens (``accepts_tokens_of``); standalone it
answers ``POST /oauth2/token`` itself for the sandbox TimeBack client.
"""

from __future__ import annotations

import json
from datetime import datetime

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route

from simulators.caliper import wire
from simulators.caliper.checks import check_envelope, is_event, parse_datetime
from simulators.caliper.control import caliper_control_routes
from simulators.caliper.state import CaliperState, JsonObject
from simulators.kit.credentials import authenticate_client
from simulators.kit.simulator import SeedSpec, Simulator
from simulators.kit.tokens import IssuedToken, TokenStatus

TOKEN_PATH = "/oauth2/token"  # noqa: S105 (a path, not a secret)
FORM = "application/x-www-form-urlencoded"
#: the sandbox TimeBack client (``.env.example``); TimeBack's identity provider serves Caliper too
SANDBOX_CLIENTS = {"sandbox-client": "sandbox-secret"}


class CaliperSimulator(Simulator[CaliperState]):
    system = "caliper"
    hosts = ("caliper.timeback.sim",)
    accepts_tokens_of = "timeback"
    #: simulator seconds a job takes per step (waiting -> active -> finished); polls step too
    job_step_seconds: float = 1.0

    # -- the kit's hooks ------------------------------------------------------------------------

    def build_state(self, spec: SeedSpec) -> CaliperState:
        # nothing to seed: events exist only once someone sends them
        del spec
        return CaliperState(step_seconds=self.job_step_seconds)

    def summarize(self) -> dict[str, object]:
        self.settle()
        return self.state.summary()

    def error_response(self, status: int, detail: str | None = None) -> Response:
        return wire.error(status, detail)

    def routes(self) -> list[BaseRoute]:
        return [
            Route(TOKEN_PATH, self._token, methods=["POST"]),
            Route("/caliper/event", self._send, methods=["POST"]),
            Route("/caliper/event/validate", self._validate, methods=["POST"]),
            Route("/caliper/events", self._list, methods=["GET"]),
            Route("/caliper/events/{external_id:path}", self._get, methods=["GET"]),
            Route("/jobs/{job_id}/status", self._job, methods=["GET"]),
        ]

    def _starlette(self) -> Starlette:
        # the kit mounts its own /_sim routes; Caliper's extra controls sit in front of them
        inner = super()._starlette()
        return Starlette(
            routes=[
                Mount("/_sim/caliper", routes=caliper_control_routes(self)),
                Mount("/", app=inner),
            ]
        )

    # -- scripting and inspection (Python; /_sim/caliper/ over a socket) ------------------------

    def fail_next_jobs(self, times: int = 1, *, reason: str = "Processing failed") -> None:
        """The next ``times`` accepted envelopes get jobs that fail, storing nothing."""
        if times < 1:
            raise ValueError("times must be at least 1")
        self.state.job_failures += [reason] * times

    def set_job_step(self, seconds: float) -> None:
        """Simulator seconds per job step (0: jobs finish at once)."""
        if seconds < 0:
            raise ValueError("a job step cannot be negative")
        self.job_step_seconds = seconds
        self.state.step_seconds = seconds

    def settle(self) -> None:
        self.state.settle(self.clock.now())

    def store_counts(self) -> dict[str, int]:
        """How many rows each event id (``externalId``) was stored as."""
        self.settle()
        return self.state.store_counts()

    def stored_events(self) -> list[JsonObject]:
        self.settle()
        return list(self.state.events)

    # -- the token endpoint (standalone only; a sandbox's TimeBack issues the tokens) -----------

    async def _token(self, request: Request) -> Response:
        if not request.headers.get("content-type", "").startswith(FORM):
            return _oauth_error("invalid_request", 400)
        form = await request.form()
        grant_type = form.get("grant_type")
        if not isinstance(grant_type, str) or not grant_type:
            return _oauth_error("invalid_request", 400)
        client_id = authenticate_client(
            request.headers.get("authorization", ""), form, SANDBOX_CLIENTS.get
        )
        if client_id is None:
            return _oauth_error("invalid_client", 401)
        if grant_type != "client_credentials":
            return _oauth_error("unsupported_grant_type", 400)
        token = self.tokens.issue(client_id)
        return JSONResponse(
            {"access_token": token.value, "expires_in": self.tokens.ttl, "token_type": "Bearer"},
            headers={"Cache-Control": "no-store", "Pragma": "no-cache"},
        )

    def _caller(self, request: Request) -> IssuedToken | Response:
        scheme, _, value = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not value.strip():
            return wire.error(401, "Unauthorized: missing bearer token")
        status, token = self.tokens.check(value.strip())
        if status is TokenStatus.EXPIRED:
            return wire.error(401, "Unauthorized: token expired")
        if status is TokenStatus.UNKNOWN or token is None:
            return wire.error(401, "Unauthorized: invalid token")
        return token

    # -- the API ----------------------------------------------------------------------------------

    async def _send(self, request: Request) -> Response:
        caller = self._caller(request)
        if isinstance(caller, Response):
            return caller
        body = await _json(request)
        if isinstance(body, Response):
            return body
        problems = check_envelope(body)
        if problems:
            return wire.invalid(problems)
        assert isinstance(body, dict)  # noqa: S101 (check_envelope refuses anything else)
        events = [item for item in body["data"] if is_event(item)]
        self.settle()
        job = self.state.add_job(
            sensor=body["sensor"],
            send_time=body["sendTime"],
            events=events,
            client_app_id=caller.subject,
            now=self.clock.now(),
            fail_reason=self.state.next_job_failure(),
        )
        return JSONResponse(
            {
                "status": "success",
                "message": f"{len(events)} events received and queued for processing",
                "jobId": job.id,
            }
        )

    async def _validate(self, request: Request) -> Response:
        caller = self._caller(request)
        if isinstance(caller, Response):
            return caller
        body = await _json(request)
        if isinstance(body, Response):
            return body
        problems = check_envelope(body)
        if problems:
            return wire.invalid(problems, status=200)
        return JSONResponse({"status": "success", "message": "The envelope is valid"})

    async def _list(self, request: Request) -> Response:
        caller = self._caller(request)
        if isinstance(caller, Response):
            return caller
        params = request.query_params
        try:
            limit = _count(params.get("limit"), wire.DEFAULT_LIMIT, minimum=1, name="limit")
            offset = _count(params.get("offset"), 0, minimum=0, name="offset")
            since = _date(params.get("startDate"), "startDate")
            until = _date(params.get("endDate"), "endDate")
        except ValueError as exc:
            return wire.error(400, str(exc))
        limit = min(limit, wire.MAX_LIMIT)
        self.settle()
        sensor, actor_id = params.get("sensor"), params.get("actorId")
        email = params.get("actorEmail")
        rows = [
            row
            for row in self.state.events
            if (sensor is None or row["sensor"] == sensor)
            and (actor_id is None or _actor_id(row) == actor_id)
            and (email is None or _actor_email(row) == email)
            and _within(row, since, until)
        ]
        return wire.page(rows[offset : offset + limit], total=len(rows), limit=limit, offset=offset)

    async def _get(self, request: Request) -> Response:
        caller = self._caller(request)
        if isinstance(caller, Response):
            return caller
        self.settle()
        row = self.state.event(request.path_params["external_id"])
        if row is None:
            return wire.error(404, "Event not found")
        return JSONResponse({"event": row})

    async def _job(self, request: Request) -> Response:
        caller = self._caller(request)
        if isinstance(caller, Response):
            return caller
        job = self.state.jobs.get(request.path_params["job_id"])
        if job is None:
            return wire.error(404, "Job not found")
        self.settle()  # older jobs whose time came store their events first
        self.state.poll(job, self.clock.now())
        return JSONResponse({"job": job.to_json()})


async def _json(request: Request) -> object | Response:
    raw = await request.body()
    try:
        body: object = json.loads(raw)
    except (UnicodeDecodeError, ValueError, RecursionError):
        # RecursionError: nested deeper than the parser goes, which no envelope needs
        return wire.error(400, "The request body is not valid JSON")
    return body


def _count(raw: str | None, default: int, *, minimum: int, name: str) -> int:
    if raw is None or raw == "":
        return default
    try:
        number = float(raw)
    except ValueError:
        number = float("nan")
    if not number.is_integer() or number < minimum:
        raise ValueError(f"{name} must be an integer of at least {minimum}")
    return int(number)


def _date(raw: str | None, name: str) -> datetime | None:
    if raw is None or raw == "":
        return None
    try:
        return parse_datetime(raw)
    except ValueError:
        raise ValueError(f"{name} must be an ISO 8601 date or date-time") from None


def _within(row: JsonObject, since: datetime | None, until: datetime | None) -> bool:
    if since is None and until is None:
        return True
    when = parse_datetime(str(row["eventTime"]))
    return (since is None or when >= since) and (until is None or when <= until)


def _actor_id(row: JsonObject) -> object:
    actor = row.get("actor")
    return actor.get("id") if isinstance(actor, dict) else actor


def _actor_email(row: JsonObject) -> object:
    actor = row.get("actor")
    if not isinstance(actor, dict):
        return None
    extensions = actor.get("extensions")
    nested = extensions.get("email") if isinstance(extensions, dict) else None
    return actor.get("email", nested)


def _oauth_error(code: str, status: int) -> Response:
    return JSONResponse({"error": code}, status_code=status)
