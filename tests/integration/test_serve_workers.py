"""`bff serve --workers N`: several uvicorn worker processes in production mode, refused in sandbox."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from cryptography.fernet import Fernet
from typer.testing import CliRunner

from api.cli import app
from api.settings import UPSTREAMS
from tests.conftest import pg_database

ROOT = Path(__file__).resolve().parents[2]


def test_sandbox_mode_refuses_several_workers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BFF_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'x.db'}")
    result = CliRunner().invoke(app, ["serve", "--workers", "2"])
    assert result.exit_code == 2
    assert "--workers > 1 is for production mode" in result.output


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.postgres
def test_production_serves_from_several_worker_processes(pg_template: str) -> None:
    port = _free_port()
    nowhere = "http://127.0.0.1:9"  # real-looking upstreams that are never called here
    with pg_database(template=pg_template) as url:
        env = {k: v for k, v in os.environ.items() if not k.startswith("BFF_")} | {
            "BFF_MODE": "production",
            "BFF_LOG_FORMAT": "json",
            "BFF_DATABASE_URL": url,
            # every upstream's addresses and required secrets, whichever upstreams are declared
            **{
                upstream.env_name(field): nowhere
                for upstream in UPSTREAMS
                for field in upstream.url_fields()
            },
            **{
                upstream.env_name(field): f"{upstream.name}-real-secret"
                for upstream in UPSTREAMS
                for field in upstream.secrets(upstream.settings())
            },
            "BFF_AUTH_SIGNING_KEYS": '{"k1": "a-long-random-production-signing-secret"}',
            "BFF_AUTH_ACTIVE_KEY_ID": "k1",
            "BFF_AUTH_ENCRYPTION_KEYS": '["' + Fernet.generate_key().decode() + '"]',
            "BFF_OIDC_ENABLED": "false",
        }
        args = [sys.executable, "-m", "api.cli", "serve", "--workers", "2", "--port", str(port)]
        server = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            args, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert server.poll() is None, server.stdout.read() if server.stdout else ""
                assert time.monotonic() < deadline, "the server did not answer in 60 s"
                time.sleep(0.3)
            children = Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()
            workers = [
                pid
                for pid in children
                if "api.app" in Path(f"/proc/{pid}/cmdline").read_text()
                or "multiprocessing" in Path(f"/proc/{pid}/cmdline").read_text()
            ]
            assert len(workers) >= 2, children
        finally:
            server.terminate()
            output, _ = server.communicate(timeout=30)
        assert output.count("Started server process") == 2, output
