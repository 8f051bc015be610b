"""A cached roster page through the BFF, against (a) a bare Starlette endpoint returning the same
bytes and (b) a lean FastAPI reference doing only the page's work (:mod:`bench.lean_app`).

The cache (a fresh SQLite file) is filled by a full sync from the in-process TimeBack simulator,
seeded with ``--users`` people. Then each server runs under uvicorn in its own process, with the
same settings, and ``wrk`` loads one endpoint at a time, in the same run:

    (a) bare Starlette           the BFF's admin page bytes, nothing else
    (b) lean FastAPI reference   one route: bearer check (verified-token cache), one sqlite3
                                 statement for 100 stored payloads and the count, bytes spliced
    (c) the BFF                  ``GET /v1/roster/users?limit=100`` as the demo admin (whole roster)
                                 and as the demo teacher (scoped to their classes), a 304
                                 revalidation of the admin page (``If-None-Match``), ``/health``

With ``--postgres URL`` (a server where the URL's user may create databases) the admin page is also
measured on PostgreSQL, in a database made for the run and dropped after it. Prints req/s, p50, p99
and each endpoint's ratio to (a), with issue 11's targets.

    uv run --frozen python -m bench.roster_read [--users 3000] [--seconds 5] [--concurrency 16]
        [--postgres postgresql+asyncpg://postgres@127.0.0.1:5432/test]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bench.app_overhead import DEMO_PASSWORD, WRK, bench, server

PAGE = "/v1/roster/users?limit=100"
#: issue 11's targets, as ratios to (a)
TARGETS = {"admin": 0.15, "teacher": 0.10, "304": 0.30, "health": 0.50}


def sandbox_env(users: int) -> dict[str, str]:
    """This process's environment without its BFF_* settings, plus a sandbox of ``users`` people
    (a class per 50) that logs only warnings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("BFF_")}
    return env | {
        "BFF_LOG_LEVEL": "warning",
        "BFF_SANDBOX_USERS": str(users),
        "BFF_SANDBOX_CLASSES": str(max(1, users // 50)),
    }


def fill_cache(env: dict[str, str]) -> int:
    """Run one full sync in this process, with the settings the server will have; rows copied."""
    saved = dict(os.environ)
    os.environ.update(env)
    try:
        from api.composition.commands import sync_roster
        from api.settings import Settings

        run = asyncio.run(
            sync_roster(Settings(_env_file=None), full=True, on_progress=lambda _: None)
        )
    finally:
        os.environ.clear()
        os.environ.update(saved)
    if run.status.value != "succeeded":
        raise RuntimeError(f"the sync {run.status.value}: {run.error}")
    return sum(p.rows for p in run.entities)


def demo_email(env: dict[str, str], role: str) -> str:
    from api.composition import demo_accounts
    from api.settings import SandboxSettings, Settings

    sandbox = SandboxSettings(
        users=int(env["BFF_SANDBOX_USERS"]), classes=int(env["BFF_SANDBOX_CLASSES"])
    )
    accounts = demo_accounts(Settings(_env_file=None, sandbox=sandbox))
    return next(a.email for a in accounts if a.role.value == role)


def login(base: str, email: str) -> dict[str, str]:
    response = httpx.post(
        f"{base}/v1/auth/token", data={"username": email, "password": DEMO_PASSWORD}
    )
    response.raise_for_status()
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


@contextmanager
def postgres_database(admin_url: str) -> Iterator[str]:
    """An empty PostgreSQL database for this run (dropped afterwards), as an asyncpg URL."""
    name = f"bench_read_{uuid.uuid4().hex[:8]}"
    admin = create_engine(
        make_url(admin_url).set(drivername="postgresql+psycopg"), isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield (
            make_url(admin_url)
            .set(drivername="postgresql+asyncpg", database=name)
            .render_as_string(hide_password=False)
        )
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--users", type=int, default=3000, help="people in the simulator")
    parser.add_argument("--seconds", type=int, default=5, help="per endpoint, with wrk")
    parser.add_argument("--requests", type=int, default=2000, help="per endpoint, without wrk")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--postgres", help="also measure the admin page on this server")
    parser.add_argument(
        "--no-answer-cache",
        action="store_true",
        help="read every page from the database (BFF_TIMEBACK_ANSWER_CACHE_MB=0)",
    )
    args = parser.parse_args()
    base_env = sandbox_env(args.users)
    if args.no_answer_cache:
        base_env["BFF_TIMEBACK_ANSWER_CACHE_MB"] = "0"
    results: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        db_path = Path(tmp) / "bench.db"
        env = base_env | {"BFF_DATABASE_URL": f"sqlite+aiosqlite:///{db_path}"}
        rows = fill_cache(env)
        with server("api.app:create_app", factory=True, env=env) as bff:
            admin = login(bff, demo_email(env, "admin"))
            teacher = login(bff, demo_email(env, "teacher"))
            page = httpx.get(f"{bff}{PAGE}", headers=admin)
            page.raise_for_status()
            teacher_page = httpx.get(f"{bff}{PAGE}", headers=teacher)
            teacher_page.raise_for_status()
            etag = page.headers.get("etag")
            results["(c) BFF admin page"] = bench(f"{bff}{PAGE}", admin, args)
            results["(c) BFF teacher page"] = bench(f"{bff}{PAGE}", teacher, args)
            if etag:
                revalidate = admin | {"If-None-Match": etag}
                status = httpx.get(f"{bff}{PAGE}", headers=revalidate).status_code
                if status != 304:
                    raise RuntimeError(f"If-None-Match answered {status}, not 304")
                results["(c) BFF admin page, 304"] = bench(f"{bff}{PAGE}", revalidate, args)
            results["(c) BFF /health"] = bench(f"{bff}/health", {}, args)
        lean_env = env | {"BENCH_SQLITE_PATH": str(db_path)}
        with server("bench.lean_app:app", factory=False, env=lean_env) as lean:
            lean_page = httpx.get(f"{lean}{PAGE}", headers=admin)
            if lean_page.content != page.content:
                raise RuntimeError("the lean reference's page differs from the BFF's")
            results["(b) lean FastAPI reference"] = bench(f"{lean}{PAGE}", admin, args)
        body = Path(tmp) / "page.json"
        body.write_bytes(page.content)
        bare_env = env | {"BENCH_BODY_FILE": str(body)}
        with server("bench.bare_app:app", factory=False, env=bare_env) as bare:
            results["(a) bare Starlette, same bytes"] = bench(f"{bare}{PAGE}", {}, args)
    if args.postgres:
        with postgres_database(args.postgres) as url:
            env = base_env | {"BFF_DATABASE_URL": url}
            fill_cache(env)
            with server("api.app:create_app", factory=True, env=env) as bff:
                admin = login(bff, demo_email(env, "admin"))
                results["(c) BFF admin page, PostgreSQL"] = bench(f"{bff}{PAGE}", admin, args)
    report(results, rows=rows, page=page, teacher_page=teacher_page, args=args)


def report(
    results: dict[str, dict[str, float]],
    *,
    rows: int,
    page: httpx.Response,
    teacher_page: httpx.Response,
    args: argparse.Namespace,
) -> None:
    base = results["(a) bare Starlette, same bytes"]["rps"]
    tool = f"wrk, {args.seconds} s per endpoint" if WRK else f"httpx, {args.requests} requests"
    print(
        f"cache: {rows} rows synced; admin page: {len(page.json()['users'])} of "
        f"{page.headers['x-total-count']} users, {len(page.content)} bytes; teacher page: "
        f"{len(teacher_page.json()['users'])} of {teacher_page.headers['x-total-count']} users"
    )
    answers = "off" if args.no_answer_cache else "on"
    print(
        f"load: {tool}, concurrency {args.concurrency}, {os.cpu_count()} cpus; answer cache {answers}"
    )
    print(f"{'endpoint':<36} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'vs (a)':>8} {'target':>8}")
    targets = {
        "(c) BFF admin page": TARGETS["admin"],
        "(c) BFF teacher page": TARGETS["teacher"],
        "(c) BFF admin page, 304": TARGETS["304"],
        "(c) BFF /health": TARGETS["health"],
    }
    for name, r in results.items():
        ratio = r["rps"] / base
        target = targets.get(name)
        verdict = (
            "" if target is None else f">={target:.2f} {'met' if ratio >= target else 'MISSED'}"
        )
        print(
            f"{name:<36} {r['rps']:>8.0f} {r['p50_ms']:>8.2f} {r['p99_ms']:>8.2f} "
            f"{ratio:>7.3f}x {verdict}"
        )


if __name__ == "__main__":
    main()
