"""AccountStates: the auth check's short memory of each account's token version (decision D39)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from types import TracebackType
from typing import Self, cast

import pytest

from domain.errors import Unauthenticated
from domain.models.identity import AccessClaims, Account, Role
from domain.ports import UnitOfWork
from domain.services.sessions import AccountStates

T0 = datetime(2026, 12, 5, 9, 0, tzinfo=UTC)
TTL = timedelta(seconds=5)


@dataclass
class Accounts:
    """Stands for the database, which another process may change behind this one's back."""

    rows: dict[str, Account] = field(default_factory=dict)
    reads: int = 0

    async def get(self, account_id: str) -> Account | None:
        self.reads += 1
        return self.rows.get(account_id)


class Uow:
    def __init__(self, accounts: Accounts) -> None:
        self.accounts = accounts

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        return None


def _claims(version: int) -> AccessClaims:
    return AccessClaims(
        account_id="a1",
        role=Role.TEACHER,
        person_sourced_id="p1",
        expires_at=T0 + timedelta(minutes=15),
        token_version=version,
    )


@pytest.fixture
def world() -> tuple[AccountStates, Accounts]:
    accounts = Accounts()
    accounts.rows["a1"] = Account(
        id="a1",
        email="t@school.example",
        display_name="T",
        role=Role.TEACHER,
        person_sourced_id="p1",
        password_hash=None,
        created_at=T0,
    )
    return AccountStates(uow=lambda: cast(UnitOfWork, Uow(accounts)), ttl=TTL), accounts


async def test_a_change_elsewhere_counts_once_the_memory_expires(
    world: tuple[AccountStates, Accounts],
) -> None:
    states, accounts = world
    await states.require_current(_claims(0), now=T0)
    accounts.rows["a1"] = replace(accounts.rows["a1"], token_version=1)  # another process
    # Within the ttl the process still trusts what it read: the documented staleness bound.
    await states.require_current(_claims(0), now=T0 + TTL - timedelta(milliseconds=1))
    assert accounts.reads == 1
    with pytest.raises(Unauthenticated):
        await states.require_current(_claims(0), now=T0 + TTL)
    await states.require_current(_claims(1), now=T0 + TTL)


async def test_a_change_in_this_process_counts_at_once(
    world: tuple[AccountStates, Accounts],
) -> None:
    states, accounts = world
    await states.require_current(_claims(0), now=T0)
    accounts.rows["a1"] = replace(accounts.rows["a1"], active=False)
    states.forget("a1")
    with pytest.raises(Unauthenticated):
        await states.require_current(_claims(0), now=T0)


async def test_a_missing_account_is_refused(world: tuple[AccountStates, Accounts]) -> None:
    states, _ = world
    with pytest.raises(Unauthenticated):
        await states.require_current(replace(_claims(0), account_id="gone"), now=T0)
