"""The SQL unit of work: one session, one transaction, committed at most once by the use case."""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType
from typing import Generic, Self, TypeVar, overload

from sqlmodel.ext.asyncio.session import AsyncSession

from adapters.db.caliper_outbox import SqlEventOutbox
from adapters.db.engine import SessionFactory
from adapters.db.errors import is_unreachable, storage_errors, unavailable
from adapters.db.identity_repositories import (
    SqlAccountRepository,
    SqlApiTokenRepository,
    SqlAuditRepository,
    SqlLoginThrottleRepository,
    SqlRefreshTokenRepository,
)
from adapters.db.integration_repository import SqlIntegrationRepository
from adapters.db.learning_ledger import SqlCompletionLedger
from adapters.db.lms_link_repository import SqlLmsLinkRepository
from adapters.db.repositories import SqlPeriodicTaskRepository, SqlUpstreamCheckRepository
from adapters.db.roster_store import SqlRosterStore
from adapters.db.time_log_repository import SqlTimeLogRepository
from domain.ports import UnitOfWork

_R = TypeVar("_R")


class _Repository(Generic[_R]):
    """A repository made on first use in a unit of work, on its session, then kept in the
    instance (so later reads of the attribute never reach this descriptor): a request that reads
    one table makes one repository, not ten."""

    def __init__(self, make: Callable[[AsyncSession], _R]) -> None:
        self._make = make

    def __set_name__(self, owner: type, name: str) -> None:
        self._name = name

    @overload
    def __get__(self, uow: None, owner: type) -> Self: ...
    @overload
    def __get__(self, uow: SqlUnitOfWork, owner: type) -> _R: ...
    def __get__(self, uow: SqlUnitOfWork | None, owner: type) -> Self | _R:
        if uow is None:
            return self
        repository = self._make(uow._active())
        uow.__dict__[self._name] = repository
        return repository


class SqlUnitOfWork(UnitOfWork):
    periodic_tasks = _Repository(SqlPeriodicTaskRepository)
    upstream_checks = _Repository(SqlUpstreamCheckRepository)
    accounts = _Repository(SqlAccountRepository)
    refresh_tokens = _Repository(SqlRefreshTokenRepository)
    api_tokens = _Repository(SqlApiTokenRepository)
    login_throttle = _Repository(SqlLoginThrottleRepository)
    audit = _Repository(SqlAuditRepository)
    roster = _Repository(SqlRosterStore)
    integrations = _Repository(SqlIntegrationRepository)
    time_logs = _Repository(SqlTimeLogRepository)
    lms_links = _Repository(SqlLmsLinkRepository)
    caliper_events = _Repository(SqlEventOutbox)
    learning = _Repository(SqlCompletionLedger)

    def __init__(self, sessions: SessionFactory) -> None:
        self._sessions = sessions
        self._session: AsyncSession | None = None

    async def __aenter__(self) -> Self:
        self._session = self._sessions()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            await self._close()
        except Exception as closing:
            if not is_unreachable(closing):
                raise
            if exc is None:  # else a database out of reach failed the body too: its error says more
                raise unavailable(closing) from closing
        if exc is not None and is_unreachable(exc):
            # raised from __aexit__, it replaces the body's error: the domain sees its own
            raise unavailable(exc) from exc

    async def _close(self) -> None:
        if self._session is None:
            return
        for made in [k for k in self.__dict__ if not k.startswith("_")]:
            del self.__dict__[made]  # repositories made on this session go with it
        try:
            # close() rolls back whatever was not committed and hands the connection back, and the
            # pool then skips its own reset: one round trip to the driver. An explicit rollback()
            # first cost a second one on every read (on aiosqlite each is a thread handoff).
            await self._session.close()
        finally:
            self._session = None

    async def commit(self) -> None:
        with storage_errors():
            await self._active().commit()

    async def rollback(self) -> None:
        await self._active().rollback()

    def _active(self) -> AsyncSession:
        if self._session is None:
            raise RuntimeError("the unit of work is used outside 'async with'")
        return self._session
