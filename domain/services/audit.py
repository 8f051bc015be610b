"""The audit trail: every write through the BFF, who did it and how it ended. Append-only."""

from __future__ import annotations

from collections.abc import Sequence

from domain.models.identity import Actor, AuditEvent, AuditQuery
from domain.policy import Action, Area, Policy
from domain.ports import UnitOfWorkFactory


class AuditService:
    def __init__(self, *, uow: UnitOfWorkFactory, policy: Policy) -> None:
        self._uow = uow
        self._policy = policy

    async def record(self, event: AuditEvent) -> None:
        async with self._uow() as uow:
            await uow.audit.append(event)
            await uow.commit()

    async def query(self, *, actor: Actor, query: AuditQuery) -> tuple[Sequence[AuditEvent], int]:
        await self._policy.require(actor, Action.READ, Area.AUDIT)
        async with self._uow() as uow:
            return await uow.audit.query(query)
