"""Time logs as people write them: create (idempotent), edit, delete, timers, lists.

Every write leaves the row in the state the sync needs (see ``time_log_sync``) and, when there is
something to push, enqueues a push job after the commit; the periodic reconciler catches any job
that is lost.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from domain.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from domain.models.identity import Actor
from domain.models.timesheets import IntegrationStatus, ProjectRef, SyncState, TimeLog
from domain.policy import Action, Policy, TimeLogRef
from domain.ports import Clock, JobQueue, UnitOfWork, UnitOfWorkFactory
from domain.ports.time_logs import ACTIVE_STATES, TimeLogQuery
from domain.services.time_log_entries import Rounding, day_in, exact_duration
from domain.services.timesheet_export import TimesheetReport, build_report

PUSH_JOB = "timelog-push"
#: The most logs one export may hold; beyond it the caller narrows the period.
MAX_EXPORT = 50_000
#: Fields a user may change with PATCH.
EDITABLE = frozenset({"project", "task", "start", "end", "billable", "notes"})


@dataclass(frozen=True, slots=True, kw_only=True)
class TimeLogRules:
    max_duration: timedelta = timedelta(hours=24)
    allow_overlap: bool = False
    #: how a complete log is pushed (the sync's own rounding), so it can be shown before it is
    rounding: Rounding = field(default_factory=Rounding)


@dataclass(frozen=True, slots=True, kw_only=True)
class LogInput:
    project: ProjectRef | None = None
    task: str | None = None
    #: Defaults to now.
    start: datetime | None = None
    #: None starts a running log (a timer).
    end: datetime | None = None
    billable: bool = True
    notes: str = ""

    def fingerprint(self) -> str:
        """A digest of the request, to tell a replay from a different request reusing a key."""
        body = {
            "integration_id": self.project.integration_id if self.project else None,
            "project_id": self.project.project_id if self.project else None,
            "task": self.task,
            "start": self.start.isoformat() if self.start else None,
            "end": self.end.isoformat() if self.end else None,
            "billable": self.billable,
            "notes": self.notes,
        }
        return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()


@dataclass(frozen=True, slots=True, kw_only=True)
class LogFilter:
    since: datetime | None = None
    until: datetime | None = None
    states: frozenset[SyncState] | None = None
    limit: int | None = 100
    offset: int = 0


class TimeLogService:
    def __init__(
        self,
        *,
        uow: UnitOfWorkFactory,
        policy: Policy,
        jobs: JobQueue,
        clock: Clock,
        rules: TimeLogRules,
    ) -> None:
        self._uow = uow
        self._policy = policy
        self._jobs = jobs
        self._clock = clock
        self._rules = rules

    async def create(
        self, *, actor: Actor, data: LogInput, idempotency_key: str | None = None
    ) -> TimeLog:
        """A new log of the caller's. With ``idempotency_key``, a replay returns the first log."""
        fingerprint = data.fingerprint() if idempotency_key else None
        now = self._clock.now()
        async with self._uow() as uow:
            if idempotency_key:
                first = await self._replayed(uow, actor, idempotency_key, fingerprint)
                if first is not None:
                    return first
            log = TimeLog(
                id=uuid.uuid4().hex,
                account_id=actor.account_id,
                project=data.project,
                task=_clean(data.task),
                start=data.start or now,
                end=data.end,
                billable=data.billable,
                notes=data.notes,
                idempotency_key=idempotency_key,
                idempotency_fingerprint=fingerprint,
                created_at=now,
                updated_at=now,
            )
            log = replace(log, sync_state=_initial_state(log), next_attempt_at=now)
            await self._validate(uow, log)
            try:
                await uow.time_logs.add(log)
                await uow.commit()
            except Conflict:
                # Two requests with one key raced: the other one won; answer with its log.
                await uow.rollback()
                first = await self._replayed(uow, actor, idempotency_key or "", fingerprint)
                if first is None:
                    raise
                return first
        await self._push_soon(log)
        return log

    async def get(self, *, actor: Actor, log_id: str) -> TimeLog:
        async with self._uow() as uow:
            return await self._readable(uow, actor, log_id)

    async def list(self, *, actor: Actor, query: LogFilter) -> tuple[Sequence[TimeLog], int]:
        async with self._uow() as uow:
            accounts = await self._visible_accounts(uow, actor)
            return await uow.time_logs.list(
                TimeLogQuery(
                    account_ids=accounts,
                    since=query.since,
                    until=query.until,
                    states=query.states,
                    limit=query.limit,
                    offset=query.offset,
                )
            )

    async def export(self, *, actor: Actor, query: LogFilter, time_zone: str) -> TimesheetReport:
        """Every visible log of the period (no paging), with totals per project and day."""
        day_in(self._clock.now(), time_zone)  # an unknown zone is a 422 before any work
        logs, total = await self.list(
            actor=actor, query=replace(query, limit=MAX_EXPORT + 1, offset=0)
        )
        if total > MAX_EXPORT:
            raise InvalidInput(
                f"{total} logs match; an export holds at most {MAX_EXPORT}. Narrow from/to.",
                field="from",
            )
        return build_report(logs, time_zone=time_zone)

    async def update(self, *, actor: Actor, log_id: str, changes: Mapping[str, Any]) -> TimeLog:
        unknown = set(changes) - EDITABLE
        if unknown:
            raise InvalidInput(f"These fields cannot be changed: {sorted(unknown)}.")
        async with self._uow() as uow:
            current = await self._writable(uow, actor, log_id)
            edited = replace(current, **changes)
            if "task" in changes:
                edited = replace(edited, task=_clean(edited.task))
            # A log already booked to an integration that now needs a reconnect stays editable.
            saved = await self._save(uow, edited, new_project=edited.project != current.project)
        await self._push_soon(saved)
        return saved

    async def delete(self, *, actor: Actor, log_id: str) -> None:
        """Gone at once when nothing is upstream; otherwise the sync removes the upstream copy
        first and the row afterwards."""
        now = self._clock.now()
        async with self._uow() as uow:
            log = await self._writable(uow, actor, log_id)
            if await uow.time_logs.delete_unsynced(log.id):
                await uow.commit()
                return
            await uow.time_logs.mark_deleting(log.id, now=now)
            await uow.commit()
            log = replace(log, sync_state=SyncState.DELETING)
        await self._push_soon(log)

    async def retry(self, *, actor: Actor, log_id: str) -> TimeLog:
        """Push a failed log again with a fresh attempt budget: at once, or when a back-off already
        under way ends (it cannot be told from a running push's lease, which must hold). Any
        other log is returned as it is: synced, local, or already on its way."""
        async with self._uow() as uow:
            log = await self._writable(uow, actor, log_id)
            if log.sync_state not in {SyncState.FAILED_PERMANENT, SyncState.FAILED_RETRYABLE}:
                return log
            saved = await self._save(uow, log)
        await self._push_soon(saved)
        return saved

    def pushed_minutes(self, log: TimeLog) -> int | None:
        """The minutes the log's tracker gets (None while it runs): its exact duration rounded as
        the sync pushes it, at least one increment."""
        if log.end is None:
            return None
        return self._rules.rounding.minutes(exact_duration(log.start, log.end))

    async def start_timer(self, *, actor: Actor, data: LogInput) -> TimeLog:
        return await self.create(actor=actor, data=replace(data, start=self._clock.now(), end=None))

    async def stop_timer(self, *, actor: Actor) -> TimeLog:
        async with self._uow() as uow:
            running = await uow.time_logs.running(actor.account_id)
            if running is None:
                raise NotFound("No timer is running.")
            now = self._clock.now()
            # A timer stopped in the same instant it started still ends after it.
            end = max(now, running.start + timedelta(seconds=1))
            saved = await self._save(uow, replace(running, end=end))
        await self._push_soon(saved)
        return saved

    # -- helpers --------------------------------------------------------------------------------

    async def _save(
        self, uow: UnitOfWork, edited: TimeLog, *, new_project: bool = False
    ) -> TimeLog:
        await self._validate(uow, edited, new_project=new_project)
        if not await uow.time_logs.save_edit(edited, now=self._clock.now()):
            raise Conflict("This log is being deleted and can no longer be changed.")
        await uow.commit()
        saved = await uow.time_logs.get(edited.id)
        if saved is None:  # deleted between our write and this read
            raise NotFound(f"No time log {edited.id!r}.")
        return saved

    async def _replayed(
        self, uow: UnitOfWork, actor: Actor, key: str, fingerprint: str | None
    ) -> TimeLog | None:
        first = await uow.time_logs.by_idempotency_key(actor.account_id, key)
        if first is None:
            return None
        if first.idempotency_fingerprint != fingerprint:
            raise InvalidInput(
                "This Idempotency-Key was already used for a different request; "
                "send a new key for a new log.",
                field="Idempotency-Key",
            )
        return first

    async def _validate(self, uow: UnitOfWork, log: TimeLog, *, new_project: bool = True) -> None:
        if log.end is not None:
            if log.end <= log.start:
                raise InvalidInput("The end must be after the start.", field="end")
            if exact_duration(log.start, log.end) > self._rules.max_duration:
                hours = self._rules.max_duration.total_seconds() / 3600
                raise InvalidInput(f"A log may last at most {hours:g} hours.", field="end")
        if log.running:
            other = await uow.time_logs.running(log.account_id)
            if other is not None and other.id != log.id:
                raise Conflict("A timer is already running; stop it first.")
        if not self._rules.allow_overlap:
            clash = await uow.time_logs.overlapping(
                log.account_id, start=log.start, end=log.end, exclude=log.id
            )
            if clash is not None:
                raise InvalidInput(
                    f"This log overlaps log {clash.id} "
                    f"({clash.start.isoformat()} to "
                    f"{clash.end.isoformat() if clash.end else 'running'}).",
                    field="start",
                )
        if log.project is not None and new_project:
            integration = await uow.integrations.get(log.project.integration_id)
            if integration is None or integration.account_id != log.account_id:
                raise InvalidInput(
                    f"No integration {log.project.integration_id!r} of yours.",
                    field="integration_id",
                )
            if integration.status is not IntegrationStatus.CONNECTED:
                raise InvalidInput(
                    f"The integration {integration.name!r} needs to be reconnected first.",
                    field="integration_id",
                )

    async def _readable(self, uow: UnitOfWork, actor: Actor, log_id: str) -> TimeLog:
        log = await uow.time_logs.get(log_id)
        if log is None or not await self._allows(uow, actor, Action.READ, log):
            raise NotFound(f"No time log {log_id!r}.")
        return log

    async def _writable(self, uow: UnitOfWork, actor: Actor, log_id: str) -> TimeLog:
        log = await self._readable(uow, actor, log_id)
        if not await self._allows(uow, actor, Action.WRITE, log):
            raise PermissionDenied("You may not change this time log.")
        return log

    async def _allows(self, uow: UnitOfWork, actor: Actor, action: Action, log: TimeLog) -> bool:
        person = actor.person_sourced_id
        if log.account_id != actor.account_id:
            owner = await uow.accounts.get(log.account_id)
            person = owner.person_sourced_id if owner else None
        return await self._policy.allows(actor, action, TimeLogRef(log.account_id, person))

    async def _visible_accounts(self, uow: UnitOfWork, actor: Actor) -> frozenset[str] | None:
        """None for everything; otherwise the accounts whose logs the actor may read."""
        if actor.is_admin:
            return None
        visible = {actor.account_id}
        for owner in await uow.time_logs.owners():
            if owner.account_id not in visible and await self._policy.allows(
                actor, Action.READ, TimeLogRef(owner.account_id, owner.person_sourced_id)
            ):
                visible.add(owner.account_id)
        return frozenset(visible)

    async def _push_soon(self, log: TimeLog) -> None:
        if log.sync_state in ACTIVE_STATES:
            await self._jobs.enqueue(PUSH_JOB, {"log_id": log.id}, dedupe_key=push_key(log.id))


def push_key(log_id: str) -> str:
    return f"{PUSH_JOB}:{log_id}"


def _clean(task: str | None) -> str | None:
    return task.strip() or None if task is not None else None


def _initial_state(log: TimeLog) -> SyncState:
    return SyncState.PENDING if log.complete and not log.running else SyncState.LOCAL
