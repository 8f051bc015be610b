"""Reliability harness: Caliper events reach TimeBack exactly once through faults and worker kills.

    uv run --frozen python -m bench.caliper_reliability --events 10000

What runs, all real: a fresh PostgreSQL database migrated by Alembic (or SQLite: ``--database
sqlite``, where the API's in-process runner delivers too and ``bff worker`` is killed); the Caliper simulator on a
socket, failing a seeded share of *every* call (send, job status, event lookup, token: 5xx, 429
with ``Retry-After``, hangs past the client timeout, and lost replies -- the envelope is ingested
but the answer never arrives); the BFF API under uvicorn in one process and ``bff worker``
(procrastinate) in another. The demo student and teacher post the events through
``POST /v1/events`` (envelopes and bare lists, some requests sent twice: their events come back
``duplicate``); the worker is SIGKILLed several times while events arrive and a new one started
each time; then the harness waits until no event is open.

Afterwards it counts, from the simulator's own store, how many times each event id was stored:
every accepted event must be there exactly once. Nothing is timed against a threshold; the
figures are printed (and go in docs/performance.md, "Caliper delivery").
``tests/integration/test_caliper_reliability.py`` runs a few hundred events of it in CI.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from api.composition.sandbox import DEMO_PASSWORD, demo_accounts
from api.settings import Settings
from bench.harness import harness_database, kill_worker, query, resend
from bench.timesheets_reliability import (
    DEFAULT_PG,
    free_port,
    start_api,
    start_worker,
    stop,
    wait_ready,
)
from domain.models.identity import Role
from simulators.caliper import CaliperSimulator
from simulators.kit.server import serve_in_thread

CONTEXT = "http://purl.imsglobal.org/ctx/caliper/v1p2"


@dataclass(frozen=True, slots=True)
class HarnessConfig:
    events: int = 10_000
    fault_rate: float = 0.3
    seed: int = 7
    #: events per request
    per_request: int = 20
    #: events per envelope sent to TimeBack (``BFF_EVENTS_BATCH_SIZE``)
    batch_size: int = 100
    #: requests in flight from the "front ends"
    clients: int = 8
    #: worker SIGKILLs, spread evenly over the posting
    kills: int = 3
    worker_concurrency: int = 4
    #: the BFF's Caliper call timeout; simulator hangs last longer than this
    upstream_timeout: float = 2.0
    #: every n-th request is sent twice (a retrying front end): its events come back duplicate
    replay_every: int = 10
    deadline_seconds: float = 1800.0
    pg_admin_url: str = DEFAULT_PG
    #: "postgresql": ``bff worker`` runs procrastinate; "sqlite": the API's in-process runner and
    #: a ``bff worker`` (its own runner, woken by its reconciler) both deliver, and the worker is
    #: the one killed
    database: str = "postgresql"


@dataclass(slots=True)
class HarnessReport:
    events: int = 0
    requests: int = 0
    duplicates_answered: int = 0
    resent_requests: int = 0
    upstream_calls: int = 0
    upstream_failed: dict[str, int] = field(default_factory=dict)
    kills: int = 0
    stored_upstream: int = 0
    duplicates: int = 0
    lost: int = 0
    failed: int = 0
    not_delivered: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    post_seconds: float = 0.0
    drain_seconds: float = 0.0

    def lines(self) -> list[str]:
        failed = sum(self.upstream_failed.values())
        kinds = ", ".join(f"{k} {v}" for k, v in sorted(self.upstream_failed.items()))
        return [
            f"events stored by the API          {self.events} in {self.requests} requests"
            f" (+{self.duplicates_answered} answered duplicate on a replay,"
            f" {self.resent_requests} resent after a dropped connection or a 503)",
            f"Caliper calls                     {self.upstream_calls}",
            f"  failed by the simulator         {failed} ({kinds})",
            f"worker kills (SIGKILL)            {self.kills}",
            f"stored upstream                   {self.stored_upstream}",
            f"duplicates                        {self.duplicates}",
            f"lost                              {self.lost}",
            f"failed (refused by TimeBack)      {self.failed}",
            f"not delivered at the end          {sum(self.not_delivered.values())}"
            f" {self.not_delivered}",
            f"wall time                         {self.seconds:.1f} s"
            f" (posting {self.post_seconds:.1f} s, then {self.drain_seconds:.1f} s"
            " until every event was delivered)",
        ]

    @property
    def ok(self) -> bool:
        return (
            self.duplicates == 0
            and self.lost == 0
            and self.failed == 0
            and not self.not_delivered
            and self.stored_upstream == self.events
        )


def bff_env(config: HarnessConfig, *, db_url: str, caliper_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BFF_")}
    return env | {
        "BFF_MODE": "sandbox",
        "BFF_DATABASE_URL": db_url,
        "BFF_JOBS_BACKEND": "procrastinate" if config.database == "postgresql" else "inprocess",
        "BFF_JOBS_CONCURRENCY": str(config.worker_concurrency),
        "BFF_JOBS_RECONCILE_SECONDS": "1",
        "BFF_CALIPER_BASE_URL": caliper_url,
        "BFF_CALIPER_TOKEN_URL": f"{caliper_url}/oauth2/token",
        "BFF_CALIPER_TIMEOUT_SECONDS": str(config.upstream_timeout),
        # retry fast: the harness is about correctness under faults, not about patience
        "BFF_EVENTS_BATCH_SIZE": str(config.batch_size),
        "BFF_EVENTS_BACKOFF_BASE_SECONDS": "0.2",
        "BFF_EVENTS_BACKOFF_MAX_SECONDS": "2",
        # longer than a send's timeout plus the simulator's job time (0.4 s)
        "BFF_EVENTS_SETTLE_SECONDS": str(config.upstream_timeout * 2 + 1),
        "BFF_EVENTS_LEASE_SECONDS": str(max(10, int(config.upstream_timeout * 6))),
        "BFF_EVENTS_JOB_WAIT_SECONDS": "3",
        "BFF_EVENTS_JOB_POLL_SECONDS": "0.2",
        "BFF_EVENTS_RECONCILE_SECONDS": "1",
        "BFF_LOG_LEVEL": "warning",
    }


def event_body(i: int, base: datetime) -> dict[str, Any]:
    return {
        "@context": CONTEXT,
        "id": f"urn:uuid:{uuid.UUID(int=i + 1, version=4)}",
        "type": "ActivityEvent",
        "profile": "TimebackProfile",
        "action": "Completed",
        "eventTime": (base + timedelta(seconds=i)).isoformat().replace("+00:00", "Z"),
        "object": {
            "id": f"https://app.example/activities/{i % 50}",
            "type": "TimebackActivityContext",
            "subject": "Math",
            "app": {"name": "Harness"},
        },
        "generated": {
            "id": f"urn:uuid:{uuid.UUID(int=10**9 + i, version=4)}",
            "type": "TimebackActivityMetricsCollection",
            "items": [
                {"type": "totalQuestions", "value": 10},
                {"type": "correctQuestions", "value": i % 11},
            ],
        },
    }


async def log_in(base_url: str, settings: Settings, role: Role) -> httpx.AsyncClient:
    account = next(a for a in demo_accounts(settings) if a.role is role)
    limits = httpx.Limits(max_connections=32, keepalive_expiry=2.0)
    client = httpx.AsyncClient(base_url=base_url, timeout=60, limits=limits)
    reply = await client.post(
        "/v1/auth/token", data={"username": account.email, "password": DEMO_PASSWORD}
    )
    reply.raise_for_status()
    client.headers["Authorization"] = f"Bearer {reply.json()['access_token']}"
    return client


async def run(config: HarnessConfig) -> HarnessReport:
    report = HarnessReport()
    settings = Settings()
    sim = CaliperSimulator(hang_seconds=20)
    sim.set_job_step(0.2)
    began = time.monotonic()
    with database(config) as db_url, serve_in_thread(sim.app) as server:
        api_port = free_port()
        env = bff_env(config, db_url=db_url, caliper_url=server.url)
        api_process = start_api(env, api_port)
        workers: list[subprocess.Popen[bytes]] = []
        try:
            base_url = f"http://127.0.0.1:{api_port}"
            async with httpx.AsyncClient(base_url=base_url) as probe:
                await wait_ready(probe, api_process)
            workers.append(start_worker(env))
            callers = [await log_in(base_url, settings, r) for r in (Role.STUDENT, Role.TEACHER)]
            try:
                sim.faults.set_chaos(config.fault_rate, seed=config.seed)
                posted_at = time.monotonic()
                await post_events(callers, config, report, workers, env)
                report.post_seconds = time.monotonic() - posted_at
            finally:
                for caller in callers:
                    await caller.aclose()
            drained_at = time.monotonic()
            await wait_delivered(db_url, config, report)
            report.drain_seconds = time.monotonic() - drained_at
            report.upstream_failed = sim.faults.chaos_injected()
            report.upstream_calls = sim.faults.chaos_seen()
        finally:
            sim.faults.set_chaos(None)
            for worker in workers:
                stop(worker)
            stop(api_process)
        compare(db_url, sim, report)
    report.seconds = time.monotonic() - began
    return report


async def post_events(
    callers: list[httpx.AsyncClient],
    config: HarnessConfig,
    report: HarnessReport,
    workers: list[subprocess.Popen[bytes]],
    env: dict[str, str],
) -> None:
    """Post the events in requests of ``per_request``, SIGKILLing the running worker (the last of
    ``workers``) at evenly spaced points and starting a new one each time."""
    base = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
    gate = asyncio.Semaphore(config.clients)
    requests = -(-config.events // config.per_request)
    kill_at = {requests * (k + 1) // (config.kills + 1) for k in range(config.kills)}
    done = 0

    async def post(r: int) -> None:
        nonlocal done
        first = r * config.per_request
        events = [
            event_body(i, base)
            for i in range(first, min(first + config.per_request, config.events))
        ]
        body: object = events if r % 2 else {"data": events}
        caller = callers[r % len(callers)]
        async with gate:
            verdict = await post_once(caller, body, report)
            if verdict["accepted"] + verdict["duplicates"] != len(events):
                raise RuntimeError(f"request {r}: {verdict}")
            if config.replay_every and r % config.replay_every == 0:
                again = await post_once(caller, body, report)
                if again["duplicates"] != len(events):
                    raise RuntimeError(f"replayed request {r} was not all duplicate: {again}")
                report.duplicates_answered += again["duplicates"]
        report.requests += 1
        done += 1
        if done in kill_at:
            kill_worker(workers, env)
            report.kills += 1

    await asyncio.gather(*(post(r) for r in range(requests)))


async def post_once(
    caller: httpx.AsyncClient, body: object, report: HarnessReport
) -> dict[str, Any]:
    """A send as a careful client makes it: after a dropped connection or a 503 (the database busy,
    with ``Retry-After``), the same events again (those the first try stored come back
    ``duplicate``)."""

    def resent() -> None:
        report.resent_requests += 1

    reply = await resend(lambda: caller.post("/v1/events", json=body), on_resend=resent)
    if reply.status_code != 202:
        raise RuntimeError(f"POST /v1/events answered {reply.status_code}: {reply.text}")
    verdict: dict[str, Any] = reply.json()
    return verdict


@contextmanager
def database(config: HarnessConfig) -> Iterator[str]:
    """A fresh migrated database of the configured kind, removed afterwards."""
    with harness_database(config.database, config.pg_admin_url, prefix="bff-caliper-") as url:
        yield url


def _open_counts(db_url: str) -> Counter[str]:
    rows = query(db_url, "SELECT state, count(*) FROM caliper_events GROUP BY state")
    return Counter({state: int(n) for state, n in rows})


async def wait_delivered(db_url: str, config: HarnessConfig, report: HarnessReport) -> None:
    deadline = time.monotonic() + config.deadline_seconds
    while True:
        counts = await asyncio.to_thread(_open_counts, db_url)
        waiting = {k: v for k, v in counts.items() if k not in ("delivered", "failed")}
        report.failed = counts.get("failed", 0)
        if not waiting or time.monotonic() > deadline:
            report.not_delivered = waiting
            return
        await asyncio.sleep(1)


def compare(db_url: str, sim: CaliperSimulator, report: HarnessReport) -> None:
    ids = [row[0] for row in query(db_url, "SELECT id FROM caliper_events")]
    counts = sim.store_counts()
    report.events = len(ids)
    report.stored_upstream = sum(1 for i in ids if counts.get(i, 0) > 0)
    report.duplicates = sum(max(0, n - 1) for n in counts.values())
    report.lost = sum(1 for i in ids if counts.get(i, 0) == 0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--fault-rate", type=float, default=0.3)
    parser.add_argument("--kills", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=100)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--database", choices=("postgresql", "sqlite"), default="postgresql")
    parser.add_argument("--pg", default=os.environ.get("BFF_TEST_POSTGRES_URL", DEFAULT_PG))
    args = parser.parse_args()
    config = HarnessConfig(
        events=args.events,
        fault_rate=args.fault_rate,
        kills=args.kills,
        batch_size=args.batch_size,
        seed=args.seed,
        pg_admin_url=args.pg,
        database=args.database,
    )
    report = asyncio.run(run(config))
    print("\n".join(report.lines()))
    print("OK: every event is stored upstream exactly once" if report.ok else "FAILED")
    sys.exit(0 if report.ok else 1)


if __name__ == "__main__":
    main()
