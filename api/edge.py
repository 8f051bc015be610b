"""The HTTP edge: one pure-ASGI middleware for what every request crosses before routing.

- **Body limit.** A body whose ``Content-Length`` is over the limit is refused with 413 before a
  byte of it is read; a body without one (chunked) is counted as the app reads it, and reading stops
  with 413 once it passes the limit. Either way nothing has parsed it yet.
- **Security headers** on every answer: ``X-Content-Type-Options: nosniff``; a CSP that allows
  nothing (``default-src 'none'; frame-ancestors 'none'``) unless the route set its own (the docs
  pages, ``api/docs_ui.py``); ``Cache-Control: no-store`` unless the route set its own (cached
  roster reads answer ``private, no-cache`` with an ``ETag``; the docs assets are public). Tokens,
  accounts, personal data and problems are therefore never stored by a browser or a proxy.
- **CORS** for the listed origins only, through Starlette's ``CORSMiddleware``: a preflight is
  answered here, before routing (which would answer 405); a request from an origin not listed
  passes with no CORS header at all, so nothing is granted to it, credentials least of all.

One layer rather than three: each request is looked at once (one pass over its headers), and a
same-origin GET with no body pays for one loop and one list of pre-encoded headers (see
docs/performance.md, decision D41).
"""

from __future__ import annotations

from collections.abc import Iterable

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import problem_response

_NOSNIFF = (b"x-content-type-options", b"nosniff")
_API_CSP = (b"content-security-policy", b"default-src 'none'; frame-ancestors 'none'")
_NO_STORE = (b"cache-control", b"no-store")
#: what an answer gets, by (has its own Cache-Control, has its own CSP)
_ADDED: dict[tuple[bool, bool], tuple[tuple[bytes, bytes], ...]] = {
    (False, False): (_NOSNIFF, _API_CSP, _NO_STORE),
    (False, True): (_NOSNIFF, _NO_STORE),
    (True, False): (_NOSNIFF, _API_CSP),
    (True, True): (_NOSNIFF,),
}
#: methods whose body no route reads; a body sent with them is not counted
_NO_BODY = frozenset({"GET", "HEAD", "OPTIONS"})

CORS_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")
CORS_REQUEST_HEADERS = (
    "Authorization",
    "Content-Type",
    "If-None-Match",
    "Idempotency-Key",
    "X-Request-ID",
)
CORS_EXPOSED_HEADERS = ("X-Total-Count", "Link", "ETag", "X-Request-ID", "Location", "Retry-After")


class BodyTooLarge(HTTPException):
    """Raised from ``receive`` when a streamed body passes the limit. Inside a route FastAPI's
    exception handling turns it into the 413 problem; outside one, :class:`EdgeMiddleware` does."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"The request body is larger than {limit} bytes.")


class EdgeMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        *,
        max_body_bytes: int,
        cors_origins: Iterable[str] = (),
        cors_origin_regex: str | None = None,
    ) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        origins = tuple(cors_origins)
        self.cors = (
            CORSMiddleware(
                app,
                allow_origins=origins,
                allow_origin_regex=cors_origin_regex,
                allow_methods=CORS_METHODS,
                allow_headers=CORS_REQUEST_HEADERS,
                allow_credentials=True,
                expose_headers=CORS_EXPOSED_HEADERS,
                max_age=600,
            )
            if origins or cors_origin_regex
            else None
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length: bytes | None = None
        origin: bytes | None = None
        for name, value in scope["headers"]:
            if name == b"content-length":
                length = value
            elif name == b"origin":
                origin = value
        limit = self.max_body_bytes
        if length is not None:
            # The server holds the body to its declared length, so a length within the limit
            # needs no counting.
            if not length.isdigit() or int(length) > limit:
                await self._refuse(scope, receive, send, length)
                return
        elif scope["method"] not in _NO_BODY:
            receive = _counted(receive, limit)

        started = False

        async def send_secured(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = message.get("headers") or []
                own_cache = own_csp = False
                for name, _ in headers:
                    if name == b"cache-control":
                        own_cache = True
                    elif name == b"content-security-policy":
                        own_csp = True
                message["headers"] = [*headers, *_ADDED[own_cache, own_csp]]
            await send(message)

        try:
            if origin is None or self.cors is None:
                await self.app(scope, receive, send_secured)
            else:
                await self._cross_origin(self.cors, scope, receive, send_secured, origin)
        except BodyTooLarge as exc:
            if started:
                raise
            answer = problem_response(Request(scope), 413, str(exc.detail))
            await answer(scope, receive, send_secured)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, length: bytes) -> None:
        if length.isdigit():
            status, detail = 413, f"The request body is larger than {self.max_body_bytes} bytes."
        else:
            status, detail = 400, "The Content-Length header is not a number."
        # No keep-alive: the server would otherwise have to read and discard the body.
        answer = problem_response(Request(scope), status, detail, headers={"Connection": "close"})
        await answer(scope, receive, _secured(send))

    async def _cross_origin(
        self, cors: CORSMiddleware, scope: Scope, receive: Receive, send: Send, origin: bytes
    ) -> None:
        headers = Headers(scope=scope)
        if scope["method"] == "OPTIONS" and "access-control-request-method" in headers:
            answer = cors.preflight_response(request_headers=headers)
            if answer.status_code != 200:
                # Starlette answers a refused preflight in plain text and with its grants
                # (credentials included) for any origin; this answers a problem and grants nothing.
                answer = problem_response(
                    Request(scope),
                    400,
                    f"{bytes(answer.body).decode()}: see BFF_CORS_ORIGINS.",
                    slug="cors-refused",
                    headers={"Vary": "Origin"},
                )
            await answer(scope, receive, send)
        elif cors.is_allowed_origin(origin.decode("latin-1")):
            await cors.simple_response(scope, receive, send, request_headers=headers)
        else:
            await self.app(scope, receive, send)


def _counted(receive: Receive, limit: int) -> Receive:
    total = 0

    async def receive_counted() -> Message:
        nonlocal total
        message = await receive()
        if message["type"] == "http.request":
            total += len(message.get("body", b""))
            if total > limit:
                raise BodyTooLarge(limit)
        return message

    return receive_counted


def _secured(send: Send) -> Send:
    async def send_secured(message: Message) -> None:
        if message["type"] == "http.response.start":
            message["headers"] = [*message.get("headers", []), *_ADDED[False, False]]
        await send(message)

    return send_secured
