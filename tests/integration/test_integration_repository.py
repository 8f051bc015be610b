"""The integrations repository on SQLite and PostgreSQL: round trip, the unique rule, updates."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from adapters.db.engine import make_engine, make_session_factory
from adapters.db.uow import SqlUnitOfWork
from domain.errors import Conflict
from domain.models.identity import Account, Role
from domain.models.timesheets import Integration, IntegrationStatus

T0 = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


@pytest.fixture
async def uow(db_url: str) -> AsyncIterator[SqlUnitOfWork]:
    engine = make_engine(db_url)
    factory = make_session_factory(engine)
    async with SqlUnitOfWork(factory) as setup:
        for account_id in ("alice", "bob"):
            await setup.accounts.add(
                Account(
                    id=account_id,
                    email=f"{account_id}@example.org",
                    display_name=account_id,
                    role=Role.TEACHER,
                    person_sourced_id=None,
                    password_hash=None,
                    created_at=T0,
                )
            )
        await setup.commit()
    async with SqlUnitOfWork(factory) as unit:
        yield unit
    await engine.dispose()


def integration(integration_id: str, account_id: str = "alice", **changes: object) -> Integration:
    base = Integration(
        id=integration_id,
        account_id=account_id,
        kind="zoho_projects",
        name="Acme portal",
        data_centre="eu",
        workspace_id="90001234567890123",
        time_zone="Europe/Berlin",
        sealed_refresh_token="gAAAA" + "x" * 300,
        created_at=T0,
        updated_at=T0,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


async def test_round_trip_and_listing(uow: SqlUnitOfWork) -> None:
    first = integration("i1")
    second = integration("i2", kind="zoho_desk", workspace_id="org-1", created_at=T0 + timedelta(1))
    await uow.integrations.add(second)
    await uow.integrations.add(first)
    await uow.integrations.add(integration("i3", "bob"))
    await uow.commit()
    assert await uow.integrations.get("i1") == first
    assert [i.id for i in await uow.integrations.for_account("alice")] == ["i1", "i2"]
    found = await uow.integrations.find(account_id="alice", kind="zoho_desk", workspace_id="org-1")
    assert found == second
    assert await uow.integrations.find(
        account_id="bob", kind="zoho_desk", workspace_id="org-1"
    ) is (None)
    assert await uow.integrations.get("nope") is None


async def test_a_second_connection_of_the_same_workspace_conflicts(uow: SqlUnitOfWork) -> None:
    await uow.integrations.add(integration("i1"))
    with pytest.raises(Conflict):
        await uow.integrations.add(integration("i2"))
    # the savepoint kept the transaction usable: the first row still commits
    await uow.integrations.add(integration("i3", "bob"))
    await uow.commit()
    assert {i.id for i in await uow.integrations.for_account("alice")} == {"i1"}
    assert await uow.integrations.get("i3") is not None


async def test_update_and_delete(uow: SqlUnitOfWork) -> None:
    await uow.integrations.add(integration("i1"))
    await uow.commit()
    dead = replace(
        integration("i1"),
        status=IntegrationStatus.RECONNECT_NEEDED,
        last_error="invalid_code",
        sealed_refresh_token="gAAAA-new",
        updated_at=T0 + timedelta(hours=1),
    )
    await uow.integrations.update(dead)
    await uow.commit()
    assert await uow.integrations.get("i1") == dead
    await uow.integrations.delete("i1")
    await uow.commit()
    assert await uow.integrations.get("i1") is None
