"""Full and incremental roster sync from a remote-like TimeBack, against a plain sequential read.

The TimeBack simulator runs standalone (`bff simulate timeback`) on 127.0.0.1 with the requested
size, adding 100 ms to every response as a remote API would. In this process, the BFF's real sync
(OneRoster client with concurrent paging, the cache on SQLite or PostgreSQL) copies everything; then
a plain sequential paginator reads the same collections (no database) as the baseline; then 1% of
users change upstream and an incremental sync picks them up. Prints wall times, rows/s, peak RSS and
the ratios. With ``--tbor``, the `timeback-oneroster` client's ``stream()`` reads the same
collections too (``bench/tbor_stream.py``, in a Python 3.12 virtual environment of its own, since
the client does not install under 3.11), with the same page size.

    uv run --frozen python -m bench.roster_sync [--users 100000 --classes 2000] [--database URL]
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
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
COLLECTIONS = (
    "orgs",
    "academicSessions",
    "courses",
    "classes",
    "users",
    "enrollments",
    "demographics",
)
ROSTERING = "/ims/oneroster/rostering/v1p2"
CLIENT = {"client_id": "sandbox-client", "client_secret": "sandbox-secret"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def simulator(users: int, classes: int, latency: float) -> Iterator[str]:
    port = free_port()
    args = [sys.executable, "-m", "api.cli", "simulate", "timeback", "--port", str(port)]
    args += ["--users", str(users), "--classes", str(classes)]
    process = subprocess.Popen(args, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # noqa: S603
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 300
        while True:
            try:
                if httpx.get(f"{base}/_sim/state", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError("the simulator did not start")
            time.sleep(0.5)
        httpx.post(
            f"{base}/_sim/faults/latency", json={"seconds": latency}, timeout=10
        ).raise_for_status()
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)


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
        for collection in COLLECTIONS:
            offset = 0
            while True:
                page = await http.get(
                    f"{ROSTERING}/{collection}", params={"limit": page_size, "offset": offset}
                )
                page.raise_for_status()
                items = page.json()[collection]
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--classes", type=int, default=2_000)
    parser.add_argument(
        "--latency", type=float, default=0.1, help="seconds added to every response"
    )
    parser.add_argument("--page-size", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--database", help="a SQLAlchemy URL; default: a fresh SQLite file")
    parser.add_argument(
        "--tbor",
        metavar="auto|PYTHON",
        help="also read with timeback-oneroster's stream(), with this interpreter (auto: make one)",
    )
    args = parser.parse_args()
    tbor = tbor_python(args.tbor) if args.tbor else None

    with (
        tempfile.TemporaryDirectory() as tmp,
        simulator(args.users, args.classes, args.latency) as base,
    ):
        os.environ.update(
            {
                "BFF_DATABASE_URL": args.database or f"sqlite+aiosqlite:///{tmp}/bench.db",
                "BFF_TIMEBACK_BASE_URL": base,
                "BFF_TIMEBACK_TOKEN_URL": f"{base}/oauth2/token",
                "BFF_TIMEBACK_SYNC_PAGE_SIZE": str(args.page_size),
                "BFF_TIMEBACK_SYNC_CONCURRENCY": str(args.concurrency),
                "BFF_LOG_LEVEL": "warning",
            }
        )
        from api.settings import Settings

        settings = Settings(_env_file=None)
        # CPU seconds of this (the syncing) process: a figure that stays comparable when other
        # work shares the machine and stretches the wall time (imports are not counted)
        importlib.import_module("api.composition")
        cpu = time.process_time()
        full_s, full_rows = asyncio.run(sync(settings, full=True))
        full_cpu = time.process_time() - cpu
        peak = rss_mb()
        seq_started = time.perf_counter()
        seq_rows = asyncio.run(sequential_read(base, args.page_size))
        seq_s = time.perf_counter() - seq_started
        tbor_result = tbor_read(tbor, base, args.page_size) if tbor else None
        touched = asyncio.run(touch_users(base, 0.01))
        inc_s, inc_rows = asyncio.run(sync(settings, full=False))

    print(
        f"simulator: {args.users} users, {args.classes} classes, +{args.latency * 1000:.0f} ms a response"
    )
    print(
        f"page size {args.page_size}, {args.concurrency} pages in flight, "
        f"database {settings.database.url.split(':')[0]}"
    )
    print(
        f"full sync:        {full_s:7.1f} s  {full_rows:8d} rows  {full_rows / full_s:8.0f} rows/s"
        f"  peak RSS {peak:.0f} MB  CPU {full_cpu:.1f} s ({full_cpu / full_rows * 1e6:.0f} us/row)"
    )
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
    print(f"incremental sync: {inc_s:7.1f} s  {inc_rows:8d} rows after changing {touched} users")
    print(f"full sync vs sequential read: {seq_s / full_s:.2f}x faster")
    if tbor_result is not None:
        print(
            "full sync vs timeback-oneroster stream(), rows/s: "
            f"{(full_rows / full_s) / (tb_rows / tb_s):.2f}x faster"
        )
    print(f"incremental / full: {inc_s / full_s:.1%}")


if __name__ == "__main__":
    main()
