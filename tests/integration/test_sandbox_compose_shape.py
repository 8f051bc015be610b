"""The sandbox in docker-compose's shape, as real processes: the shared simulators
(``bff simulate all``), two ``bff serve`` on two ports and one ``bff worker``, on a PostgreSQL
database of their own that nothing has migrated. A time log created on either API reaches the
simulated Zoho exactly once (issue 13, item 3; decision D47)."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from api.composition import DEMO_PASSWORD, demo_accounts
from api.settings import Settings
from domain.models.identity import Role
from tests.conftest import pg_database

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
PROJECTS = "projectsapi.zoho.sim"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def _process(args: list[str], env: dict[str, str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    with log.open("wb") as out:
        process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            [sys.executable, "-m", "api.cli", *args],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            yield process
        finally:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


async def _wait_answering(
    url: str, processes: dict[str, subprocess.Popen[bytes]], logs: Path
) -> None:
    deadline = time.monotonic() + 150
    async with httpx.AsyncClient(timeout=2) as http:
        while True:
            for name, process in processes.items():
                if process.poll() is not None:
                    text = (logs / f"{name}.log").read_text(errors="replace")[-4000:]
                    pytest.fail(f"{name} exited with {process.returncode}:\n{text}")
            try:
                if (await http.get(url)).status_code < 500:
                    return
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, f"{url} did not answer in 150 s"
            await asyncio.sleep(0.3)


async def _teacher(api: httpx.AsyncClient, settings: Settings) -> None:
    teacher = next(a for a in demo_accounts(settings) if a.role is Role.TEACHER)
    answer = await api.post(
        "/v1/auth/token", data={"username": teacher.email, "password": DEMO_PASSWORD}
    )
    assert answer.status_code == 200, answer.text
    api.headers["Authorization"] = f"Bearer {answer.json()['access_token']}"


async def _create_log(api: httpx.AsyncClient, notes: str, hours_ago: int) -> str:
    integrations = (await api.get("/v1/timesheets/integrations")).json()["items"]
    (integration,) = [i for i in integrations if i["kind"] == "zoho_projects"]
    found = await api.get("/v1/timesheets/projects", params={"limit": 5})
    assert found.status_code == 200, found.text
    project = found.json()["projects"][0]["project_id"]
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=hours_ago)
    created = await api.post(
        "/v1/timesheets/logs",
        json={
            "project": {"integration_id": integration["id"], "project_id": project},
            "task": "Compose shape",
            "start": start.isoformat(),
            "end": (start + timedelta(minutes=25)).isoformat(),
            "billable": True,
            "notes": notes,
        },
    )
    assert created.status_code == 201, created.text
    return str(created.json()["id"])


async def _wait_synced(api: httpx.AsyncClient, log_id: str) -> None:
    deadline = time.monotonic() + 90
    while True:
        log = (await api.get(f"/v1/timesheets/logs/{log_id}")).json()
        if log["sync_state"] == "synced":
            return
        assert time.monotonic() < deadline, f"log {log_id} still {log['sync_state']}: {log}"
        await asyncio.sleep(0.5)


async def test_two_apis_and_a_worker_share_one_upstream_and_sync_each_log_once(
    pg_template: str,  # PostgreSQL answers (skip locally without it, fail in CI)
    tmp_path: Path,
) -> None:
    sims_port, port_a, port_b = _free_port(), _free_port(), _free_port()
    sims_url = f"http://127.0.0.1:{sims_port}"
    with pg_database() as db_url:  # empty: the APIs migrate it, both at once
        env = {k: v for k, v in os.environ.items() if not k.startswith("BFF_")} | {
            "BFF_MODE": "sandbox",
            "BFF_DATABASE_URL": db_url,
            "BFF_SANDBOX_SIMULATORS_URL": sims_url,
            "BFF_LOG_FORMAT": "json",
            "BFF_LOG_LEVEL": "warning",
            "BFF_AUTH_PASSWORD_TIME_COST": "1",
            "BFF_AUTH_PASSWORD_MEMORY_KIB": "64",
            "BFF_JOBS_RECONCILE_SECONDS": "1",
            "BFF_TIMESHEETS_RECONCILE_SECONDS": "1",
        }
        settings = Settings(_env_file=None)
        with _process(
            ["simulate", "all", "--port", str(sims_port)], env, tmp_path / "sims.log"
        ) as sims:
            await _wait_answering(sims_url, {"sims": sims}, tmp_path)
            with (
                _process(["serve", "--port", str(port_a)], env, tmp_path / "api_a.log") as api_a,
                _process(["serve", "--port", str(port_b)], env, tmp_path / "api_b.log") as api_b,
            ):
                running = {"sims": sims, "api_a": api_a, "api_b": api_b}
                for port in (port_a, port_b):
                    await _wait_answering(f"http://127.0.0.1:{port}/ready", running, tmp_path)
                with _process(["worker"], env, tmp_path / "worker.log") as worker:
                    running["worker"] = worker
                    async with (
                        httpx.AsyncClient(base_url=f"http://127.0.0.1:{port_a}", timeout=30) as a,
                        httpx.AsyncClient(base_url=f"http://127.0.0.1:{port_b}", timeout=30) as b,
                        httpx.AsyncClient(base_url=sims_url, timeout=10) as zoho,
                    ):
                        await _teacher(a, settings)
                        await _teacher(b, settings)
                        log_a = await _create_log(a, "compose shape: via API a", hours_ago=5)
                        log_b = await _create_log(b, "compose shape: via API b", hours_ago=3)
                        await _wait_synced(a, log_a)
                        await _wait_synced(b, log_b)
                        # either API reads the other's log: one database
                        assert (await b.get(f"/v1/timesheets/logs/{log_a}")).status_code == 200
                        upstream = (await zoho.get(f"/{PROJECTS}/_sim/zoho/logs")).json()["logs"]
                    notes = [log["notes"] for log in upstream]  # the BFF appends its tag
                    assert sum(n.startswith("compose shape: via API a [") for n in notes) == 1
                    assert sum(n.startswith("compose shape: via API b [") for n in notes) == 1
                    assert all(p.poll() is None for p in running.values())
