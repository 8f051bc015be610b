"""Class-to-course provisioning of a district against a remote-like Open edX, against a plain loop.

The Appsembler simulator runs in a process of its own on 127.0.0.1 (seeded with the district, a
share of the students without an account, 100 ms added to every response). The roster cache
is filled from the TimeBack simulator's data for the same population, one link per class to the
course Open edX has for it. The database is a fresh PostgreSQL one (``--postgres``; empty: SQLite,
whose one writer makes 32 runs at once wait on each other). Then:

1. **bulk**: the BFF's provisioning (``LinkProvisioner``: bulk enrollment per batch, accounts made
   for those Open edX does not know, teachers made course staff, bounded concurrency), every link
   run at once; wall time and upstream calls per student, counted on the wire (an httpx hook);
2. **loop**: the same work as a plain loop of per-student calls (account lookup by username,
   created when missing, then a one-person enrollment), sequential, against a second simulator
   process seeded the same way, on a sample of classes (its time per enrollment is constant, so
   it is extrapolated to the district and says so); and the same loop with the bulk run's
   concurrency, on the same sample;
3. **reconcile**: 1% of the students change (half lose an enrollment, half gain one in another
   class) through the roster change feed; the periodic task's work runs and the calls it made, and
   whom they named, are counted: only the changed people may appear.

    uv run --frozen python -m bench.lms_provisioning [--students 60000 --classes 2000]
        [--latency 0.1 --missing 0.05 --concurrency 32 --sample-classes 4]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
SEED = 42
BULK = "/appsembler_api/v0/bulk-enrollment/bulk-enroll"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# -- the simulator process ---------------------------------------------------------------------


def serve_simulator(args: argparse.Namespace) -> None:
    """Child mode: the Appsembler simulator for the district, some students without an account,
    ``latency`` added to every response."""
    import uvicorn

    from simulators.appsembler import AppsemblerSimulator

    sim = AppsemblerSimulator(seed=SEED, users=args.students, classes=args.classes)
    for email in missing_emails(args):
        state = sim.state
        account = state.by_email.pop(email)
        del state.accounts[account.id]
        del state.by_username[account.username]
        state.joined.remove((account.date_joined, account.id))
    sim.faults.add_latency(args.latency)
    uvicorn.run(sim.app, host="127.0.0.1", port=args.serve, log_level="warning", access_log=False)


def missing_emails(args: argparse.Namespace) -> list[str]:
    from simulators.kit.population import build_population

    population = build_population(SEED, users=args.students, classes=args.classes)
    students = sorted(p.email.lower() for p in population.people if p.role == "student")
    return random.Random(SEED).sample(students, int(len(students) * args.missing))


@contextmanager
def simulator(args: argparse.Namespace) -> Iterator[str]:
    port = free_port()
    command = [sys.executable, "-m", "bench.lms_provisioning", "--serve", str(port)]
    command += ["--students", str(args.students), "--classes", str(args.classes)]
    command += ["--latency", str(args.latency), "--missing", str(args.missing)]
    process = subprocess.Popen(command, cwd=ROOT)  # noqa: S603
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(1200):
            try:
                httpx.get(f"{base}/_sim/state", timeout=1.0)
                break
            except httpx.HTTPError:
                time.sleep(0.5)
        else:
            raise RuntimeError("the simulator did not start")
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)


# -- counting calls on the wire ----------------------------------------------------------------


@dataclass
class Wire:
    calls: Counter[str] = field(default_factory=Counter)
    named: Counter[str] = field(default_factory=Counter)

    async def hook(self, request: httpx.Request) -> None:
        path = request.url.path
        key = (
            path.split("/appsembler_api/v0/")[-1].split("/")[0]
            if "appsembler_api" in path
            else path
        )
        if "courses/" in path and path.endswith("/roles"):
            key = "courses/{id}/roles"
        self.calls[f"{request.method} {key}"] += 1
        if path == BULK and request.content:
            body = json.loads(request.content)
            for identifier in str(body.get("identifiers", "")).split(","):
                if identifier:
                    self.named[f"{body.get('action')} {identifier.lower()}"] += 1

    def total(self) -> int:
        return sum(v for k, v in self.calls.items() if "access_token" not in k)

    def reset(self) -> None:
        self.calls.clear()
        self.named.clear()


def client(base: str, wire: Wire) -> httpx.AsyncClient:
    from adapters.appsembler.client import make_appsembler_client

    http = make_appsembler_client(
        base_url=base,
        client_id="sandbox-client",
        client_secret="sandbox-secret",  # noqa: S106 (the documented sandbox credential)
        timeout=60.0,
        transport=httpx.AsyncHTTPTransport(limits=httpx.Limits(max_connections=100)),
    )
    http.event_hooks["request"].append(wire.hook)
    return http


# -- the BFF side --------------------------------------------------------------------------------


class Jobs:
    def __init__(self) -> None:
        self.runs: list[str] = []

    async def enqueue(self, job: str, payload: Any, *, dedupe_key: str | None = None) -> None:
        self.runs.append(str(payload["run_id"]))


async def fill_roster(new_uow: Any, args: argparse.Namespace) -> None:
    from domain.roster.entities import EntityKind, record_from_payload
    from simulators.timeback import TimebackSimulator

    stored = TimebackSimulator(seed=SEED, users=args.students, classes=args.classes).state.stored()
    for kind in (EntityKind.ORGS, EntityKind.COURSES, EntityKind.CLASSES, EntityKind.USERS):
        records = [record_from_payload(kind, p) for p in stored[kind.value].all()]
        for i in range(0, len(records), 5000):
            async with new_uow() as uow:
                await uow.roster.upsert_many(kind, records[i : i + 5000])
                await uow.commit()
    enrollments = [
        record_from_payload(EntityKind.ENROLLMENTS, p) for p in stored["enrollments"].all()
    ]
    for i in range(0, len(enrollments), 5000):
        async with new_uow() as uow:
            await uow.roster.upsert_many(EntityKind.ENROLLMENTS, enrollments[i : i + 5000])
            await uow.commit()


def fresh_postgres(admin_url: str) -> str:
    """A new, empty database on the server of ``admin_url`` (dropped by :func:`drop_postgres`)."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"lms_bench_{int(time.time())}"
    admin = make_url(admin_url)
    engine = create_engine(admin.set(drivername="postgresql+psycopg"), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return admin.set(database=name).render_as_string(hide_password=False)


def drop_postgres(admin_url: str, url: str) -> None:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = make_url(url).database
    admin = make_url(admin_url).set(drivername="postgresql+psycopg")
    engine = create_engine(admin, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


def course_keys(args: argparse.Namespace) -> dict[str, str]:
    """Class id -> the Open edX course the simulator has for it."""
    from simulators.appsembler.seed import course_key
    from simulators.kit.population import build_population
    from simulators.kit.schedule import SCHOOL_YEAR

    population = build_population(SEED, users=args.students, classes=args.classes)
    org = population.district.identifier
    return {k.key: course_key(org, k.code, str(SCHOOL_YEAR)) for k in population.classes}


async def run_links(provisioner: Any, run_ids: list[str], at_once: int) -> list[Any]:
    gate = asyncio.Semaphore(at_once)

    async def one(run_id: str) -> Any:
        async with gate:
            return await provisioner.execute(run_id)

    return list(await asyncio.gather(*(one(r) for r in run_ids)))


async def main_async(args: argparse.Namespace) -> dict[str, Any]:
    from adapters.appsembler.lms import AppsemblerLms
    from adapters.clock import SystemClock
    from adapters.db import migrations
    from adapters.db.engine import make_engine, make_session_factory
    from adapters.db.uow import SqlUnitOfWork
    from domain.models.lms import EnrollmentAction, EnrollmentOutcome, NewLmsAccount
    from domain.models.lms_links import CourseLink, MemberRole, RunTrigger
    from domain.roster.entities import EntityKind, record_from_payload
    from domain.services.lms_provisioning import LinkProvisioner, ProvisioningConfig

    out: dict[str, Any] = {"students": args.students, "classes": args.classes}
    if args.postgres:
        url = fresh_postgres(args.postgres)
    else:
        url = f"sqlite+aiosqlite:///{Path(tempfile.mkdtemp(prefix='lms-bench-')) / 'bff.db'}"
    out["database"] = url.split(":", 1)[0]
    migrations.upgrade(url)
    engine = make_engine(url, pool_size=20)
    sessions = make_session_factory(engine)

    def new_uow() -> SqlUnitOfWork:
        return SqlUnitOfWork(sessions)

    t0 = time.perf_counter()
    await fill_roster(new_uow, args)
    out["roster_fill_s"] = round(time.perf_counter() - t0, 1)
    courses = course_keys(args)
    clock = SystemClock()
    async with new_uow() as uow:
        for i, (class_id, course_id) in enumerate(sorted(courses.items())):
            await uow.lms_links.add(
                CourseLink(
                    id=f"link{i:06d}",
                    class_id=class_id,
                    course_id=course_id,
                    created_at=clock.now(),
                )
            )
        await uow.lms_links.set_feed_cursor(await uow.lms_links.feed_head())
        await uow.commit()
    members = {}
    async with new_uow() as uow:
        for class_id in courses:
            members[class_id] = await uow.lms_links.class_members(class_id) or []
    enrollments = sum(1 for ms in members.values() for m in ms if m.role is MemberRole.STUDENT)
    out["student_enrollments"] = enrollments
    out["teachers"] = sum(1 for ms in members.values() for m in ms if m.role is MemberRole.TEACHER)
    out["missing_accounts"] = len(missing_emails(args))

    with simulator(args) as bulk_base, simulator(args) as loop_base:
        # -- 1. bulk ---------------------------------------------------------------------------
        wire = Wire()
        async with client(bulk_base, wire) as http:
            lms = AppsemblerLms(http, edx_api_key="sandbox-edx-api-key")
            jobs = Jobs()
            config = ProvisioningConfig(
                batch_size=args.batch, concurrency=args.concurrency, lease=timedelta(minutes=10)
            )
            provisioner = LinkProvisioner(
                uow=new_uow, lms=lms, jobs=jobs, clock=clock, config=config
            )
            for i in range(len(courses)):
                await provisioner.start(f"link{i:06d}", RunTrigger.CREATED)
            await lms.course_roles(next(iter(courses.values())))  # the token, outside the clock
            wire.reset()
            t0 = time.perf_counter()
            runs = await run_links(provisioner, jobs.runs, args.links_at_once)
            bulk_s = time.perf_counter() - t0
            counts = Counter[str]()
            for r in runs:
                counts["runs " + r.status.value] += 1
                for k, v in asdict(r.counts).items():
                    counts[k] += v
            out["bulk"] = {
                "wall_s": round(bulk_s, 1),
                "calls": wire.total(),
                "calls_by_endpoint": dict(wire.calls),
                "calls_per_student_enrollment": round(wire.total() / enrollments, 4),
                "outcomes": dict(counts),
            }
            print(json.dumps({"bulk": out["bulk"]}, indent=1), flush=True)

            # -- 3. reconcile (same simulator, after the bulk run) -----------------------------
            rng = random.Random(SEED + 1)
            changed = max(2, args.students // 100)
            every = [(c, m) for c, ms in sorted(members.items()) for m in ms]
            students = [(c, m) for c, m in every if m.role is MemberRole.STUDENT and m.email]
            drops = rng.sample(students, changed // 2)
            dropped_people = {m.person_id for _, m in drops}
            pool = [(c, m) for c, m in students if m.person_id not in dropped_people]
            adds = []
            for _, m in rng.sample(pool, changed - len(drops)):
                inside = {c for c, x in every if x.person_id == m.person_id}
                target = rng.choice([c for c in courses if c not in inside])
                adds.append((target, m))
            async with new_uow() as uow:
                template = await uow.roster.get(
                    EntityKind.ENROLLMENTS, drops[0][1].enrollment_id or ""
                )
                assert template is not None
                new_records = []
                for i, (class_id, m) in enumerate(adds):
                    payload = dict(template.payload)
                    payload["sourcedId"] = f"bench-add-{i}"
                    payload["user"] = {**payload["user"], "sourcedId": m.person_id}
                    payload["class"] = {**payload["class"], "sourcedId": class_id}
                    new_records.append(record_from_payload(EntityKind.ENROLLMENTS, payload))
                await uow.roster.upsert_many(EntityKind.ENROLLMENTS, new_records)
                await uow.roster.delete_many(
                    EntityKind.ENROLLMENTS, [m.enrollment_id or "" for _, m in drops]
                )
                await uow.commit()
            link_of = {c: f"link{i:06d}" for i, c in enumerate(sorted(courses))}
            async with new_uow() as uow:
                # whom the drops name, as recorded before the reconcile forgets them
                recorded = {
                    m.person_id: (await uow.lms_links.members(link_of[c])).get(m.person_id)
                    for c, m in drops
                }
            jobs.runs.clear()
            wire.reset()
            t0 = time.perf_counter()
            outcome = await provisioner.follow_roster()
            reconciled = await run_links(provisioner, jobs.runs, args.links_at_once)
            rec_s = time.perf_counter() - t0
            named = {k.split(" ", 1)[1] for k in wire.named}
            # a drop is sent by the Open edX username the link recorded (else the email)
            expected = {(m.email or "").lower() for _, m in adds}
            for _, m in drops:
                known = recorded[m.person_id]
                expected.add(((known.username if known else None) or m.email or "").lower())
            rc = Counter[str]()
            for r in reconciled:
                for k, v in asdict(r.counts).items():
                    rc[k] += v
            out["reconcile"] = {
                "changed_people": len(expected),
                "adds": len(adds),
                "drops": len(drops),
                "links_touched": len(reconciled),
                "follow": outcome,
                "wall_s": round(rec_s, 2),
                "calls": wire.total(),
                "calls_by_endpoint": dict(wire.calls),
                "identifiers_sent": sum(wire.named.values()),
                "people_named": len(named),
                "only_changed_people": named == expected,
                "outcomes": dict(rc),
            }
            print(json.dumps({"reconcile": out["reconcile"]}, indent=1), flush=True)

        # -- 2. the plain loop, on a sample ---------------------------------------------------
        sample = sorted(courses)[: args.sample_classes]
        usernames: dict[str, str] = {}
        async with new_uow() as uow:
            for class_id in sample:
                for m in members[class_id]:
                    user = await uow.roster.get(EntityKind.USERS, m.person_id)
                    usernames[m.person_id] = str((user.payload if user else {}).get("username"))
        work = [(courses[c], m) for c in sample for m in members[c] if m.role is MemberRole.STUDENT]
        half = len(work) // 2
        loop_wire = Wire()
        async with client(loop_base, loop_wire) as http:
            lms = AppsemblerLms(http, edx_api_key="sandbox-edx-api-key")
            await lms.course_roles(courses[sample[0]])

            async def per_student(course_id: str, m: Any) -> None:
                if not await lms.username_exists(usernames[m.person_id]):
                    account = NewLmsAccount(email=m.email or "", name=m.name)
                    try:
                        await lms.create_account(account)
                    except Exception as exc:
                        loop_wire.calls[f"failed {type(exc).__name__}"] += 1
                result = await lms.bulk_enrollment(
                    course_id, [m.email or ""], EnrollmentAction.ENROLL, auto_enroll=False
                )
                ok = {EnrollmentOutcome.ENROLLED, EnrollmentOutcome.ALREADY_ENROLLED}
                assert result.results[0].outcome in ok, result

            loop_wire.reset()
            t0 = time.perf_counter()
            for course_id, m in work[:half]:
                await per_student(course_id, m)
            seq_s = time.perf_counter() - t0
            seq_calls = loop_wire.total()
            gate = asyncio.Semaphore(args.concurrency)

            async def gated(course_id: str, m: Any) -> None:
                async with gate:
                    await per_student(course_id, m)

            loop_wire.reset()
            t0 = time.perf_counter()
            await asyncio.gather(*(gated(c, m) for c, m in work[half:]))
            par_s = time.perf_counter() - t0
            par_calls = loop_wire.total()
        seq_per = seq_s / half
        par_per = par_s / (len(work) - half)
        out["loop"] = {
            "sample_enrollments_sequential": half,
            "sample_enrollments_concurrent": len(work) - half,
            "sequential_s_per_enrollment": round(seq_per, 4),
            "calls_per_enrollment": round(seq_calls / half, 3),
            "concurrent_s_per_enrollment": round(par_per, 5),
            "concurrent_calls_per_enrollment": round(par_calls / (len(work) - half), 3),
            "sequential_extrapolated_s": round(seq_per * enrollments, 0),
            "concurrent_extrapolated_s": round(par_per * enrollments, 1),
        }
        out["speedup_vs_loop"] = round(seq_per * enrollments / bulk_s, 1)
        out["speedup_vs_concurrent_loop"] = round(par_per * enrollments / bulk_s, 2)
        print(json.dumps({"loop": out["loop"]}, indent=1), flush=True)
    await engine.dispose()
    if args.postgres:
        drop_postgres(args.postgres, url)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--students", type=int, default=60_000)
    parser.add_argument("--classes", type=int, default=2_000)
    parser.add_argument("--latency", type=float, default=0.1)
    parser.add_argument("--missing", type=float, default=0.05)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--links-at-once", type=int, default=32)
    parser.add_argument(
        "--postgres",
        default="postgresql+asyncpg://postgres@127.0.0.1:5432/test",
        help="a server to make the bench's database on; empty: SQLite",
    )
    parser.add_argument("--sample-classes", type=int, default=4)
    parser.add_argument("--serve", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve_simulator(args)
        return
    os.environ.setdefault("BFF_LOG_LEVEL", "warning")
    started = time.perf_counter()
    result = asyncio.run(main_async(args))
    result["bench_s"] = round(time.perf_counter() - started, 0)
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
