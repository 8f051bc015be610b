"""What the BFF's request path costs, against a bare Starlette endpoint returning the same bytes.

Both run under uvicorn in their own process on 127.0.0.1 with the same settings; the same load is
sent to each, with the same concurrency, in the same run. It prints requests/s, p50 and p99 per
endpoint and the BFF/bare throughput ratio.

The load comes from ``wrk`` (Debian package ``wrk``) when it is installed: a Python client saturates
a 2-core machine before a bare endpoint does, which hides the difference being measured. Without
wrk it falls back to an httpx client and says so.

    uv run --frozen python -m bench.app_overhead [--seconds 5] [--requests 2000] [--concurrency 16]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
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


WRK = shutil.which("wrk")


def bench(url: str, headers: dict[str, str], args: argparse.Namespace) -> dict[str, float]:
    if WRK:
        return measure_wrk(url, seconds=args.seconds, concurrency=args.concurrency, headers=headers)
    return measure(url, requests=args.requests, concurrency=args.concurrency, headers=headers)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def server(target: str, *, factory: bool, env: dict[str, str], workers: int = 1) -> Iterator[str]:
    port = free_port()
    args = [sys.executable, "-m", "uvicorn", target, "--port", str(port), "--no-access-log"]
    # Named rather than left to "auto", so a missing uvloop or httptools fails instead of
    # silently measuring both sides on the slower pure-Python loop and parser.
    args += ["--loop", "uvloop", "--http", "httptools", "--log-level", "warning"]
    args += ["--factory"] if factory else []
    args += ["--workers", str(workers)] if workers > 1 else []
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


def measure_wrk(
    url: str, *, seconds: int, concurrency: int, headers: dict[str, str]
) -> dict[str, float]:
    args = ["wrk", "-t1", f"-c{concurrency}", f"-d{seconds}s", "--latency"]
    for name, value in headers.items():
        args += ["-H", f"{name}: {value}"]
    subprocess.run([*args[:3], "-d1s", url], check=True, capture_output=True)  # noqa: S603 - warm up
    out = subprocess.run([*args, url], check=True, capture_output=True, text=True).stdout  # noqa: S603
    if re.search(r"Non-2xx or 3xx responses", out):
        raise RuntimeError(f"{url} answered errors under load:\n{out}")

    def millis(label: str) -> float:
        match = re.search(rf"^\s+{label}%\s+([\d.]+)(us|ms|s)", out, re.MULTILINE)
        if match is None:
            raise RuntimeError(f"no {label}% line in wrk output:\n{out}")
        value, unit = float(match.group(1)), match.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    if rps is None:
        raise RuntimeError(f"no Requests/sec in wrk output:\n{out}")
    return {"rps": float(rps.group(1)), "p50_ms": millis("50"), "p99_ms": millis("99")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=5, help="per endpoint, with wrk")
    parser.add_argument("--requests", type=int, default=2000, help="per endpoint, without wrk")
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
            results["BFF GET /health"] = bench(f"{bff}/health", {}, args)
            results["BFF GET /v1/me (JWT + DB)"] = bench(f"{bff}/v1/me", auth, args)
        with server(
            "bench.bare_app:app", factory=False, env=env | {"BENCH_BODY": me_body.decode()}
        ) as bare:
            results["bare Starlette, same bytes"] = bench(f"{bare}/v1/me", {}, args)
    base = results["bare Starlette, same bytes"]["rps"]
    tool = (
        f"wrk, {args.seconds} s per endpoint"
        if WRK
        else f"httpx, {args.requests} requests per endpoint"
    )
    print(f"load: {tool}, concurrency {args.concurrency}, {os.cpu_count()} cpus")
    print(f"{'endpoint':<30} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'vs bare':>8}")
    for name, r in results.items():
        print(
            f"{name:<30} {r['rps']:>8.0f} {r['p50_ms']:>8.2f} {r['p99_ms']:>8.2f} {r['rps'] / base:>7.2f}x"
        )


if __name__ == "__main__":
    main()
