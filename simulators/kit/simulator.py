"""The base every upstream simulator extends: an ASGI app over seedable, inspectable state.

A subclass supplies ``build_state`` (deterministic for a :class:`SeedSpec`), ``routes`` (the real
wire API, quirks included), ``summarize`` and, usually, ``error_response`` in the upstream's error
format.
Everything else (request log, scripted faults, tokens, clock, ``/_sim/`` control API) lives here.
Subclasses set any attribute ``build_state`` reads *before* calling ``super().__init__``.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from dataclasses import asdict, dataclass, replace
from http import HTTPStatus
from typing import Any, ClassVar, Generic, TypeVar

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Mount
from starlette.types import ASGIApp

from simulators.kit.clock import SimClock
from simulators.kit.control import control_routes
from simulators.kit.faults import FaultPlan, FaultRule
from simulators.kit.middleware import CONTROL_PREFIX, SimulatorMiddleware
from simulators.kit.requestlog import RequestLog
from simulators.kit.tokens import TokenStore

StateT = TypeVar("StateT")


@dataclass(frozen=True, slots=True)
class SeedSpec:
    """What a simulator's demo data is generated from: the same spec always gives the same data."""

    seed: int = 0
    users: int = 60
    classes: int = 6

    def __post_init__(self) -> None:
        if self.users < 0 or self.classes < 0:
            raise ValueError("users and classes cannot be negative")


class Simulator(ABC, Generic[StateT]):
    system: ClassVar[str]
    #: Hosts the sandbox routes to this simulator; the first one is its default public URL.
    hosts: ClassVar[tuple[str, ...]]
    default_token_ttl: ClassVar[int] = 3600
    #: the simulator (by upstream name) whose tokens this one accepts when both run in one sandbox:
    #: TimeBack's QTI and Caliper hosts accept the token its identity provider issued, as the real
    #: ones do; standalone, a simulator issues its own at ``/oauth2/token``
    accepts_tokens_of: ClassVar[str | None] = None
    #: whether a path with a trailing slash too many is redirected (Starlette's default); an API
    #: that answers such a path 404 instead, as TimeBack's does, sets this False
    redirect_slashes: ClassVar[bool] = True
    #: the simulator (by upstream name) whose live state this one builds on when both run in one
    #: sandbox (PowerPath's lessons are TimeBack's course components): the sandbox hands it over
    #: through :meth:`read_state_of`; standalone, a simulator builds its own copy from its seed
    reads_state_of: ClassVar[str | None] = None

    def __init__(
        self,
        *,
        seed: int = 0,
        users: int = 60,
        classes: int = 6,
        public_url: str | None = None,
        token_ttl: int | None = None,
        log_size: int = 1000,
        hang_seconds: float = 300.0,
        rate_limit_per_second: float | None = None,
        demo_data: bool = False,
    ) -> None:
        #: the sandbox's extras for a front end's screens (e.g. a filled gradebook), which tests
        #: of the bare wire API do not expect; ``build_state`` may read it
        self.demo_data = demo_data
        self.clock = SimClock()
        self.faults = FaultPlan()
        self.log = RequestLog(maxlen=log_size)
        self.tokens = TokenStore(self.clock, ttl=token_ttl or self.default_token_ttl)
        self.hang_seconds = hang_seconds
        #: requests per second before 429 + Retry-After (None: unlimited); survives ``reset``
        self.rate_limit_per_second = rate_limit_per_second
        self.faults.set_rate_limit(rate_limit_per_second)
        self.public_url = (public_url or f"http://{self.hosts[0]}").rstrip("/")
        self.spec = SeedSpec(seed, users, classes)
        self.state: StateT = self.build_state(self.spec)
        self.app: ASGIApp = SimulatorMiddleware(self._starlette(), self)

    # -- what a subclass provides -------------------------------------------------------------

    @abstractmethod
    def build_state(self, spec: SeedSpec) -> StateT:
        """Fresh state with the demo data for ``spec``; must depend on nothing else."""

    @abstractmethod
    def routes(self) -> list[BaseRoute]:
        """The upstream's wire API."""

    @abstractmethod
    def summarize(self) -> dict[str, object]:
        """Counts and facts about the state, for ``/_sim/state``."""

    def error_response(self, status: int, detail: str | None = None) -> Response:
        """An error in the upstream's own format; used for scripted faults and unknown routes."""
        return JSONResponse({"error": detail or _phrase(status)}, status_code=status)

    def read_state_of(self, other: Simulator[Any]) -> None:
        """Build on ``other``'s live state from now on (see ``reads_state_of``)."""
        raise NotImplementedError(f"{self.system} reads no other simulator's state")

    # -- scripting ----------------------------------------------------------------------------

    def fail_next(
        self,
        status: int,
        *,
        times: int = 1,
        headers: dict[str, str] | None = None,
        body: object = None,
        path: str | None = None,
    ) -> None:
        self.faults.fail_next(status, times=times, headers=headers, body=body, path=path)

    def add_latency(
        self, seconds: float, *, times: int | None = None, path: str | None = None
    ) -> None:
        self.faults.add_latency(seconds, times=times, path=path)

    def timeout_next(self, times: int = 1, *, path: str | None = None) -> None:
        self.faults.timeout_next(times=times, path=path)

    def seed(
        self, seed: int | None = None, *, users: int | None = None, classes: int | None = None
    ) -> None:
        """Replace the data with the demo data for the given spec (unset parts keep their value)."""
        changes = {"seed": seed, "users": users, "classes": classes}
        self.spec = replace(self.spec, **{k: v for k, v in changes.items() if v is not None})
        self.state = self.build_state(self.spec)

    def reset(self) -> None:
        """Back to a freshly seeded simulator: same spec, no faults, log, tokens or clock offset."""
        self.faults.clear()
        self.faults.set_rate_limit(self.rate_limit_per_second)
        self.log.clear()
        self.tokens.clear()
        self.clock.reset()
        self.state = self.build_state(self.spec)

    def describe(self) -> dict[str, object]:
        return {
            "system": self.system,
            "public_url": self.public_url,
            "seed": asdict(self.spec),
            "state": self.summarize(),
            "tokens": {"issued": len(self.tokens), "live": self.tokens.live()},
            "faults": self.faults.describe(),
            "requests": len(self.log),
            "clock_offset": self.clock.offset,
        }

    # -- used by the middleware ---------------------------------------------------------------

    def fault_response(self, rule: FaultRule) -> Response:
        if rule.body is None:
            response = self.error_response(rule.status)
        elif isinstance(rule.body, bytes | str):
            response = Response(rule.body, status_code=rule.status)
        else:
            response = Response(
                json.dumps(rule.body), status_code=rule.status, media_type="application/json"
            )
        response.headers.update(rule.headers)
        return response

    def hang_response(self) -> Response:
        return self.error_response(504)

    def _starlette(self) -> Starlette:
        async def on_http_error(_: Request, exc: Exception) -> Response:
            assert isinstance(exc, HTTPException)  # noqa: S101 (registered for HTTPException only)
            response = self.error_response(exc.status_code)
            response.headers.update(exc.headers or {})
            return response

        app = Starlette(
            routes=[Mount(CONTROL_PREFIX, routes=control_routes(self)), *self.routes()],
            exception_handlers={HTTPException: on_http_error},
        )
        app.router.redirect_slashes = self.redirect_slashes
        return app


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"
