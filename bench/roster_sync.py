"""Full and incremental roster sync from a remote-like TimeBack, against a plain sequential read.

The TimeBack simulator runs standalone (`bff simulate timeback`) on 127.0.0.1 with the requested
size, adding 100 ms to every response as a remote API would. The BFF's real sync (OneRoster client with
concurrent paging) copies everything into SQLite and then into PostgreSQL,
each sync in a process of its own; then a plain sequential paginator reads the same collections (no
database) as the baseline; then 1% of users change upstream and an incremental sync on each database
picks them up. Prints, per database, wall times, rows/s, the ratio to the sequential read of the
same run, peak RSS, and the CPU seconds of the syncing process and of the PostgreSQL backends.
With ``--tbor``, the `timeback-oneroster` client's ``stream()`` reads the same
collections too (``bench/tbor_stream.py``, in a Python 3.12 virtual environment of its own, since
the client does not install under 3.11), with the same page size.

    uv run --frozen python -m bench.roster_sync [--users 100000 --classes 2000]
        [--postgres postgresql+asyncpg://postgres@127.0.0.1:5432/test] [--no-postgres|--no-sqlite]
        [--tbor auto|PYTHON]
"""

from __future__ import annotations

import argparse
import asyncio
import glob
import importlib
import json
import os
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager
from pathlib import Path

import httpx

from bench.simulator_process import simulator_process

ROOT = Path(__file__).resolve().parents[1]
ROSTERING = "/ims/oneroster/rostering/v1p2"
RESOURCES = "/ims/oneroster/resources/v1p2"
#: what the sync copies, as (path, the answer's list key): the roster, then the lesson catalogue
COLLECTIONS = (
    *(
        (f"{ROSTERING}/{name}", name)
        for name in (
            "orgs",
            "academicSessions",
            "courses",
            "classes",
            "users",
            "enrollments",
            "demographics",
        )
    ),
    (f"{ROSTERING}/courses/components", "courseComponents"),
    (f"{ROSTERING}/courses/component-resources", "componentResources"),
    (f"{RESOURCES}/resources", "resources"),
)
CLIENT = {"client_id": "sandbox-client", "client_secret": "sandbox-secret"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def simulator(users: int, classes: int, latency: float) -> AbstractContextManager[str]:
    return simulator_process("timeback", latency=latency, users=users, classes=classes)


TBOR_VERSION = "0.4.0"


def tbor_python(choice: str) -> str:
    """The interpreter of a virtual environment holding `timeback-oneroster`: ``choice`` itself,
    or for ``auto`` one made (once) under ``var/bench/`` from a Python 3.12 found on this machine."""
    if choice != "auto":
        return choice
    venv = ROOT / "var" / "bench" / f"tbor-{TBOR_VERSION}"
    python = venv / "bin" / "python"
    if not python.exists():
        candidates = [
            *sorted(glob.glob(os.path.expanduser("~/.pyenv/versions/3.1[23]*/bin/python"))),
            *filter(None, [shutil.which("python3.12"), shutil.which("python3.13")]),
        ]
        found = [c for c in candidates if _is_312_or_newer(c)]
        if not found:
            raise RuntimeError("--tbor auto needs a Python 3.12 or newer on this machine")
        subprocess.run([found[0], "-m", "venv", str(venv)], check=True)  # noqa: S603
        subprocess.run(  # noqa: S603
            [str(python), "-m", "pip", "install", "-q", f"timeback-oneroster=={TBOR_VERSION}"],
            check=True,
        )
    return str(python)


def _is_312_or_newer(python: str) -> bool:
    check = "import sys; sys.exit(sys.version_info < (3, 12))"
    return subprocess.run([python, "-c", check], capture_output=True, check=False).returncode == 0  # noqa: S603


def tbor_read(python: str, base: str, page_size: int) -> dict[str, object]:
    out = subprocess.run(  # noqa: S603 - our own script, with an interpreter we made or were given
        [
            python,
            str(ROOT / "bench" / "tbor_stream.py"),
            f"--base-url={base}",
            f"--token-url={base}/oauth2/token",
            f"--page-size={page_size}",
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    result: dict[str, object] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def sequential_read(base: str, page_size: int) -> int:
    """The baseline: one page after another, as a simple client would, storing nothing."""
    async with httpx.AsyncClient(base_url=base, timeout=60) as http:
        token = (
            await http.post("/oauth2/token", data={"grant_type": "client_credentials", **CLIENT})
        ).json()
        http.headers["Authorization"] = f"Bearer {token['access_token']}"
        rows = 0
        for path, key in COLLECTIONS:
            offset = 0
            while True:
                page = await http.get(path, params={"limit": page_size, "offset": offset})
                page.raise_for_status()
                items = page.json()[key]
                rows += len(items)
                if len(items) < page_size:
                    break
                offset += page_size
        return rows


async def touch_users(base: str, share: float, concurrency: int = 32) -> int:
    """Change ``share`` of the users upstream, through the OneRoster API."""
    async with httpx.AsyncClient(base_url=base, timeout=60) as http:
        token = (
            await http.post("/oauth2/token", data={"grant_type": "client_credentials", **CLIENT})
        ).json()
        http.headers["Authorization"] = f"Bearer {token['access_token']}"
        first = (await http.get(f"{ROSTERING}/users", params={"limit": 1})).json()
        total = int(first["totalCount"])
        step = max(1, int(1 / share))
        ids: list[str] = []
        for offset in range(0, total, 3000):
            page = (
                await http.get(f"{ROSTERING}/users", params={"limit": 3000, "offset": offset})
            ).json()
            ids += [u["sourcedId"] for u in page["users"]]
        chosen = ids[::step]
        gate = asyncio.Semaphore(concurrency)

        async def touch(sourced_id: str) -> None:
            async with gate:
                body = {"user": {"sourcedId": sourced_id, "givenName": "Changed"}}
                (await http.put(f"{ROSTERING}/users/{sourced_id}", json=body)).raise_for_status()

        await asyncio.gather(*(touch(i) for i in chosen))
        return len(chosen)


async def sync(settings: object, *, full: bool) -> tuple[float, int]:
    from adapters.jobs.collector import collector_tuned_for_bulk_work
    from api import composition
    from domain.roster.sync import SyncKind

    async with composition.running(settings, run_jobs=False) as container:  # type: ignore[arg-type]
        service = container.roster_sync()
        started = time.perf_counter()
        # the collector settings `bff sync roster` and the job runners use for a sync
        with collector_tuned_for_bulk_work():
            run = await service.run(
                (await service.start(SyncKind.FULL if full else SyncKind.INCREMENTAL)).id
            )
        elapsed = time.perf_counter() - started
        if run.status.value != "succeeded":
            raise RuntimeError(f"sync {run.status.value}: {run.error}")
        return elapsed, sum(p.rows for p in run.entities)


def sync_child(kind: str) -> None:
    """In a child process (``--child full|incremental``): one sync on ``BFF_DATABASE_URL``, then
    one JSON line: seconds, rows, this process's CPU seconds and peak RSS. A process per sync
    keeps each database's CPU and memory figures its own."""
    from api.settings import Settings

    importlib.import_module("api.composition")  # imports are not counted
    cpu = time.process_time()
    seconds, rows = asyncio.run(sync(Settings(_env_file=None), full=kind == "full"))
    result = {
        "seconds": seconds,
        "rows": rows,
        "cpu": time.process_time() - cpu,
        "rss_mb": rss_mb(),
    }
    print(json.dumps(result))


class BackendCpu:
    """CPU seconds of the PostgreSQL backends serving one database, while they live.

    A thread asks ``pg_stat_activity`` for the database's backends every 0.2 s and reads each
    one's CPU from ``/proc/<pid>/stat`` (the server must run on this machine), keeping the last
    figure of every pid; the sum is the database's work for the sync (a backend that ends between
    two samples loses at most 0.2 s of its tail). None where ``/proc`` shows no backend."""

    def __init__(self, admin_url: str, database: str) -> None:
        self._admin = admin_url
        self._database = database
        self._seen: dict[int, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self) -> BackendCpu:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _sample(self) -> None:
        import psycopg

        tick = os.sysconf("SC_CLK_TCK")
        with psycopg.connect(self._admin, autocommit=True) as conn:
            while True:
                pids = conn.execute(
                    "SELECT pid FROM pg_stat_activity WHERE datname = %s", (self._database,)
                ).fetchall()
                for (pid,) in pids:
                    try:
                        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                    except OSError:
                        continue
                    self._seen[pid] = (int(fields[11]) + int(fields[12])) / tick
                if self._stop.wait(0.2):
                    return

    @property
    def seconds(self) -> float | None:
        return sum(self._seen.values()) if self._seen else None


def run_child(kind: str, url: str, env: dict[str, str]) -> dict[str, float]:
    out = subprocess.run(  # noqa: S603 - this very script
        [sys.executable, "-m", "bench.roster_sync", "--child", kind],
        cwd=ROOT,
        env={**env, "BFF_DATABASE_URL": url},
        check=True,
        capture_output=True,
        text=True,
    )
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


@contextmanager
def postgres_database(admin_url: str) -> Iterator[tuple[str, str, str]]:
    """A fresh database on the server of ``admin_url``: (its URL, its name, a psycopg URL of the
    admin database), dropped afterwards."""
    import psycopg
    from sqlalchemy.engine import make_url

    admin = make_url(admin_url)
    plain = admin.set(drivername="postgresql").render_as_string(hide_password=False)
    name = f"bench_roster_{os.getpid()}"
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield admin.set(database=name).render_as_string(hide_password=False), name, plain
    finally:
        with psycopg.connect(plain, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def report(
    name: str, full: dict[str, float], inc: dict[str, float], db_cpu: float | None, seq_s: float
) -> None:
    rows = full["rows"]
    print(
        f"{name:10s} full sync:  {full['seconds']:7.1f} s  {rows:8.0f} rows  "
        f"{rows / full['seconds']:8.0f} rows/s  {seq_s / full['seconds']:5.2f}x the sequential read"
        f"  peak RSS {full['rss_mb']:.0f} MB"
    )
    line = (
        f"{'':10s} CPU: syncing process {full['cpu']:.1f} s ({full['cpu'] / rows * 1e6:.0f} us/row)"
    )
    if db_cpu is not None:
        line += f", database backends {db_cpu:.1f} s ({db_cpu / rows * 1e6:.0f} us/row)"
    print(line)
    print(
        f"{'':10s} incremental: {inc['seconds']:5.1f} s  {inc['rows']:6.0f} rows  "
        f"{inc['seconds'] / full['seconds']:.1%} of the full sync"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--classes", type=int, default=2_000)
    parser.add_argument(
        "--latency", type=float, default=0.1, help="seconds added to every response"
    )
    parser.add_argument("--page-size", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument(
        "--postgres",
        default=os.environ.get(
            "BFF_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
        ),
        help="a server's URL: the bench makes a database of its own there and drops it after",
    )
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
    parser.add_argument("--no-sqlite", action="store_true", help="PostgreSQL only")
    parser.add_argument(
        "--tbor",
        metavar="auto|PYTHON",
        help="also read with timeback-oneroster's stream(), with this interpreter (auto: make one)",
    )
    parser.add_argument("--child", choices=["full", "incremental"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        sync_child(args.child)
        return
    tbor = tbor_python(args.tbor) if args.tbor else None

    with (
        tempfile.TemporaryDirectory() as tmp,
        simulator(args.users, args.classes, args.latency) as base,
        ExitStack() as stack,
    ):
        env = {
            **os.environ,
            "BFF_TIMEBACK_BASE_URL": base,
            "BFF_TIMEBACK_TOKEN_URL": f"{base}/oauth2/token",
            "BFF_TIMEBACK_SYNC_PAGE_SIZE": str(args.page_size),
            "BFF_TIMEBACK_SYNC_CONCURRENCY": str(args.concurrency),
            "BFF_LOG_LEVEL": "warning",
        }
        databases: dict[str, str] = {}
        if not args.no_sqlite:
            databases["SQLite"] = f"sqlite+aiosqlite:///{tmp}/bench.db"
        pg_name = pg_admin = ""
        if not args.no_postgres:
            databases["PostgreSQL"], pg_name, pg_admin = stack.enter_context(
                postgres_database(args.postgres)
            )
        full: dict[str, dict[str, float]] = {}
        db_cpu: dict[str, float | None] = {}
        for name, url in databases.items():
            if name == "PostgreSQL":
                with BackendCpu(pg_admin, pg_name) as backends:
                    full[name] = run_child("full", url, env)
                db_cpu[name] = backends.seconds
            else:
                full[name] = run_child("full", url, env)
                db_cpu[name] = None  # SQLite works inside the syncing process
        seq_started = time.perf_counter()
        seq_rows = asyncio.run(sequential_read(base, args.page_size))
        seq_s = time.perf_counter() - seq_started
        tbor_result = tbor_read(tbor, base, args.page_size) if tbor else None
        touched = asyncio.run(touch_users(base, 0.01))
        inc = {name: run_child("incremental", url, env) for name, url in databases.items()}

    print(
        f"simulator: {args.users} users, {args.classes} classes, +{args.latency * 1000:.0f} ms a response"
    )
    print(f"page size {args.page_size}, {args.concurrency} pages in flight")
    print(
        f"sequential read:  {seq_s:7.1f} s  {seq_rows:8d} rows  {seq_rows / seq_s:8.0f} rows/s  (no database)"
    )
    if tbor_result is not None:
        tb_s, tb_rows = float(str(tbor_result["seconds"])), int(str(tbor_result["rows"]))
        print(
            f"timeback-oneroster stream(): {tb_s:7.1f} s  {tb_rows:8d} rows  "
            f"{tb_rows / tb_s:8.0f} rows/s  (no database; its default page size is 100)"
        )
        for name, error in dict(tbor_result.get("failed") or {}).items():  # type: ignore[call-overload]
            print(f"  timeback-oneroster could not read {name}: {error}")
    print(f"incremental syncs after changing {touched} users upstream")
    for name in databases:
        report(name, full[name], inc[name], db_cpu[name], seq_s)


if __name__ == "__main__":
    main()
