"""A lock across every process on one database, for one-off work several processes may start at
once (the sandbox's demo data, when two APIs start together on a fresh database)."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine


def _key(name: str) -> int:
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


@asynccontextmanager
async def database_lock(engine: AsyncEngine, name: str) -> AsyncIterator[None]:
    """Hold the lock ``name`` for the block: on PostgreSQL a session advisory lock on a connection
    of its own (the block's own statements commit as they go); SQLite serves one process, so there
    is no one to wait for."""
    if engine.dialect.name != "postgresql":
        yield
        return
    async with engine.connect() as conn:
        await conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": _key(name)})
        await conn.commit()
        try:
            yield
        finally:
            await conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": _key(name)})
            await conn.commit()
