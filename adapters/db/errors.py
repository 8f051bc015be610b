"""The database being out of reach, told apart from every other database error.

An unreachable database (refused or dropped connections, a server shutting down, a pool with no
connection to give in time, a SQLite file that cannot be opened or is locked) is nothing the caller
did and nothing wrong in the code: it is the domain's ``StorageUnavailable`` (a 503 with
``Retry-After``). Anything else (a constraint, a syntax error, a missing column) stays what it is,
a bug answered with a 500. The drivers and SQLAlchemy wrap each other's errors, so the whole chain
is looked at: SQLAlchemy's error, the driver error it wraps, and what that was raised from.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
import sqlalchemy.exc as sa_exc

from domain.errors import StorageUnavailable

#: SQLSTATEs of a connection that failed or was taken away: class 08 (connection exception),
#: 57P01-57P03 (admin shutdown, crash shutdown, cannot connect now), 53300 (too many connections)
_GONE_STATES = frozenset({"57P01", "57P02", "57P03", "53300"})
#: SQLite's words for a file it cannot use now (not a statement it cannot run)
_SQLITE_OUT_OF_REACH = ("unable to open database file", "database is locked", "disk i/o error")


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    todo: list[BaseException | None] = [exc]
    while todo:
        current = todo.pop()
        if current is None or id(current) in seen or len(seen) > 10:
            continue
        seen.add(id(current))
        yield current
        orig = getattr(current, "orig", None)
        todo += [orig if isinstance(orig, BaseException) else None]
        todo += [current.__cause__, current.__context__]


def _out_of_reach(exc: BaseException) -> bool:
    if isinstance(exc, OSError | TimeoutError | sa_exc.TimeoutError):
        return True  # refused, reset, unresolvable host; no answer in time; pool exhausted
    if isinstance(exc, sa_exc.DBAPIError) and exc.connection_invalidated:
        return True
    state = getattr(exc, "sqlstate", None)
    if isinstance(state, str) and (state.startswith("08") or state in _GONE_STATES):
        return True
    if isinstance(exc, psycopg.OperationalError) and state is None:
        return True  # psycopg's own connection failures carry no SQLSTATE
    if isinstance(exc, sqlite3.OperationalError):
        return str(exc).lower().startswith(_SQLITE_OUT_OF_REACH)
    return False


def is_unreachable(exc: BaseException) -> bool:
    """Whether ``exc`` says the database cannot be reached now (see the module docs)."""
    return not isinstance(exc, StorageUnavailable) and any(_out_of_reach(e) for e in _chain(exc))


def unavailable(exc: BaseException) -> StorageUnavailable:
    return StorageUnavailable(
        f"The database cannot be reached ({type(exc).__name__}); try again shortly."
    )


@contextmanager
def storage_errors() -> Iterator[None]:
    """Raise :class:`StorageUnavailable` for an unreachable database; let the rest through."""
    try:
        yield
    except Exception as exc:
        if is_unreachable(exc):
            raise unavailable(exc) from exc
        raise
