"""The completion ledger in SQL. Inserts skip a taken key in one statement (no savepoint: on
SQLite a savepoint opened before any write is the transaction, and releasing it commits); a
claim is one conditional UPDATE over due rows (``FOR UPDATE SKIP LOCKED`` on PostgreSQL)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import delete, or_, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as lite_insert
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from adapters.db.learning_tables import LearningAnswerRow, LearningCompletionRow
from adapters.db.leases import lease_due
from domain.models.learning import Completion, Metrics, ResultState, Source, StoredAnswer
from domain.ports.learning_ledger import CompletionLedger

_ROWS: sa.Table = LearningCompletionRow.__table__  # type: ignore[attr-defined]
_ANSWERS: sa.Table = LearningAnswerRow.__table__  # type: ignore[attr-defined]
_DUE_STATES = (ResultState.PENDING.value, ResultState.FINALIZING.value)


def _json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _completion(row: LearningCompletionRow) -> Completion:
    return Completion(
        id=row.id,
        learner=row.learner,
        lesson=row.lesson,
        attempt=row.attempt,
        source=Source(row.source),
        account_id=row.account_id,
        idempotency_key=row.idempotency_key,
        fingerprint=row.fingerprint,
        state=ResultState(row.state),
        lesson_type=row.lesson_type,
        course=row.course,
        metrics=Metrics(**json.loads(row.metrics_json)),
        result_id=row.result_id,
        result=json.loads(row.result_json) if row.result_json else None,
        event_ids=tuple(json.loads(row.event_ids_json)),
        answer=json.loads(row.answer_json) if row.answer_json else None,
        attempts=row.attempts,
        last_error=row.last_error,
        next_attempt_at=row.next_attempt_at,
        created_at=row.created_at,
        updated_at=row.updated_at,
        delivered_at=row.delivered_at,
    )


def _values(c: Completion, token: str) -> dict[str, Any]:
    return {
        "id": c.id,
        "learner": c.learner,
        "lesson": c.lesson,
        "attempt": c.attempt,
        "source": c.source.value,
        "account_id": c.account_id,
        "idempotency_key": c.idempotency_key,
        "fingerprint": c.fingerprint,
        "state": c.state.value,
        "lesson_type": c.lesson_type,
        "course": c.course,
        "metrics_json": _json(asdict(c.metrics)),
        "result_id": c.result_id,
        "result_json": _json(c.result) if c.result is not None else None,
        "event_ids_json": _json(list(c.event_ids)),
        "answer_json": _json(c.answer) if c.answer is not None else None,
        "attempts": c.attempts,
        "last_error": c.last_error,
        "next_attempt_at": c.next_attempt_at,
        "claim_token": token,
        "created_at": c.created_at,
        "updated_at": c.updated_at,
        "delivered_at": c.delivered_at,
    }


class SqlCompletionLedger(CompletionLedger):
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    def _insert(self, table: sa.Table) -> Any:
        dialect = self._session.get_bind().dialect.name
        return (pg_insert if dialect == "postgresql" else lite_insert)(table)

    async def get(self, completion_id: str) -> Completion | None:
        row = await self._session.get(LearningCompletionRow, completion_id, populate_existing=True)
        return _completion(row) if row else None

    async def by_key(self, account_id: str, key: str) -> Completion | None:
        rows = await self._session.exec(
            select(LearningCompletionRow)
            .where(
                col(LearningCompletionRow.account_id) == account_id,
                col(LearningCompletionRow.idempotency_key) == key,
            )
            .execution_options(populate_existing=True)
        )
        row = rows.first()
        return _completion(row) if row else None

    async def for_lesson(self, learner: str, lesson: str) -> Sequence[Completion]:
        rows = await self._session.exec(
            select(LearningCompletionRow)
            .where(
                col(LearningCompletionRow.learner) == learner,
                col(LearningCompletionRow.lesson) == lesson,
            )
            .order_by(col(LearningCompletionRow.attempt), col(LearningCompletionRow.source))
            .execution_options(populate_existing=True)
        )
        return [_completion(r) for r in rows]

    async def begin(self, completion: Completion, *, token: str) -> Completion | None:
        added = await self._session.exec(
            self._insert(_ROWS).values(**_values(completion, token)).on_conflict_do_nothing()
        )
        if added.rowcount:
            return None
        return await self._held(completion)

    async def _held(self, completion: Completion) -> Completion:
        found = await self.get(completion.id)
        if found is None and completion.idempotency_key is not None:
            found = await self.by_key(completion.account_id, completion.idempotency_key)
        if found is None:  # pragma: no cover - a key is only ever taken by a committed row
            raise RuntimeError(f"completion {completion.id} was neither stored nor found")
        return found

    async def record(self, completion: Completion, *, token: str) -> Completion | None:
        values = _values(completion, token)
        added = await self._session.exec(
            self._insert(_ROWS).values(**values).on_conflict_do_nothing()
        )
        if added.rowcount:
            return None
        # the intent row of the same completion (whoever wrote it) becomes the record
        changes = {k: v for k, v in values.items() if k not in ("id", "created_at")}
        if completion.idempotency_key is None:
            # a recovery of another request's intent keeps that request's key
            changes.pop("idempotency_key")
            changes.pop("account_id")
        taken = await self._session.exec(
            update(LearningCompletionRow)
            .where(
                col(LearningCompletionRow.id) == completion.id,
                col(LearningCompletionRow.state) == ResultState.FINALIZING.value,
            )
            .values(**changes)
        )
        if taken.rowcount:
            return None
        return await self._held(completion)

    async def forget(self, completion_id: str, *, token: str) -> bool:
        gone = await self._session.exec(
            delete(LearningCompletionRow).where(
                col(LearningCompletionRow.id) == completion_id,
                col(LearningCompletionRow.state) == ResultState.FINALIZING.value,
                col(LearningCompletionRow.claim_token) == token,
            )
        )
        return bool(gone.rowcount)

    def _is_due(self, now: datetime) -> sa.ColumnElement[bool]:
        return sa.and_(
            col(LearningCompletionRow.state).in_(_DUE_STATES),
            or_(
                col(LearningCompletionRow.next_attempt_at).is_(None),
                col(LearningCompletionRow.next_attempt_at) <= now,
            ),
        )

    async def claim(
        self, *, token: str, now: datetime, lease_until: datetime, limit: int
    ) -> Sequence[Completion]:
        taken = await lease_due(
            self._session,
            LearningCompletionRow,
            due=self._is_due(now),
            order_by=(col(LearningCompletionRow.next_attempt_at),),
            limit=limit,
            token=token,
            lease_until=lease_until,
            now=now,
        )
        if not taken:
            return []
        rows = await self._session.exec(
            select(LearningCompletionRow)
            .where(col(LearningCompletionRow.claim_token) == token)
            .execution_options(populate_existing=True)
        )
        return [_completion(r) for r in rows]

    async def settle(
        self,
        completion_id: str,
        *,
        token: str,
        state: ResultState,
        error: str | None,
        next_attempt_at: datetime | None,
        now: datetime,
    ) -> bool:
        values: dict[str, Any] = {
            "state": state.value,
            "last_error": error[:2000] if error else None,
            "next_attempt_at": next_attempt_at,
            "attempts": LearningCompletionRow.attempts + 1,
            "updated_at": now,
        }
        if state is ResultState.DELIVERED:
            values["delivered_at"] = now
            values["claim_token"] = None
        done = await self._session.exec(
            update(LearningCompletionRow)
            .where(
                col(LearningCompletionRow.id) == completion_id,
                col(LearningCompletionRow.claim_token) == token,
                col(LearningCompletionRow.state) != ResultState.DELIVERED.value,
            )
            .values(**values)
        )
        return bool(done.rowcount)

    async def stored_answer(self, account_id: str, key: str) -> StoredAnswer | None:
        row = await self._session.get(LearningAnswerRow, (account_id, key), populate_existing=True)
        if row is None:
            return None
        return StoredAnswer(
            account_id=row.account_id,
            key=row.idempotency_key,
            fingerprint=row.fingerprint,
            answer=json.loads(row.answer_json),
            created_at=row.created_at,
        )

    async def store_answer(self, answer: StoredAnswer) -> StoredAnswer | None:
        added = await self._session.exec(
            self._insert(_ANSWERS)
            .values(
                account_id=answer.account_id,
                idempotency_key=answer.key,
                fingerprint=answer.fingerprint,
                answer_json=_json(answer.answer),
                created_at=answer.created_at,
            )
            .on_conflict_do_nothing()
        )
        if added.rowcount:
            return None
        return await self.stored_answer(answer.account_id, answer.key)
