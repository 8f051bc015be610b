"""What the reliability harnesses share: a fresh migrated database of either kind, reading it
while the BFF runs, a front end's resend after a dropped connection or a 503, and the SIGKILL of
a running ``bff worker`` followed by a fresh one."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import tempfile
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa

from adapters.db import migrations
from adapters.db.engine import sync_url
from bench.timesheets_reliability import fresh_database, start_worker


@contextmanager
def harness_database(
    kind: str, pg_admin_url: str, *, prefix: str = "bff-harness-"
) -> Iterator[str]:
    """A fresh migrated database: ``postgresql`` (on ``pg_admin_url``'s server) or ``sqlite``,
    removed afterwards."""
    if kind == "postgresql":
        with fresh_database(pg_admin_url) as url:
            yield url
        return
    with tempfile.TemporaryDirectory(prefix=prefix) as folder:
        url = f"sqlite+aiosqlite:///{Path(folder) / 'bff.db'}"
        migrations.upgrade(url)
        yield url


def query(db_url: str, sql: str) -> list[Any]:
    engine = sa.create_engine(sync_url(db_url))
    try:
        with engine.connect() as conn:
            return list(conn.execute(sa.text(sql)))
    finally:
        engine.dispose()


async def resend(
    send: Callable[[], Awaitable[httpx.Response]],
    *,
    tries: int = 5,
    on_resend: Callable[[], None] = lambda: None,
    also: frozenset[int] = frozenset(),
) -> httpx.Response:
    """A request as a careful client makes it: after a dropped connection or a 503 (with its
    ``Retry-After``), or one of the statuses in ``also``, the same request again; the last
    answer."""
    for attempt in range(tries):
        last = attempt == tries - 1
        try:
            reply = await send()
        except httpx.TransportError:
            if last:
                raise
            on_resend()
            continue
        if (reply.status_code == 503 or reply.status_code in also) and not last:
            on_resend()
            await asyncio.sleep(min(5.0, float(reply.headers.get("Retry-After", "1"))))
            continue
        return reply
    raise AssertionError("unreachable")


def kill_worker(workers: list[subprocess.Popen[bytes]], env: dict[str, str]) -> None:
    """SIGKILL the running worker (the last of ``workers``: no graceful shutdown, its rounds die
    mid-flight) and start a new one."""
    current = workers[-1]
    if current.poll() is not None:
        raise RuntimeError(f"the worker had already exited ({current.returncode})")
    current.send_signal(signal.SIGKILL)
    current.wait()
    workers.append(start_worker(env))
