"""Stored connections to time trackers (see ``domain.models.timesheets.Integration``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from domain.models.timesheets import Integration


class IntegrationRepository(Protocol):
    async def add(self, integration: Integration) -> None:
        """Raises ``Conflict`` when the account already has this kind + workspace connected."""
        ...

    async def get(self, integration_id: str) -> Integration | None: ...

    async def for_account(self, account_id: str) -> Sequence[Integration]: ...

    async def find(
        self, *, account_id: str, kind: str, workspace_id: str
    ) -> Integration | None: ...

    async def update(self, integration: Integration) -> None: ...

    async def delete(self, integration_id: str) -> None: ...
