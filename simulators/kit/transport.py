"""httpx transports that put a simulator where a network would be.

``httpx.ASGITransport`` ignores timeouts: a simulator told to hang would hang the client forever.
:class:`SimulatorTransport` enforces the request's read timeout so a hang surfaces as
``httpx.ReadTimeout``, as it would over a socket. :class:`HostRouter` picks a transport by host,
so one client configuration reaches several simulators.
"""

from __future__ import annotations

from collections.abc import Mapping

import anyio
import httpx
from starlette.types import ASGIApp


class SimulatorTransport(httpx.AsyncBaseTransport):
    def __init__(self, app: ASGIApp, *, raise_app_exceptions: bool = False) -> None:
        # A simulator bug answers 500 like a real server would, unless a test asks to see it raise.
        self._inner = httpx.ASGITransport(
            app=app,
            raise_app_exceptions=raise_app_exceptions,
            client=("127.0.0.1", 49152),
        )

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        timeouts = request.extensions.get("timeout") or {}
        read = timeouts.get("read")
        if read is None:
            return await self._inner.handle_async_request(request)
        with anyio.move_on_after(read):
            return await self._inner.handle_async_request(request)
        raise httpx.ReadTimeout(f"simulator gave no answer within {read:g} s", request=request)

    async def aclose(self) -> None:
        await self._inner.aclose()


class HostRouter(httpx.AsyncBaseTransport):
    def __init__(self, routes: Mapping[str, httpx.AsyncBaseTransport]) -> None:
        self._routes = {host.lower(): transport for host, transport in routes.items()}

    @property
    def hosts(self) -> tuple[str, ...]:
        return tuple(self._routes)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        transport = self._routes.get(request.url.host.lower())
        if transport is None:
            # what an unknown name looks like on a real network
            raise httpx.ConnectError(
                f"no simulator serves host {request.url.host!r}", request=request
            )
        return await transport.handle_async_request(request)

    async def aclose(self) -> None:
        for transport in set(self._routes.values()):
            await transport.aclose()


class ForwardingTransport(httpx.AsyncBaseTransport):
    """Sends a request for ``http://{host}/{path}`` to ``{base}/{host}/{path}`` over the network:
    the sandbox's shared simulators (``bff simulate all``, or ``/_sandbox/upstreams`` of a
    sandbox ``bff serve``), so every process of one sandbox talks to the same upstream state."""

    def __init__(self, base_url: str, inner: httpx.AsyncBaseTransport | None = None) -> None:
        self._base = httpx.URL(base_url.rstrip("/"))
        self._inner = inner or httpx.AsyncHTTPTransport()

    def target(self, url: httpx.URL) -> httpx.URL:
        prefix = self._base.raw_path.split(b"?", 1)[0].rstrip(b"/")
        return self._base.copy_with(raw_path=prefix + b"/" + url.host.encode() + url.raw_path)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        target = self.target(request.url)
        headers = [(k, v) for k, v in request.headers.raw if k.lower() != b"host"]
        # given a stream, httpx adds no Host header of its own
        headers.insert(0, (b"Host", target.netloc))
        forwarded = httpx.Request(
            request.method,
            target,
            headers=headers,
            stream=request.stream,
            extensions=request.extensions,
        )
        return await self._inner.handle_async_request(forwarded)

    async def aclose(self) -> None:
        await self._inner.aclose()
