"""Time logs in SQL. Claims and push outcomes are single conditional UPDATEs, so concurrent workers
and concurrent user edits settle in the database, not in memory."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import case, delete, func, or_, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from adapters.db.tables import AccountRow
from adapters.db.timesheet_tables import TimeLogRow
from domain.errors import Conflict
from domain.models.timesheets import ProjectRef, SyncState, TimeLog
from domain.ports.time_logs import (
    ACTIVE_STATES,
    LogOwner,
    PushOutcome,
    TimeLogQuery,
    TimeLogRepository,
)

_ACTIVE = [s.value for s in ACTIVE_STATES]
RUNNING_ALREADY = "A timer is already running; stop it first."


def _ref(integration_id: str | None, project_id: str | None) -> ProjectRef | None:
    if integration_id is None or project_id is None:
        return None
    return ProjectRef(integration_id=integration_id, project_id=project_id)


def _log(row: TimeLogRow) -> TimeLog:
    return TimeLog(
        id=row.id,
        account_id=row.account_id,
        project=_ref(row.integration_id, row.project_id),
        task=row.task,
        start=row.start,
        end=row.end,
        billable=row.billable,
        notes=row.notes,
        sync_state=SyncState(row.sync_state),
        upstream_id=row.upstream_id,
        last_error=row.last_error,
        version=row.version,
        synced_version=row.synced_version,
        create_in_flight=row.create_in_flight,
        synced_project=_ref(row.synced_integration_id, row.synced_project_id),
        attempts=row.attempts,
        next_attempt_at=row.next_attempt_at,
        idempotency_key=row.idempotency_key,
        idempotency_fingerprint=row.idempotency_fingerprint,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _values(log: TimeLog) -> dict[str, Any]:
    return {
        "account_id": log.account_id,
        "integration_id": log.project.integration_id if log.project else None,
        "project_id": log.project.project_id if log.project else None,
        "task": log.task,
        "start": log.start,
        "end": log.end,
        "billable": log.billable,
        "notes": log.notes,
        "sync_state": log.sync_state.value,
        "upstream_id": log.upstream_id,
        "last_error": _clip(log.last_error),
        "version": log.version,
        "synced_version": log.synced_version,
        "create_in_flight": log.create_in_flight,
        "synced_integration_id": log.synced_project.integration_id if log.synced_project else None,
        "synced_project_id": log.synced_project.project_id if log.synced_project else None,
        "attempts": log.attempts,
        "next_attempt_at": log.next_attempt_at,
        "idempotency_key": log.idempotency_key,
        "idempotency_fingerprint": log.idempotency_fingerprint,
        "created_at": log.created_at,
        "updated_at": log.updated_at,
    }


def _clip(error: str | None) -> str | None:
    return error[:2000] if error else error


class SqlTimeLogRepository(TimeLogRepository):
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, log: TimeLog) -> None:
        # A savepoint, so a duplicate idempotency key leaves the caller's transaction usable.
        try:
            async with self._session.begin_nested():
                self._session.add(TimeLogRow(id=log.id, **_values(log)))
        except IntegrityError as exc:
            if log.running and await self.running(log.account_id) is not None:
                raise Conflict(RUNNING_ALREADY) from exc
            raise Conflict("This Idempotency-Key was already used.") from exc

    async def get(self, log_id: str) -> TimeLog | None:
        row = await self._session.get(TimeLogRow, log_id, populate_existing=True)
        return _log(row) if row else None

    async def by_idempotency_key(self, account_id: str, key: str) -> TimeLog | None:
        rows = await self._session.exec(
            select(TimeLogRow).where(
                col(TimeLogRow.account_id) == account_id, col(TimeLogRow.idempotency_key) == key
            )
        )
        row = rows.first()
        return _log(row) if row else None

    async def save_edit(self, log: TimeLog, *, now: datetime) -> bool:
        has_copy = or_(col(TimeLogRow.upstream_id).is_not(None), col(TimeLogRow.create_in_flight))
        state: Any = (
            SyncState.PENDING.value
            if log.complete
            else case((has_copy, SyncState.PENDING.value), else_=SyncState.LOCAL.value)
        )
        edit = (
            update(TimeLogRow)
            .where(
                col(TimeLogRow.id) == log.id,
                col(TimeLogRow.sync_state) != SyncState.DELETING.value,
            )
            .values(
                integration_id=log.project.integration_id if log.project else None,
                project_id=log.project.project_id if log.project else None,
                task=log.task,
                start=log.start,
                end=log.end,
                billable=log.billable,
                notes=log.notes,
                version=TimeLogRow.version + 1,
                sync_state=state,
                last_error=None,
                attempts=0,
                next_attempt_at=self._not_before(now),
                updated_at=now,
            )
        )
        try:
            result = await self._session.exec(edit)
        except IntegrityError as exc:  # made a second running log, racing another request
            raise Conflict(RUNNING_ALREADY) from exc
        return bool(result.rowcount)

    async def delete_unsynced(self, log_id: str) -> bool:
        result = await self._session.exec(
            delete(TimeLogRow).where(
                col(TimeLogRow.id) == log_id,
                col(TimeLogRow.upstream_id).is_(None),
                ~col(TimeLogRow.create_in_flight),
            )
        )
        return bool(result.rowcount)

    async def mark_deleting(self, log_id: str, *, now: datetime) -> bool:
        result = await self._session.exec(
            update(TimeLogRow)
            .where(col(TimeLogRow.id) == log_id)
            .values(
                sync_state=SyncState.DELETING.value,
                version=TimeLogRow.version + 1,
                last_error=None,
                attempts=0,
                next_attempt_at=self._not_before(now),
                updated_at=now,
            )
        )
        return bool(result.rowcount)

    async def list(self, query: TimeLogQuery) -> tuple[Sequence[TimeLog], int]:
        conditions: list[Any] = []
        if query.account_ids is not None:
            conditions.append(col(TimeLogRow.account_id).in_(sorted(query.account_ids)))
        if query.since is not None:
            conditions.append(col(TimeLogRow.start) >= query.since)
        if query.until is not None:
            conditions.append(col(TimeLogRow.start) < query.until)
        if query.states is not None:
            conditions.append(col(TimeLogRow.sync_state).in_(sorted(s.value for s in query.states)))
        listed = (
            select(TimeLogRow)
            .where(*conditions)
            .order_by(col(TimeLogRow.start), col(TimeLogRow.id))
            .offset(query.offset)
        )
        if query.limit is not None:
            listed = listed.limit(query.limit)
        rows = await self._session.exec(listed)
        counted = select(func.count()).select_from(TimeLogRow).where(*conditions)
        total = (await self._session.exec(counted)).one()
        return [_log(r) for r in rows], int(total)

    async def overlapping(
        self, account_id: str, *, start: datetime, end: datetime | None, exclude: str | None
    ) -> TimeLog | None:
        conditions: list[Any] = [
            col(TimeLogRow.account_id) == account_id,
            col(TimeLogRow.sync_state) != SyncState.DELETING.value,
            or_(col(TimeLogRow.end).is_(None), col(TimeLogRow.end) > start),
        ]
        if end is not None:
            conditions.append(col(TimeLogRow.start) < end)
        if exclude is not None:
            conditions.append(col(TimeLogRow.id) != exclude)
        rows = await self._session.exec(
            select(TimeLogRow).where(*conditions).order_by(col(TimeLogRow.start)).limit(1)
        )
        row = rows.first()
        return _log(row) if row else None

    async def running(self, account_id: str) -> TimeLog | None:
        rows = await self._session.exec(
            select(TimeLogRow)
            .where(
                col(TimeLogRow.account_id) == account_id,
                col(TimeLogRow.end).is_(None),
                col(TimeLogRow.sync_state) != SyncState.DELETING.value,
            )
            .limit(1)
        )
        row = rows.first()
        return _log(row) if row else None

    async def owners(self) -> Sequence[LogOwner]:
        rows = await self._session.exec(
            select(AccountRow.id, AccountRow.person_sourced_id).where(
                col(AccountRow.id).in_(select(TimeLogRow.account_id).distinct())
            )
        )
        return [LogOwner(account_id=a, person_sourced_id=p) for a, p in rows]

    async def due(self, now: datetime, *, limit: int) -> Sequence[str]:
        rows = await self._session.exec(
            select(TimeLogRow.id)
            .where(col(TimeLogRow.sync_state).in_(_ACTIVE), self._is_due(now))
            .order_by(col(TimeLogRow.next_attempt_at))
            .limit(limit)
        )
        return list(rows)

    async def claim(self, log_id: str, *, now: datetime, lease_until: datetime) -> TimeLog | None:
        # One conditional UPDATE: of two workers racing for the same log only one matches the row.
        result = await self._session.exec(
            update(TimeLogRow)
            .where(
                col(TimeLogRow.id) == log_id,
                col(TimeLogRow.sync_state).in_(_ACTIVE),
                self._is_due(now),
            )
            .values(next_attempt_at=lease_until)
        )
        if not result.rowcount:
            return None
        return await self.get(log_id)

    async def mark_create_in_flight(self, log_id: str, *, project: ProjectRef) -> bool:
        result = await self._session.exec(
            update(TimeLogRow)
            .where(col(TimeLogRow.id) == log_id)
            .values(
                create_in_flight=True,
                synced_integration_id=project.integration_id,
                synced_project_id=project.project_id,
            )
        )
        return bool(result.rowcount)

    async def record_push(self, log_id: str, outcome: PushOutcome) -> None:
        current = col(TimeLogRow.version) == outcome.version
        synced = outcome.synced_project
        # A user edit that made the log local while this push left (or may have left) a copy
        # upstream must not strand that copy: the log goes back to pending so it is removed.
        stale_state: Any = TimeLogRow.sync_state
        if outcome.upstream_id is not None or outcome.create_in_flight:
            stale_state = case(
                (col(TimeLogRow.sync_state) == SyncState.LOCAL.value, SyncState.PENDING.value),
                else_=TimeLogRow.sync_state,
            )
        await self._session.exec(
            update(TimeLogRow)
            .where(col(TimeLogRow.id) == log_id)
            .values(
                upstream_id=outcome.upstream_id,
                synced_integration_id=synced.integration_id if synced else None,
                synced_project_id=synced.project_id if synced else None,
                synced_version=outcome.synced_version,
                create_in_flight=outcome.create_in_flight,
                sync_state=case((current, outcome.state.value), else_=stale_state),
                last_error=case((current, _clip(outcome.last_error)), else_=TimeLogRow.last_error),
                attempts=case((current, outcome.attempts), else_=0),
                # A stale outcome releases the lease: the user's newer version is due at once.
                next_attempt_at=case((current, outcome.next_attempt_at), else_=outcome.now),
            )
        )

    async def delete_if_version(self, log_id: str, version: int) -> bool:
        result = await self._session.exec(
            delete(TimeLogRow).where(
                col(TimeLogRow.id) == log_id, col(TimeLogRow.version) == version
            )
        )
        return bool(result.rowcount)

    async def wake(self, integration_id: str, *, now: datetime) -> int:
        result = await self._session.exec(
            update(TimeLogRow)
            .where(
                col(TimeLogRow.sync_state) == SyncState.FAILED_RETRYABLE.value,
                or_(
                    col(TimeLogRow.integration_id) == integration_id,
                    col(TimeLogRow.synced_integration_id) == integration_id,
                ),
            )
            .values(next_attempt_at=now)
        )
        return int(result.rowcount or 0)

    @staticmethod
    def _is_due(now: datetime) -> Any:
        return or_(
            col(TimeLogRow.next_attempt_at).is_(None), col(TimeLogRow.next_attempt_at) <= now
        )

    @staticmethod
    def _not_before(now: datetime) -> Any:
        """``now``, unless a push holds the log (lease) or it is backing off until later."""
        return case((col(TimeLogRow.next_attempt_at) > now, TimeLogRow.next_attempt_at), else_=now)
