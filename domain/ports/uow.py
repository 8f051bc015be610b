"""Unit of work and the repositories it hands out.

A use case opens one unit of work, uses its repositories and commits once; leaving the block without
committing rolls back.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from types import TracebackType
from typing import Protocol, Self

from domain.models.system import PeriodicTask, UpstreamCheck
from domain.ports.caliper_outbox import EventOutbox
from domain.ports.identity import (
    AccountRepository,
    ApiTokenRepository,
    AuditRepository,
    LoginThrottleRepository,
    RefreshTokenRepository,
)
from domain.ports.integrations import IntegrationRepository
from domain.ports.learning_ledger import CompletionLedger
from domain.ports.lms_links import LmsLinkRepository
from domain.ports.roster_store import RosterStore
from domain.ports.time_logs import TimeLogRepository


class PeriodicTaskRepository(Protocol):
    async def ensure(self, task: PeriodicTask) -> None:
        """Insert the task if it is not there; keep an existing row's schedule and history."""
        ...

    async def get(self, name: str) -> PeriodicTask | None: ...

    async def list(self) -> Sequence[PeriodicTask]: ...

    async def due(self, now: datetime) -> Sequence[PeriodicTask]: ...

    async def claim(self, name: str, *, now: datetime, next_due_at: datetime) -> bool:
        """Atomically move a due task's next run to ``next_due_at``; False if it was not due."""
        ...

    async def finish(
        self, name: str, *, finished_at: datetime, outcome: str, error: str | None
    ) -> None: ...


class UpstreamCheckRepository(Protocol):
    async def record(self, check: UpstreamCheck) -> None: ...

    async def latest(self) -> Sequence[UpstreamCheck]:
        """The newest check of each upstream."""
        ...


class UnitOfWork(Protocol):
    """Repositories are read-only members, so an implementation may make each when first used."""

    @property
    def periodic_tasks(self) -> PeriodicTaskRepository: ...
    @property
    def upstream_checks(self) -> UpstreamCheckRepository: ...
    @property
    def accounts(self) -> AccountRepository: ...
    @property
    def refresh_tokens(self) -> RefreshTokenRepository: ...
    @property
    def api_tokens(self) -> ApiTokenRepository: ...
    @property
    def login_throttle(self) -> LoginThrottleRepository: ...
    @property
    def audit(self) -> AuditRepository: ...
    @property
    def roster(self) -> RosterStore: ...
    @property
    def integrations(self) -> IntegrationRepository: ...
    @property
    def time_logs(self) -> TimeLogRepository: ...
    @property
    def lms_links(self) -> LmsLinkRepository: ...
    @property
    def caliper_events(self) -> EventOutbox: ...
    @property
    def learning(self) -> CompletionLedger: ...

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    async def commit(self) -> None: ...

    async def rollback(self) -> None: ...


class UnitOfWorkFactory(Protocol):
    def __call__(self) -> UnitOfWork: ...
