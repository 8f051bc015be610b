"""Running a simulator on a real socket: in the foreground for ``bff simulate``, or in a thread for
tests and benchmarks that need real network behaviour (connection handling, client timeouts)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import uvicorn
from starlette.types import ASGIApp


def run(app: ASGIApp, *, host: str, port: int, log_level: str = "info") -> None:
    """Serve until interrupted (Ctrl-C). Blocks."""
    uvicorn.run(app, host=host, port=port, log_level=log_level, lifespan="off", ws="none")


@dataclass(frozen=True, slots=True)
class RunningServer:
    host: str
    port: int

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"


@contextmanager
def serve_in_thread(
    app: ASGIApp, *, host: str = "127.0.0.1", port: int = 0, startup_timeout: float = 10.0
) -> Iterator[RunningServer]:
    """Serve ``app`` from a background thread; ``port=0`` picks a free one, with no race."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    config = uvicorn.Config(
        app,
        lifespan="off",
        ws="none",
        log_config=None,
        access_log=False,
        # a scripted hang must not hold shutdown for its whole duration
        timeout_graceful_shutdown=1,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name="simulator", daemon=True
    )
    thread.start()
    deadline = time.monotonic() + startup_timeout
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            sock.close()
            raise RuntimeError("simulator server did not start")
        time.sleep(0.01)
    try:
        yield RunningServer(host, sock.getsockname()[1])
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
