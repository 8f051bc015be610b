"""Many rows in one statement, bound straight to the driver's own ``executemany``.

SQLAlchemy's executemany checks, converts and re-packs every parameter of every row in Python; on a
full roster sync that is a large share of the CPU per row. Here a statement is compiled once per
dialect, its parameter order and the few type conversions it needs (dates and times on SQLite, for
instance) are read from the compiled form, and each row becomes one tuple handed to
``sqlite3``/``asyncpg``'s ``executemany``, which loop in C. What is stored is the same as through
SQLAlchemy: the conversions are SQLAlchemy's own bind processors.

On PostgreSQL a batch is one statement, not one per row: every column travels as one array
parameter and ``unnest`` turns them back into rows (``ArrayInsert``). asyncpg's ``executemany``
sends a bind and an execute per row, and the server runs the executor once for each of them; a
1000-row page of users was 1000 statements there (decision D51).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from operator import itemgetter
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel.sql.sqltypes import UTCDateTime

Processor = Callable[[Any], Any]


class DriverStatement:
    def __init__(self, sql: str, params: Sequence[tuple[str, Processor | None]]) -> None:
        """``params``: the bind names in the order the driver takes them, each with its
        conversion (or None)."""
        self.sql = sql
        self.names = tuple(name for name, _ in params)
        # itemgetter builds the tuple in C; only the few converted positions are touched after
        self._get = itemgetter(*self.names)
        self._single = len(self.names) == 1
        self._convert = tuple((i, f) for i, (_, f) in enumerate(params) if f is not None)

    def bind(self, row: Mapping[str, Any]) -> tuple[Any, ...]:
        got = self._get(row)
        values: tuple[Any, ...] = (got,) if self._single else got
        if not self._convert:
            return values
        out = list(values)
        for i, convert in self._convert:
            if out[i] is not None:
                out[i] = convert(out[i])
        return tuple(out)

    async def executemany(self, conn: AsyncConnection, rows: Iterable[Mapping[str, Any]]) -> None:
        bound = [self.bind(row) for row in rows]
        if bound:
            await conn.exec_driver_sql(self.sql, bound)


def compile_for_driver(stmt: sa.Executable, dialect: Dialect) -> DriverStatement:
    """``stmt`` (with named bind parameters, no RETURNING) as driver SQL and parameter order."""
    compiled = stmt.compile(dialect=dialect)  # type: ignore[attr-defined]
    names: Sequence[str] | None = compiled.positiontup
    if names is None:  # a named paramstyle: no driver in use here has one
        raise ValueError(f"{dialect.name} does not bind by position")
    params = tuple((name, _processor(compiled.binds[name].type, dialect)) for name in names)
    return DriverStatement(compiled.string, params)


def _processor(type_: sa.types.TypeEngine[Any], dialect: Dialect) -> Processor | None:
    if dialect.name == "sqlite" and isinstance(type_, UTCDateTime):
        return sqlite_utc_text
    return type_.dialect_impl(dialect).bind_processor(dialect)


def sqlite_utc_text(value: datetime) -> str:
    """The text ``UTCDateTime`` stores on SQLite (UTC, no offset, microseconds), written by
    ``isoformat`` in C: SQLAlchemy's processor %-formats a dict of the fields, two calls per row
    of a sync (its ``dateLastModified`` and its change-feed entry)."""
    if value.utcoffset() is None:
        raise ValueError("a UTCDateTime column takes timezone-aware datetimes")
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


class ArrayInsert:
    """PostgreSQL: ``INSERT ... SELECT FROM unnest($1::type[], ...)``, one statement a batch."""

    def __init__(self, sql: str, params: Sequence[tuple[str, Processor | None]]) -> None:
        self.sql = sql
        self._rows = DriverStatement(sql, params)

    async def executemany(self, conn: AsyncConnection, rows: Iterable[Mapping[str, Any]]) -> None:
        bound = [self._rows.bind(row) for row in rows]
        if bound:
            # columns as tuples (zip transposes in C); asyncpg encodes each as one array
            await conn.exec_driver_sql(self.sql, tuple(zip(*bound, strict=True)))


def array_insert(
    table: sa.Table,
    columns: Sequence[tuple[str, str]],
    dialect: Dialect,
    *,
    upsert_on: str | None = None,
) -> ArrayInsert:
    """``columns``: (column, row key) pairs. With ``upsert_on``, a row whose key exists is updated
    unless its ``payload_hash`` is the same (a row another transaction wrote meanwhile with the
    same content is not rewritten)."""
    quote = dialect.identifier_preparer.quote
    names = [quote(column) for column, _ in columns]
    arrays: list[str] = []
    values: list[str] = []
    params: list[tuple[str, Processor | None]] = []
    for i, ((column, key), name) in enumerate(zip(columns, names, strict=True), start=1):
        type_ = table.c[column].type
        if isinstance(type_, sa.JSON):  # arrives serialised: text on the wire, json in the table
            arrays.append(f"${i}::text[]")
            values.append(f"r.{name}::json")
            params.append((key, None))
        else:
            arrays.append(f"${i}::{type_.compile(dialect=dialect)}[]")
            values.append(f"r.{name}")
            params.append((key, _processor(type_, dialect)))
    target = quote(table.name)
    # names and types come from our own table definitions, quoted; every value is bound
    sql = (
        f"INSERT INTO {target} ({', '.join(names)}) SELECT {', '.join(values)} "  # noqa: S608
        f"FROM unnest({', '.join(arrays)}) AS r({', '.join(names)})"
    )
    if upsert_on is not None:
        updates = ", ".join(f"{n} = excluded.{n}" for n in names if n != quote(upsert_on))
        sql += (
            f" ON CONFLICT ({quote(upsert_on)}) DO UPDATE SET {updates}"
            f" WHERE {target}.payload_hash IS DISTINCT FROM excluded.payload_hash"
        )
    return ArrayInsert(sql, params)


_CACHE: dict[tuple[str, str, str], DriverStatement | ArrayInsert] = {}


def cached(
    key: str, dialect: Dialect, build: Callable[[], sa.Executable | ArrayInsert]
) -> DriverStatement | ArrayInsert:
    """The compiled statement for ``key`` on this dialect, compiled on first use."""
    slot = (dialect.name, dialect.driver, key)
    found = _CACHE.get(slot)
    if found is None:
        built = build()
        found = built if isinstance(built, ArrayInsert) else compile_for_driver(built, dialect)
        _CACHE[slot] = found
    return found


async def insert_many(conn: AsyncConnection, table: sa.Table, rows: list[dict[str, Any]]) -> None:
    """Plain INSERTs of ``rows`` (all with the keys of the first), one driver executemany."""
    if rows:
        dialect = conn.dialect

        def build() -> sa.Executable | ArrayInsert:
            if dialect.name == "postgresql":
                return array_insert(table, [(k, k) for k in rows[0]], dialect)
            return sa.insert(table).values(
                {k: sa.bindparam(k, type_=table.c[k].type) for k in rows[0]}
            )

        insert = cached(f"insert:{table.name}:{','.join(rows[0])}", dialect, build)
        await insert.executemany(conn, rows)
