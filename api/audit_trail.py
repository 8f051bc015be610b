"""Appends every write made through the BFF to the audit trail, whatever its outcome.

It sits in the middleware stack rather than in each use case so that no route can forget it: any
method other than GET/HEAD/OPTIONS is recorded with the caller (when authenticated), the route, the
resource ids in the path and the status it ended with.
"""

from __future__ import annotations

from typing import Any

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from tenacity import AsyncRetrying, retry_if_exception_type, stop_after_attempt, wait_exponential

from domain.errors import StorageUnavailable
from domain.models.identity import Actor, AuditEvent, Outcome

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
#: tries of one audit write when the database is busy (about 10 s in all)
AUDIT_ATTEMPTS = 6
AUDIT_WAIT = wait_exponential(multiplier=0.2, max=3)
log = structlog.get_logger(__name__)


def outcome_of(status: int) -> Outcome:
    if status < 400:
        return Outcome.SUCCESS
    if status in {401, 403, 429}:
        return Outcome.DENIED
    return Outcome.FAILED


class AuditTrailMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in SAFE_METHODS:
            await self.app(scope, receive, send)
            return
        status = 500

        async def capture(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, capture)
        finally:
            await self._record(scope, status)

    async def _record(self, scope: Scope, status: int) -> None:
        state: dict[str, Any] = scope.get("state", {})
        container = state.get("container")
        if container is None:
            return
        actor = state.get("actor")
        route = scope.get("route")
        template = getattr(route, "path", None) or "(no route)"
        params: dict[str, Any] = scope.get("path_params", {})
        segments = [s for s in template.split("/") if s and not s.startswith("{") and s != "v1"]
        client = scope.get("client")
        event = AuditEvent(
            at=container.clock.now(),
            actor_account_id=actor.account_id if isinstance(actor, Actor) else None,
            actor_role=actor.role.value if isinstance(actor, Actor) else None,
            action=f"{scope['method']} {template}",
            resource_type=segments[0] if segments else "(none)",
            resource_id=",".join(str(v) for v in params.values()) or None,
            outcome=outcome_of(status),
            status=status,
            request_id=state.get("request_id"),
            client_address=client[0] if client else None,
        )
        try:
            # A busy database (SQLite's one writer under load) is worth waiting for: the write
            # already happened and its audit entry must not be lost to a moment of contention.
            async for attempt in AsyncRetrying(
                retry=retry_if_exception_type(StorageUnavailable),
                stop=stop_after_attempt(AUDIT_ATTEMPTS),
                wait=AUDIT_WAIT,
                reraise=True,
            ):
                with attempt:
                    await container.audit().record(event)
        except Exception:  # the response is already sent; an audit failure must be loud, not fatal
            log.exception("audit_write_failed", action=event.action, status=status)
