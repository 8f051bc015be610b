"""Stored time-tracker integrations (``integrations`` table)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from adapters.db.timesheet_tables import IntegrationRow
from domain.errors import Conflict
from domain.models.timesheets import Integration, IntegrationStatus
from domain.ports.integrations import IntegrationRepository


def _integration(row: IntegrationRow) -> Integration:
    return Integration(
        id=row.id,
        account_id=row.account_id,
        kind=row.kind,
        name=row.name,
        data_centre=row.data_centre,
        workspace_id=row.workspace_id,
        time_zone=row.time_zone,
        sealed_refresh_token=row.sealed_refresh_token,
        status=IntegrationStatus(row.status),
        last_error=row.last_error,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _values(integration: Integration) -> dict[str, object]:
    return {
        "name": integration.name[:200],
        "data_centre": integration.data_centre,
        "time_zone": integration.time_zone,
        "sealed_refresh_token": integration.sealed_refresh_token,
        "status": integration.status.value,
        "last_error": integration.last_error[:2000] if integration.last_error else None,
        "updated_at": integration.updated_at,
    }


class SqlIntegrationRepository(IntegrationRepository):
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, integration: Integration) -> None:
        row = IntegrationRow.model_validate(
            {
                "id": integration.id,
                "account_id": integration.account_id,
                "kind": integration.kind,
                "workspace_id": integration.workspace_id,
                "created_at": integration.created_at,
                **_values(integration),
            }
        )
        # A savepoint, so a duplicate leaves the caller's transaction usable.
        try:
            async with self._session.begin_nested():
                self._session.add(row)
        except IntegrityError as exc:
            raise Conflict(
                "This account already has that workspace connected; reconnect it instead."
            ) from exc

    async def get(self, integration_id: str) -> Integration | None:
        row = await self._session.get(IntegrationRow, integration_id)
        return _integration(row) if row else None

    async def for_account(self, account_id: str) -> Sequence[Integration]:
        rows = await self._session.exec(
            select(IntegrationRow)
            .where(IntegrationRow.account_id == account_id)
            .order_by(col(IntegrationRow.created_at), col(IntegrationRow.id))
        )
        return [_integration(r) for r in rows]

    async def find(self, *, account_id: str, kind: str, workspace_id: str) -> Integration | None:
        rows = await self._session.exec(
            select(IntegrationRow).where(
                IntegrationRow.account_id == account_id,
                IntegrationRow.kind == kind,
                IntegrationRow.workspace_id == workspace_id,
            )
        )
        row = rows.first()
        return _integration(row) if row else None

    async def update(self, integration: Integration) -> None:
        await self._session.exec(
            update(IntegrationRow)
            .where(col(IntegrationRow.id) == integration.id)
            .values(**_values(integration))
        )

    async def delete(self, integration_id: str) -> None:
        await self._session.exec(
            delete(IntegrationRow).where(col(IntegrationRow.id) == integration_id)
        )
