"""CPU per request of one BFF route, in process: the ASGI app called directly, no socket, no client.

Steadier than a load test on a shared 2-core machine (it counts this process's CPU time, not wall
time), and the place to profile the request path: ``--profile`` prints the functions where the
time goes (cProfile, cumulative), ``--pyinstrument`` a call tree if pyinstrument is installed.

The cache is a fresh SQLite file filled by a full sync from the simulator (``--users`` people), or
the database ``--database`` names, filled the same way.

    uv run --frozen python -m bench.request_cpu [--path /v1/roster/users?limit=100]
        [--role admin|teacher|none] [--etag] [--requests 2000] [--profile]
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import os
import pstats
import tempfile
import time
from typing import Any

from bench.roster_read import fill_cache


async def call(
    app: Any, path: str, headers: list[tuple[bytes, bytes]]
) -> tuple[int, bytes, dict[bytes, bytes]]:
    route, _, query = path.partition("?")
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": route,
        "raw_path": route.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": [(b"host", b"bench"), *headers],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
        "state": app_state,
    }
    status = 0
    body = bytearray()
    response_headers: dict[bytes, bytes] = {}

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
            response_headers.update(message.get("headers", []))
        elif message["type"] == "http.response.body":
            body.extend(message.get("body", b""))

    await app(scope, receive, send)
    return status, bytes(body), response_headers


app_state: dict[str, Any] = {}


async def run(args: argparse.Namespace) -> None:
    from asgi_lifespan import LifespanManager

    from api.app import create_app
    from api.composition import DEMO_PASSWORD, demo_accounts
    from api.settings import Settings

    settings = Settings(_env_file=None)
    app = create_app(settings)
    async with LifespanManager(app, startup_timeout=120) as manager:
        app_state.update(manager._state)
        headers: list[tuple[bytes, bytes]] = []
        if args.role != "none":
            email = next(a.email for a in demo_accounts(settings) if a.role.value == args.role)
            import httpx

            transport = httpx.ASGITransport(app=manager.app)
            async with httpx.AsyncClient(transport=transport, base_url="http://bench") as http:
                token = (
                    await http.post(
                        "/v1/auth/token", data={"username": email, "password": DEMO_PASSWORD}
                    )
                ).json()["access_token"]
            headers.append((b"authorization", f"Bearer {token}".encode()))
        status, body, response_headers = await call(app, args.path, headers)
        print(f"{args.path} as {args.role}: {status}, {len(body)} bytes")
        if args.etag:
            etag = response_headers.get(b"etag")
            if etag is None:
                raise SystemExit("no ETag on the response")
            headers.append((b"if-none-match", etag))
            status, body, _ = await call(app, args.path, headers)
            print(f"with If-None-Match: {status}, {len(body)} bytes")
        for _ in range(200):  # warm caches
            await call(app, args.path, headers)
        profiler = cProfile.Profile() if args.profile else None
        started_cpu, started = time.process_time(), time.perf_counter()
        if profiler:
            profiler.enable()
        for _ in range(args.requests):
            await call(app, args.path, headers)
        if profiler:
            profiler.disable()
        cpu, wall = time.process_time() - started_cpu, time.perf_counter() - started
        print(
            f"{args.requests} requests: {cpu / args.requests * 1e6:.0f} us CPU and "
            f"{wall / args.requests * 1e6:.0f} us wall per request (all threads of this process)"
        )
        if profiler:
            pstats.Stats(profiler).sort_stats(args.sort).print_stats(args.lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--path", default="/v1/roster/users?limit=100")
    parser.add_argument("--role", default="admin")
    parser.add_argument("--etag", action="store_true", help="revalidate with If-None-Match")
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--users", type=int, default=3000)
    parser.add_argument("--database", help="a filled or empty database URL; default: new SQLite")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--sort", default="cumulative", help="cProfile sort key")
    parser.add_argument("--lines", type=int, default=45)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        env = {
            "BFF_DATABASE_URL": args.database or f"sqlite+aiosqlite:///{tmp}/bench.db",
            "BFF_LOG_LEVEL": "warning",
            "BFF_SANDBOX_USERS": str(args.users),
            "BFF_SANDBOX_CLASSES": str(max(1, args.users // 50)),
        }
        fill_cache(env)
        os.environ.update(env)
        asyncio.run(run(args))


if __name__ == "__main__":
    main()
