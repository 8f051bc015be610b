"""The Caliper event outbox in SQL. A claim is one conditional UPDATE over the due rows (on
PostgreSQL their ids are picked with ``FOR UPDATE SKIP LOCKED``, so concurrent workers take
different rows instead of queueing on the same ones); every delivery write names the claim token."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import func, or_, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as lite_insert
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from adapters.db import roster_tables as t
from adapters.db.caliper_tables import CaliperEventRow
from adapters.db.leases import lease_due
from adapters.db.scope_sql import in_orgs, in_people, in_subquery
from domain.models.caliper_events import OPEN_STATES, DeliveryState, OutboxEvent, canonical_json
from domain.ports.caliper_outbox import EventOutbox, EventQuery
from domain.scope import Scope

_OPEN = sorted(s.value for s in OPEN_STATES)
_TABLE: sa.Table = CaliperEventRow.__table__  # type: ignore[attr-defined]


def _event(row: CaliperEventRow) -> OutboxEvent:
    return OutboxEvent(
        id=row.id,
        event=json.loads(row.event_json),
        fingerprint=row.fingerprint,
        actor_id=row.actor_id,
        person_sourced_id=row.person_sourced_id,
        type=row.type,
        action=row.action,
        event_time=row.event_time,
        account_id=row.account_id,
        accepted_at=row.accepted_at,
        state=DeliveryState(row.state),
        attempts=row.attempts,
        next_attempt_at=row.next_attempt_at,
        sent_at=row.sent_at,
        job_id=row.job_id,
        allocated_id=row.allocated_id,
        failure_reason=row.failure_reason,
        last_error=row.last_error,
        delivered_at=row.delivered_at,
        updated_at=row.updated_at,
    )


def _clip(text: str | None) -> str | None:
    return text[:2000] if text else text


def visible_to(scope: Scope) -> sa.ColumnElement[bool]:
    """Events whose actor is a person the scope reaches (as a roster user list would show them);
    events of actors that are no roster person are for admins only."""
    if scope.everything:
        return sa.true()
    person: sa.ColumnElement[Any] = _TABLE.c.person_sourced_id
    allowed: list[sa.ColumnElement[bool]] = []
    if scope.people:
        allowed.append(in_people(person, scope.people))
    if scope.orgs:
        ur = t.user_roles.c
        members = sa.select(ur.user_id).where(in_orgs(ur.org_id, scope.orgs))
        allowed.append(in_subquery(person, members))
    return sa.or_(*allowed) if allowed else sa.false()


class SqlEventOutbox(EventOutbox):
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, event: OutboxEvent) -> OutboxEvent | None:
        values = {
            "id": event.id,
            "event_json": canonical_json(event.event),
            "fingerprint": event.fingerprint,
            "actor_id": event.actor_id,
            "person_sourced_id": event.person_sourced_id,
            "type": event.type,
            "action": event.action,
            "event_time": event.event_time,
            "account_id": event.account_id,
            "state": event.state.value,
            "attempts": event.attempts,
            "next_attempt_at": event.next_attempt_at,
            "accepted_at": event.accepted_at,
            "updated_at": event.updated_at or event.accepted_at,
        }
        # One statement that skips a taken id, not a savepoint around an INSERT: on SQLite a
        # savepoint opened before any write is the transaction itself, and releasing it commits.
        insert = pg_insert if self._session.get_bind().dialect.name == "postgresql" else lite_insert
        added = await self._session.exec(
            insert(_TABLE).values(**values).on_conflict_do_nothing(index_elements=["id"])
        )
        if added.rowcount:
            return None
        found = await self.get(event.id)
        if found is None:  # pragma: no cover - a row is only ever taken by a committed insert
            raise RuntimeError(f"event {event.id} was neither inserted nor found")
        return found

    async def get(self, event_id: str) -> OutboxEvent | None:
        row = await self._session.get(CaliperEventRow, event_id, populate_existing=True)
        return _event(row) if row else None

    async def get_many(self, event_ids: Sequence[str]) -> Sequence[OutboxEvent]:
        if not event_ids:
            return []
        rows = await self._session.exec(
            select(CaliperEventRow)
            .where(col(CaliperEventRow.id).in_(list(event_ids)))
            .execution_options(populate_existing=True)
        )
        return [_event(r) for r in rows]

    async def list(self, query: EventQuery) -> tuple[Sequence[OutboxEvent], int]:
        conditions: list[Any] = []
        if query.scope is not None:
            conditions.append(visible_to(query.scope))
        if query.actor is not None:
            conditions.append(
                or_(
                    col(CaliperEventRow.actor_id) == query.actor,
                    col(CaliperEventRow.person_sourced_id) == query.actor,
                )
            )
        if query.types is not None:
            conditions.append(col(CaliperEventRow.type).in_(sorted(query.types)))
        if query.actions is not None:
            conditions.append(col(CaliperEventRow.action).in_(sorted(query.actions)))
        if query.since is not None:
            conditions.append(col(CaliperEventRow.event_time) >= query.since)
        if query.until is not None:
            conditions.append(col(CaliperEventRow.event_time) < query.until)
        if query.states is not None:
            conditions.append(col(CaliperEventRow.state).in_(sorted(s.value for s in query.states)))
        listed = (
            select(CaliperEventRow)
            .where(*conditions)
            .order_by(col(CaliperEventRow.event_time), col(CaliperEventRow.id))
            .offset(query.offset)
        )
        if query.limit is not None:
            listed = listed.limit(query.limit)
        rows = await self._session.exec(listed)
        counted = select(func.count()).select_from(CaliperEventRow).where(*conditions)
        total = (await self._session.exec(counted)).one()
        return [_event(r) for r in rows], int(total)

    async def has_due(self, now: datetime) -> bool:
        found = await self._session.exec(
            select(CaliperEventRow.id)
            .where(col(CaliperEventRow.state).in_(_OPEN), self._is_due(now))
            .limit(1)
        )
        return found.first() is not None

    async def claim(
        self, *, token: str, now: datetime, lease_until: datetime, limit: int
    ) -> Sequence[OutboxEvent]:
        await lease_due(
            self._session,
            CaliperEventRow,
            due=sa.and_(col(CaliperEventRow.state).in_(_OPEN), self._is_due(now)),
            order_by=(col(CaliperEventRow.next_attempt_at), col(CaliperEventRow.accepted_at)),
            limit=limit,
            token=token,
            lease_until=lease_until,
            now=now,
        )
        rows = await self._session.exec(
            select(CaliperEventRow)
            .where(col(CaliperEventRow.claim_token) == token)
            .order_by(col(CaliperEventRow.accepted_at), col(CaliperEventRow.id))
            .execution_options(populate_existing=True)
        )
        return [_event(r) for r in rows]

    async def mark_sent(self, event_ids: Sequence[str], *, token: str, now: datetime) -> int:
        return await self._update(
            event_ids,
            token,
            state=DeliveryState.SENDING.value,
            sent_at=now,
            job_id=None,
            updated_at=now,
        )

    async def record_job(
        self, event_ids: Sequence[str], *, token: str, job_id: str, check_at: datetime
    ) -> int:
        return await self._update(event_ids, token, job_id=job_id, next_attempt_at=check_at)

    async def delivered(
        self, allocated: Mapping[str, str], *, token: str | None, now: datetime
    ) -> int:
        done = 0
        for event_id, allocated_id in allocated.items():
            done += await self._update(
                [event_id],
                token,
                state=DeliveryState.DELIVERED.value,
                allocated_id=allocated_id[:200],
                delivered_at=now,
                next_attempt_at=None,
                claim_token=None,
                last_error=None,
                updated_at=now,
            )
        return done

    async def failed(self, reasons: Mapping[str, str], *, token: str, now: datetime) -> int:
        done = 0
        for event_id, reason in reasons.items():
            done += await self._update(
                [event_id],
                token,
                state=DeliveryState.FAILED.value,
                failure_reason=_clip(reason),
                next_attempt_at=None,
                claim_token=None,
                updated_at=now,
            )
        return done

    async def retry(
        self,
        event_ids: Sequence[str],
        *,
        token: str,
        state: DeliveryState,
        next_attempt_at: datetime,
        error: str | None,
        count_attempt: bool,
        forget_send: bool,
        now: datetime,
    ) -> int:
        values: dict[str, Any] = {
            "state": state.value,
            "next_attempt_at": next_attempt_at,
            "last_error": _clip(error),
            "claim_token": None,
            "updated_at": now,
        }
        if count_attempt:
            values["attempts"] = CaliperEventRow.attempts + 1
        if forget_send:
            values |= {"sent_at": None, "job_id": None}
        return await self._update(event_ids, token, **values)

    async def _update(self, event_ids: Sequence[str], token: str | None, **values: Any) -> int:
        if not event_ids:
            return 0
        conditions: list[Any] = [col(CaliperEventRow.id).in_(list(event_ids))]
        if token is not None:
            conditions.append(col(CaliperEventRow.claim_token) == token)
        else:  # settled by a lookup: never reopen what is already final
            conditions.append(col(CaliperEventRow.state).in_(_OPEN))
        result = await self._session.exec(
            update(CaliperEventRow).where(*conditions).values(**values)
        )
        return int(result.rowcount or 0)

    @staticmethod
    def _is_due(now: datetime) -> Any:
        return or_(
            col(CaliperEventRow.next_attempt_at).is_(None),
            col(CaliperEventRow.next_attempt_at) <= now,
        )
