"""Leasing due rows to one worker: the claim the Caliper outbox and the learning ledger share.

A row is due by the caller's condition; the rows are read ``FOR UPDATE SKIP LOCKED`` (PostgreSQL:
two workers never read the same ones) and then updated with the condition again (SQLite ignores
the lock clause and lets one writer at a time decide: a worker that lost the race to another
updates nothing). The claimed rows carry the claim ``token`` and are not due again before
``lease_until``. The row model needs ``id``, ``claim_token``, ``next_attempt_at`` and
``updated_at``."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

#: reads of due rows by a worker that lost each race to another (SQLite): what is left is due too
TRIES = 3


async def lease_due(
    session: AsyncSession,
    model: Any,
    *,
    due: sa.ColumnElement[bool],
    order_by: Sequence[Any],
    limit: int,
    token: str,
    lease_until: datetime,
    now: datetime,
) -> int:
    """Lease up to ``limit`` due rows of ``model`` to ``token``; how many were taken."""
    for _ in range(TRIES):
        ids = list(
            await session.exec(
                select(model.id)
                .where(due)
                .order_by(*order_by)
                .limit(limit)
                .with_for_update(skip_locked=True)
            )
        )
        if not ids:
            return 0
        taken = await session.exec(
            update(model)
            .where(col(model.id).in_(ids), due)
            .values(claim_token=token, next_attempt_at=lease_until, updated_at=now)
        )
        if taken.rowcount:
            return int(taken.rowcount)
    return 0
