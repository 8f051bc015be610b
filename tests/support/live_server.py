"""The real BFF under uvicorn (started by ``bff serve``), in a subprocess, on 127.0.0.1 and a free port.

Use the ``live_server`` fixture (import it into a ``conftest.py``), or ``run_live_server`` for a
server with other settings. The server runs in sandbox mode on its own SQLite file, from a scratch
working directory, with every ``BFF_*`` variable of the calling environment removed, so a
developer's ``.env`` or shell never leaks in. Its output goes to files; a server that dies or never
gets ready fails the test with the tail of what it printed.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
HOST = "127.0.0.1"
DEFAULT_APP = "api.app:create_app"
#: Generous: the first start migrates a fresh SQLite file and seeds the simulators.
READY_TIMEOUT_SECONDS = 60.0
STOP_TIMEOUT_SECONDS = 20.0
_LOG_TAIL_CHARS = 6000


@dataclass(frozen=True)
class LiveServer:
    host: str
    port: int
    process: subprocess.Popen[bytes]
    workdir: Path
    db_url: str

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def netloc(self) -> str:
        return f"{self.host}:{self.port}"

    def url(self, path: str = "/") -> str:
        return self.base_url + (path if path.startswith("/") else "/" + path)

    @property
    def stdout_path(self) -> Path:
        return self.workdir / "server.stdout.log"

    @property
    def stderr_path(self) -> Path:
        return self.workdir / "server.stderr.log"

    def logs(self, tail: int = _LOG_TAIL_CHARS) -> str:
        """The end of what the server printed (uvicorn and the app log to stderr)."""
        parts = []
        for path in (self.stderr_path, self.stdout_path):
            text = path.read_text(errors="replace") if path.exists() else ""
            parts.append(f"--- {path.name} ---\n{text[-tail:]}")
        return "\n".join(parts)


def free_port(host: str = HOST) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


def server_env(
    db_url: str, workdir: Path, extra: Mapping[str, str] | None = None
) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BFF_")}
    env.update(
        {
            "BFF_MODE": "sandbox",
            "BFF_DATABASE_URL": db_url,
            "BFF_VAR_DIR": str(workdir / "var"),
            "BFF_LOG_FORMAT": "json",
            "BFF_LOG_LEVEL": "info",
            # The source tree, whatever the working directory (it is a scratch one, away from .env).
            "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")])),
            "PYTHONUNBUFFERED": "1",
        }
    )
    env.update(extra or {})
    return env


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    process.terminate()  # SIGTERM: uvicorn runs the lifespan shutdown
    try:
        process.wait(timeout=STOP_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=STOP_TIMEOUT_SECONDS)


def _start(workdir: Path, port: int, app: str, env: Mapping[str, str], db_url: str) -> LiveServer:
    # The BFF itself runs as operators run it, `bff serve`: the server's own options (proxy
    # headers, the server header) are part of what the tests check. Other apps run under uvicorn.
    cmd = (
        [sys.executable, "-m", "api.cli", "serve", "--host", HOST, "--port", str(port)]
        if app == DEFAULT_APP
        else [
            sys.executable,
            "-m",
            "uvicorn",
            app,
            "--factory",
            "--host",
            HOST,
            "--port",
            str(port),
            "--no-access-log",  # the app logs each request itself
        ]
    )
    workdir.mkdir(parents=True, exist_ok=True)
    with (
        (workdir / "server.stdout.log").open("wb") as out,
        (workdir / "server.stderr.log").open("wb") as err,
    ):
        process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            cmd, cwd=workdir, env=dict(env), stdout=out, stderr=err, stdin=subprocess.DEVNULL
        )
    return LiveServer(host=HOST, port=port, process=process, workdir=workdir, db_url=db_url)


def wait_ready(server: LiveServer, path: str, timeout: float) -> str | None:
    """Poll ``path`` until it answers 200. Returns None when ready, else why not."""
    deadline = time.monotonic() + timeout
    last = "no answer yet"
    with httpx.Client(timeout=5.0) as http:
        while time.monotonic() < deadline:
            code = server.process.poll()
            if code is not None:
                return f"the server exited with code {code} before it was ready"
            try:
                response = http.get(server.url(path))
            except httpx.TransportError as exc:
                last = f"{type(exc).__name__}: {exc}"
            else:
                if response.status_code == 200:
                    return None
                last = f"{response.status_code} {response.text[:500]}"
            time.sleep(0.2)
    return f"{path} did not answer 200 within {timeout:.0f} s; last: {last}"


@contextmanager
def run_live_server(
    workdir: Path,
    *,
    db_url: str | None = None,
    env: Mapping[str, str] | None = None,
    app: str = DEFAULT_APP,
    ready_path: str = "/ready",
    timeout: float = READY_TIMEOUT_SECONDS,
) -> Iterator[LiveServer]:
    """Start the app under uvicorn, wait until ``ready_path`` answers 200, stop it afterwards."""
    db_url = db_url or f"sqlite+aiosqlite:///{workdir / 'bff.db'}"
    full_env = server_env(db_url, workdir, env)
    problem: str | None = None
    for _attempt in range(3):
        server = _start(workdir, free_port(), app, full_env, db_url)
        problem = wait_ready(server, ready_path, timeout)
        if problem is None:
            break
        _stop(server.process)
        if "address already in use" not in server.logs().lower():
            break  # only a lost race for the port is worth another try
    if problem is not None:
        pytest.fail(f"live server did not start: {problem}\n{server.logs()}", pytrace=False)
    try:
        yield server
    finally:
        _stop(server.process)


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The BFF in sandbox mode on its own SQLite file, shared by the session's tests."""
    with run_live_server(tmp_path_factory.mktemp("live-server")) as server:
        yield server
