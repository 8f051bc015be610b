"""What the BFF's request path costs, against a bare Starlette endpoint returning the same bytes.

Both run under uvicorn in their own process on 127.0.0.1 with the same settings; one load process
sends the same number of requests to each, with the same concurrency, in the same run. It prints
requests/s, p50 and p99 per endpoint and the BFF/bare throughput ratio.

    uv run --frozen python -m bench.app_overhead [--requests 2000] [--concurrency 16]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
DEMO_PASSWORD = "learn-with-the-bff"  # noqa: S105 - the sandbox demo password


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def server(target: str, *, factory: bool, env: dict[str, str]) -> Iterator[str]:
    port = free_port()
    args = [sys.executable, "-m", "uvicorn", target, "--port", str(port), "--no-access-log"]
    args += ["--log-level", "warning"] + (["--factory"] if factory else [])
    process = subprocess.Popen(args, cwd=ROOT, env=env)  # noqa: S603 - our own interpreter and module
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        else:
            raise RuntimeError(f"{target} did not start")
        yield base
    finally:
        process.terminate()
        process.wait(timeout=20)


async def load(
    url: str, *, requests: int, concurrency: int, headers: dict[str, str]
) -> list[float]:
    latencies: list[float] = []
    queue: asyncio.Queue[None] = asyncio.Queue()
    for _ in range(requests):
        queue.put_nowait(None)
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(limits=limits, headers=headers, timeout=30) as client:

        async def worker() -> None:
            while not queue.empty():
                queue.get_nowait()
                started = time.perf_counter()
                response = await client.get(url)
                latencies.append(time.perf_counter() - started)
                if response.status_code != 200:
                    raise RuntimeError(f"{url} answered {response.status_code}")

        await asyncio.gather(*(worker() for _ in range(concurrency)))
    return latencies


def measure(
    url: str, *, requests: int, concurrency: int, headers: dict[str, str]
) -> dict[str, float]:
    asyncio.run(
        load(url, requests=min(200, requests), concurrency=concurrency, headers=headers)
    )  # warm
    started = time.perf_counter()
    latencies = asyncio.run(load(url, requests=requests, concurrency=concurrency, headers=headers))
    elapsed = time.perf_counter() - started
    latencies.sort()
    return {
        "rps": requests / elapsed,
        "p50_ms": statistics.median(latencies) * 1000,
        "p99_ms": latencies[int(len(latencies) * 0.99) - 1] * 1000,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()
    env = {k: v for k, v in os.environ.items() if not k.startswith("BFF_")}
    with tempfile.TemporaryDirectory() as tmp:
        env |= {
            "BFF_DATABASE_URL": f"sqlite+aiosqlite:///{tmp}/bench.db",
            "BFF_LOG_LEVEL": "warning",
        }
        results: dict[str, dict[str, float]] = {}
        with server("api.app:create_app", factory=True, env=env) as bff:
            from api.composition import demo_accounts
            from api.settings import Settings

            teacher = next(
                a for a in demo_accounts(Settings(_env_file=None)) if a.role.value == "teacher"
            )
            token = httpx.post(
                f"{bff}/v1/auth/token", data={"username": teacher.email, "password": DEMO_PASSWORD}
            ).json()["access_token"]
            auth = {"Authorization": f"Bearer {token}"}
            me_body = httpx.get(f"{bff}/v1/me", headers=auth).content
            run = {"requests": args.requests, "concurrency": args.concurrency}
            results["BFF GET /health"] = measure(f"{bff}/health", headers={}, **run)
            results["BFF GET /v1/me (JWT + DB)"] = measure(f"{bff}/v1/me", headers=auth, **run)
        with server(
            "bench.bare_app:app", factory=False, env=env | {"BENCH_BODY": me_body.decode()}
        ) as bare:
            results["bare Starlette, same bytes"] = measure(f"{bare}/v1/me", headers={}, **run)
    base = results["bare Starlette, same bytes"]["rps"]
    print(f"requests={args.requests} concurrency={args.concurrency} cpus={os.cpu_count()}")
    print(f"{'endpoint':<30} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'vs bare':>8}")
    for name, r in results.items():
        print(
            f"{name:<30} {r['rps']:>8.0f} {r['p50_ms']:>8.2f} {r['p99_ms']:>8.2f} {r['rps'] / base:>7.2f}x"
        )


if __name__ == "__main__":
    main()
