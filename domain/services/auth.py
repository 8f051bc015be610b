"""Logging in, refreshing, logging out, personal API tokens and turning a bearer token into an Actor."""

from __future__ import annotations

import hashlib
import json
import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from domain.errors import InvalidInput, NotFound, PermissionDenied, Throttled, Unauthenticated
from domain.models.identity import (
    AccessClaims,
    Account,
    Actor,
    ApiToken,
    AuthMethod,
    IssuedTokens,
    RefreshToken,
    TokenScope,
)
from domain.ports import Clock, UnitOfWork, UnitOfWorkFactory
from domain.ports.identity import AccessTokenCodec, Cipher, PasswordHasher
from domain.services.sessions import AccountStates, end_sessions

API_TOKEN_PREFIX = "bff_pat_"  # noqa: S105 - a recognisable prefix, like GitHub's, not a secret
BAD_CREDENTIALS = "Incorrect email or password."
SPENT = "The refresh token was already used; every session from it is revoked."


@dataclass(frozen=True, slots=True, kw_only=True)
class AuthConfig:
    access_ttl: timedelta = timedelta(minutes=15)
    refresh_ttl: timedelta = timedelta(days=14)
    throttle_window: timedelta = timedelta(minutes=15)
    max_failures_per_account: int = 5
    max_failures_per_address: int = 30
    #: how long after a refresh token is spent the same token still gets the same new pair, for
    #: the request that lost the race (two tabs, a client retry); decision D40
    refresh_grace: timedelta = timedelta(seconds=10)


def digest(secret: str) -> str:
    """Tokens are long random strings, so a fast hash is enough; only the digest is stored."""
    return hashlib.sha256(secret.encode()).hexdigest()


class AuthService:
    def __init__(
        self,
        *,
        uow: UnitOfWorkFactory,
        hasher: PasswordHasher,
        codec: AccessTokenCodec,
        clock: Clock,
        config: AuthConfig,
        cipher: Cipher,
        states: AccountStates,
    ) -> None:
        self._uow = uow
        self._hasher = hasher
        self._codec = codec
        self._clock = clock
        self._config = config
        self._cipher = cipher
        self._states = states

    async def login(self, *, email: str, password: str, client_address: str | None) -> IssuedTokens:
        """Password login. Unknown accounts and wrong passwords get the same answer and cost."""
        now = self._clock.now()
        keys = [f"account:{email.strip().casefold()}"]
        if client_address:
            keys.append(f"address:{client_address}")
        async with self._uow() as uow:
            await self._refuse_if_throttled(uow, keys, now)
            account = await uow.accounts.by_email(email.strip())
            if account is None or account.password_hash is None:
                await self._hasher.verify_dummy(password)
                ok = False
            else:
                ok = await self._hasher.verify(password, account.password_hash) and account.active
            if not ok or account is None:
                for key in keys:
                    await uow.login_throttle.record_failure(key, at=now)
                await uow.commit()
                raise Unauthenticated(BAD_CREDENTIALS)
            await uow.login_throttle.clear(keys[0])
            tokens = await self._issue(uow, account, family_id=uuid.uuid4().hex, now=now)
            await uow.commit()
            return tokens

    async def login_sso(self, *, account: Account) -> IssuedTokens:
        async with self._uow() as uow:
            tokens = await self._issue(
                uow, account, family_id=uuid.uuid4().hex, now=self._clock.now()
            )
            await uow.commit()
            return tokens

    async def refresh(self, *, refresh_token: str) -> IssuedTokens:
        """Rotate: the presented token is spent and a new one issued in the same family.

        Presenting a spent token means it leaked, and the whole family is revoked; except within
        ``refresh_grace`` of its first use, when the caller gets the pair that first use got: two
        tabs or a retry refreshing at once are one client, not a thief (decision D40).
        """
        now = self._clock.now()
        token_hash = digest(refresh_token)
        async with self._uow() as uow:
            stored = await uow.refresh_tokens.by_hash(token_hash)
            if stored is None or stored.revoked_at is not None or now >= stored.expires_at:
                raise Unauthenticated("The refresh token is invalid or expired; log in again.")
            if stored.used_at is None and await uow.refresh_tokens.mark_used(stored.id, at=now):
                account = await uow.accounts.get(stored.account_id)
                if account is None or not account.active:
                    await uow.commit()
                    raise Unauthenticated("The account is no longer active.")
                tokens = await self._issue(uow, account, family_id=stored.family_id, now=now)
                await uow.refresh_tokens.seal_successor(stored.id, self._seal(tokens))
                await uow.commit()
                return tokens
            if stored.used_at is None:
                # Lost the race: the winner held the row until it committed, so it is there now.
                stored = await uow.refresh_tokens.by_hash(token_hash) or stored
            if (
                stored.revoked_at is None
                and stored.used_at is not None
                and stored.successor is not None
                and now - stored.used_at <= self._config.refresh_grace
            ):
                try:
                    return self._unseal(stored.successor, issued_at=stored.used_at, now=now)
                except InvalidInput as exc:  # sealed under an encryption key since removed
                    raise Unauthenticated("The refresh token was just used; log in again.") from exc
            await uow.refresh_tokens.revoke_family(stored.family_id, at=now)
            await uow.commit()
            raise Unauthenticated(SPENT)

    async def logout(self, *, actor: Actor, refresh_token: str | None) -> None:
        """End the session of ``refresh_token``; without one, every session, access token and
        personal API token of the account."""
        now = self._clock.now()
        async with self._uow() as uow:
            if refresh_token:
                stored = await uow.refresh_tokens.by_hash(digest(refresh_token))
                if stored is not None and stored.account_id == actor.account_id:
                    await uow.refresh_tokens.revoke_family(stored.family_id, at=now)
                await uow.commit()
                return
            await end_sessions(uow, actor.account_id, at=now)
            await uow.commit()
        self._states.forget(actor.account_id)

    async def verify_password(self, account: Account, password: str) -> None:
        """Check a password the caller already logged in with (to change it, say). Failures count
        towards the account's login throttle, so a stolen token cannot guess it at leisure."""
        now = self._clock.now()
        key = f"account:{account.email.strip().casefold()}"
        async with self._uow() as uow:
            await self._refuse_if_throttled(uow, [key], now)
            if account.password_hash is not None and await self._hasher.verify(
                password, account.password_hash
            ):
                return
            await uow.login_throttle.record_failure(key, at=now)
            await uow.commit()
        raise PermissionDenied("The current_password is not correct.")

    async def authenticate(self, bearer: str) -> Actor:
        """An access token (JWT) or a personal API token, as an Actor."""
        now = self._clock.now()
        if bearer.startswith(API_TOKEN_PREFIX):
            return await self._authenticate_api_token(bearer, now)
        claims = self._codec.verify(bearer, now=now)
        await self._states.require_current(claims, now=now)
        return Actor(
            account_id=claims.account_id,
            role=claims.role,
            person_sourced_id=claims.person_sourced_id,
            method=AuthMethod.PASSWORD,
        )

    async def create_api_token(
        self, *, actor: Actor, name: str, scope: TokenScope, expires_in_days: int | None
    ) -> tuple[ApiToken, str]:
        """A personal token for scripts; the secret is returned here once and stored only hashed."""
        if not actor.can_write:
            raise PermissionDenied("A read-only token cannot create tokens.")
        now = self._clock.now()
        if expires_in_days is not None and expires_in_days < 1:
            raise InvalidInput("A token lives at least one day.", field="expires_in_days")
        expires_at = now + timedelta(days=expires_in_days) if expires_in_days else None
        secret = API_TOKEN_PREFIX + secrets.token_urlsafe(32)
        token = ApiToken(
            id=uuid.uuid4().hex,
            account_id=actor.account_id,
            name=name,
            prefix=secret[: len(API_TOKEN_PREFIX) + 6],
            token_hash=digest(secret),
            scope=scope,
            created_at=now,
            expires_at=expires_at,
        )
        async with self._uow() as uow:
            await uow.api_tokens.add(token)
            await uow.commit()
        return token, secret

    async def list_api_tokens(self, *, actor: Actor) -> Sequence[ApiToken]:
        async with self._uow() as uow:
            return await uow.api_tokens.for_account(actor.account_id)

    async def revoke_api_token(self, *, actor: Actor, token_id: str) -> None:
        async with self._uow() as uow:
            token = await uow.api_tokens.get(token_id)
            # Someone else's token is reported as missing, so ids cannot be probed.
            if token is None or (token.account_id != actor.account_id and not actor.is_admin):
                raise NotFound("No such API token.")
            await uow.api_tokens.revoke(token_id, at=self._clock.now())
            await uow.commit()

    async def prune_login_failures(self) -> str:
        """Periodic: failures older than the throttle window can never count again."""
        async with self._uow() as uow:
            removed = await uow.login_throttle.prune(
                before=self._clock.now() - self._config.throttle_window
            )
            await uow.commit()
        return f"pruned {removed} old login failures"

    async def prune(self) -> str:
        """Periodic: old login failures, and sealed refresh successors past the grace."""
        failures = await self.prune_login_failures()
        async with self._uow() as uow:
            forgotten = await uow.refresh_tokens.forget_successors(
                used_before=self._clock.now() - self._config.refresh_grace
            )
            await uow.commit()
        return f"{failures}; forgot {forgotten} spent refresh successors"

    async def _authenticate_api_token(self, secret: str, now: datetime) -> Actor:
        async with self._uow() as uow:
            token = await uow.api_tokens.by_hash(digest(secret))
            if token is None or not token.usable_at(now):
                raise Unauthenticated("The API token is invalid, revoked or expired.")
            account = await uow.accounts.get(token.account_id)
            if account is None or not account.active:
                raise Unauthenticated("The API token's account is no longer active.")
            await uow.api_tokens.touch(token.id, at=now)
            await uow.commit()
        return Actor(
            account_id=account.id,
            role=account.role,
            person_sourced_id=account.person_sourced_id,
            can_write=token.scope is TokenScope.READ_WRITE,
            method=AuthMethod.API_TOKEN,
        )

    async def _refuse_if_throttled(self, uow: UnitOfWork, keys: list[str], now: datetime) -> None:
        since = now - self._config.throttle_window
        limits = {
            "account": self._config.max_failures_per_account,
            "address": self._config.max_failures_per_address,
        }
        for key in keys:
            if await uow.login_throttle.failures(key, since=since) >= limits[key.split(":", 1)[0]]:
                oldest = await uow.login_throttle.oldest_failure(key, since=since) or now
                retry_after = (oldest + self._config.throttle_window - now).total_seconds()
                raise Throttled(
                    "Too many failed logins; try again later.", retry_after=max(retry_after, 1.0)
                )

    async def _issue(
        self, uow: UnitOfWork, account: Account, *, family_id: str, now: datetime
    ) -> IssuedTokens:
        refresh_secret = secrets.token_urlsafe(32)
        await uow.refresh_tokens.add(
            RefreshToken(
                id=uuid.uuid4().hex,
                account_id=account.id,
                family_id=family_id,
                token_hash=digest(refresh_secret),
                issued_at=now,
                expires_at=now + self._config.refresh_ttl,
            )
        )
        access = self._codec.issue(
            AccessClaims(
                account_id=account.id,
                role=account.role,
                person_sourced_id=account.person_sourced_id,
                expires_at=now + self._config.access_ttl,
                token_version=account.token_version,
            ),
            now=now,
        )
        return IssuedTokens(
            access_token=access,
            expires_in=int(self._config.access_ttl.total_seconds()),
            refresh_token=refresh_secret,
        )

    def _seal(self, tokens: IssuedTokens) -> str:
        plain = {"access": tokens.access_token, "refresh": tokens.refresh_token}
        return self._cipher.encrypt(json.dumps(plain).encode())

    def _unseal(self, sealed: str, *, issued_at: datetime, now: datetime) -> IssuedTokens:
        plain = json.loads(self._cipher.decrypt(sealed))
        return IssuedTokens(
            access_token=plain["access"],
            # the same access token, so the same expiry: a few seconds sooner than a fresh one's
            expires_in=int((issued_at + self._config.access_ttl - now).total_seconds()),
            refresh_token=plain["refresh"],
        )
