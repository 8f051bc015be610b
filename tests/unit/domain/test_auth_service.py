"""AuthService with in-memory fakes: equal work for unknown accounts, throttling windows, rotation."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from types import TracebackType
from typing import Any, Self, cast

import pytest

from domain.errors import Throttled, Unauthenticated
from domain.models.identity import (
    AccessClaims,
    Account,
    RefreshToken,
    Role,
)
from domain.ports import UnitOfWork
from domain.services.auth import AuthConfig, AuthService
from domain.services.sessions import AccountStates

T0 = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


@dataclass
class Clock:
    at: datetime = T0

    def now(self) -> datetime:
        return self.at


@dataclass
class CountingHasher:
    verifications: int = 0
    dummy_verifications: int = 0

    async def hash(self, password: str) -> str:
        return f"hashed:{password}"

    async def verify(self, password: str, password_hash: str) -> bool:
        self.verifications += 1
        return password_hash == f"hashed:{password}"

    async def verify_dummy(self, password: str) -> None:
        self.dummy_verifications += 1


class Codec:
    def issue(self, claims: AccessClaims, *, now: datetime) -> str:
        return f"jwt:{claims.account_id}"

    def verify(self, token: str, *, now: datetime) -> AccessClaims:
        raise Unauthenticated("not used here")


@dataclass
class Store:
    accounts: dict[str, Account] = field(default_factory=dict)
    refresh: dict[str, RefreshToken] = field(default_factory=dict)
    failures: list[tuple[str, datetime]] = field(default_factory=list)


class Accounts:
    def __init__(self, store: Store) -> None:
        self.store = store

    async def by_email(self, email: str) -> Account | None:
        return next(
            (a for a in self.store.accounts.values() if a.email.casefold() == email.casefold()),
            None,
        )

    async def get(self, account_id: str) -> Account | None:
        return self.store.accounts.get(account_id)


class Refresh:
    def __init__(self, store: Store) -> None:
        self.store = store

    async def add(self, token: RefreshToken) -> None:
        self.store.refresh[token.id] = token

    async def by_hash(self, token_hash: str) -> RefreshToken | None:
        return next((t for t in self.store.refresh.values() if t.token_hash == token_hash), None)

    async def mark_used(self, token_id: str, *, at: datetime) -> bool:
        token = self.store.refresh[token_id]
        if token.used_at is not None:
            return False
        self.store.refresh[token_id] = replace(token, used_at=at)
        return True

    async def seal_successor(self, token_id: str, sealed: str) -> None:
        self.store.refresh[token_id] = replace(self.store.refresh[token_id], successor=sealed)

    async def revoke_family(self, family_id: str, *, at: datetime) -> None:
        for key, token in self.store.refresh.items():
            if token.family_id == family_id:
                self.store.refresh[key] = replace(token, revoked_at=at, successor=None)


class ReversingCipher:
    """Not encryption: enough to show the sealed value is not the plain one."""

    def encrypt(self, plaintext: bytes) -> str:
        return plaintext[::-1].decode()

    def decrypt(self, token: str) -> bytes:
        return token.encode()[::-1]

    def rotate(self, token: str) -> str:
        return token


class Throttle:
    def __init__(self, store: Store) -> None:
        self.store = store

    async def failures(self, key: str, *, since: datetime) -> int:
        return sum(1 for k, at in self.store.failures if k == key and at >= since)

    async def record_failure(self, key: str, *, at: datetime) -> None:
        self.store.failures.append((key, at))

    async def oldest_failure(self, key: str, *, since: datetime) -> datetime | None:
        return min((at for k, at in self.store.failures if k == key and at >= since), default=None)

    async def prune(self, *, before: datetime) -> int:
        kept = [(k, at) for k, at in self.store.failures if at >= before]
        removed, self.store.failures = len(self.store.failures) - len(kept), kept
        return removed

    async def clear(self, key: str) -> None:
        self.store.failures = [(k, at) for k, at in self.store.failures if k != key]


class Uow:
    def __init__(self, store: Store) -> None:
        self.accounts = Accounts(store)
        self.refresh_tokens = Refresh(store)
        self.login_throttle = Throttle(store)
        self.api_tokens: Any = None

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        return None

    async def commit(self) -> None:
        return None


@pytest.fixture
def world() -> tuple[AuthService, Store, CountingHasher, Clock]:
    store = Store()
    store.accounts["a1"] = Account(
        id="a1",
        email="t@school.example",
        display_name="T",
        role=Role.TEACHER,
        person_sourced_id="p1",
        password_hash="hashed:right password",
        created_at=T0,
    )
    hasher, clock = CountingHasher(), Clock()
    uow = lambda: cast(UnitOfWork, Uow(store))  # noqa: E731
    service = AuthService(
        uow=uow,
        hasher=hasher,
        codec=Codec(),
        clock=clock,
        cipher=ReversingCipher(),
        states=AccountStates(uow=uow, ttl=timedelta(0)),
        config=AuthConfig(
            max_failures_per_account=3,
            max_failures_per_address=5,
            throttle_window=timedelta(minutes=10),
        ),
    )
    return service, store, hasher, clock


async def test_unknown_account_costs_one_password_verification(world: Any) -> None:
    service, _, hasher, _ = world
    with pytest.raises(Unauthenticated) as unknown:
        await service.login(email="nobody@school.example", password="x", client_address="10.0.0.1")
    with pytest.raises(Unauthenticated) as wrong:
        await service.login(email="t@school.example", password="x", client_address="10.0.0.2")
    assert str(unknown.value) == str(wrong.value)
    assert (hasher.dummy_verifications, hasher.verifications) == (1, 1)


async def test_account_throttle_opens_again_after_the_window(world: Any) -> None:
    service, _, _, clock = world
    for minute in range(3):
        clock.at = T0 + timedelta(minutes=minute)
        with pytest.raises(Unauthenticated):
            await service.login(email="t@school.example", password="bad", client_address=None)
    clock.at = T0 + timedelta(minutes=4)
    with pytest.raises(Throttled) as throttled:
        await service.login(
            email="t@school.example", password="right password", client_address=None
        )
    assert throttled.value.retry_after == pytest.approx(
        6 * 60
    )  # the oldest failure leaves the window
    clock.at = T0 + timedelta(minutes=10, seconds=1)
    tokens = await service.login(
        email="t@school.example", password="right password", client_address=None
    )
    assert tokens.access_token == "jwt:a1"


async def test_address_throttle_covers_many_accounts(world: Any) -> None:
    service, _, _, _ = world
    for i in range(5):
        with pytest.raises(Unauthenticated):
            await service.login(
                email=f"guess{i}@school.example", password="bad", client_address="10.9.9.9"
            )
    with pytest.raises(Throttled):
        await service.login(
            email="t@school.example", password="right password", client_address="10.9.9.9"
        )
    ok = await service.login(
        email="t@school.example", password="right password", client_address="10.0.0.7"
    )
    assert ok.access_token == "jwt:a1"


async def test_refresh_reuse_revokes_every_token_of_the_family(world: Any) -> None:
    service, store, _, clock = world
    first = await service.login(
        email="t@school.example", password="right password", client_address=None
    )
    second = await service.refresh(refresh_token=first.refresh_token)
    sealed = store.refresh[next(iter(store.refresh))].successor
    assert sealed is not None
    assert second.refresh_token not in sealed
    clock.at = T0 + timedelta(seconds=11)  # past the grace (10 s by default)
    with pytest.raises(Unauthenticated, match="already used"):
        await service.refresh(refresh_token=first.refresh_token)
    assert all(t.revoked_at is not None for t in store.refresh.values())
    with pytest.raises(Unauthenticated):
        await service.refresh(refresh_token=second.refresh_token)


async def test_expired_refresh_token_is_refused(world: Any) -> None:
    service, _, _, clock = world
    tokens = await service.login(
        email="t@school.example", password="right password", client_address=None
    )
    clock.at = T0 + timedelta(days=15)
    with pytest.raises(Unauthenticated, match="expired"):
        await service.refresh(refresh_token=tokens.refresh_token)


async def test_old_failures_are_pruned_once_outside_the_window(world: Any) -> None:
    service, store, _, clock = world
    with pytest.raises(Unauthenticated):
        await service.login(email="t@school.example", password="bad", client_address="10.1.1.1")
    assert await service.prune_login_failures() == "pruned 0 old login failures"
    clock.at = T0 + timedelta(minutes=11)
    assert await service.prune_login_failures() == "pruned 2 old login failures"
    assert store.failures == []
