"""Fault harness: the learner flow through the BFF with 30% upstream faults and worker kills;
afterwards every completion's gradebook result and Caliper events are upstream exactly once.

    uv run --frozen python -m bench.learner_flow_faults [--learners 50] [--database postgresql]

What runs, all real: the PowerPath, QTI, TimeBack and Caliper simulators, each in its own process
on a 127.0.0.1 socket (``bench.simulator_process``), failing a seeded share of *every* call once
the roster is synced (5xx, 429 with ``Retry-After``, hangs past the BFF's timeout, lost replies:
the write is applied, the answer never arrives); the BFF API under uvicorn and ``bff worker`` in
processes of their own, on a fresh database (PostgreSQL with procrastinate, or SQLite where the
API's in-process runner delivers too). Each learner (a student account of their own) does
start -> heartbeat (sent twice) -> ``--answers`` x (next, answer) -> complete (with an
``Idempotency-Key``, then tapped again without one) as a careful app does: every step resent
after a dropped connection or a 5xx, an answer and a completion with the same key. The worker is
SIGKILLed ``--kills`` times while learners finish, a new one started each time.

Then the harness waits, faults still on, until the BFF has nothing left to deliver; faults stop
and it counts upstream: assessment results per (learner, lesson, attempt) in TimeBack's gradebook and, in the
Caliper store, each completion's ActivityEvent and each heartbeat's TimeSpentEvent by id. Every
one must be there exactly once, nothing lost, nothing extra.
``tests/integration/test_learner_flow_faults.py`` runs a few learners of it in CI.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx

from bench.caliper_reliability import HarnessConfig
from bench.caliper_reliability import bff_env as events_env
from bench.harness import harness_database, kill_worker, query, resend
from bench.learner_flow import (
    LEARNING,
    Learner,
    a_response,
    bff_env,
    learner_accounts,
    plan_learners,
)
from bench.roster_read import fill_cache
from bench.simulator_process import sim_token, simulator_processes
from bench.timesheets_reliability import DEFAULT_PG, free_port, start_api, start_worker, stop
from bench.timesheets_reliability import wait_ready as api_ready

GRADEBOOK = "/ims/oneroster/gradebook/v1p2"
#: the upstreams the flow calls (the QTI simulator is not among them: PowerPath serves the items)
SYSTEMS = ("timeback", "powerpath", "caliper")
#: how many requests a simulator's request log keeps (``simulators/kit/requestlog.py``)
LOG_KEEPS = 1000
#: what a careful app resends besides a 503 (the BFF's upstream failures, a lost reply)
RESEND = frozenset({500, 502, 504, 429})


@dataclass(frozen=True, slots=True)
class FaultConfig:
    learners: int = 50
    answers: int = 10
    fault_rate: float = 0.3
    seed: int = 7
    kills: int = 2
    latency_ms: float = 0.0
    #: the BFF's timeout on every upstream; simulator hangs last longer
    upstream_timeout: float = 2.0
    database: str = "sqlite"
    pg_admin_url: str = DEFAULT_PG
    users: int = 400
    classes: int = 12
    deadline_seconds: float = 600.0


@dataclass(slots=True)
class Completed:
    learner: Learner
    attempt: int
    completion_id: str
    result_id: str | None
    event_ids: tuple[str, ...]
    heartbeat_id: str


@dataclass(slots=True)
class FaultReport:
    learners: int = 0
    completions: int = 0
    answers: int = 0
    resent: int = 0
    double_taps_same: int = 0
    heartbeats: int = 0
    heartbeat_duplicates: int = 0
    kills: int = 0
    upstream_requests: dict[str, int] = field(default_factory=dict)
    upstream_failed: dict[str, dict[str, int]] = field(default_factory=dict)
    results_expected: int = 0
    results_once: int = 0
    results_duplicated: int = 0
    results_lost: int = 0
    results_extra: int = 0
    events_expected: int = 0
    events_once: int = 0
    events_duplicated: int = 0
    events_lost: int = 0
    events_extra: int = 0
    open_at_end: dict[str, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0
    flow_seconds: float = 0.0
    drain_seconds: float = 0.0

    def lines(self) -> list[str]:
        failed = {s: sum(k.values()) for s, k in self.upstream_failed.items() if sum(k.values())}
        return [
            f"learners                          {self.learners} ({self.completions} completed,"
            f" {self.answers} answers)",
            f"requests resent by the apps       {self.resent}",
            f"double taps answered the same     {self.double_taps_same}",
            f"heartbeats                        {self.heartbeats}"
            f" (+{self.heartbeat_duplicates} answered duplicate on a resend)",
            # the simulators' request logs keep the last 1,000 requests: a full one means more
            f"upstream requests                 {self._requests()}",
            f"  failed by the simulators        {failed} {self.upstream_failed}",
            f"worker kills (SIGKILL)            {self.kills}",
            f"gradebook results                 {self.results_once} of {self.results_expected}"
            f" exactly once; duplicated {self.results_duplicated}, lost {self.results_lost},"
            f" extra {self.results_extra}",
            f"Caliper events                    {self.events_once} of {self.events_expected}"
            f" exactly once; duplicated {self.events_duplicated}, lost {self.events_lost},"
            f" extra {self.events_extra}",
            f"open at the end                   {self.open_at_end}",
            f"errors                            {len(self.errors)} {self.errors[:5]}",
            f"wall time                         {self.seconds:.1f} s (flow {self.flow_seconds:.1f}"
            f" s, then {self.drain_seconds:.1f} s until everything was delivered)",
        ]

    def _requests(self) -> str:
        shown = [
            f"{k} {n}{'+' if n >= LOG_KEEPS else ''}" for k, n in self.upstream_requests.items()
        ]
        return ", ".join(shown)

    @property
    def ok(self) -> bool:
        return (
            not self.errors
            and self.completions == self.learners
            and self.results_once == self.results_expected
            and self.events_once == self.events_expected
            and self.results_duplicated + self.results_lost + self.results_extra == 0
            and self.events_duplicated + self.events_lost + self.events_extra == 0
            and not self.open_at_end
        )


class App:
    """A careful learner's app: each step resent until the BFF answers it."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        learner: Learner,
        headers: dict[str, str],
        report: FaultReport,
    ) -> None:
        self.http, self.learner, self.headers, self.report = http, learner, headers, report

    def _resent(self) -> None:
        self.report.resent += 1

    async def call(
        self,
        method: str,
        path: str,
        *,
        key: str | None = None,
        ok: frozenset[int] = frozenset(),
        **kw: Any,
    ) -> httpx.Response:
        headers = self.headers | ({"Idempotency-Key": key} if key else {})
        reply = await resend(
            lambda: self.http.request(method, path, headers=headers, **kw),
            tries=40,
            on_resend=self._resent,
            also=RESEND,
        )
        if reply.status_code >= 400 and reply.status_code not in ok:
            raise RuntimeError(f"{method} {path}: {reply.status_code} {reply.text[:200]}")
        return reply

    def lesson(self, step: str) -> str:
        return f"{LEARNING}/lessons/{self.learner.lesson}/{step}"

    async def run(self, answers: int) -> Completed:
        started = (await self.call("POST", self.lesson("start"), json={})).json()
        heartbeat = await self.heartbeat(int(started.get("attempt") or 1))
        for _ in range(answers):
            found = (await self.call("GET", self.lesson("next"))).json()
            question = found.get("question")
            if question is None:
                break
            body = {
                "question": question["id"],
                "response": a_response(str(question.get("form", ""))),
            }
            key = f"answer-{self.learner.student}-{question['id']}"
            # 409: answered already (a resend after a lost reply); 422: not the question asked
            # any more: ask again
            reply = await self.call(
                "POST", self.lesson("answer"), key=key, json=body, ok=frozenset({409, 422})
            )
            if reply.status_code < 400:
                self.report.answers += 1
        key = f"complete-{self.learner.student}-{self.learner.lesson}"
        done = (
            await self.call("POST", self.lesson("complete"), key=key, json={}, ok=frozenset())
        ).json()
        again = (await self.call("POST", self.lesson("complete"), json={})).json()
        if again.get("completion_id") == done.get("completion_id"):
            self.report.double_taps_same += 1
        effects = done.get("side_effects") or {}
        return Completed(
            self.learner,
            int(done.get("attempt") or 0),
            str(done.get("completion_id")),
            (effects.get("result") or {}).get("id"),
            tuple(e["id"] for e in effects.get("events") or []),
            heartbeat,
        )

    async def heartbeat(self, attempt: int) -> str:
        body = {
            "lesson": self.learner.lesson,
            "active_seconds": 40,
            "inactive_seconds": 5,
            "started_at": "2026-12-06T10:00:00Z",
            "ended_at": "2026-12-06T10:00:45Z",
            "sequence": attempt,
        }
        first = (await self.call("POST", f"{LEARNING}/activity/heartbeat", json=body)).json()
        again = (await self.call("POST", f"{LEARNING}/activity/heartbeat", json=body)).json()
        self.report.heartbeats += 1
        self.report.heartbeat_duplicates += again["state"] == "duplicate"
        return str(first["event_id"])


def chaos(sims: dict[str, str], rate: float | None, seed: int) -> None:
    for i, url in enumerate(sims.values()):
        if rate is None:
            httpx.delete(f"{url}/_sim/faults", timeout=10).raise_for_status()
        else:
            # counted from here: the requests chaos judges
            httpx.delete(f"{url}/_sim/requests", timeout=10).raise_for_status()
            httpx.post(
                f"{url}/_sim/faults/chaos", json={"rate": rate, "seed": seed + i}, timeout=10
            ).raise_for_status()


def chaos_counts(sims: dict[str, str]) -> tuple[dict[str, int], dict[str, dict[str, int]]]:
    requests: dict[str, int] = {}
    failed: dict[str, dict[str, int]] = {}
    for name, url in sims.items():
        requests[name] = httpx.get(f"{url}/_sim/requests", params={"limit": 1}, timeout=10).json()[
            "total"
        ]
        rules = httpx.get(f"{url}/_sim/faults", timeout=10).json()["faults"]
        failed[name] = next((r.get("injected", {}) for r in rules if r.get("kind") == "chaos"), {})
    return requests, failed


async def run(config: FaultConfig) -> FaultReport:
    report = FaultReport(learners=config.learners)
    began = time.monotonic()
    learners = plan_learners(config.users, config.classes, config.learners)
    with (
        simulator_processes(
            SYSTEMS, latency=config.latency_ms / 1000, users=config.users, classes=config.classes
        ) as sims,
        harness_database(config.database, config.pg_admin_url, prefix="bff-flow-") as db_url,
    ):
        env = harness_env(config, sims, db_url)
        # before the faults: the roster cache is not what is under test
        await asyncio.to_thread(fill_cache, env)
        port = free_port()
        api = start_api(env, port)
        workers: list[subprocess.Popen[bytes]] = []
        base = f"http://127.0.0.1:{port}"
        try:
            async with httpx.AsyncClient(base_url=base) as probe:
                await api_ready(probe, api)
            workers.append(start_worker(env))
            headers = await asyncio.to_thread(learner_accounts, base, env, learners)
            chaos(sims, config.fault_rate, config.seed)
            flowed = time.monotonic()
            completed = await all_learners(base, learners, headers, config, report, workers, env)
            report.flow_seconds = time.monotonic() - flowed
            drained = time.monotonic()
            # delivery in the background goes on under the same faults until nothing is open
            report.open_at_end = await wait_delivered(db_url, config)
            report.drain_seconds = time.monotonic() - drained
            report.upstream_requests, report.upstream_failed = chaos_counts(sims)
            chaos(sims, None, config.seed)
        finally:
            for worker in workers:
                stop(worker)
            stop(api)
        count_upstream(sims, completed, report)
    report.seconds = time.monotonic() - began
    return report


def harness_env(config: FaultConfig, sims: dict[str, str], db_url: str) -> dict[str, str]:
    """The Caliper harness's settings (fast retries, short leases, the jobs backend of the
    database) with every upstream at these simulators, each with the short timeout."""
    events = HarnessConfig(
        database=config.database,
        upstream_timeout=config.upstream_timeout,
        pg_admin_url=config.pg_admin_url,
    )
    env = events_env(events, db_url=db_url, caliper_url=sims["caliper"])
    env |= bff_env(sims, db_url, config.users, config.classes)
    for system in sims:
        env[f"BFF_{system.upper()}_TIMEOUT_SECONDS"] = str(config.upstream_timeout)
    env |= {
        "BFF_LEARNING_BACKOFF_BASE_SECONDS": "0.2",
        "BFF_LEARNING_BACKOFF_MAX_SECONDS": "2",
        "BFF_LEARNING_LEASE_SECONDS": str(max(10, int(config.upstream_timeout * 6))),
        "BFF_LEARNING_RECONCILE_SECONDS": "1",
        "BFF_LEARNING_MAX_ATTEMPTS": "100",
    }
    return env


async def all_learners(
    base: str,
    learners: list[Learner],
    headers: list[dict[str, str]],
    config: FaultConfig,
    report: FaultReport,
    workers: list[subprocess.Popen[bytes]],
    env: dict[str, str],
) -> list[Completed]:
    """Every learner at once; the worker killed each time another share of them has finished
    (and at least once, when the first one has)."""
    kill_at = {max(1, len(learners) * (k + 1) // (config.kills + 1)) for k in range(config.kills)}
    completed: list[Completed] = []
    limits = httpx.Limits(max_connections=4 * len(learners))
    # longer than the BFF's own upstream timeouts and retries: a hang upstream is the BFF's to time out
    async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits) as http:

        async def one(learner: Learner, h: dict[str, str]) -> None:
            try:
                completed.append(await App(http, learner, h, report).run(config.answers))
            except Exception as exc:
                report.errors.append(f"{learner.student}: {type(exc).__name__}: {exc}"[:300])
                return
            report.completions += 1
            if report.completions in kill_at:
                kill_worker(workers, env)
                report.kills += 1

        await asyncio.gather(*(one(lr, h) for lr, h in zip(learners, headers, strict=True)))
    return completed


def _open_work(db_url: str) -> dict[str, int]:
    events = query(
        db_url,
        "SELECT state, count(*) FROM caliper_events WHERE state NOT IN ('delivered', 'failed')"
        " GROUP BY state",
    )
    found = {f"events {state}": int(n) for state, n in events}
    results = query(
        db_url,
        "SELECT state, count(*) FROM learning_completions"
        " WHERE state NOT IN ('delivered', 'failed') GROUP BY state",
    )
    found |= {f"results {state}": int(n) for state, n in results}
    return found


async def wait_delivered(db_url: str, config: FaultConfig) -> dict[str, int]:
    deadline = time.monotonic() + config.deadline_seconds
    while True:
        found = await asyncio.to_thread(_open_work, db_url)
        if not found or time.monotonic() > deadline:
            return found
        await asyncio.sleep(1)


def gradebook_results(timeback: str) -> list[dict[str, Any]]:
    headers = sim_token(timeback)
    found: list[dict[str, Any]] = []
    offset = 0
    while True:
        page = httpx.get(
            f"{timeback}{GRADEBOOK}/assessmentResults",
            params={"limit": 1000, "offset": offset},
            headers=headers,
            timeout=60,
        )
        page.raise_for_status()
        rows = page.json().get("assessmentResults") or []
        found += rows
        if len(rows) < 1000:
            return found
        offset += 1000


def count_upstream(sims: dict[str, str], completed: list[Completed], report: FaultReport) -> None:
    """Results per (learner, lesson's line item, attempt) among those the BFF wrote (they name
    their completion); events by id in the Caliper store, each completion's and heartbeat's."""
    ours = [
        r
        for r in gradebook_results(sims["timeback"])
        if isinstance(r.get("metadata"), dict) and r["metadata"].get("completionId")
    ]

    def key(r: dict[str, Any]) -> tuple[str, str, object]:
        line_item = r["assessmentLineItem"]["sourcedId"]
        return (r["student"]["sourcedId"], line_item, r["metadata"].get("attempt"))

    per_key = Counter(key(r) for r in ours)
    of_completion = {r["metadata"]["completionId"]: key(r) for r in ours}
    expected = {c.completion_id: of_completion.get(c.completion_id) for c in completed}
    found = {k for k in expected.values() if k is not None}
    report.results_expected = len(expected)
    report.results_once = sum(1 for k in expected.values() if k is not None and per_key[k] == 1)
    report.results_duplicated = sum(max(0, n - 1) for n in per_key.values())
    report.results_lost = sum(1 for k in expected.values() if k is None)
    report.results_extra = sum(1 for k in per_key if k not in found)
    stored: dict[str, int] = httpx.get(f"{sims['caliper']}/_sim/caliper/stored", timeout=60).json()[
        "counts"
    ]
    wanted = {e for c in completed for e in (*c.event_ids, c.heartbeat_id)}
    report.events_expected = len(wanted)
    report.events_once = sum(1 for e in wanted if stored.get(e) == 1)
    report.events_duplicated = sum(max(0, n - 1) for n in stored.values())
    report.events_lost = sum(1 for e in wanted if stored.get(e, 0) == 0)
    report.events_extra = sum(1 for e in stored if e not in wanted)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=50)
    parser.add_argument("--answers", type=int, default=10)
    parser.add_argument("--fault-rate", type=float, default=0.3)
    parser.add_argument("--kills", type=int, default=2)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--latency-ms", type=float, default=0.0)
    parser.add_argument("--users", type=int, default=400, help="roster size of the simulators")
    parser.add_argument("--classes", type=int, default=12)
    parser.add_argument("--database", choices=("postgresql", "sqlite"), default="sqlite")
    parser.add_argument("--pg", default=os.environ.get("BFF_TEST_POSTGRES_URL", DEFAULT_PG))
    args = parser.parse_args()
    config = FaultConfig(
        learners=args.learners,
        answers=args.answers,
        fault_rate=args.fault_rate,
        kills=args.kills,
        seed=args.seed,
        latency_ms=args.latency_ms,
        database=args.database,
        pg_admin_url=args.pg,
        users=args.users,
        classes=args.classes,
    )
    report = asyncio.run(run(config))
    print("\n".join(report.lines()))
    print("OK: every result and event upstream exactly once" if report.ok else "FAILED")
    sys.exit(0 if report.ok else 1)


if __name__ == "__main__":
    main()
