"""One socket for several simulators: ``/{host}/{path}`` reaches the simulator of ``host`` as if
it were called at ``http://{host}/{path}`` (what ``bff simulate all`` serves; the BFF's
:class:`~simulators.kit.transport.ForwardingTransport` sends there)."""

from __future__ import annotations

import json
from collections.abc import Mapping

from starlette.types import ASGIApp, Receive, Scope, Send


class PathHostRouter:
    def __init__(self, apps: Mapping[str, ASGIApp]) -> None:
        self._apps = {host.lower(): app for host, app in apps.items()}

    @property
    def hosts(self) -> tuple[str, ...]:
        return tuple(self._apps)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        host, _, rest = str(scope["path"]).lstrip("/").partition("/")
        if not host:  # the root: which hosts are served (and a health check's 200)
            await _answer(send, 200, {"hosts": self.hosts})
            return
        app = self._apps.get(host.lower())
        if app is None:
            await _not_found(send, host, self.hosts)
            return
        raw = bytes(scope.get("raw_path") or str(scope["path"]).encode())
        raw_rest = raw.lstrip(b"/")[len(host.encode()) :] or b"/"
        headers = [(k, v) for k, v in scope["headers"] if k.lower() != b"host"]
        child = {
            **scope,
            "path": "/" + rest,
            "raw_path": raw_rest,
            "root_path": "",
            "headers": [*headers, (b"host", host.lower().encode())],
            "server": (host.lower(), 80),
        }
        await app(child, receive, send)


async def _not_found(send: Send, host: str, hosts: tuple[str, ...]) -> None:
    await _answer(send, 404, {"error": f"no simulator serves host {host!r}", "hosts": hosts})


async def _answer(send: Send, status: int, body: dict[str, object]) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json")],
        }
    )
    await send({"type": "http.response.body", "body": json.dumps(body).encode()})
