"""Request ids, structured logs and Prometheus metrics."""

from __future__ import annotations

import logging
import re
import sys
import time
import uuid
from typing import Any

import structlog
from fastapi import FastAPI
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_fastapi_instrumentator import Instrumentator
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.access import Access, access

REQUEST_ID_HEADER = "X-Request-ID"
# A caller's id is echoed only if it is short and printable, so it cannot inject into logs or headers.
_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")

access_log = structlog.get_logger("bff.access")


def configure_logging(*, level: str, fmt: str) -> None:
    """JSON lines for machines; a readable console format when a person is watching a terminal."""
    use_console = fmt == "console" or (fmt == "auto" and sys.stderr.isatty())
    renderer: Any = (
        structlog.dev.ConsoleRenderer() if use_console else structlog.processors.JSONRenderer()
    )
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    structlog.configure(
        processors=[
            *shared,
            structlog.processors.StackInfoRenderer(),
            structlog.processors.format_exc_info if not use_console else structlog.dev.set_exc_info,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
        cache_logger_on_first_use=False,
    )


class RequestIdMiddleware:
    """Accepts a well-formed ``X-Request-ID`` or makes one, echoes it and binds it to every log line."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        request_id = incoming if _VALID_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        # Per the ASGI lifespan spec the server hands each request a *copy* of the lifespan state;
        # copying again here keeps per-request values (request id, actor) from leaking between
        # requests under servers or test harnesses that pass the same dict.
        scope["state"] = {**scope.get("state", {}), "request_id": request_id}
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message)[REQUEST_ID_HEADER] = request_id
            await send(message)

        structlog.contextvars.bind_contextvars(request_id=request_id)
        try:
            await self.app(scope, receive, send_with_id)
        finally:
            access_log.info(
                "request",
                method=scope["method"],
                path=scope["path"],
                status=status,
                duration_ms=round((time.perf_counter() - started) * 1000, 2),
            )
            structlog.contextvars.unbind_contextvars("request_id")


def instrument(app: FastAPI) -> None:
    """Prometheus metrics at ``/metrics``, on a registry of this app's own (tests build many apps)."""
    registry = CollectorRegistry()
    Instrumentator(
        registry=registry,
        excluded_handlers=["/metrics", "/health"],
        should_group_status_codes=False,
    ).instrument(app)

    @app.get("/metrics", include_in_schema=False, openapi_extra=access(Access.PUBLIC))
    async def metrics() -> Response:
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
