"""A cached roster page through the BFF, against a bare Starlette endpoint returning the same bytes.

The cache (a fresh SQLite file unless ``--database`` names another empty database) is filled by a
full sync from the in-process TimeBack simulator, seeded with ``--users`` people. Then the BFF runs
under uvicorn and ``wrk`` asks it for ``GET /v1/roster/users?limit=100`` as the demo admin (the
whole roster in scope, so the page is a real 100-row read with a count); the bare app of
:mod:`bench.app_overhead` serves the bytes the BFF answered, with the same process settings, in the
same run. Prints requests/s, p50 and p99 of both and the ratio (issue 5's target: >= 0.5x).

    uv run --frozen python -m bench.roster_read [--users 3000] [--seconds 5] [--concurrency 16]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
from pathlib import Path

import httpx

from bench.app_overhead import DEMO_PASSWORD, WRK, bench, server

PAGE = "/v1/roster/users?limit=100"
TARGET = 0.5


def fill_cache(env: dict[str, str]) -> int:
    """Run one full sync in this process, with the settings the server will have; rows copied."""
    os.environ.update(env)
    from api.composition.commands import sync_roster
    from api.settings import Settings

    run = asyncio.run(sync_roster(Settings(_env_file=None), full=True, on_progress=lambda _: None))
    if run.status.value != "succeeded":
        raise RuntimeError(f"the sync {run.status.value}: {run.error}")
    return sum(p.rows for p in run.entities)


def admin_email() -> str:
    from api.composition import demo_accounts
    from api.settings import Settings

    return next(a.email for a in demo_accounts(Settings(_env_file=None)) if a.role.value == "admin")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--users", type=int, default=3000, help="people in the simulator")
    parser.add_argument("--seconds", type=int, default=5, help="per endpoint, with wrk")
    parser.add_argument("--requests", type=int, default=2000, help="per endpoint, without wrk")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--database", help="an empty database's SQLAlchemy URL; default: SQLite")
    args = parser.parse_args()
    env = {k: v for k, v in os.environ.items() if not k.startswith("BFF_")}
    with tempfile.TemporaryDirectory() as tmp:
        env |= {
            "BFF_DATABASE_URL": args.database or f"sqlite+aiosqlite:///{tmp}/bench.db",
            "BFF_LOG_LEVEL": "warning",
            "BFF_SANDBOX_USERS": str(args.users),
            "BFF_SANDBOX_CLASSES": str(max(1, args.users // 50)),
        }
        rows = fill_cache(env)
        results: dict[str, dict[str, float]] = {}
        with server("api.app:create_app", factory=True, env=env) as bff:
            token = httpx.post(
                f"{bff}/v1/auth/token",
                data={"username": admin_email(), "password": DEMO_PASSWORD},
            ).json()["access_token"]
            auth = {"Authorization": f"Bearer {token}"}
            page = httpx.get(f"{bff}{PAGE}", headers=auth)
            page.raise_for_status()
            count = len(page.json()["users"])
            total = page.headers["x-total-count"]
            results[f"BFF GET {PAGE}"] = bench(f"{bff}{PAGE}", auth, args)
        body = Path(tmp) / "page.json"
        body.write_bytes(page.content)
        with server(
            "bench.bare_app:app", factory=False, env=env | {"BENCH_BODY_FILE": str(body)}
        ) as bare:
            results["bare Starlette, same bytes"] = bench(f"{bare}{PAGE}", {}, args)
    base = results["bare Starlette, same bytes"]["rps"]
    ratio = results[f"BFF GET {PAGE}"]["rps"] / base
    tool = f"wrk, {args.seconds} s per endpoint" if WRK else f"httpx, {args.requests} requests"
    print(
        f"cache: {rows} rows synced, {total} users; page: {count} users, {len(page.content)} bytes"
    )
    print(f"load: {tool}, concurrency {args.concurrency}, {os.cpu_count()} cpus")
    print(f"{'endpoint':<38} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'vs bare':>8}")
    for name, r in results.items():
        print(
            f"{name:<38} {r['rps']:>8.0f} {r['p50_ms']:>8.2f} {r['p99_ms']:>8.2f} {r['rps'] / base:>7.2f}x"
        )
    verdict = "meets" if ratio >= TARGET else "misses"
    print(f"BFF / bare: {ratio:.2f}x ({verdict} the {TARGET}x target)")


if __name__ == "__main__":
    main()
