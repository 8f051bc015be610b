"""The roster sync lock (decision D52): a PostgreSQL advisory lock on a connection of its own, or
on SQLite an exclusive ``flock`` on a file beside the database. Both end with the process that
holds them, so a sync killed mid-way never leaves the lock behind."""

from __future__ import annotations

import asyncio
import fcntl
import os
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.ports.sync_lock import ProcessSyncLock, SyncLock

#: the advisory lock's key: any constant no other part of the BFF uses ("roster" in ASCII)
ADVISORY_KEY = 0x726F73746572
#: how often a waiting SQLite sync tries the file lock again
POLL_SECONDS = 0.2


class PostgresSyncLock(SyncLock):
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    @asynccontextmanager
    async def _held(self, on_wait: Callable[[], Awaitable[None]]) -> AsyncIterator[None]:
        conn = await self._engine.connect()
        try:
            await conn.execution_options(isolation_level="AUTOCOMMIT")
            key = {"k": ADVISORY_KEY}
            if not (await conn.execute(sa.text("SELECT pg_try_advisory_lock(:k)"), key)).scalar():
                await on_wait()
                await conn.execute(sa.text("SELECT pg_advisory_lock(:k)"), key)
            yield
        finally:
            # the session ends and the server drops its lock, however this block was left
            # (an unlock could be skipped by a cancellation, and a pooled connection keeps it)
            await conn.invalidate()
            await conn.close()

    def held(self, *, on_wait: Callable[[], Awaitable[None]]) -> AbstractAsyncContextManager[None]:
        return self._held(on_wait)


class FileSyncLock(SyncLock):
    def __init__(self, path: Path) -> None:
        self._path = path

    @asynccontextmanager
    async def _held(self, on_wait: Callable[[], Awaitable[None]]) -> AsyncIterator[None]:
        fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            if not _try_flock(fd):
                await on_wait()
                # another process holds it: nothing here can signal its release, so poll
                while not _try_flock(fd):  # noqa: ASYNC110
                    await asyncio.sleep(POLL_SECONDS)
            yield
        finally:
            os.close(fd)  # closing the file releases its lock

    def held(self, *, on_wait: Callable[[], Awaitable[None]]) -> AbstractAsyncContextManager[None]:
        return self._held(on_wait)


def _try_flock(fd: int) -> bool:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def make_sync_lock(engine: AsyncEngine) -> SyncLock:
    url = make_url(str(engine.url))
    if url.get_backend_name() == "postgresql":
        return PostgresSyncLock(engine)
    if url.database in (None, "", ":memory:"):
        return ProcessSyncLock()  # an in-memory database lives in this process only
    return FileSyncLock(Path(f"{url.database}.roster-sync.lock"))
