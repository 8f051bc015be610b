"""The ``/_sim/`` control API: how a harness scripts a simulator it reaches over a socket.

It mirrors the Python methods (``fail_next``, ``add_latency``, ``timeout_next``,
``faults.set_rate_limit`` as ``POST /faults/rate-limit {"per_second"}``, ``faults.set_chaos`` as
``POST /faults/chaos {"rate", "seed", "kinds"}``, ``seed``, ``reset``)
and exposes the request log. None of it exists upstream, so it imitates no wire format.
"""

from __future__ import annotations

from typing import Any, Literal, Protocol, TypeVar

from pydantic import BaseModel, Field, ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from simulators.kit.clock import SimClock
from simulators.kit.faults import CHAOS_KINDS, FaultPlan
from simulators.kit.requestlog import RequestLog


class Controllable(Protocol):
    clock: SimClock
    faults: FaultPlan
    log: RequestLog

    def describe(self) -> dict[str, object]: ...

    def seed(
        self, seed: int | None = None, *, users: int | None = None, classes: int | None = None
    ) -> None: ...

    def reset(self) -> None: ...


class _Fail(BaseModel):
    status: int = Field(ge=400, le=599)
    times: int = Field(default=1, ge=1)
    headers: dict[str, str] = Field(default_factory=dict)
    body: Any = None
    path: str | None = None


class _Latency(BaseModel):
    seconds: float = Field(ge=0)
    times: int | None = Field(default=None, ge=1)
    path: str | None = None


class _Timeout(BaseModel):
    times: int = Field(default=1, ge=1)
    path: str | None = None


class _RateLimit(BaseModel):
    per_second: float | None = Field(default=None, gt=0)
    path: str | None = None


class _Chaos(BaseModel):
    rate: float | None = Field(default=None, gt=0, le=1)
    seed: int = 0
    kinds: list[Literal["error", "throttle", "hang", "lost_reply"]] = Field(
        default_factory=lambda: list(CHAOS_KINDS), min_length=1
    )
    path: str | None = None


class _Seed(BaseModel):
    seed: int | None = None
    users: int | None = Field(default=None, ge=0)
    classes: int | None = Field(default=None, ge=0)


class _Clock(BaseModel):
    advance: float = Field(ge=0)


M = TypeVar("M", bound=BaseModel)


def control_routes(sim: Controllable) -> list[Route]:
    async def state(_: Request) -> Response:
        return JSONResponse(sim.describe())

    async def requests(request: Request) -> Response:
        path = request.query_params.get("path")
        entries = sim.log.entries(path=path)
        limit = int(request.query_params.get("limit", "0") or 0)
        if limit > 0:
            entries = entries[-limit:]
        return JSONResponse({"total": len(sim.log), "requests": [e.to_json() for e in entries]})

    async def clear_requests(_: Request) -> Response:
        sim.log.clear()
        return Response(status_code=204)

    async def faults(_: Request) -> Response:
        return JSONResponse({"faults": sim.faults.describe()})

    async def clear_faults(_: Request) -> Response:
        sim.faults.clear()
        return Response(status_code=204)

    async def fail(request: Request) -> Response:
        body = await _parse(request, _Fail)
        if isinstance(body, Response):
            return body
        sim.faults.fail_next(
            body.status, times=body.times, headers=body.headers, body=body.body, path=body.path
        )
        return JSONResponse({"faults": sim.faults.describe()}, status_code=201)

    async def latency(request: Request) -> Response:
        body = await _parse(request, _Latency)
        if isinstance(body, Response):
            return body
        sim.faults.add_latency(body.seconds, times=body.times, path=body.path)
        return JSONResponse({"faults": sim.faults.describe()}, status_code=201)

    async def timeout(request: Request) -> Response:
        body = await _parse(request, _Timeout)
        if isinstance(body, Response):
            return body
        sim.faults.timeout_next(times=body.times, path=body.path)
        return JSONResponse({"faults": sim.faults.describe()}, status_code=201)

    async def rate_limit(request: Request) -> Response:
        body = await _parse(request, _RateLimit)
        if isinstance(body, Response):
            return body
        sim.faults.set_rate_limit(body.per_second, path=body.path)
        return JSONResponse({"faults": sim.faults.describe()}, status_code=201)

    async def chaos(request: Request) -> Response:
        body = await _parse(request, _Chaos)
        if isinstance(body, Response):
            return body
        sim.faults.set_chaos(body.rate, seed=body.seed, kinds=tuple(body.kinds), path=body.path)
        return JSONResponse({"faults": sim.faults.describe()}, status_code=201)

    async def reseed(request: Request) -> Response:
        body = await _parse(request, _Seed)
        if isinstance(body, Response):
            return body
        sim.seed(body.seed, users=body.users, classes=body.classes)
        return JSONResponse(sim.describe())

    async def reset(_: Request) -> Response:
        sim.reset()
        return JSONResponse(sim.describe())

    async def clock(request: Request) -> Response:
        body = await _parse(request, _Clock)
        if isinstance(body, Response):
            return body
        sim.clock.advance(body.advance)
        return JSONResponse({"offset": sim.clock.offset, "now": sim.clock.utcnow().isoformat()})

    return [
        Route("/", state, methods=["GET"]),
        Route("/state", state, methods=["GET"]),
        Route("/requests", requests, methods=["GET"]),
        Route("/requests", clear_requests, methods=["DELETE"]),
        Route("/faults", faults, methods=["GET"]),
        Route("/faults", clear_faults, methods=["DELETE"]),
        Route("/faults/fail", fail, methods=["POST"]),
        Route("/faults/latency", latency, methods=["POST"]),
        Route("/faults/timeout", timeout, methods=["POST"]),
        Route("/faults/rate-limit", rate_limit, methods=["POST"]),
        Route("/faults/chaos", chaos, methods=["POST"]),
        Route("/seed", reseed, methods=["POST"]),
        Route("/reset", reset, methods=["POST"]),
        Route("/clock", clock, methods=["POST"]),
    ]


async def _parse(request: Request, model: type[M]) -> M | Response:
    raw = await request.body()
    try:
        return model.model_validate_json(raw or b"{}")
    except ValidationError as exc:
        errors = exc.errors(include_url=False, include_context=False, include_input=False)
        return JSONResponse({"detail": errors}, status_code=422)
