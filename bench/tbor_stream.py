"""The `timeback-oneroster` client's ``stream()`` reading every roster collection: a second baseline
for ``bench.roster_sync``.

The client needs Python >= 3.12 and this project runs on 3.11, so ``bench.roster_sync`` runs this
file with the interpreter of a separate virtual environment holding that client (``--tbor``). It
imports nothing from this project. Prints one JSON line: rows read, seconds, page size, and the
collections the client could not read, each with the error (its models reject some values
TimeBack's own spec allows, e.g. a demographics ``sex`` of ``other``).

    python bench/tbor_stream.py --base-url URL --token-url URL --page-size N
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time

from timeback_oneroster import OneRosterClient  # type: ignore[import-not-found]

#: the client's resource for each collection the BFF's sync copies, in the same order
RESOURCES = (
    "orgs",
    "academic_sessions",
    "courses",
    "classes",
    "users",
    "enrollments",
    "demographics",
)


async def read_all(args: argparse.Namespace) -> tuple[int, dict[str, str]]:
    rows = 0
    failed: dict[str, str] = {}
    async with OneRosterClient(
        base_url=args.base_url,
        auth_url=args.token_url,
        client_id=args.client_id,
        client_secret=args.client_secret,
        timeout=60.0,
    ) as client:
        for name in RESOURCES:
            # each object is validated into the client's pydantic model, as its users get it
            try:
                async for _ in getattr(client, name).stream(limit=args.page_size):
                    rows += 1
            except Exception as exc:  # reported; the next collection is still read
                failed[name] = f"{type(exc).__name__}: {str(exc).splitlines()[0:3]}"
    return rows, failed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--token-url", required=True)
    parser.add_argument("--client-id", default="sandbox-client")
    parser.add_argument("--client-secret", default="sandbox-secret")
    parser.add_argument("--page-size", type=int, default=100)
    args = parser.parse_args()
    started = time.perf_counter()
    rows, failed = asyncio.run(read_all(args))
    seconds = time.perf_counter() - started
    print(
        json.dumps(
            {"rows": rows, "seconds": seconds, "page_size": args.page_size, "failed": failed}
        )
    )


if __name__ == "__main__":
    main()
