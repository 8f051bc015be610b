"""Schemathesis against a live sandbox BFF, as a penetration test would run it: once per role.

Starts the sandbox BFF under uvicorn (fresh SQLite, simulated upstreams, demo accounts), logs in as
each asked-for demo role, and runs ``st run`` over the whole OpenAPI document with that bearer
token. Prints, per role, the requests sent, the answers that were 5xx, and the failed checks by kind
(schema violations, status codes the document does not list, ...), from schemathesis's own NDJSON
event stream, so the figures are the tool's, not ours.

    uv run --frozen python -m bench.fuzz_live [--roles admin,student] [--max-examples 25]

Both runs leave out ``update_account`` and ``logout`` (``--exclude``): fuzzing the first as the
admin deactivates or demotes accounts by small-integer id, and the second without a refresh token
logs the caller out everywhere (decision D39); every later request is then refused, which is lost
coverage, not a finding. The test suite's schemathesis run (tests/api/test_openapi_schemathesis.py) is the
gate; this is the report a pen tester would write.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

from bench.app_overhead import server
from bench.roster_read import demo_email, fill_cache, login, sandbox_env


def fuzz(base: str, headers: dict[str, str], args: argparse.Namespace, report: Path) -> None:
    command = [
        "st",
        "run",
        f"{base}/openapi.json",
        "--checks",
        "all",
        "--max-examples",
        str(args.max_examples),
        "--workers",
        "2",
        "--report",
        "ndjson",
        "--report-ndjson-path",
        str(report),
        "--seed",
        str(args.seed),
        "--suppress-health-check",
        "all",
    ]
    for operation in args.exclude.split(","):
        command += ["--exclude-operation-id", operation]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    env = os.environ | {"SCHEMATHESIS_HOOKS": "bench.fuzz_hooks"}
    subprocess.run(  # noqa: S603 - our own argv: the st CLI and this run's options
        command, check=False, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT
    )


def tally(report: Path) -> dict[str, object]:
    """Requests, 5xx answers and failed checks from the NDJSON event stream."""
    requests = 0
    statuses: Counter[int] = Counter()
    failures: Counter[str] = Counter()
    for line in report.read_text().splitlines():
        event = json.loads(line)
        for payload in _walk(event):
            response = payload.get("response")
            if isinstance(response, dict) and "status_code" in response:
                requests += 1
                statuses[int(response["status_code"])] += 1
            name = payload.get("name")
            if payload.get("status") == "failure" and isinstance(name, str):
                failures[name] += 1
    return {
        "requests": requests,
        "5xx": sum(n for code, n in statuses.items() if code >= 500),
        "statuses": dict(sorted(statuses.items())),
        "failed checks": dict(failures),
    }


def _walk(node: object) -> list[dict[str, object]]:
    found: list[dict[str, object]] = []
    if isinstance(node, dict):
        found.append(node)
        for value in node.values():
            found.extend(_walk(value))
    elif isinstance(node, list):
        for value in node:
            found.extend(_walk(value))
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--roles", default="admin,student")
    parser.add_argument("--max-examples", type=int, default=25)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--users", type=int, default=300)
    parser.add_argument("--reports", help="keep schemathesis's NDJSON reports in this directory")
    parser.add_argument(
        "--exclude",
        default="update_account,logout",
        help="operation ids left out (they would end the caller's own session or account)",
    )
    args = parser.parse_args()
    # one login per role must outlive the run
    base_env = sandbox_env(args.users) | {"BFF_AUTH_ACCESS_TTL_SECONDS": "86400"}
    results: dict[str, dict[str, object]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        env = base_env | {"BFF_DATABASE_URL": f"sqlite+aiosqlite:///{Path(tmp) / 'fuzz.db'}"}
        fill_cache(env)
        with server("api.app:create_app", factory=True, env=env) as bff:
            for role in args.roles.split(","):
                headers = login(bff, demo_email(env, role))
                report = Path(args.reports or tmp) / f"{role}.ndjson"
                fuzz(bff, headers, args, report)
                results[role] = tally(report)
    for role, figures in results.items():
        print(f"{role}: {json.dumps(figures)}")
    sys.exit(0)


if __name__ == "__main__":
    main()
