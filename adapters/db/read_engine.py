"""Read-only statements outside any unit of work, for the cached reads on the request path.

A cached roster page is one statement. Through the unit of work it paid for a session, a
transaction and, on SQLite, several hand-offs to aiosqlite's thread (each statement is a cursor,
an execute, a fetch and a close there): ~0.75 ms of CPU for a query SQLite answers in 0.06 ms
(docs/performance.md). So reads that need no transaction of their own go through a
:class:`ReadEngine` instead:

- **SQLite**: the standard ``sqlite3`` driver through a synchronous engine, one connection per
  thread, run inline on the event loop. A page is a fraction of a millisecond, well below what a
  hand-off to a thread costs; the price is that a slow query (a contains-filter over a large
  table) holds the loop for its duration. SQLite is the sandbox's and development's database;
  production runs PostgreSQL.
- **PostgreSQL**: asyncpg through an engine in autocommit mode: no ``BEGIN`` and no reset
  ``ROLLBACK`` around each statement, two round trips saved. A single statement reads one
  consistent snapshot, which is all a page needs (its count and the cache version ride in it).

Statements are SQLAlchemy Core, so SQLAlchemy's compiled cache and bind processing apply as they
do everywhere else.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import SingletonThreadPool

from adapters.db.errors import storage_errors


class ReadEngine(Protocol):
    async def rows(self, statement: sa.Executable) -> Sequence[Sequence[Any]]: ...

    async def value(self, sql: str) -> Any:
        """The first column of the first row of a constant statement (no parameters), sent to
        the driver as it is: for the one statement every revalidation runs."""
        ...

    async def dispose(self) -> None: ...


class SqliteReadEngine(ReadEngine):
    def __init__(self, url: str) -> None:
        self._engine = sa.create_engine(
            make_url(url).set(drivername="sqlite"),
            poolclass=SingletonThreadPool,
            # the loop's own thread only, and never across an await: nothing is shared
            connect_args={"check_same_thread": False},
        )
        sa.event.listen(self._engine, "connect", _read_only_pragmas)

    async def rows(self, statement: sa.Executable) -> Sequence[Sequence[Any]]:
        with storage_errors(), self._engine.connect() as conn:
            return conn.execute(statement).all()

    async def value(self, sql: str) -> Any:
        with storage_errors():
            connection = self._engine.raw_connection()
            try:
                row = connection.cursor().execute(sql).fetchone()
            finally:
                connection.close()  # back to the pool
        return None if row is None else row[0]

    async def dispose(self) -> None:
        self._engine.dispose()


class SharedReadEngine(ReadEngine):
    """Reads on the application's own engine, where a second one could not see its data."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def rows(self, statement: sa.Executable) -> Sequence[Sequence[Any]]:
        with storage_errors():
            async with self._engine.connect() as conn:
                return (await conn.execute(statement)).all()

    async def value(self, sql: str) -> Any:
        with storage_errors():
            async with self._engine.connect() as conn:
                return (await conn.exec_driver_sql(sql)).scalar()

    async def dispose(self) -> None:
        """The application disposes its own engine."""


class PostgresReadEngine(ReadEngine):
    def __init__(self, url: str, *, pool_size: int) -> None:
        self._engine = create_async_engine(
            url,
            isolation_level="AUTOCOMMIT",
            pool_size=pool_size,
            max_overflow=pool_size,
            connect_args={"server_settings": {"default_transaction_read_only": "on"}},
        )

    async def rows(self, statement: sa.Executable) -> Sequence[Sequence[Any]]:
        with storage_errors():
            try:
                return await self._rows(statement)
            except sa.exc.DBAPIError as exc:
                if not exc.connection_invalidated:
                    raise
                # A connection the server dropped (a restart, a failover) is found by using it,
                # not by a ping before every statement (a round trip each); SQLAlchemy has dropped
                # the pool's stale connections by now, so one more try gets a fresh one.
                return await self._rows(statement)

    async def _rows(self, statement: sa.Executable) -> Sequence[Sequence[Any]]:
        async with self._engine.connect() as conn:
            return (await conn.execute(statement)).all()

    async def value(self, sql: str) -> Any:
        with storage_errors():
            try:
                return await self._value(sql)
            except sa.exc.DBAPIError as exc:
                if not exc.connection_invalidated:
                    raise
                return await self._value(sql)  # as in rows(): once more, on a fresh connection

    async def _value(self, sql: str) -> Any:
        async with self._engine.connect() as conn:
            return (await conn.exec_driver_sql(sql)).scalar()

    async def dispose(self) -> None:
        await self._engine.dispose()


def _read_only_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # Writers hold the lock only briefly in WAL mode; wait for them rather than fail.
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA query_only=ON")
    cursor.close()


def make_read_engine(engine: AsyncEngine, *, pool_size: int) -> ReadEngine:
    """The read engine beside the application's ``engine``: its own connections, except for an
    in-memory SQLite database, which lives in the application's connection alone."""
    url = engine.url
    if url.get_backend_name() == "sqlite":
        if url.database in (None, "", ":memory:"):
            return SharedReadEngine(engine)
        return SqliteReadEngine(url.render_as_string(hide_password=False))
    return PostgresReadEngine(url.render_as_string(hide_password=False), pool_size=pool_size)
