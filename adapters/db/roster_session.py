"""What the parts of the SQL roster store share: the unit of work's session (worked on, never
committed), a clock, the dialect's INSERT (for ``ON CONFLICT``) and timestamps read back aware."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel.ext.asyncio.session import AsyncSession


class OnSession:
    def __init__(self, session: AsyncSession, *, now: Callable[[], datetime] | None = None) -> None:
        self._session = session
        self._now = now or (lambda: datetime.now(UTC))

    async def _conn(self) -> AsyncConnection:
        return await self._session.connection()


def dialect_insert(conn: AsyncConnection, table: sa.Table) -> Any:
    """An INSERT that can take ``on_conflict_do_update`` on this connection's database."""
    if conn.dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


def aware(value: datetime) -> datetime:
    """A stored UTC timestamp as an aware datetime (SQLite gives it back naive)."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)
