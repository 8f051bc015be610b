"""Pushing time logs to their trackers, exactly once, whatever the tracker or the worker does.

The row is the truth (``SyncState``); a ``timelog-push`` job only triggers one attempt, and the
periodic reconciler re-enqueues whatever is due, so a lost job costs a delay, never a log.

One attempt:

1. *Claim* the log with a conditional update that leases it (``next_attempt_at`` moves past the
   attempt's length). A second worker, or a duplicated job, finds nothing to claim.
2. If an upstream copy exists where the log no longer belongs (made incomplete, moved to another
   project or integration, deleted), remove it there first.
3. Create or update the copy where it belongs. Before a create, ``create_in_flight`` is committed;
   the upstream id is committed after. A worker that dies in between leaves the flag set, and the
   next attempt asks the tracker for the copy carrying the log's tag (``find_tagged``) and adopts it
   instead of creating a second one.
4. Record the outcome conditionally on the version the attempt pushed: a user edit made meanwhile
   keeps its own state (pending) and is pushed next.

Failures: the upstream refusing for good is ``failed_permanent`` with its reason; anything that may
pass is ``failed_retryable`` with exponential back-off and jitter (``Retry-After`` honoured) until
``max_attempts``; a dead grant waits as ``failed_retryable`` ("reconnect needed") and is retried
slowly, or at once when the integration is reconnected (:meth:`TimeLogSyncService.reconnected`).
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from domain.errors import (
    AccessTokenRefused,
    DomainError,
    NotFound,
    ReconnectNeeded,
    UpstreamError,
    UpstreamRateLimited,
    UpstreamRejected,
)
from domain.models.timesheets import ProjectRef, SyncState, TimeLog, UpstreamEntry
from domain.ports import Clock, JobQueue, UnitOfWorkFactory
from domain.ports.time_logs import ACTIVE_STATES, PushOutcome
from domain.ports.time_tracker import TrackerSessions
from domain.services.time_log_entries import Rounding, day_in, upstream_entry
from domain.services.time_logs import PUSH_JOB, push_key

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True, kw_only=True)
class SyncConfig:
    rounding: Rounding = field(default_factory=Rounding)
    max_attempts: int = 8
    backoff_base: timedelta = timedelta(seconds=5)
    backoff_max: timedelta = timedelta(minutes=15)
    #: Longer than any one attempt can take (a few upstream calls, each with its timeout).
    lease: timedelta = timedelta(minutes=2)
    #: How often a log waiting for a reconnect is tried anyway.
    reconnect_retry: timedelta = timedelta(minutes=15)
    #: Logs the reconciler enqueues per run.
    batch: int = 500


@dataclass(slots=True)
class _Copy:
    """Where the upstream copy is, as the attempt learns it."""

    upstream_id: str | None
    project: ProjectRef | None
    in_flight: bool
    version: int | None

    @property
    def exists(self) -> bool:
        return self.upstream_id is not None or self.in_flight

    def clear(self) -> None:
        self.upstream_id, self.project, self.in_flight, self.version = None, None, False, None


class _RowGone(Exception):
    """The log was deleted while the attempt ran; nothing must be created for it."""


class TimeLogSyncService:
    def __init__(
        self,
        *,
        uow: UnitOfWorkFactory,
        sessions: TrackerSessions,
        jobs: JobQueue,
        clock: Clock,
        config: SyncConfig,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        self._uow = uow
        self._sessions = sessions
        self._jobs = jobs
        self._clock = clock
        self._config = config
        self._jitter = jitter

    async def run_job(self, payload: Mapping[str, object]) -> None:
        """The ``timelog-push`` job handler."""
        log_id = payload.get("log_id")
        if isinstance(log_id, str):
            await self.push(log_id)

    async def reconcile(self) -> str:
        """The periodic task: enqueue a push for every log that is due (lost jobs, back-offs,
        expired leases of dead workers)."""
        async with self._uow() as uow:
            due = await uow.time_logs.due(self._clock.now(), limit=self._config.batch)
        for log_id in due:
            await self._jobs.enqueue(PUSH_JOB, {"log_id": log_id}, dedupe_key=push_key(log_id))
        return f"{len(due)} time logs due"

    async def reconnected(self, integration_id: str) -> int:
        """Logs that waited for this integration's reconnect are due now; returns how many."""
        async with self._uow() as uow:
            woken = await uow.time_logs.wake(integration_id, now=self._clock.now())
            await uow.commit()
        if woken:
            await self.reconcile()
        return woken

    async def push(self, log_id: str) -> SyncState | None:
        """One attempt for one log. Returns the state it left, or None when there was nothing to
        claim (not due, not active, or another worker has it) or the log is now gone."""
        now = self._clock.now()
        async with self._uow() as uow:
            claimed = await uow.time_logs.claim(
                log_id, now=now, lease_until=now + self._config.lease
            )
            await uow.commit()
        if claimed is None:
            return None
        copy = _Copy(
            claimed.upstream_id,
            claimed.synced_project,
            claimed.create_in_flight,
            claimed.synced_version,
        )
        try:
            try:
                state = await self._attempt(claimed, copy)
            except AccessTokenRefused:
                # The cached access token died early: refresh it and go again, once.
                for ref in (claimed.project, claimed.synced_project):
                    if ref is not None:
                        await self._sessions.invalidate(ref.integration_id)
                state = await self._attempt(claimed, copy)
            error: str | None = None
            attempts, next_at = 0, None
        except _RowGone:
            return None
        except Exception as exc:  # every failure is recorded on the row, never lost
            state, error, attempts, next_at = await self._failed(claimed, exc)
        if state is None:  # deleted upstream and here
            return None
        return await self._record(claimed, copy, state, error, attempts, next_at)

    # -- one attempt ----------------------------------------------------------------------------

    async def _attempt(self, item: TimeLog, copy: _Copy) -> SyncState | None:
        deleting = item.sync_state is SyncState.DELETING
        target = item.project if item.complete and not deleting else None
        if copy.exists and (target is None or copy.project != target):
            await self._remove(item, copy)
        if deleting:
            async with self._uow() as uow:
                gone = await uow.time_logs.delete_if_version(item.id, item.version)
                await uow.commit()
            return None if gone else SyncState.PENDING
        if target is None:
            return SyncState.LOCAL
        plugin, session = await self._sessions.session_for(target.integration_id)
        entry = upstream_entry(item, time_zone=session.time_zone, rounding=self._config.rounding)
        if copy.upstream_id is None and copy.in_flight:
            # An earlier attempt sent a create and never recorded its reply: adopt that copy.
            copy.upstream_id = await plugin.tracker.find_tagged(session, entry)
        if copy.upstream_id is not None:
            try:
                await plugin.tracker.update(session, copy.upstream_id, entry)
            except NotFound:  # removed upstream by someone else: make it again
                copy.upstream_id = None
        if copy.upstream_id is None:
            async with self._uow() as uow:
                marked = await uow.time_logs.mark_create_in_flight(item.id, project=target)
                await uow.commit()
            if not marked:
                raise _RowGone
            copy.in_flight, copy.project = True, target
            copy.upstream_id = await plugin.tracker.create(session, entry)
        copy.in_flight, copy.project, copy.version = False, target, item.version
        return SyncState.SYNCED

    async def _remove(self, item: TimeLog, copy: _Copy) -> None:
        """Delete the upstream copy where it is (its project may no longer be the log's)."""
        where = copy.project
        if where is None:  # in flight with no recorded project cannot happen; nothing to find
            copy.clear()
            return
        plugin, session = await self._sessions.session_for(where.integration_id)
        if copy.upstream_id is None:
            probe = _probe_entry(item, where, day_in(item.start, session.time_zone))
            copy.upstream_id = await plugin.tracker.find_tagged(session, probe)
        if copy.upstream_id is not None:
            await plugin.tracker.delete(session, copy.upstream_id, project_id=where.project_id)
        copy.clear()

    # -- outcomes -------------------------------------------------------------------------------

    async def _failed(
        self, item: TimeLog, exc: Exception
    ) -> tuple[SyncState, str, int, datetime | None]:
        now = self._clock.now()
        deleting = item.sync_state is SyncState.DELETING
        retry_state = SyncState.DELETING if deleting else SyncState.FAILED_RETRYABLE
        verb = "remove" if deleting else "push"
        match exc:
            case ReconnectNeeded():
                integration = (item.project or item.synced_project or _NOWHERE).integration_id
                await self._sessions.invalidate(integration)
                detail = f"Reconnect needed: {exc.detail}"
                return retry_state, detail, item.attempts, now + self._config.reconnect_retry
            case UpstreamRejected():
                return SyncState.FAILED_PERMANENT, f"{exc.upstream} refused: {exc.detail}", 0, None
            case NotFound():  # the integration itself is gone
                return SyncState.FAILED_PERMANENT, exc.detail, 0, None
            case UpstreamError() | DomainError():
                detail = f"Could not {verb} yet: {exc.detail}"
            case _:
                log.exception("time log %s: unexpected failure while syncing", item.id)
                detail = f"Could not {verb} yet: internal error ({type(exc).__name__})"
        attempts = item.attempts + 1
        if attempts >= self._config.max_attempts:
            return (
                SyncState.FAILED_PERMANENT,
                f"Gave up after {attempts} attempts. {detail}",
                0,
                None,
            )
        retry_after = exc.retry_after if isinstance(exc, UpstreamRateLimited) else None
        return retry_state, detail, attempts, now + self._delay(attempts, retry_after)

    def _delay(self, attempts: int, retry_after: float | None) -> timedelta:
        """Exponential back-off with full jitter over its upper half; never sooner than the
        upstream's ``Retry-After``."""
        ceiling = min(
            self._config.backoff_max, self._config.backoff_base * 2 ** (attempts - 1)
        ).total_seconds()
        delay = ceiling * (0.5 + self._jitter() / 2)
        if retry_after is not None:
            delay = max(delay, retry_after)
        return timedelta(seconds=delay)

    async def _record(
        self,
        item: TimeLog,
        copy: _Copy,
        state: SyncState,
        error: str | None,
        attempts: int,
        next_at: datetime | None,
    ) -> SyncState | None:
        now = self._clock.now()
        async with self._uow() as uow:
            await uow.time_logs.record_push(
                item.id,
                PushOutcome(
                    version=item.version,
                    upstream_id=copy.upstream_id,
                    synced_project=copy.project,
                    synced_version=copy.version,
                    create_in_flight=copy.in_flight,
                    state=state,
                    last_error=error,
                    attempts=attempts,
                    next_attempt_at=next_at,
                    now=now,
                ),
            )
            await uow.commit()
            after = await uow.time_logs.get(item.id)
        if after is None:
            return None
        due = after.next_attempt_at is None or after.next_attempt_at <= now
        if after.sync_state in ACTIVE_STATES and due:
            # The user changed the log while it was being pushed: push their version now.
            await self._jobs.enqueue(PUSH_JOB, {"log_id": item.id}, dedupe_key=push_key(item.id))
        return after.sync_state


_NOWHERE = ProjectRef(integration_id="", project_id="")


def _probe_entry(item: TimeLog, where: ProjectRef, day: date) -> UpstreamEntry:
    """Enough of an entry to look a tagged copy up by; the log itself may be incomplete now."""
    return UpstreamEntry(
        project_id=where.project_id,
        task=item.task or "",
        day=day,
        started_at=item.start,
        minutes=0,
        billable=item.billable,
        notes=item.notes,
        tag=item.id,
    )
