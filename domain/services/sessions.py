"""Whether an account's access tokens still count, and ending every session of an account.

An access token is a signed JWT that carries its account's ``token_version`` (decision D39). Raising
the version in the database ends every access token issued before; revoking the refresh tokens and
personal API tokens ends everything else. Checking the version on every request would add a
database read to every cached roster read, so each process remembers what it read about an account
for a short time (``ttl``, a few seconds): a change made in this process is seen at once (the
process forgets the account as it commits), a change made in another process within ``ttl``.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta

from domain.errors import Unauthenticated
from domain.models.identity import AccessClaims
from domain.ports import UnitOfWork, UnitOfWorkFactory

#: accounts remembered per process (a few dozen bytes each)
STATES_SIZE = 16_384
ENDED = "The session has ended (password change, deactivation or log-out); log in again."


@dataclass(frozen=True, slots=True)
class AccountState:
    """What decides whether an account's access tokens still count. ``None``: no such account."""

    token_version: int
    active: bool


@dataclass(frozen=True, slots=True)
class _Seen:
    state: AccountState | None
    until: datetime


class AccountStates:
    """The per-process, short-lived memory of each account's token version and active flag."""

    def __init__(self, *, uow: UnitOfWorkFactory, ttl: timedelta) -> None:
        self._uow = uow
        self._ttl = ttl
        self._seen: OrderedDict[str, _Seen] = OrderedDict()
        # Raised by every ``forget``: a read that began before it must not store what it read,
        # which may predate the change that was just committed.
        self._generation = 0

    async def require_current(self, claims: AccessClaims, *, now: datetime) -> None:
        """Raise ``Unauthenticated`` unless the token's account exists, is active and has not
        ended its sessions since the token was issued."""
        state = await self.get(claims.account_id, now=now)
        if state is None or not state.active or state.token_version != claims.token_version:
            raise Unauthenticated(ENDED)

    async def get(self, account_id: str, *, now: datetime) -> AccountState | None:
        seen = self._seen.get(account_id)
        if seen is not None and now < seen.until:
            return seen.state
        generation = self._generation
        async with self._uow() as uow:
            account = await uow.accounts.get(account_id)
        state = None if account is None else AccountState(account.token_version, account.active)
        if generation == self._generation and self._ttl > timedelta(0):
            self._seen[account_id] = _Seen(state, now + self._ttl)
            self._seen.move_to_end(account_id)
            if len(self._seen) > STATES_SIZE:
                self._seen.popitem(last=False)
        return state

    def forget(self, account_id: str) -> None:
        """Call after committing a change to the account's version or active flag."""
        self._generation += 1
        self._seen.pop(account_id, None)


async def end_sessions(uow: UnitOfWork, account_id: str, *, at: datetime) -> None:
    """End every access token, refresh token and personal API token of the account, in ``uow``.

    The caller commits, then calls ``AccountStates.forget``.
    """
    await uow.accounts.bump_token_version(account_id)
    await uow.refresh_tokens.revoke_account(account_id, at=at)
    await uow.api_tokens.revoke_account(account_id, at=at)
