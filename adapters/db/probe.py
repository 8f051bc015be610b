from __future__ import annotations

import asyncio

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.db import migrations
from domain.models.system import ComponentStatus
from domain.ports import DatabaseProbe


class SqlDatabaseProbe(DatabaseProbe):
    """Reachable and migrated: ``SELECT 1`` plus the Alembic revision compared with the code's head."""

    def __init__(self, engine: AsyncEngine, url: str) -> None:
        self._engine = engine
        self._url = url
        self._head = migrations.head_revision(url)

    async def check(self) -> ComponentStatus:
        try:
            async with self._engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
                current = await conn.run_sync(
                    lambda sync: migrations.revision_of(sync)  # same connection, no second pool
                )
        except Exception as exc:  # any driver error means "not ready", never a crash
            return ComponentStatus(
                name="database", ok=False, detail=f"unreachable: {type(exc).__name__}"
            )
        if current != self._head:
            return ComponentStatus(
                name="database", ok=False, detail=f"schema at {current}, code expects {self._head}"
            )
        return ComponentStatus(name="database", ok=True, detail=f"reachable, schema at {current}")


async def wait_until_reachable(
    engine: AsyncEngine, *, attempts: int = 30, delay: float = 1.0
) -> None:
    """For container start-up, where the database may come up a little after the app."""
    for attempt in range(attempts):
        try:
            async with engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
            return
        except Exception:
            if attempt == attempts - 1:
                raise
            await asyncio.sleep(delay)
