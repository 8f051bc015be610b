"""One roster sync at a time, across every process that shares the database (decision D52)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Protocol


class SyncLock(Protocol):
    def held(self, *, on_wait: Callable[[], Awaitable[None]]) -> AbstractAsyncContextManager[None]:
        """Entered once this caller holds the lock; ``on_wait`` is awaited first when another
        holds it. Released on exit, and by the database when the holding process dies."""
        ...


class ProcessSyncLock(SyncLock):
    """Within one process only: for services built without a database (unit tests, fakes)."""

    def __init__(self) -> None:
        self._lock = asyncio.Lock()

    @asynccontextmanager
    async def _held(self, on_wait: Callable[[], Awaitable[None]]) -> AsyncIterator[None]:
        if self._lock.locked():
            await on_wait()
        async with self._lock:
            yield

    def held(self, *, on_wait: Callable[[], Awaitable[None]]) -> AbstractAsyncContextManager[None]:
        return self._held(on_wait)
