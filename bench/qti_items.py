"""QTI items through the BFF against the QTI simulator itself, in the same run.

The simulator runs standalone on a real socket (``bff simulate qti``), adding ``--latency``
(50 ms) to every response as a remote API would; the BFF runs under uvicorn in its own process
(a fresh SQLite file, sandbox otherwise) with ``BFF_QTI_BASE_URL`` and ``BFF_QTI_TOKEN_URL``
pointing at that socket. With ``--concurrency`` (16) clients, one endpoint at a time:

    item get        direct ``GET /assessment-items/{id}``   vs  BFF ``GET /v1/assessments/items/{id}``
    50-item list    direct ``GET /assessment-items?limit=50`` vs BFF ``?limit=50``
    score           direct ``POST .../process-response``   vs  BFF ``POST .../{id}/score``

The BFF is asked as the demo admin (whole items: the answer key) and as the demo student (the
delivery form, rebuilt with lxml for every item). Prints p50, p99, req/s and, per BFF row, what it
adds to the direct p50 (target: at most 3 ms).

    uv run --frozen python -m bench.qti_items [--seconds 10] [--concurrency 16] [--latency 0.05]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import tempfile
from contextlib import AbstractContextManager
from pathlib import Path

import httpx

from bench.app_overhead import server
from bench.roster_read import demo_email, login, sandbox_env
from bench.simulator_process import sim_token, simulator_process

TARGET_MS = 3.0


def qti_simulator(latency: float) -> AbstractContextManager[str]:
    return simulator_process("qti", latency=latency, start_timeout=120)


def wrk(
    url: str,
    headers: dict[str, str],
    *,
    seconds: int,
    concurrency: int,
    body: object | None = None,
) -> dict[str, float]:
    """p50, p99 (ms) and req/s of ``url`` under ``concurrency`` connections; a POST of ``body``
    (JSON) when given. Non-2xx answers fail the run."""
    args = ["wrk", f"-t{min(2, concurrency)}", f"-c{concurrency}", f"-d{seconds}s", "--latency"]
    for name, value in headers.items():
        args += ["-H", f"{name}: {value}"]
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        if body is not None:
            script.write(
                'wrk.method = "POST"\n'
                f"wrk.body = {json.dumps(json.dumps(body))}\n"
                'wrk.headers["Content-Type"] = "application/json"\n'
            )
    try:
        args += ["-s", script.name]
        warm = [*args[:3], "-d2s", *args[5:], url]
        subprocess.run(warm, check=True, capture_output=True)  # noqa: S603
        out = subprocess.run([*args, url], check=True, capture_output=True, text=True).stdout  # noqa: S603
    finally:
        os.unlink(script.name)
    if "Non-2xx or 3xx responses" in out:
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
    parser.add_argument("--seconds", type=int, default=10, help="per endpoint")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--latency", type=float, default=0.05, help="seconds a QTI response")
    args = parser.parse_args()
    load = {"seconds": args.seconds, "concurrency": args.concurrency}
    rows: list[tuple[str, str, dict[str, float]]] = []
    with qti_simulator(args.latency) as sim, tempfile.TemporaryDirectory() as tmp:
        direct = sim_token(sim)
        listed = httpx.get(f"{sim}/assessment-items", params={"limit": 1}, headers=direct)
        listed.raise_for_status()
        item = listed.json()["items"][0]["identifier"]
        choice = httpx.get(
            f"{sim}/assessment-items",
            params={"filter": "type='choice'", "limit": 1},
            headers=direct,
        ).json()["items"][0]
        answer = {"identifier": choice["identifier"], "response": "A"}
        env = sandbox_env(100) | {
            "BFF_DATABASE_URL": f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}",
            "BFF_QTI_BASE_URL": sim,
            "BFF_QTI_TOKEN_URL": f"{sim}/oauth2/token",
        }
        with server("api.app:create_app", factory=True, env=env) as bff:
            callers = {role: login(bff, demo_email(env, role)) for role in ("admin", "student")}
            bff_item = f"{bff}/v1/assessments/items/{item}"
            for headers in callers.values():
                httpx.get(bff_item, headers=headers, timeout=30).raise_for_status()
            cases = [
                (
                    "item get",
                    f"{sim}/assessment-items/{item}",
                    bff_item,
                    None,
                    None,
                ),
                (
                    "50-item list",
                    f"{sim}/assessment-items?limit=50",
                    f"{bff}/v1/assessments/items?limit=50",
                    None,
                    None,
                ),
                (
                    "score",
                    f"{sim}/assessment-items/{choice['identifier']}/process-response",
                    f"{bff}/v1/assessments/items/{choice['identifier']}/score",
                    answer,
                    {"response": "A"},
                ),
            ]
            for name, direct_url, bff_url, direct_body, bff_body in cases:
                rows.append((name, "direct", wrk(direct_url, direct, body=direct_body, **load)))
                for role, headers in callers.items():
                    measured = wrk(bff_url, headers, body=bff_body, **load)
                    rows.append((name, f"BFF as {role}", measured))
    report(rows, args)


def report(rows: list[tuple[str, str, dict[str, float]]], args: argparse.Namespace) -> None:
    print(
        f"load: wrk, {args.seconds} s per endpoint, {args.concurrency} connections, "
        f"{os.cpu_count()} cpus; simulator +{args.latency * 1000:.0f} ms a response"
    )
    print(f"{'case':<14} {'via':<16} {'p50 ms':>8} {'p99 ms':>8} {'req/s':>8} {'adds p50':>9}")
    direct: dict[str, float] = {}
    for name, via, r in rows:
        if via == "direct":
            direct[name] = r["p50_ms"]
            added = ""
        else:
            extra = r["p50_ms"] - direct[name]
            verdict = "met" if extra <= TARGET_MS else "MISSED"
            added = f"{extra:+.2f} {verdict}" if name != "score" else f"{extra:+.2f}"
        print(
            f"{name:<14} {via:<16} {r['p50_ms']:>8.2f} {r['p99_ms']:>8.2f} {r['rps']:>8.0f} "
            f"{added:>9}"
        )


if __name__ == "__main__":
    main()
