"""Ports for accounts, credentials, tokens, throttling, audit and secrets at rest."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from domain.models.identity import (
    AccessClaims,
    Account,
    ApiToken,
    AuditEvent,
    AuditQuery,
    RefreshToken,
    Role,
)


class AccountRepository(Protocol):
    async def add(self, account: Account) -> None: ...

    async def get(self, account_id: str) -> Account | None: ...

    async def by_email(self, email: str) -> Account | None:
        """Case-insensitive."""
        ...

    async def by_sso_subject(self, subject: str) -> Account | None: ...

    async def list(
        self, *, role: Role | None = None, limit: int = 100, offset: int = 0
    ) -> tuple[Sequence[Account], int]:
        """A page of accounts and the total count."""
        ...

    async def update(self, account: Account) -> None:
        """Writes every field but ``token_version``, which only ``bump_token_version`` moves."""
        ...

    async def bump_token_version(self, account_id: str) -> None:
        """Raise the version every access token of the account must carry, in the database."""
        ...

    async def lock_active_admins(self) -> None:
        """Lock the active admins' rows until the transaction ends (no-op where writes already
        serialise), so two admins removing each other cannot both succeed."""
        ...

    async def count_active_admins(self) -> int: ...

    async def any_demo(self) -> bool: ...


class RefreshTokenRepository(Protocol):
    async def add(self, token: RefreshToken) -> None: ...

    async def by_hash(self, token_hash: str) -> RefreshToken | None: ...

    async def mark_used(self, token_id: str, *, at: datetime) -> bool:
        """Atomically mark an unused token used; False if it had been used already. The winner
        holds the row until its transaction ends, so a loser reading it again sees its successor."""
        ...

    async def seal_successor(self, token_id: str, sealed: str) -> None: ...

    async def forget_successors(self, *, used_before: datetime) -> int:
        """Drop the sealed successors of tokens spent before ``used_before``; how many went."""
        ...

    async def revoke_family(self, family_id: str, *, at: datetime) -> None:
        """Revoke every token of the family and drop their sealed successors."""
        ...

    async def revoke_account(self, account_id: str, *, at: datetime) -> None:
        """Revoke every token of the account and drop their sealed successors."""
        ...


class ApiTokenRepository(Protocol):
    async def add(self, token: ApiToken) -> None: ...

    async def by_hash(self, token_hash: str) -> ApiToken | None: ...

    async def get(self, token_id: str) -> ApiToken | None: ...

    async def for_account(self, account_id: str) -> Sequence[ApiToken]: ...

    async def revoke(self, token_id: str, *, at: datetime) -> None: ...

    async def revoke_account(self, account_id: str, *, at: datetime) -> None: ...

    async def touch(self, token_id: str, *, at: datetime) -> None: ...


class LoginThrottleRepository(Protocol):
    """Failure counters per key (``account:<email>``, ``address:<ip>``) in fixed windows."""

    async def failures(self, key: str, *, since: datetime) -> int: ...

    async def record_failure(self, key: str, *, at: datetime) -> None: ...

    async def oldest_failure(self, key: str, *, since: datetime) -> datetime | None: ...

    async def clear(self, key: str) -> None: ...

    async def prune(self, *, before: datetime) -> int:
        """Forget failures older than ``before``; returns how many went."""
        ...


class AuditRepository(Protocol):
    """Append-only: there is no update or delete."""

    async def append(self, event: AuditEvent) -> None: ...

    async def query(self, query: AuditQuery) -> tuple[Sequence[AuditEvent], int]: ...


class PasswordHasher(Protocol):
    async def hash(self, password: str) -> str: ...

    async def verify(self, password: str, password_hash: str) -> bool: ...

    async def verify_dummy(self, password: str) -> None:
        """Spend the time a real verification would, for accounts that do not exist."""
        ...


class AccessTokenCodec(Protocol):
    """Signs and verifies short-lived access tokens (JWTs); keys carry ids so they can rotate."""

    def issue(self, claims: AccessClaims, *, now: datetime) -> str:
        """A signed token for ``claims``, issued at ``now`` (the clock ``verify`` is given)."""
        ...

    def verify(self, token: str, *, now: datetime) -> AccessClaims:
        """Raises ``Unauthenticated`` for a bad signature, unknown key id, wrong issuer or expiry."""
        ...


class Cipher(Protocol):
    """Authenticated encryption for secrets at rest (upstream credentials), with key rotation."""

    def encrypt(self, plaintext: bytes) -> str: ...

    def decrypt(self, token: str) -> bytes:
        """Raises ``InvalidInput`` when the token was not made by any configured key."""
        ...

    def rotate(self, token: str) -> str:
        """Re-encrypt under the newest key."""
        ...
