"""Reliability harness: time logs reach Zoho Projects exactly once through faults and a worker kill.

    uv run --frozen python -m bench.timesheets_reliability --logs 10000

What runs, all real: a fresh PostgreSQL database migrated by Alembic; the Zoho simulator on a
socket, failing a seeded share of Projects calls (5xx, 429 with ``Retry-After``, hangs past the
client timeout, and *lost replies* -- the log is created but the answer never arrives); the BFF API
under uvicorn in one process and ``bff worker`` (procrastinate) in another. The harness connects
the demo teacher's Zoho Projects portal through the real OAuth redirect, creates the logs through
the API (each with an ``Idempotency-Key``; some requests are sent twice), SIGKILLs the worker half
way through and starts a new one, then waits until every log is synced.

Afterwards it compares the database with the simulator's own store: every complete log must be
upstream exactly once (found by its ``[bff:<id>]`` marker) with the right project, task, day,
rounded duration, bill status and notes. Nothing here is timed against a threshold; the figures
are printed (and go in docs/performance.md). ``tests/integration/test_timesheets_reliability.py``
runs a few hundred logs of the same harness in CI.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import httpx
import psycopg
from sqlalchemy.engine import make_url

from adapters.db import migrations
from adapters.zoho.mapping import strip_tag, tag_of
from api.composition.sandbox import DEMO_PASSWORD, demo_accounts
from api.settings import Settings
from domain.models.identity import Role
from simulators.kit.server import serve_in_thread
from simulators.zoho import ZohoSimulator
from simulators.zoho.state import TimeLog as UpstreamLog

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PG = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
PROJECTS_PATH = "/restapi/"


@dataclass(frozen=True, slots=True)
class HarnessConfig:
    logs: int = 10_000
    fault_rate: float = 0.3
    seed: int = 7
    #: requests in flight from the "front ends" creating logs
    clients: int = 16
    worker_concurrency: int = 8
    #: kill the worker once this share of the logs has been created
    kill_at: float = 0.5
    #: the BFF's Zoho call timeout; simulator hangs last longer than this
    upstream_timeout: float = 2.0
    #: every n-th create is sent twice with the same Idempotency-Key (a retrying front end)
    replay_every: int = 10
    deadline_seconds: float = 1800.0
    pg_admin_url: str = DEFAULT_PG


@dataclass(slots=True)
class HarnessReport:
    logs_created: int = 0
    replayed_creates: int = 0
    #: creates sent again after a dropped connection (same Idempotency-Key)
    resent_creates: int = 0
    complete_logs: int = 0
    upstream_requests: int = 0
    upstream_failed: dict[str, int] = field(default_factory=dict)
    worker_kills: int = 0
    logs_upstream: int = 0
    duplicates: int = 0
    lost: int = 0
    mismatched: list[str] = field(default_factory=list)
    not_synced: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    create_seconds: float = 0.0
    sync_wait_seconds: float = 0.0

    def lines(self) -> list[str]:
        failed = sum(self.upstream_failed.values())
        kinds = ", ".join(f"{k} {v}" for k, v in sorted(self.upstream_failed.items()))
        return [
            f"logs created through the API      {self.logs_created}"
            f" (+{self.replayed_creates} replayed creates,"
            f" {self.resent_creates} resent after a dropped connection)",
            f"complete logs (must be upstream)  {self.complete_logs}",
            f"Projects requests                 {self.upstream_requests}",
            f"  failed by the simulator         {failed} ({kinds})",
            f"worker kills (SIGKILL)            {self.worker_kills}",
            f"logs upstream                     {self.logs_upstream}",
            f"duplicates                        {self.duplicates}",
            f"lost                              {self.lost}",
            f"mismatched fields                 {len(self.mismatched)}",
            f"not synced at the end             {sum(self.not_synced.values())} {self.not_synced}",
            f"time                              {self.seconds:.1f} s"
            f" (creates {self.create_seconds:.1f} s, then {self.sync_wait_seconds:.1f} s"
            " until every log was synced)",
        ]

    @property
    def ok(self) -> bool:
        return (
            self.duplicates == 0
            and self.lost == 0
            and not self.mismatched
            and not self.not_synced
            and self.logs_upstream == self.complete_logs
        )


# -- processes and databases -----------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def fresh_database(admin_url: str) -> Iterator[str]:
    """A new, migrated PostgreSQL database, dropped afterwards."""
    name = f"bff_harness_{secrets.token_hex(4)}"
    admin = make_url(admin_url).set(drivername="postgresql")
    conninfo = admin.render_as_string(hide_password=False)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    try:
        migrations.upgrade(url)
        yield url
    finally:
        with psycopg.connect(conninfo, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def bff_env(config: HarnessConfig, *, db_url: str, zoho_url: str, api_port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BFF_")}
    return env | {
        "BFF_MODE": "sandbox",
        "BFF_DATABASE_URL": db_url,
        "BFF_JOBS_BACKEND": "procrastinate",
        "BFF_JOBS_CONCURRENCY": str(config.worker_concurrency),
        "BFF_JOBS_RECONCILE_SECONDS": "1",
        "BFF_ZOHO_ACCOUNTS_URL": zoho_url,
        "BFF_ZOHO_PROJECTS_URL": zoho_url,
        "BFF_ZOHO_DESK_URL": zoho_url,
        "BFF_ZOHO_TIMEOUT_SECONDS": str(config.upstream_timeout),
        "BFF_INTEGRATIONS_CALLBACK_URL": (
            f"http://127.0.0.1:{api_port}/v1/timesheets/integrations/callback"
        ),
        "BFF_INTEGRATIONS_RETURN_URL": "",
        # retry fast: the harness is about correctness under faults, not about patience
        "BFF_TIMESHEETS_BACKOFF_BASE_SECONDS": "0.2",
        "BFF_TIMESHEETS_BACKOFF_MAX_SECONDS": "2",
        "BFF_TIMESHEETS_LEASE_SECONDS": str(max(5, int(config.upstream_timeout * 3))),
        "BFF_TIMESHEETS_RECONCILE_SECONDS": "1",
        "BFF_TIMESHEETS_MAX_ATTEMPTS": "100",
        "BFF_LOG_LEVEL": "warning",
    }


def start_api(env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "uvicorn", "api.app:create_app", "--factory"]
    command += ["--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]
    return subprocess.Popen(command, cwd=ROOT, env=env)  # noqa: S603 - our own interpreter


def start_worker(env: dict[str, str]) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "api.cli", "worker"]
    return subprocess.Popen(command, cwd=ROOT, env=env)  # noqa: S603


def stop(process: subprocess.Popen[bytes], sig: int = signal.SIGTERM) -> None:
    if process.poll() is None:
        process.send_signal(sig)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


async def wait_ready(api: httpx.AsyncClient, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the API exited with {process.returncode} before it was ready")
        try:
            if (await api.get("/ready")).status_code == 200:
                return
        except httpx.TransportError:
            pass
        await asyncio.sleep(0.2)
    raise RuntimeError("the API did not become ready")


# -- the front end ---------------------------------------------------------------------------


async def log_in(api: httpx.AsyncClient, settings: Settings) -> None:
    teacher = next(a for a in demo_accounts(settings) if a.role is Role.TEACHER)
    reply = await api.post(
        "/v1/auth/token", data={"username": teacher.email, "password": DEMO_PASSWORD}
    )
    reply.raise_for_status()
    api.headers["Authorization"] = f"Bearer {reply.json()['access_token']}"


async def connect_projects(api: httpx.AsyncClient) -> str:
    """The real OAuth round trip: BFF → simulator's authorize page → BFF callback."""
    started = await api.post(
        "/v1/timesheets/integrations/connect", json={"kind": "zoho_projects", "data_centre": "com"}
    )
    started.raise_for_status()
    async with httpx.AsyncClient() as browser:
        approved = await browser.get(started.json()["authorization_url"])
        back = urlsplit(approved.headers["location"])
        stored = await api.get(f"{back.path}?{back.query}")
    stored.raise_for_status()
    return str(stored.json()["id"])


def log_body(i: int, integration_id: str, projects: list[str], base: datetime) -> dict[str, object]:
    start = base + timedelta(minutes=30 * i)
    minutes = 5 + (i * 7) % 24  # 5..28 minutes: never overlapping the next log
    return {
        "project": {"integration_id": integration_id, "project_id": projects[i % len(projects)]},
        "task": f"Task {i % 13}",
        "start": start.isoformat(),
        # seconds stay under 30 so every rounding rule agrees on the minutes
        "end": (start + timedelta(minutes=minutes, seconds=(i * 11) % 29)).isoformat(),
        "billable": i % 3 != 0,
        "notes": f"harness log {i}",
    }


# -- the run ---------------------------------------------------------------------------------


async def run(config: HarnessConfig) -> HarnessReport:
    report = HarnessReport()
    settings = Settings()
    sandbox = settings.sandbox
    sim = ZohoSimulator(seed=sandbox.seed, users=sandbox.users, classes=sandbox.classes)
    sim.projects.throttle.configure(enabled=False)  # chaos supplies the 429s, reproducibly
    began = time.monotonic()
    with fresh_database(config.pg_admin_url) as db_url, serve_in_thread(sim.app) as server:
        api_port = free_port()
        env = bff_env(config, db_url=db_url, zoho_url=server.url, api_port=api_port)
        api_process = start_api(env, api_port)
        # every worker started, so that a failed run stops the one that replaced a killed one too
        workers: list[subprocess.Popen[bytes]] = []
        try:
            # Idle connections are dropped before uvicorn's 5 s keep-alive closes them: reusing
            # one the server is closing at that moment fails with a ReadError and no reply.
            limits = httpx.Limits(max_connections=config.clients * 2, keepalive_expiry=2.0)
            base_url = f"http://127.0.0.1:{api_port}"
            async with httpx.AsyncClient(base_url=base_url, timeout=60, limits=limits) as api:
                await wait_ready(api, api_process)
                workers.append(start_worker(env))  # as deployed: the worker joins a running API
                await log_in(api, settings)
                integration_id = await connect_projects(api)
                found = await api.get("/v1/timesheets/projects", params={"limit": 50})
                found.raise_for_status()
                projects = [p["project_id"] for p in found.json()["projects"]]
                sim.faults.set_chaos(config.fault_rate, seed=config.seed, path=PROJECTS_PATH)
                created_at = time.monotonic()
                await create_logs(api, config, report, integration_id, projects, workers, env)
                report.create_seconds = time.monotonic() - created_at
            synced_from = time.monotonic()
            await wait_synced(db_url, config, report)
            report.sync_wait_seconds = time.monotonic() - synced_from
            report.upstream_failed = sim.faults.chaos_injected()
            report.upstream_requests = sim.faults.chaos_seen()
        finally:
            sim.faults.set_chaos(None)
            for worker in workers:
                stop(worker)
            stop(api_process)
        compare(db_url, sim, report)
    report.seconds = time.monotonic() - began
    return report


async def create_logs(
    api: httpx.AsyncClient,
    config: HarnessConfig,
    report: HarnessReport,
    integration_id: str,
    projects: list[str],
    workers: list[subprocess.Popen[bytes]],
    env: dict[str, str],
) -> None:
    """Create the logs through the API, SIGKILLing the running worker (the last of ``workers``)
    part way and starting a new one, which is appended."""
    base = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
    gate = asyncio.Semaphore(config.clients)
    kill_after = int(config.logs * config.kill_at)

    async def create(i: int) -> None:
        body = log_body(i, integration_id, projects, base)
        headers = {"Idempotency-Key": str(uuid.UUID(int=i + 1))}
        async with gate:
            reply = await post_create(api, body, headers, report)
            if reply.status_code != 201:
                raise RuntimeError(f"create {i} answered {reply.status_code}: {reply.text}")
            if config.replay_every and i % config.replay_every == 0:
                again = await api.post("/v1/timesheets/logs", json=body, headers=headers)
                if again.status_code != 201 or again.json()["id"] != reply.json()["id"]:
                    raise RuntimeError(f"replayed create {i} made another log: {again.text}")
                report.replayed_creates += 1
        report.logs_created += 1
        if report.logs_created == kill_after:
            current = workers[-1]
            if current.poll() is not None:
                raise RuntimeError(f"the worker had already exited ({current.returncode})")
            current.send_signal(signal.SIGKILL)  # no graceful shutdown: jobs die mid-flight
            current.wait()
            report.worker_kills += 1
            workers.append(start_worker(env))

    await asyncio.gather(*(create(i) for i in range(config.logs)))


async def post_create(
    api: httpx.AsyncClient, body: dict[str, object], headers: dict[str, str], report: HarnessReport
) -> httpx.Response:
    """A create as a careful client sends it: when the connection drops before a reply, the same
    request again with the same ``Idempotency-Key``, which the BFF answers with the first log."""
    for _ in range(2):
        try:
            return await api.post("/v1/timesheets/logs", json=body, headers=headers)
        except httpx.TransportError:
            report.resent_creates += 1
    return await api.post("/v1/timesheets/logs", json=body, headers=headers)


def _sync_counts(db_url: str) -> Counter[str]:
    with psycopg.connect(_conninfo(db_url)) as conn:
        rows = conn.execute("SELECT sync_state, count(*) FROM time_logs GROUP BY sync_state")
        return Counter({state: int(n) for state, n in rows})


async def wait_synced(db_url: str, config: HarnessConfig, report: HarnessReport) -> None:
    deadline = time.monotonic() + config.deadline_seconds
    while True:
        counts = await asyncio.to_thread(_sync_counts, db_url)
        waiting = {k: v for k, v in counts.items() if k != "synced"}
        if not waiting or time.monotonic() > deadline:
            report.not_synced = waiting
            return
        await asyncio.sleep(1)


def compare(db_url: str, sim: ZohoSimulator, report: HarnessReport) -> None:
    with psycopg.connect(_conninfo(db_url)) as conn:
        rows = conn.execute(
            'SELECT id, project_id, task, start, "end", billable, notes, upstream_id FROM time_logs'
        ).fetchall()
    portal_zone = {p.id: ZoneInfo(p.time_zone) for p in sim.state.portals.values()}
    upstream = [log for log in sim.state.logs.by_id.values() if tag_of(log.notes)]
    by_tag: dict[str, list[UpstreamLog]] = {}
    for log in upstream:
        by_tag.setdefault(str(tag_of(log.notes)), []).append(log)
    report.logs_upstream = len(upstream)
    report.complete_logs = len(rows)
    for log_id, project_id, task, start, end, billable, notes, upstream_id in rows:
        copies = by_tag.get(log_id, [])
        if not copies:
            report.lost += 1
            continue
        report.duplicates += len(copies) - 1
        copy = copies[0]
        minutes = round((end - start).total_seconds() / 60)
        expected = {
            "id": upstream_id,
            "project": project_id,
            "name": task,
            "day": start.astimezone(portal_zone[copy.portal_id]).date(),
            "minutes": minutes,
            "bill_status": "Billable" if billable else "Non Billable",
            "notes": notes,
        }
        actual = {
            "id": str(copy.id),
            "project": str(copy.project_id),
            "name": copy.name,
            "day": copy.log_date,
            "minutes": copy.minutes,
            "bill_status": copy.bill_status,
            "notes": strip_tag(copy.notes),
        }
        if expected != actual:
            report.mismatched.append(f"{log_id}: expected {expected}, upstream {actual}")


def _conninfo(db_url: str) -> str:
    return make_url(db_url).set(drivername="postgresql").render_as_string(hide_password=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--logs", type=int, default=10_000)
    parser.add_argument("--fault-rate", type=float, default=0.3)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--pg", default=os.environ.get("BFF_TEST_POSTGRES_URL", DEFAULT_PG))
    args = parser.parse_args()
    config = HarnessConfig(
        logs=args.logs, fault_rate=args.fault_rate, seed=args.seed, pg_admin_url=args.pg
    )
    report = asyncio.run(run(config))
    print("\n".join(report.lines()))
    for line in report.mismatched[:10]:
        print("  ", line)
    print("OK: every complete log is upstream exactly once" if report.ok else "FAILED")
    sys.exit(0 if report.ok else 1)


if __name__ == "__main__":
    main()
