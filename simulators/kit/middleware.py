"""The ASGI layer in front of every simulator's routes: request log and scripted faults.

Control requests (``/_sim/...``) pass straight through, unlogged and never faulted, so a harness can
always reach a simulator it has told to fail.
"""

from __future__ import annotations

import time
from typing import Protocol

import anyio
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from simulators.kit.clock import SimClock
from simulators.kit.faults import FaultPlan, FaultRule
from simulators.kit.requestlog import RequestLog, RequestRecord, redact_headers, redact_query

CONTROL_PREFIX = "/_sim"


class FaultedSimulator(Protocol):
    clock: SimClock
    faults: FaultPlan
    log: RequestLog
    hang_seconds: float

    def fault_response(self, rule: FaultRule) -> Response: ...

    def hang_response(self) -> Response: ...


class SimulatorMiddleware:
    def __init__(self, app: ASGIApp, sim: FaultedSimulator) -> None:
        self.app = app
        self.sim = sim

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope.get("path", "")
        if (
            scope["type"] != "http"
            or path == CONTROL_PREFIX
            or path.startswith(CONTROL_PREFIX + "/")
        ):
            await self.app(scope, receive, send)
            return

        body_bytes = 0
        status: int | None = None

        async def counting_receive() -> Message:
            nonlocal body_bytes
            message = await receive()
            if message["type"] == "http.request":
                body_bytes += len(message.get("body", b""))
            return message

        async def recording_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        started_at = self.sim.clock.utcnow().isoformat()
        t0 = time.perf_counter()
        action = self.sim.faults.next_action(path)
        fault = None
        try:
            if action.latency:
                fault = f"latency {action.latency:g}s"
                await anyio.sleep(action.latency)
            if action.hang:
                fault = "hang"
                await self._hang(scope, counting_receive, recording_send)
            elif action.failure is not None and action.lose_reply:
                fault = f"lost reply {action.failure.status}"
                await self.app(scope, counting_receive, _swallow)
                response = self.sim.fault_response(action.failure)
                await response(scope, counting_receive, recording_send)
            elif action.failure is not None:
                fault = f"fail {action.failure.status}"
                response = self.sim.fault_response(action.failure)
                await response(scope, counting_receive, recording_send)
            else:
                await self.app(scope, counting_receive, recording_send)
        finally:
            # runs on cancellation too: an in-process client timeout still leaves a log entry
            self.sim.log.record(
                RequestRecord(
                    method=scope["method"],
                    host=_host(scope),
                    path=path,
                    query=redact_query(scope.get("query_string", b"").decode("latin-1")),
                    headers=redact_headers(scope.get("headers", [])),
                    body_bytes=body_bytes,
                    status=status,
                    started_at=started_at,
                    duration_ms=round((time.perf_counter() - t0) * 1000, 3),
                    fault=fault,
                )
            )

    async def _hang(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Wait until the client hangs up; if it never does, answer like a gateway that gave up."""
        with anyio.move_on_after(self.sim.hang_seconds):
            while (await receive())["type"] != "http.disconnect":
                pass
            return
        await self.sim.hang_response()(scope, receive, send)


async def _swallow(_message: Message) -> None:
    """Drop the route's reply: the work is done, the client never hears about it."""


def _host(scope: Scope) -> str:
    for key, value in scope.get("headers", []):
        if key == b"host":
            return str(value.decode("latin-1"))
    return ""
