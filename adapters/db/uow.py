"""The SQL unit of work: one session, one transaction, committed at most once by the use case."""

from __future__ import annotations

from types import TracebackType
from typing import Self

from sqlmodel.ext.asyncio.session import AsyncSession

from adapters.db.engine import SessionFactory
from adapters.db.identity_repositories import (
    SqlAccountRepository,
    SqlApiTokenRepository,
    SqlAuditRepository,
    SqlLoginThrottleRepository,
    SqlRefreshTokenRepository,
)
from adapters.db.integration_repository import SqlIntegrationRepository
from adapters.db.repositories import SqlPeriodicTaskRepository, SqlUpstreamCheckRepository
from adapters.db.roster_store import SqlRosterStore
from adapters.db.time_log_repository import SqlTimeLogRepository
from domain.ports import UnitOfWork


class SqlUnitOfWork(UnitOfWork):
    def __init__(self, sessions: SessionFactory) -> None:
        self._sessions = sessions
        self._session: AsyncSession | None = None

    async def __aenter__(self) -> Self:
        self._session = self._sessions()
        self.periodic_tasks = SqlPeriodicTaskRepository(self._session)
        self.upstream_checks = SqlUpstreamCheckRepository(self._session)
        self.accounts = SqlAccountRepository(self._session)
        self.refresh_tokens = SqlRefreshTokenRepository(self._session)
        self.api_tokens = SqlApiTokenRepository(self._session)
        self.login_throttle = SqlLoginThrottleRepository(self._session)
        self.audit = SqlAuditRepository(self._session)
        self.roster = SqlRosterStore(self._session)
        self.integrations = SqlIntegrationRepository(self._session)
        self.time_logs = SqlTimeLogRepository(self._session)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._session is None:
            return
        try:
            # close() rolls back whatever was not committed and hands the connection back, and the
            # pool then skips its own reset: one round trip to the driver. An explicit rollback()
            # first cost a second one on every read (on aiosqlite each is a thread handoff).
            await self._session.close()
        finally:
            self._session = None

    async def commit(self) -> None:
        await self._active().commit()

    async def rollback(self) -> None:
        await self._active().rollback()

    def _active(self) -> AsyncSession:
        if self._session is None:
            raise RuntimeError("the unit of work is used outside 'async with'")
        return self._session
