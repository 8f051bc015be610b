"""Access tokens a simulator issued, so it tells "expired" from "never issued" as upstreams do."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, replace
from enum import Enum

from simulators.kit.clock import SimClock


class TokenStatus(Enum):
    VALID = "valid"
    EXPIRED = "expired"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class IssuedToken:
    value: str
    subject: str
    issued_at: float
    expires_at: float
    scope: str = ""


class TokenStore:
    def __init__(self, clock: SimClock, *, ttl: int) -> None:
        self._clock = clock
        self.ttl = ttl
        self._tokens: dict[str, IssuedToken] = {}

    def issue(
        self, subject: str, *, value: str | None = None, scope: str = "", ttl: int | None = None
    ) -> IssuedToken:
        now = self._clock.now()
        token = IssuedToken(
            value=value or secrets.token_urlsafe(32),
            subject=subject,
            issued_at=now,
            expires_at=now + (self.ttl if ttl is None else ttl),
            scope=scope,
        )
        self._tokens[token.value] = token
        return token

    def check(self, value: str) -> tuple[TokenStatus, IssuedToken | None]:
        token = self._tokens.get(value)
        if token is None:
            return TokenStatus.UNKNOWN, None
        if token.expires_at <= self._clock.now():
            return TokenStatus.EXPIRED, token
        return TokenStatus.VALID, token

    def expire_all(self) -> None:
        now = self._clock.now()
        self._tokens = {
            k: replace(t, expires_at=min(t.expires_at, now)) for k, t in self._tokens.items()
        }

    def live(self) -> int:
        now = self._clock.now()
        return sum(1 for t in self._tokens.values() if t.expires_at > now)

    def clear(self) -> None:
        self._tokens.clear()

    def __len__(self) -> int:
        return len(self._tokens)
